import {readdir, readFile} from 'node:fs/promises'
import {fileURLToPath} from 'node:url'
import path from 'node:path'
import {z} from 'zod'
import {EXIT, LeadpoetError} from '../errors.js'
import type {SqlClient} from './sql-client.js'

/**
 * Applies supabase/migrations to any Postgres or PGlite, recording them where the Supabase CLI does
 * (supabase_migrations.schema_migrations), so `supabase db push` and `leadpoet db migrate` agree on
 * what is applied. Each migration is one transaction; a rollback runs the matching
 * supabase/rollback/<version>_<name>.down.sql files, newest first.
 */
export const SUPABASE_DIR = fileURLToPath(new URL('../../supabase', import.meta.url))

export interface Migration {
  version: string
  name: string
  sql: string
  down?: string
}

export const MigrationState = z.object({version: z.string(), name: z.string(), applied: z.boolean()})
export type MigrationState = z.infer<typeof MigrationState>

const FILE = /^(\d{14})_(.+)\.sql$/
const DOWN = /^(\d{14})_(.+)\.down\.sql$/
// Serialises migrators working on the same database.
const LOCK = 'select pg_advisory_xact_lock(71000, 0)'

export async function loadMigrations(dir = SUPABASE_DIR): Promise<Migration[]> {
  const downs = new Map<string, string>()
  for (const file of await readdir(path.join(dir, 'rollback')).catch(() => [] as string[])) {
    const match = DOWN.exec(file)
    if (match?.[1]) downs.set(match[1], await readFile(path.join(dir, 'rollback', file), 'utf8'))
  }
  const migrations: Migration[] = []
  for (const file of (await readdir(path.join(dir, 'migrations'))).sort()) {
    const match = FILE.exec(file)
    if (!match?.[1] || !match[2]) continue
    const sql = await readFile(path.join(dir, 'migrations', file), 'utf8')
    migrations.push({version: match[1], name: match[2], sql, down: downs.get(match[1])})
  }
  return migrations
}

async function ensureHistoryTable(db: SqlClient): Promise<void> {
  await db.exec(`
    create schema if not exists supabase_migrations;
    create table if not exists supabase_migrations.schema_migrations (
      version text primary key,
      statements text[],
      name text
    );`)
}

async function appliedVersions(db: SqlClient): Promise<Set<string>> {
  const rows = await db.query<{version: string}>('select version from supabase_migrations.schema_migrations')
  return new Set(rows.map((row) => row.version))
}

export async function migrationStatus(db: SqlClient, migrations?: Migration[]): Promise<MigrationState[]> {
  const all = migrations ?? (await loadMigrations())
  const exists = await db.query<{present: boolean}>(
    `select to_regclass('supabase_migrations.schema_migrations') is not null as present`,
  )
  const applied = exists[0]?.present ? await appliedVersions(db) : new Set<string>()
  return all.map((m) => ({version: m.version, name: m.name, applied: applied.has(m.version)}))
}

/** Applies what is not applied yet, oldest first; returns the versions it applied. */
export async function migrate(db: SqlClient, migrations?: Migration[]): Promise<string[]> {
  const all = migrations ?? (await loadMigrations())
  await db.transaction(async (tx) => {
    await tx.query(LOCK)
    await ensureHistoryTable(tx)
  })
  const done: string[] = []
  for (const migration of all) {
    const applied = await db
      .transaction(async (tx) => {
        await tx.query(LOCK)
        if ((await appliedVersions(tx)).has(migration.version)) return false
        await tx.exec(migration.sql)
        await tx.query(
          'insert into supabase_migrations.schema_migrations (version, name, statements) values ($1, $2, $3)',
          [migration.version, migration.name, [migration.sql]],
        )
        return true
      })
      .catch((error: Error) => {
        throw new LeadpoetError(
          'MIGRATION_FAILED',
          `migration ${migration.version}_${migration.name} failed: ${error.message}`,
          EXIT.error,
        )
      })
    if (applied) done.push(migration.version)
  }
  return done
}

