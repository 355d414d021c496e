import {PGlite} from '@electric-sql/pglite'
import {migrate} from '../../src/db/migrations.js'
import {createPostgresPool, pgliteClient, postgresClient, type SqlClient} from '../../src/db/sql-client.js'
import {hotkeyForName} from '../../src/hotkey-address.js'
import type {Identity} from '../../src/identity.js'
import {ConsensusService} from '../../src/service/consensus.js'
import {SqlRpcAdapter} from '../../src/adapters/sql-adapter.js'
import {SupabaseRpcAdapter} from '../../src/adapters/supabase-adapter.js'
import type {RpcAdapter} from '../../src/adapters/rpc-adapter.js'
import {createTestDatabase} from './postgres.js'
import {startPostgrest, type PostgrestServer} from './postgrest.js'

export type Backend = 'postgres' | 'pglite' | 'postgrest'
export const BACKENDS: Backend[] = ['postgres', 'pglite', 'postgrest']

/**
 * A migrated database on one backend, with a service per identity. `sql` is the superuser's view
 * for assertions only; everything under test goes through the service layer.
 */
export interface World {
  backend: Backend
  /** the test database's URL (Postgres backends) */
  databaseUrl?: string
  sql: SqlClient
  postgrest?: PostgrestServer
  as(identity: Identity): Promise<ConsensusService>
  operator: ConsensusService
  /** Empties every consensus table and restores the default settings and chain clock. */
  reset(): Promise<void>
  /** Moves the chain clock: the anchor is set so that the current block is `block`. */
  setBlock(block: number): Promise<void>
  /** Moves the chain clock forward by whole epochs, to the first block of the target epoch. */
  enterEpoch(epoch: number): Promise<void>
  close(): Promise<void>
}

/** A real SS58 address (prefix 42) of its own for each label: deterministic, and nobody's key. */
export const hotkeyOf = hotkeyForName

/** An identity with a hotkey (every participant but the database owner). */
export type Participant = Identity & {hotkey: string}
export const operatorIdentity: Participant = {hotkey: hotkeyOf('operator'), role: 'operator'}
export const validator = (n: number | string): Participant => ({hotkey: hotkeyOf(`validator-${n}`), role: 'validator'})
export const miner = (n: number | string): Participant => ({hotkey: hotkeyOf(`miner-${n}`), role: 'miner'})

export async function createWorld(backend: Backend, options: {poolSize?: number} = {}): Promise<World> {
  const database = backend === 'pglite' ? undefined : await createTestDatabase()
  const sql = database
    ? postgresClient(createPostgresPool(database.url, options.poolSize ?? 20))
    : pgliteClient(new PGlite())
  await migrate(sql)
  const postgrest = backend === 'postgrest' && database ? await startPostgrest(database.name) : undefined

  const adapters: RpcAdapter[] = []
  const as = async (identity: Identity): Promise<ConsensusService> => {
    const adapter: RpcAdapter = postgrest
      ? new SupabaseRpcAdapter(await postgrest.clientFor(identity))
      : new SqlRpcAdapter(sql, identity, false)
    adapters.push(adapter)
    return new ConsensusService(adapter)
  }
  const operator = await as(operatorIdentity)
  const setBlock = async (block: number) => {
    await operator.setChainAnchor(block, new Date())
  }
  const world: World = {
    backend,
    databaseUrl: database?.url,
    sql,
    postgrest,
    as,
    operator,
    setBlock,
    async reset() {
      await sql.exec(`
        truncate public.prospect_queue, public.leads, public.validation_tracking, leadpoet.prospect_leases,
                 leadpoet.validator_queue_positions, leadpoet.epoch_closures, leadpoet.epoch_probation_status,
                 leadpoet.weight_commits, leadpoet.golden_leads, leadpoet.golden_serves,
                 leadpoet.golden_validator_state, leadpoet.golden_votes, leadpoet.golden_decisions cascade;
        delete from leadpoet.settings;
        insert into leadpoet.settings default values;
        update leadpoet.chain_anchor set block_number = 0, seen_at = now();`)
    },
    enterEpoch: async (epoch) => {
      const {blocks_per_epoch} = await operator.settings()
      await setBlock(epoch * blocks_per_epoch)
    },
    async close() {
      for (const adapter of adapters) await adapter.close()
      await postgrest?.stop()
      await sql.close()
      await database?.drop()
    },
  }
  return world
}
