import type {SupabaseClient} from '@supabase/supabase-js'
import {toLeadpoetError} from './errors.js'
import type {RpcAdapter, RpcArgs, RpcFunction} from './rpc-adapter.js'

/** Hosted Supabase (or any PostgREST): the identity is the JWT the client sends. */
export class SupabaseRpcAdapter implements RpcAdapter {
  constructor(private readonly client: SupabaseClient) {}

  async rpc(fn: RpcFunction, args: RpcArgs = {}): Promise<unknown> {
    try {
      // throwOnError: an error of the transport (supabase-api.ts) reaches us as it was thrown, not
      // flattened into a message with its stack as details.
      return (await this.client.rpc(fn, args).throwOnError()).data
    } catch (error) {
      throw toLeadpoetError(error)
    }
  }

  async close(): Promise<void> {}
}
