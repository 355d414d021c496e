import type {SqlClient} from '../db/sql-client.js'
import {requestClaims, type Identity} from '../identity.js'
import {toLeadpoetError} from './errors.js'
import type {RpcAdapter, RpcArgs, RpcFunction} from './rpc-adapter.js'

const RETRIES = 3
// A cron run must end: a call that waits on a lock or runs longer than this fails with a clear error
// instead of holding the run lock forever.
const LOCK_TIMEOUT = '30s'
const STATEMENT_TIMEOUT = '120s'

/**
 * Direct Postgres and PGlite: each call is one transaction that first takes on the identity the way
 * PostgREST does (role authenticated, request.jwt.claims), so the functions see one kind of caller.
 */
export class SqlRpcAdapter implements RpcAdapter {
  constructor(
    private readonly sql: SqlClient,
    private readonly identity: Identity,
    private readonly ownsClient = true,
  ) {}

  async rpc(fn: RpcFunction, args: RpcArgs = {}): Promise<unknown> {
    const names = Object.keys(args)
    // Values go as parameters; json arguments are sent as JSON text (pg would turn arrays into
    // Postgres array literals). Names come from our own call sites, never from input.
    const values = names.map((name) => jsonParameter(args[name]))
    // The role PostgREST would switch to for these claims (authenticated, or service_role for the owner).
    const claims = requestClaims(this.identity)
    const call = `select public.${fn}(${names.map((name, i) => `${name} => $${i + 1}`).join(', ')}) as result`
    // Every function is one atomic transaction and a resubmitted vote is a no-op, so a transaction
    // the server chose to abort (deadlock, serialization failure) is simply run again.
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.sql.transaction(async (tx) => {
          await tx.query(
            `select set_config('role', $2, true), set_config('request.jwt.claims', $1, true),
                    set_config('lock_timeout', '${LOCK_TIMEOUT}', true), set_config('statement_timeout', '${STATEMENT_TIMEOUT}', true)`,
            [JSON.stringify(claims), claims.role],
          )
          const rows = await tx.query<{result: unknown}>(call, values)
          return rows[0]?.result ?? null
        })
      } catch (error) {
        const code = (error as {code?: string}).code
        if (attempt < RETRIES && (code === '40P01' || code === '40001')) continue
        throw toLeadpoetError(error)
      }
    }
  }

  async close(): Promise<void> {
    if (this.ownsClient) await this.sql.close()
  }
}

function jsonParameter(value: unknown): unknown {
  if (value === undefined) return null
  if (value !== null && typeof value === 'object' && !(value instanceof Date)) return JSON.stringify(value)
  return value
}
