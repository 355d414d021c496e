import type {z} from 'zod'
import type {RpcAdapter, RpcArgs, RpcFunction} from '../adapters/rpc-adapter.js'
import {EXIT, LeadpoetError} from '../errors.js'

/**
 * A database function's JSON result, checked against the type this version expects: a drift between
 * the SQL and the code is caught at the boundary, with one clear error, instead of deep in a command.
 */
export function parseRpcResult<S extends z.ZodType>(fn: string, schema: S, raw: unknown): z.infer<S> {
  const parsed = schema.safeParse(raw)
  if (!parsed.success) {
    throw new LeadpoetError(
      'UNEXPECTED_RESPONSE',
      `${fn} returned a result this version does not understand (is the database migrated to the same version?)`,
      EXIT.error,
      parsed.error.issues,
    )
  }
  return parsed.data
}

/** Calls one database function through an adapter and parses its result. */
export async function callRpc<S extends z.ZodType>(
  adapter: RpcAdapter,
  fn: RpcFunction,
  schema: S,
  args?: RpcArgs,
): Promise<z.infer<S>> {
  return parseRpcResult(fn, schema, await adapter.rpc(fn, args))
}
