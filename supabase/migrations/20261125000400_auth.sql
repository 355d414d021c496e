-- Hotkey authentication (docs/auth.md): a participant proves its hotkey to the issuer (the
-- leadpoet-auth Edge Function, or `leadpoet auth issue`) and gets a short-lived JWT for its role.
-- The database keeps what every issuer instance must share and what every request must see at once:
--   * the challenge nonces already used (a signed challenge buys one token, once);
--   * revoked tokens (by jti) and revoked hotkeys, checked by PostgREST's pre-request function on
--     every API request.
-- Conventions as in the functions migration: SECURITY DEFINER, search_path pg_catalog, pg_temp, errors of class LP.
--     LP498 the token or its hotkey is revoked (raised through PostgREST as HTTP 401)

create table leadpoet.auth_nonces (
  hotkey text not null check (length(hotkey) between 1 and 128),
  nonce text not null check (length(nonce) between 1 and 128),
  -- After this the challenge's timestamp is out of the issuer's window: the row can go.
  expires_at timestamptz not null,
  claimed_at timestamptz not null default now(),
  primary key (hotkey, nonce)
);
create index auth_nonces_expires_at_idx on leadpoet.auth_nonces (expires_at);

-- One table for both kinds, so the per-request check is one primary-key probe per claim.
create table leadpoet.token_revocations (
  subject_kind text not null check (subject_kind in ('jti', 'hotkey')),
  subject text not null check (length(subject) between 1 and 128),
  reason text check (length(reason) <= 500),
  revoked_by text not null,
  revoked_at timestamptz not null default now(),
  primary key (subject_kind, subject)
);

alter table leadpoet.auth_nonces enable row level security;
alter table leadpoet.token_revocations enable row level security;
revoke all on leadpoet.auth_nonces, leadpoet.token_revocations from public, anon, authenticated;

-- ---------------------------------------------------------------------------------------------
-- Nonces (the issuer, acting as the operator: the Edge Function holds the service-role key)

-- Records a challenge's nonce, atomically: 'claimed' the first time, 'replayed' ever after (until the
-- challenge has expired anyway); without recording anything, 'revoked' when the hotkey is revoked and
-- 'expired' when the row would already be past its time by the database's clock (an issuer whose clock
-- is far off must fail closed: such a row would be cleared at once and the nonce open to a replay).
create function public.auth_claim_nonce(p_hotkey text, p_nonce text, p_expires_at timestamptz)
returns jsonb
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_claimed boolean;
begin
  perform leadpoet.require_caller(array['operator']);
  if p_hotkey is null or length(p_hotkey) not between 1 and 128
     or p_nonce is null or length(p_nonce) not between 1 and 128 then
    raise exception using errcode = 'LP400', message = 'hotkey and nonce must be 1 to 128 characters';
  end if;
  if p_expires_at is null or p_expires_at > now() + interval '1 day' then
    raise exception using errcode = 'LP400', message = 'expires_at must be within a day';
  end if;
  if exists (select 1 from leadpoet.token_revocations r where r.subject_kind = 'hotkey' and r.subject = p_hotkey) then
    return jsonb_build_object('outcome', 'revoked');
  end if;
  if p_expires_at <= now() then
    return jsonb_build_object('outcome', 'expired');
  end if;
  -- Housekeeping, bounded: each claim clears up to 100 expired rows, anybody's (hotkeys that never
  -- log in again included), so the table stays about as large as the last few minutes' logins.
  delete from leadpoet.auth_nonces n
   where (n.hotkey, n.nonce) in (select o.hotkey, o.nonce from leadpoet.auth_nonces o
                                  where o.expires_at < now()
                                  order by o.expires_at limit 100
                                  for update skip locked);
  -- A concurrent claim of the same nonce waits on the key and then does nothing: exactly one wins.
  insert into leadpoet.auth_nonces (hotkey, nonce, expires_at) values (p_hotkey, p_nonce, p_expires_at)
  on conflict do nothing
  returning true into v_claimed;
  return jsonb_build_object('outcome', case when v_claimed then 'claimed' else 'replayed' end);
end
$$;

-- ---------------------------------------------------------------------------------------------
-- Revocation (operator)

create function leadpoet.revocation_json(r leadpoet.token_revocations)
returns jsonb
language sql stable
set search_path = pg_catalog, pg_temp
as $$
  select jsonb_build_object('kind', r.subject_kind, 'subject', r.subject, 'reason', r.reason,
                            'revoked_by', r.revoked_by, 'revoked_at', r.revoked_at)
$$;

