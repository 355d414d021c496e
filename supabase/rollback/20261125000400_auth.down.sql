-- Undoes 20261125000400_auth: PostgREST stops running the pre-request check first (it would fail
-- every request once the function is gone), then the functions, the hook schema and the tables go.
do $$
begin
  if exists (select 1 from pg_catalog.pg_roles where rolname = 'authenticator') then
    execute format('alter role authenticator in database %I reset pgrst.db_pre_request', current_database());
    perform pg_catalog.pg_notify('pgrst', 'reload config');
  end if;
end
$$;

drop function if exists
  public.auth_claim_nonce(text, text, timestamptz), public.auth_revoke(text, text, text),
  public.auth_lift_revocation(text, text);
drop schema if exists leadpoet_hooks cascade;
drop function if exists leadpoet.revocation_json(leadpoet.token_revocations), leadpoet.check_revocation_subject(text, text);
drop table if exists leadpoet.auth_nonces, leadpoet.token_revocations;