/** A weight commit not revealed yet: its salt is gone with a rollback (so is any chance to reveal it). */
export const UnrevealedCommit = z.object({
  id: z.string(),
  netuid: z.number().int(),
  hotkey: z.string(),
  chain_epoch: z.number().int(),
  status: z.string(),
  commit_block: z.number().int().nullable(),
})
export type UnrevealedCommit = z.infer<typeof UnrevealedCommit>

/** What a rollback would drop unrevealed (read as the database owner, before anything is dropped). */
export async function listUnrevealedCommits(db: SqlClient): Promise<UnrevealedCommit[]> {
  const [table] = await db.query<{present: boolean}>(
    `select to_regclass('leadpoet.weight_commits') is not null as present`,
  )
  if (!table?.present) return []
  const rows = await db.query<Record<string, unknown>>(
    `select id::text, netuid, hotkey, chain_epoch::int, status, commit_block::int
       from leadpoet.weight_commits where status in ('submitted', 'committed') order by created_at, id`,
  )
  return rows.map((row) => UnrevealedCommit.parse(row))
}

/** Undoes every applied migration (newest first); returns the versions it undid. */
export async function rollback(db: SqlClient, migrations?: Migration[]): Promise<string[]> {
  const all = migrations ?? (await loadMigrations())
  const status = await migrationStatus(db, all)
  const undo = all.filter((m) => status.find((s) => s.version === m.version)?.applied).reverse()
  const missing = undo.filter((m) => m.down === undefined)
  if (missing.length > 0) {
    throw new LeadpoetError(
      'ROLLBACK_UNAVAILABLE',
      `no rollback file for ${missing.map((m) => `${m.version}_${m.name}`).join(', ')}`,
      EXIT.error,
    )
  }
  const done: string[] = []
  for (const migration of undo) {
    await db.transaction(async (tx) => {
      await tx.query(LOCK)
      await tx.exec(migration.down as string)
      await tx.query('delete from supabase_migrations.schema_migrations where version = $1', [migration.version])
    })
    done.push(migration.version)
  }
  return done
}

/**
 * Whether PostgREST checks revocations on every request: the auth tables exist and the
 * `authenticator` role runs leadpoet_hooks.pre_request in this database. Without that setting (the
 * role did not exist when the auth migration ran) revoked tokens keep working, silently.
 */
export const RevocationCheck = z.object({
  state: z.enum(['active', 'inactive', 'not_installed', 'not_applicable']),
  detail: z.string(),
})
export type RevocationCheck = z.infer<typeof RevocationCheck>

export async function revocationCheck(db: SqlClient): Promise<RevocationCheck> {
  const [row] = await db.query<{tables: boolean; authenticator: boolean; hook: string | null}>(`
    select to_regclass('leadpoet.token_revocations') is not null as tables,
           exists (select 1 from pg_catalog.pg_roles where rolname = 'authenticator') as authenticator,
           (select c from pg_catalog.pg_db_role_setting s, unnest(s.setconfig) c
             where s.setrole = (select oid from pg_catalog.pg_roles where rolname = 'authenticator')
               and s.setdatabase = (select oid from pg_catalog.pg_database where datname = current_database())
               and c like 'pgrst.db_pre_request=%' limit 1) as hook`)
  if (!row?.tables) return {state: 'not_installed', detail: 'the auth migration is not applied'}
  if (row.hook === 'pgrst.db_pre_request=leadpoet_hooks.pre_request') {
    return {state: 'active', detail: 'PostgREST (role authenticator) checks revocations on every request'}
  }
  return {
    state: 'inactive',
    detail: row.authenticator
      ? 'the authenticator role does not run leadpoet_hooks.pre_request in this database: revoked tokens still work'
      : 'there is no authenticator role: if PostgREST serves this database, revoked tokens still work ' +
        '(create the role, then run `leadpoet db migrate` again or see docs/auth.md)',
  }
}