create function leadpoet.check_revocation_subject(p_kind text, p_subject text)
returns void
language plpgsql immutable
set search_path = pg_catalog, pg_temp
as $$
begin
  if p_kind is null or p_kind not in ('jti', 'hotkey') then
    raise exception using errcode = 'LP400', message = 'kind must be jti or hotkey';
  end if;
  if p_subject is null or length(p_subject) not between 1 and 128 then
    raise exception using errcode = 'LP400', message = 'the revoked jti or hotkey must be 1 to 128 characters';
  end if;
end
$$;

-- Revokes one token (its jti) or every token of a hotkey, now and until lifted. Revoking twice
-- keeps the first record (already_revoked: true).
create function public.auth_revoke(p_kind text, p_subject text, p_reason text default null)
returns jsonb
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_caller leadpoet.caller := leadpoet.require_caller(array['operator']);
  v_row leadpoet.token_revocations;
  v_new boolean := true;
begin
  perform leadpoet.check_revocation_subject(p_kind, p_subject);
  if length(p_reason) > 500 then
    raise exception using errcode = 'LP400', message = 'reason must be at most 500 characters';
  end if;
  insert into leadpoet.token_revocations (subject_kind, subject, reason, revoked_by)
  values (p_kind, p_subject, nullif(btrim(p_reason), ''), v_caller.hotkey)
  on conflict do nothing
  returning * into v_row;
  if not found then
    v_new := false;
    select * into v_row from leadpoet.token_revocations r where r.subject_kind = p_kind and r.subject = p_subject;
  end if;
  return leadpoet.revocation_json(v_row) || jsonb_build_object('already_revoked', not v_new);
end
$$;

-- Lifts a revocation: the hotkey may log in again, the jti works again if it has not expired.
create function public.auth_lift_revocation(p_kind text, p_subject text)
returns jsonb
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_lifted boolean;
begin
  perform leadpoet.require_caller(array['operator']);
  perform leadpoet.check_revocation_subject(p_kind, p_subject);
  delete from leadpoet.token_revocations r where r.subject_kind = p_kind and r.subject = p_subject
  returning true into v_lifted;
  return jsonb_build_object('kind', p_kind, 'subject', p_subject, 'lifted', coalesce(v_lifted, false));
end
$$;

-- ---------------------------------------------------------------------------------------------
-- PostgREST's pre-request check: runs before every API request, as the request's role. Its own
-- schema, outside the API (db-schemas), so it is not callable as an RPC; every request role may use it.

create schema leadpoet_hooks;
revoke all on schema leadpoet_hooks from public;
grant usage on schema leadpoet_hooks to anon, authenticated, service_role;

-- Cheap by construction: one JSON parse of the claims and at most two primary-key probes. The anon
-- key and the service-role key carry no hotkey of ours and pass unchanged.
create function leadpoet_hooks.pre_request()
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
    -- SQLSTATE PGRST: PostgREST answers with this status, code and header instead of a generic 400.
    raise sqlstate 'PGRST' using
      message = json_build_object('code', 'LP498', 'message', 'token revoked: log in again, or ask the operator',
                                  'details', null, 'hint', null)::text,
      detail = json_build_object('status', 401, 'headers',
                                 json_build_object('WWW-Authenticate', 'Bearer error="invalid_token", error_description="token revoked"'))::text;
  end if;
end
$$;

-- ---------------------------------------------------------------------------------------------
-- Access

revoke execute on function leadpoet.revocation_json(leadpoet.token_revocations),
  leadpoet.check_revocation_subject(text, text) from public;
revoke execute on function leadpoet_hooks.pre_request() from public;
grant execute on function leadpoet_hooks.pre_request() to anon, authenticated, service_role;

revoke execute on function public.auth_claim_nonce(text, text, timestamptz), public.auth_revoke(text, text, text),
  public.auth_lift_revocation(text, text) from public, anon;
grant execute on function public.auth_claim_nonce(text, text, timestamptz), public.auth_revoke(text, text, text),
  public.auth_lift_revocation(text, text) to authenticated, service_role;

-- Tell PostgREST to run the check: in-database configuration of its login role, for this database
-- only (roles are cluster-wide; other databases on the server are not ours). Hosted Supabase reads
-- it the same way. Without PostgREST (plain Postgres, PGlite) there is no authenticator: nothing to do.
do $$
begin
  if exists (select 1 from pg_catalog.pg_roles where rolname = 'authenticator') then
    execute format('alter role authenticator in database %I set pgrst.db_pre_request = %L',
                   current_database(), 'leadpoet_hooks.pre_request');
    perform pg_catalog.pg_notify('pgrst', 'reload config');
  end if;
end
$$;
