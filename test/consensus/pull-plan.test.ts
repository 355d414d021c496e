import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {hotkeyForName} from '../../src/hotkey-address.js'
import {createWorld, type World} from '../support/world.js'

/**
 * A pull reads about its batch, not the queue: counted in rows read from the queue table (the
 * statistics counters, flushed on demand), which is the same on every run, unlike a time. One
 * connection, so no other session's counters land in between.
 */
describe('a pull on a long queue', () => {
  const QUEUED = 20_000
  let world: World
  beforeAll(async () => {
    world = await createWorld('postgres', {poolSize: 1})
    const miner = hotkeyForName('plan-miner')
    await world.sql.query(
      `insert into public.prospect_queue (miner_hotkey, prospect)
       select $1, jsonb_build_object('email', 'p' || g || '@plan.example') from generate_series(1, ${QUEUED}) g`,
      [miner],
    )
    await world.sql.exec('analyze public.prospect_queue')
  })
  afterAll(async () => {
    await world?.close()
  })

  const rowsRead = async (): Promise<number> => {
    await world.sql.query('select pg_stat_force_next_flush()')
    const [row] = await world.sql.query<{read: string}>(
      `select seq_tup_read + coalesce(idx_tup_fetch, 0) as read
         from pg_stat_user_tables where relid = 'public.prospect_queue'::regclass`,
    )
    return Number(row!.read)
  }

  async function rowsReadByPull(validator: string): Promise<{taken: number; read: number}> {
    const before = await rowsRead()
    const taken = await world.sql.transaction(async (tx) => {
      const claims = JSON.stringify({role: 'authenticated', hotkey: validator, app_role: 'validator'})
      await tx.query(`select set_config('request.jwt.claims', $1, true)`, [claims])
      const [pull] = await tx.query<{taken: number}>(
        `select jsonb_array_length(public.pull_prospects_for_validator(50) -> 'prospects') as taken`,
      )
      return pull!.taken
    })
    return {taken, read: (await rowsRead()) - before}
  }

  it('given 20,000 waiting prospects, then a new validator and a returning one each read a few hundred rows, not the queue', async () => {
    for (const name of ['plan-v1', 'plan-v2', 'plan-v1']) {
      const {taken, read} = await rowsReadByPull(hotkeyForName(name))
      expect(taken).toBe(50)
      expect(read).toBeLessThan(1_000)
    }
  })
})
