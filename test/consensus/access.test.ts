import type {SupabaseClient} from '@supabase/supabase-js'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {ConsensusService} from '../../src/service/consensus.js'
import {SupabaseRpcAdapter} from '../../src/adapters/supabase-adapter.js'
import {createWorld, miner, validator, type World} from '../support/world.js'

// Through the real PostgREST: what a client holding only its own JWT (or none) can reach.
describe('access through PostgREST', () => {
  let world: World
  let prospectId: string

  beforeAll(async () => {
    world = await createWorld('postgrest')
    const m = await world.as(miner(1))
    ;[prospectId] = (await m.enqueue([{email: 'a@b.com'}])).prospect_ids as [string]
    const v = await world.as(validator(1))
    await v.pull(1)
    await v.submit([{prospect_id: prospectId, is_valid: true, score: 0.9}])
  })
  afterAll(async () => {
    await world?.close()
  })

  const serviceFor = (client: SupabaseClient) => new ConsensusService(new SupabaseRpcAdapter(client))
  const codeOf = async (promise: Promise<unknown>) =>
    promise.then(
      () => 'ok',
      (error: {code: string}) => error.code,
    )

  async function writesLeftNothing() {
    const [row] = await world.sql.query<Record<string, number>>(`
      select (select count(*)::int from public.prospect_queue) as prospects,
             (select count(*)::int from public.validation_tracking) as votes,
             (select count(*)::int from public.leads) as leads`)
    expect(row).toEqual({prospects: 1, votes: 1, leads: 0})
  }

  it('refuses every function to a request with no token (anon)', async () => {
    const anon = serviceFor(await world.postgrest!.clientFor('anon'))
    expect(await codeOf(anon.pull(1))).toBe('FORBIDDEN')
    expect(await codeOf(anon.enqueue([{email: 'x@y.com'}]))).toBe('FORBIDDEN')
    expect(await codeOf(anon.sweep())).toBe('FORBIDDEN')
    expect(await codeOf(anon.clock())).toBe('FORBIDDEN')
    await writesLeftNothing()
  })

  it('refuses expired tokens and tokens signed with another secret', async () => {
    const expired = serviceFor(
      await world.postgrest!.clientFor(validator(1), {expiresIn: Math.floor(Date.now() / 1000) - 60}),
    )
    expect(await codeOf(expired.pull(1))).toBe('NOT_AUTHENTICATED')
    const forged = serviceFor(
      await world.postgrest!.clientFor(validator(1), {secret: 'another-secret-of-at-least-32-characters!!'}),
    )
    expect(await codeOf(forged.pull(1))).toBe('NOT_AUTHENTICATED')
    await writesLeftNothing()
  })

  it('refuses an authenticated token that carries no hotkey or app_role', async () => {
    const client = await world.postgrest!.clientFor(validator(1), {
      extraClaims: {hotkey: undefined, app_role: undefined},
    })
    const error = await serviceFor(client)
      .pull(1)
      .catch((e: {code: string; message: string}) => e)
    expect(error).toMatchObject({
      code: 'NOT_AUTHENTICATED',
      message: expect.stringMatching(/no hotkey and app_role claims/),
    })
  })

  it.each(['anon', 'validator', 'miner'] as const)('denies %s direct reads and writes on every table', async (who) => {
    const client = await world.postgrest!.clientFor(
      who === 'anon' ? 'anon' : who === 'validator' ? validator(2) : miner(2),
    )
    // A row each table would accept, and a column to filter on, so only privileges can refuse.
    const tables: [string, Record<string, unknown>, string][] = [
      ['prospect_queue', {miner_hotkey: 'forged', prospect: {email: 'f@g.com'}}, 'id'],
      [
        'validation_tracking',
        {
          lead_id: prospectId,
          prospect_id: prospectId,
          validator_hotkey: 'forged',
          score: 1,
          is_valid: true,
          epoch_number: 0,
        },
        'prospect_id',
      ],
      ['leads', {email: 'forged@x.com', prospect_id: prospectId}, 'email'],
      ['consensus_results', {prospect_id: prospectId}, 'prospect_id'],
    ]
    for (const [table, row, column] of tables) {
      const read = await client.from(table).select('*')
      expect(read.error?.code, `${who} select ${table}`).toBe('42501')
      // consensus_results is an aggregate view: writes fail before privileges are even checked.
      const refusedWrite = table === 'consensus_results' ? ['55000', '42501'] : ['42501']
      const insert = await client.from(table).insert(row)
      expect(refusedWrite, `${who} insert ${table}`).toContain(insert.error?.code)
      const update = await client.from(table).update(row).not(column, 'is', null)
      expect(refusedWrite, `${who} update ${table}`).toContain(update.error?.code)
      const remove = await client.from(table).delete().not(column, 'is', null)
      expect(refusedWrite, `${who} delete ${table}`).toContain(remove.error?.code)
    }
    await writesLeftNothing()
  })

  it('does not expose the engine schema or its helpers', async () => {
    const client = await world.postgrest!.clientFor(validator(1))
    const decide = await client.rpc('decide' as never, {p_prospect_ids: [prospectId], p_epoch: 0} as never)
    expect(decide.error?.code).toBe('PGRST202')
    const settings = await client.schema('leadpoet').from('settings').select('*')
    expect(settings.error?.code).toBe('PGRST106')
  })

  it('lets a validator read neither other votes nor the tally before the decision', async () => {
    const other = await world.as(validator(2))
    expect(await other.prospect(prospectId)).toMatchObject({votes_visible: false, votes: []})
  })
})
