import type {SupabaseClient} from '@supabase/supabase-js'
import {toLeadpoetError} from './errors.js'
import type {RpcAdapter, RpcArgs, RpcFunction} from './rpc-adapter.js'

/** Hosted Supabase (or any PostgREST): the identity is the JWT the client sends. */
export class SupabaseRpcAdapter implements RpcAdapter {
  constructor(private readonly client: SupabaseClient) {}

  async rpc(fn: RpcFunction, args: RpcArgs = {}): Promise<unknown> {
    let response
    try {
      response = await this.client.rpc(fn, args)
    } catch (error) {
      throw toLeadpoetError(error)
    }
    if (response.error) throw toLeadpoetError(response.error)
    return response.data
  }

  async close(): Promise<void> {}
}
