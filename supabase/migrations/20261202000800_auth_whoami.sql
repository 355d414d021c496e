-- What the database sees of a request (docs/auth.md): `leadpoet auth login` calls auth_whoami with the
-- token it was just given, so a token the API would refuse (an issuer signing with another secret than
-- PostgREST's) or read differently fails at login, not at every later command.
-- And revocations worded by what was revoked: a revoked token can be replaced by logging in again, a
-- revoked hotkey cannot (its logins are refused too).
--     LP497 the hotkey is revoked      LP498 the token (jti) is revoked      (both HTTP 401 through PostgREST)

-- SECURITY INVOKER on purpose: current_user is then the role PostgREST switched to for the request
-- (anon, authenticated, service_role). It reads no table.
create function public.auth_whoami()
returns jsonb
language sql stable
set search_path = pg_catalog, pg_temp
set jit = off
as $$
  select jsonb_build_object('role', current_user::text, 'hotkey', c ->> 'hotkey', 'app_role', c ->> 'app_role',
                            'uid', c -> 'uid', 'jti', c ->> 'jti')
    from (select coalesce(nullif(current_setting('request.jwt.claims', true), '')::jsonb, '{}'::jsonb) as c) claims
$$;

revoke execute on function public.auth_whoami() from public, anon;
grant execute on function public.auth_whoami() to authenticated, service_role;

-- The pre-request check of 20261125000400_auth, same probes, hotkey first (the stronger statement).
create or replace function leadpoet_hooks.pre_request()
returns void
language plpgsql stable security definer
set search_path = pg_catalog, pg_temp
set jit = off
as $$
declare
  v_claims jsonb := coalesce(nullif(current_setting('request.jwt.claims', true), '')::jsonb, '{}'::jsonb);
  v_role text := v_claims ->> 'role';
  v_code text;
  v_message text;
begin
  if v_role is null or v_role in ('anon', 'service_role') then
    return;
  end if;
  if exists (select 1 from leadpoet.token_revocations r where r.subject_kind = 'hotkey' and r.subject = v_claims ->> 'hotkey') then
    v_code := 'LP497';
    v_message := format('hotkey %s is revoked: its tokens and its logins are refused until the operator lifts the revocation',
                        left(v_claims ->> 'hotkey', 64));
  elsif exists (select 1 from leadpoet.token_revocations r where r.subject_kind = 'jti' and r.subject = v_claims ->> 'jti') then
    v_code := 'LP498';
    v_message := format('token %s is revoked: log in again for a new one', left(v_claims ->> 'jti', 64));
  else
    return;
  end if;
  -- SQLSTATE PGRST: PostgREST answers with this status, code and header instead of a generic 400.
  raise sqlstate 'PGRST' using
    message = json_build_object('code', v_code, 'message', v_message, 'details', null, 'hint', null)::text,
    detail = json_build_object('status', 401, 'headers',
                               json_build_object('WWW-Authenticate', 'Bearer error="invalid_token", error_description="token revoked"'))::text;
end
$$;
