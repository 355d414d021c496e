import path from 'node:path'
import {EXIT, LeadpoetError} from '../errors.js'
import {acquireLock} from '../lock.js'
import {toLeadpoetError} from '../adapters/errors.js'
import {createPostgresPool, pgliteClient, postgresClient, type SqlClient} from './sql-client.js'

/** Where the data lives: a Postgres URL, a Supabase project URL, or the embedded PGlite directory. */
export type DatabaseTarget =
  {kind: 'postgres'; url: string} | {kind: 'supabase'; url: string} | {kind: 'embedded'; dir: string}

export function resolveTarget(db: string | undefined, dataDir: string): DatabaseTarget {
  if (!db) return {kind: 'embedded', dir: path.join(dataDir, 'db')}
  if (/^postgres(ql)?:\/\//.test(db)) return {kind: 'postgres', url: db}
  if (/^https?:\/\//.test(db)) return {kind: 'supabase', url: db}
  throw new LeadpoetError(
    'INVALID_DATABASE',
    `--db must be a postgres:// URL or a Supabase https:// URL, not ${JSON.stringify(db)}`,
    EXIT.usage,
  )
}

/** Names the target without its password, for output. */
export function describeTarget(target: DatabaseTarget): string {
  if (target.kind === 'embedded') return `embedded (${target.dir})`
  const url = new URL(target.url)
  if (url.password) url.password = '***'
  return url.toString()
}

/** A SQL client for a Postgres server or the embedded database (Supabase projects speak only RPC). */
export async function openSqlClient(target: DatabaseTarget): Promise<SqlClient> {
  if (target.kind === 'postgres') {
    const client = postgresClient(createPostgresPool(target.url))
    try {
      await client.query('select 1') // fail here, clearly, rather than halfway through a command
    } catch (error) {
      await client.close()
      throw toLeadpoetError(error)
    }
    return client
  }
  if (target.kind === 'supabase') {
    throw new LeadpoetError(
      'NEEDS_SQL_CONNECTION',
      'a Supabase project URL speaks only through its API: apply migrations with `supabase db push`, or pass its postgres:// connection string',
      EXIT.usage,
    )
  }
  // PGlite has no server to arbitrate between processes: one process at a time, named when refused.
  const unlock = await acquireLock(`${target.dir}.lock`, {
    code: 'DATABASE_LOCKED',
    exitCode: EXIT.error,
    what: 'the embedded database',
  })
  try {
    // Loaded here, not at the top: commands on Postgres never pay for PGlite's module.
    const {openPglite} = await import('./pglite.js')
    const client = pgliteClient(await openPglite(target.dir))
    return {
      ...client,
      close: async () => {
        await client.close()
        await unlock()
      },
    }
  } catch (error) {
    await unlock()
    throw error
  }
}
