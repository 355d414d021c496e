import {mkdir, open, readFile, rm} from 'node:fs/promises'
import path from 'node:path'
import {PGlite} from '@electric-sql/pglite'
import {EXIT, LeadpoetError} from '../errors.js'
import {toLeadpoetError} from '../store/errors.js'
import {createPostgresPool, pgliteSession, postgresSession, type SqlSession} from './session.js'

/** Where the data lives: a Postgres URL, a Supabase project URL, or the embedded PGlite directory. */
export type DatabaseTarget =
  | {kind: 'postgres'; url: string}
  | {kind: 'supabase'; url: string}
  | {kind: 'embedded'; dir: string}

export function resolveTarget(db: string | undefined, dataDir: string): DatabaseTarget {
  if (!db) return {kind: 'embedded', dir: path.join(dataDir, 'db')}
  if (/^postgres(ql)?:\/\//.test(db)) return {kind: 'postgres', url: db}
  if (/^https?:\/\//.test(db)) return {kind: 'supabase', url: db}
  throw new LeadpoetError('INVALID_DATABASE', `--db must be a postgres:// URL or a Supabase https:// URL, not ${JSON.stringify(db)}`, EXIT.usage)
}

/** Names the target without its password, for output. */
export function describeTarget(target: DatabaseTarget): string {
  if (target.kind === 'embedded') return `embedded (${target.dir})`
  const url = new URL(target.url)
  if (url.password) url.password = '***'
  return url.toString()
}

/**
 * The embedded database is one process's at a time (PGlite has no server to arbitrate): a lock file
 * beside it names the holder, and a lock whose process is gone is taken over.
 */
async function lockEmbedded(dir: string): Promise<() => Promise<void>> {
  const lockPath = `${dir}.lock`
  await mkdir(path.dirname(lockPath), {recursive: true})
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(lockPath, 'wx')
      await handle.writeFile(JSON.stringify({pid: process.pid, command: process.argv.slice(2).join(' '), since: new Date().toISOString()}))
      await handle.close()
      return () => rm(lockPath, {force: true})
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
      const holder = await readFile(lockPath, 'utf8').then((text) => JSON.parse(text) as {pid: number; command: string; since: string}, () => undefined)
      if (holder && isAlive(holder.pid)) {
        throw new LeadpoetError(
          'DATABASE_LOCKED',
          `the embedded database is in use by process ${holder.pid} (leadpoet ${holder.command}, since ${holder.since}); try again when it ends`,
          EXIT.error,
          {holder},
        )
      }
      await rm(lockPath, {force: true}) // stale: its process is gone
    }
  }
  throw new LeadpoetError('DATABASE_LOCKED', `could not lock the embedded database at ${dir}`, EXIT.error)
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** A SQL session on a Postgres server or the embedded database (Supabase projects speak only RPC). */
export async function openSqlSession(target: DatabaseTarget): Promise<SqlSession> {
  if (target.kind === 'postgres') {
    const session = postgresSession(createPostgresPool(target.url))
    try {
      await session.query('select 1') // fail here, clearly, rather than halfway through a command
    } catch (error) {
      await session.close()
      throw toLeadpoetError(error)
    }
    return session
  }
  if (target.kind === 'supabase') {
    throw new LeadpoetError(
      'NEEDS_SQL_CONNECTION',
      'a Supabase project URL speaks only through its API: apply migrations with `supabase db push`, or pass its postgres:// connection string',
      EXIT.usage,
    )
  }
  const unlock = await lockEmbedded(target.dir)
  try {
    const session = pgliteSession(await PGlite.create(target.dir))
    return {
      ...session,
      close: async () => {
        await session.close()
        await unlock()
      },
    }
  } catch (error) {
    await unlock()
    throw error
  }
}
