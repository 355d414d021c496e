import type {SqlSession} from '../db/session.js'
import {requestClaims, type Identity} from '../identity.js'
import {toLeadpoetError} from './errors.js'
import type {ConsensusStore, RpcArgs, RpcFunction} from './store.js'

/**
 * Direct Postgres and PGlite: each call is one transaction that first takes on the identity the way
 * PostgREST does (role authenticated, request.jwt.claims), so the functions see one kind of caller.
 */
export class SqlConsensusStore implements ConsensusStore {
  constructor(
    private readonly session: SqlSession,
    private readonly identity: Identity,
    private readonly ownsSession = true,
  ) {}

  async rpc(fn: RpcFunction, args: RpcArgs = {}): Promise<unknown> {
    const names = Object.keys(args)
    // Values go as parameters; json arguments are sent as JSON text (pg would turn arrays into
    // Postgres array literals). Names come from our own call sites, never from input.
    const values = names.map((name) => jsonParameter(args[name]))
    const call = `select public.${fn}(${names.map((name, i) => `${name} => $${i + 1}`).join(', ')}) as result`
    try {
      return await this.session.transaction(async (tx) => {
        await tx.query(`select set_config('role', 'authenticated', true), set_config('request.jwt.claims', $1, true)`, [
          JSON.stringify(requestClaims(this.identity)),
        ])
        const rows = await tx.query<{result: unknown}>(call, values)
        return rows[0]?.result ?? null
      })
    } catch (error) {
      throw toLeadpoetError(error)
    }
  }

  async close(): Promise<void> {
    if (this.ownsSession) await this.session.close()
  }
}

function jsonParameter(value: unknown): unknown {
  if (value === undefined) return null
  if (value !== null && typeof value === 'object' && !(value instanceof Date)) return JSON.stringify(value)
  return value
}
