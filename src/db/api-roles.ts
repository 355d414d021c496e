import type {SqlClient} from './sql-client.js'

/**
 * The roles a Supabase project has and a plain Postgres lacks: `anon`, `authenticated`,
 * `service_role` (the request roles) and `authenticator` (PostgREST's login role, NOINHERIT, granted
 * the request roles). Created when missing, before `migrate`: the auth migration points PostgREST's
 * pre-request revocation check at `authenticator` only if it exists (docs/auth.md, self-hosting).
 * Roles are cluster-wide; the advisory lock serialises concurrent callers. Needs CREATEROLE (and
 * superuser for BYPASSRLS).
 */
export async function ensureApiRoles(sql: SqlClient): Promise<void> {
  await sql.transaction(async (tx) => {
    await tx.query('select pg_advisory_xact_lock(71000, 1)')
    await tx.exec(`
      do $$
      begin
        if not exists (select 1 from pg_roles where rolname = 'anon') then create role anon nologin noinherit; end if;
        if not exists (select 1 from pg_roles where rolname = 'authenticated') then create role authenticated nologin noinherit; end if;
        if not exists (select 1 from pg_roles where rolname = 'service_role') then
          create role service_role nologin noinherit bypassrls;
        end if;
        if not exists (select 1 from pg_roles where rolname = 'authenticator') then create role authenticator login noinherit; end if;
      end
      $$;
      grant anon, authenticated, service_role to authenticator;`)
  })
}

/** True when PostgREST's login role runs the revocation check in this database (set by the auth migration). */
export async function revocationCheckOn(sql: SqlClient): Promise<boolean> {
  const rows = await sql.query<{on: boolean}>(`
    select exists (
      select 1 from pg_catalog.pg_db_role_setting s
        join pg_catalog.pg_database d on d.oid = s.setdatabase
        join pg_catalog.pg_roles r on r.oid = s.setrole
       where r.rolname = 'authenticator' and d.datname = current_database()
         and 'pgrst.db_pre_request=leadpoet_hooks.pre_request' = any (s.setconfig)) as on`)
  return rows[0]?.on === true
}
