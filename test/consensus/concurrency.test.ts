import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {drainQueue, stableUnit} from '../../src/simulation/drain.js'
import {createWorld, miner, validator, type Backend, type World} from '../support/world.js'

const VALIDATORS = 16
const PROSPECTS = 2000

// Property: whatever the interleaving, every prospect ends with exactly three distinct voters and one
// decision, leads holds exactly the accepted ones, and every decision is reported exactly once.
describe.each<Backend>(['postgres', 'postgrest'])(
  `%s: ${VALIDATORS} validators drain ${PROSPECTS} prospects concurrently`,
  (backend) => {
    let world: World

    beforeAll(async () => {
      world = await createWorld(backend, {poolSize: VALIDATORS + 4})
    })
    afterAll(async () => {
      await world?.close()
    })

    it('keeps every invariant', async () => {
      // Given four miners' prospects in the queue
      for (let m = 0; m < 4; m++) {
        const service = await world.as(miner(m))
        for (let batch = 0; batch < PROSPECTS / 4 / 250; batch++) {
          await service.enqueue(
            Array.from({length: 250}, (_, i) => ({
              business: `Co ${m}-${batch}-${i}`,
              email: `p${m}-${batch}-${i}@co-${m}.com`,
            })),
          )
        }
      }
      const validators = await Promise.all(Array.from({length: VALIDATORS}, (_, i) => world.as(validator(i))))

      // When sixteen validators pull and vote at once (about 70 % valid votes, the same on every run)
      const stats = await drainQueue(validators, (index, prospect) => ({
        prospect_id: prospect.prospect_id,
        is_valid: stableUnit(`${index}:${prospect.prospect_id}`) < 0.7,
        score: 0.5,
      }))

      // Then
      expect(stats.votes).toBe(PROSPECTS * 3)
      expect(stats.refused).toBe(0)
      expect(stats.accepted + stats.rejected).toBe(PROSPECTS) // each decision reported once

      const [counts] = await world.sql.query<Record<string, number>>(`
      with per_prospect as (
        select q.id, q.consensus_status, q.pull_count, cardinality(q.validators_pulled) as pulled,
               count(v.id)::int as votes, count(distinct v.validator_hotkey)::int as voters,
               (count(*) filter (where v.is_valid))::int as valid_votes
          from public.prospect_queue q left join public.validation_tracking v on v.prospect_id = q.id
         group by q.id)
      select count(*)::int as prospects,
             (count(*) filter (where votes = 3 and voters = 3 and pulled = 3 and pull_count = 3))::int as three_voters,
             (count(*) filter (where consensus_status = 'accepted'))::int as accepted,
             (count(*) filter (where consensus_status = 'rejected'))::int as rejected,
             (count(*) filter (where (consensus_status = 'accepted') <> (valid_votes >= 2)))::int as wrong_decisions,
             (select count(*)::int from public.leads) as leads,
             (select count(distinct prospect_id)::int from public.leads) as distinct_leads,
             (select count(*)::int from public.leads l join public.prospect_queue q on q.id = l.prospect_id
               where q.consensus_status = 'accepted') as leads_of_accepted
        from per_prospect`)
      expect(counts).toMatchObject({prospects: PROSPECTS, three_voters: PROSPECTS, wrong_decisions: 0})
      expect(counts!.accepted! + counts!.rejected!).toBe(PROSPECTS)
      expect(counts!.leads).toBe(counts!.accepted)
      expect(counts!.distinct_leads).toBe(counts!.accepted)
      expect(counts!.leads_of_accepted).toBe(counts!.accepted)
      expect(stats.accepted).toBe(counts!.accepted)
      // With p = 0.7 per vote, about 78 % of leads should pass 2-of-3: a sanity bound, not a timing.
      expect(counts!.accepted! / PROSPECTS).toBeGreaterThan(0.7)
      expect(counts!.accepted! / PROSPECTS).toBeLessThan(0.86)
    })

    it('lets sweeps run at once without expiring a lease twice', async () => {
      await world.reset()
      const m = await world.as(miner('sweep'))
      const {prospect_ids} = await m.enqueue(Array.from({length: 300}, (_, i) => ({email: `s${i}@sweep.com`})))
      const holders = await Promise.all([0, 1].map((i) => world.as(validator(`sweep-${i}`))))
      for (const h of holders) expect((await h.pull(300)).prospects).toHaveLength(300)
      const {block} = await world.operator.clock()
      await world.setBlock(block + 200) // every lease has lapsed, the quorum timeout (720) not yet

      const sweeps = await Promise.all(Array.from({length: 4}, () => world.operator.sweep()))
      const rest = await world.operator.sweep() // whatever was skipped as locked
      const expired = [...sweeps, rest].reduce((sum, s) => sum + s.expired_leases, 0)
      expect(expired).toBe(600)
      const [row] = await world.sql.query<{bad: number}>(
        `select count(*)::int as bad from public.prospect_queue where pull_count <> 0 or not reopened`,
      )
      expect(row).toEqual({bad: 0})
      // Pulled once, their leases lapsed: they wait for (other) validators, not for a first pull.
      expect(rest.pending).toMatchObject({
        total: prospect_ids.length,
        waiting_for_first_pull: 0,
        waiting_for_validators: 300,
      })
    })
  },
)
