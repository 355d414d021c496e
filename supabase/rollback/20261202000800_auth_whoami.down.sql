-- Undoes 20261202000800_auth_whoami: auth_whoami goes, and the pre-request check is again the one of
-- 20261125000400_auth (one message for both kinds of revocation, LP498).
drop function if exists public.auth_whoami();

create or replace function leadpoet_hooks.pre_request()
returns void
language plpgsql stable security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_claims jsonb := coalesce(nullif(current_setting('request.jwt.claims', true), '')::jsonb, '{}'::jsonb);
  v_role text := v_claims ->> 'role';
begin
  if v_role is null or v_role in ('anon', 'service_role') then
    return;
  end if;
  if exists (select 1 from leadpoet.token_revocations r where r.subject_kind = 'jti' and r.subject = v_claims ->> 'jti')
     or exists (select 1 from leadpoet.token_revocations r where r.subject_kind = 'hotkey' and r.subject = v_claims ->> 'hotkey') then
    raise sqlstate 'PGRST' using
      message = json_build_object('code', 'LP498', 'message', 'token revoked: log in again, or ask the operator',
                                  'details', null, 'hint', null)::text,
      detail = json_build_object('status', 401, 'headers',
                                 json_build_object('WWW-Authenticate', 'Bearer error="invalid_token", error_description="token revoked"'))::text;
  end if;
end
$$;
