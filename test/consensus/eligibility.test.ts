import {afterAll, beforeAll, beforeEach, describe, expect, it} from 'vitest'
import type {ConsensusService} from '../../src/service/consensus.js'
import type {ValidatorEligibility} from '../../src/service/results.js'
import {createWorld, hotkeyOf, type Backend, type World} from '../support/world.js'

const validatorIdentity = (n: number) => ({hotkey: hotkeyOf(`eligibility-validator-${n}`), role: 'validator' as const})

describe.each<Backend>(['postgres', 'pglite'])('eligibility and the quorum timeout (%s)', (backend) => {
  let world: World
  let miner: ConsensusService
  let validators: ConsensusService[]

  beforeAll(async () => {
    world = await createWorld(backend)
  })
  afterAll(async () => {
    await world?.close()
  })
  beforeEach(async () => {
    await world.reset()
    miner = await world.as({hotkey: hotkeyOf('eligibility-miner'), role: 'miner'})
    validators = await Promise.all([1, 2, 3, 4, 5].map((n) => world.as(validatorIdentity(n))))
  })

  const enqueue = async (count: number, tag: string) =>
    (await miner.enqueue(Array.from({length: count}, (_, i) => ({email: `${tag}-${i}@eligibility.example`}))))
      .prospect_ids

  it('given a backlog nobody has pulled, when the quorum timeout passes, then nothing unpulled is decided and what three validators pulled is', async () => {
    const {quorum_timeout_blocks: timeout} = await world.operator.settings()
    const ids = await enqueue(300, 'backlog')
    // Three validators take the first 50 and vote; one of them also takes 20 more alone.
    for (const v of validators.slice(0, 3)) {
      const {prospects} = await v.pull(50)
      await v.submit(prospects.map((p) => ({prospect_id: p.prospect_id, is_valid: true, score: 0.9})))
    }
    const {prospects: alone} = await validators[0]!.pull(20)
    await validators[0]!.submit(alone.map((p) => ({prospect_id: p.prospect_id, is_valid: true, score: 0.9})))

    // Long past the timeout as counted from enqueue (and from those 20 first leases).
    const {block} = await world.operator.clock()
    await world.setBlock(block + timeout * 3)
    const sweep = await world.operator.sweep()
    expect(sweep).toMatchObject({timed_out: 20, rejected: 20})
    expect(sweep.pending).toMatchObject({total: 230, waiting_for_first_pull: 230, waiting_for_validators: 0})

    const rows = await world.sql.query<{status: string; reason: string | null; n: number}>(
      `select consensus_status as status, decision_reason as reason, count(*)::int as n
         from public.prospect_queue group by 1, 2 order by 1, 2`,
    )
    expect(rows).toEqual([
      {status: 'accepted', reason: 'majority_valid', n: 50},
      {status: 'pending', reason: null, n: 230},
      {status: 'rejected', reason: 'quorum_timeout', n: 20},
    ])
    expect(ids).toHaveLength(300)
  })

  it('given the unpulled expiry is on, then prospects nobody pulled in time expire, counted nowhere', async () => {
    await world.operator.updateSettings({unpulled_expiry_blocks: 100})
    await enqueue(3, 'stale')
    await validators[0]!.pull(1)
    const {block} = await world.operator.clock()
    await world.setBlock(block + 101)
    const sweep = await world.operator.sweep()
    expect(sweep).toMatchObject({expired_unpulled: 2, timed_out: 0, pending: {total: 1, waiting_for_first_pull: 0}})
    const stats = await world.operator.stats()
    expect(stats.decisions).toMatchObject({decided: 0, accepted: 0, rejected: 0, expired_unpulled: 2})
    expect((await world.operator.minerWeights()).miners).toEqual([])
    await world.operator.updateSettings({unpulled_expiry_blocks: null})
    expect((await world.operator.settings()).unpulled_expiry_blocks).toBeNull()
  })

  it('given a mixed epoch with timeout decisions, releases and lapsed leases, then eligibility equals an independent count from the raw votes', async () => {
    await world.operator.updateSettings({quorum_timeout_blocks: 50})
    await world.enterEpoch(2)
    const [v1, v2, v3, v4, v5] = validators as [
      ConsensusService,
      ConsensusService,
      ConsensusService,
      ConsensusService,
      ConsensusService,
    ]
    const ids = await enqueue(12, 'mixed')
    const valid = (i: number) => i % 3 !== 0
    const voteOn = async (v: ConsensusService, pick: (i: number) => boolean, say: (i: number) => boolean) => {
      const {prospects} = await v.pull(12)
      const mine = prospects.filter((p) => pick(ids.indexOf(p.prospect_id)))
      const rest = prospects.filter((p) => !pick(ids.indexOf(p.prospect_id)))
      if (mine.length) {
        await v.submit(
          mine.map((p) => ({prospect_id: p.prospect_id, is_valid: say(ids.indexOf(p.prospect_id)), score: 0.5})),
        )
      }
      return rest.map((p) => p.prospect_id)
    }
    // v1 and v2 vote the truth on all twelve; v3 votes against it on 0-7 and gives 8-11 back.
    await voteOn(v1, () => true, valid)
    await voteOn(v2, () => true, valid)
    const givenBack = await voteOn(
      v3,
      (i) => i < 8,
      (i) => !valid(i),
    )
    await v3.release(givenBack, 'cannot_judge')
    // v4 takes the four v3 gave back and votes the truth on two (8, 9); its leases on 10, 11 lapse.
    await voteOn(v4, (i) => i === 8 || i === 9, valid)
    // v5 pulls nothing (nothing is left).
    expect((await v5.pull(5)).prospects).toEqual([])

    // Past v4's lease (75 blocks) and the quorum timeout (50): 10 and 11 hold two votes each, and the
    // timeout decides them with what they have.
    const {block} = await world.operator.clock()
    await world.setBlock(block + 80)
    const sweep = await world.operator.sweep()
    expect(sweep.timed_out).toBe(2)

    const expected = await independentEligibility(world, 2)
    const reported = await world.operator.eligibility(2)
    expect(reported.validators).toEqual(expected)
    // The figures this scenario was built to show.
    const byHotkey = Object.fromEntries(reported.validators.map((v) => [v.validator_hotkey, v]))
    expect(byHotkey[validatorIdentity(1).hotkey]).toMatchObject({decided_leads: 10, timeout_votes: 2, eligible: true})
    expect(byHotkey[validatorIdentity(3).hotkey]).toMatchObject({
      released: 4,
      failed_rules: ['agreement_below_threshold'],
    })
    expect(byHotkey[validatorIdentity(4).hotkey]).toMatchObject({lapsed: 2, decided_leads: 2})
    expect(byHotkey[validatorIdentity(5).hotkey]).toBeUndefined() // no lease, no vote: no row

    // The closing snapshot holds the same rows.
    await world.enterEpoch(3)
    const closure = await world.operator.closeEpoch(2)
    expect(closure.eligibility).toEqual(expected)
  })
})

/**
 * Eligibility counted in TypeScript from the raw rows (votes, decisions, leases), by the seed's rules,
 * without the engine's own bookkeeping columns (full_quorum, lease epoch): what an independent
 * checker of the subnet would compute.
 */
async function independentEligibility(world: World, epoch: number): Promise<ValidatorEligibility[]> {
  const [settings] = await world.sql.query<{
    quorum: number
    majority: number
    eligibility_threshold: string
    min_decided_per_epoch: number
    max_abandoned_share: string
    blocks_per_epoch: number
  }>('select * from leadpoet.settings')
  const s = settings!
  const votes = await world.sql.query<{prospect_id: string; validator_hotkey: string; is_valid: boolean}>(
    `select v.prospect_id, v.validator_hotkey, v.is_valid from public.validation_tracking v
       join public.prospect_queue q on q.id = v.prospect_id
      where q.consensus_epoch = $1 and q.consensus_status in ('accepted', 'rejected')`,
    [epoch],
  )
  const leases = await world.sql.query<{
    validator_hotkey: string
    state: string
    leased_block: string
    expires_block: string
  }>('select validator_hotkey, state, leased_block, expires_block from leadpoet.prospect_leases')
  const [{block}] = (await world.sql.query<{block: string}>('select leadpoet.current_block() as block')) as [
    {block: string},
  ]

  const byProspect = new Map<string, typeof votes>()
  for (const v of votes) byProspect.set(v.prospect_id, [...(byProspect.get(v.prospect_id) ?? []), v])
  const rows = new Map<string, ValidatorEligibility>()
  const row = (hotkey: string) => {
    if (!rows.has(hotkey)) {
      rows.set(hotkey, {
        validator_hotkey: hotkey,
        decided_leads: 0,
        matching_votes: 0,
        timeout_votes: 0,
        agreement: 0,
        leases: 0,
        voted: 0,
        released: 0,
        lapsed: 0,
        abandoned_share: null,
        eligible: false,
        failed_rules: [],
        // no golden leads in this scenario: the golden rule does not apply
        golden_votes: 0,
        golden_correct: 0,
        golden_accuracy: null,
        golden_rule: 'not_applied',
      })
    }
    return rows.get(hotkey)!
  }
  for (const prospectVotes of byProspect.values()) {
    const majorityValid = prospectVotes.filter((v) => v.is_valid).length >= s.majority
    for (const v of prospectVotes) {
      const r = row(v.validator_hotkey)
      if (prospectVotes.length >= s.quorum) {
        r.decided_leads++
        if (v.is_valid === majorityValid) r.matching_votes++
      } else {
        r.timeout_votes++
      }
    }
  }
  for (const l of leases) {
    if (Math.floor(Number(l.leased_block) / s.blocks_per_epoch) !== epoch) continue
    const r = row(l.validator_hotkey)
    r.leases++
    if (l.state === 'voted') r.voted++
    if (l.state === 'released') r.released++
    if (l.state === 'expired' || (l.state === 'live' && Number(l.expires_block) <= Number(block))) r.lapsed++
  }
  const threshold = Number(s.eligibility_threshold)
  const maxAbandoned = Number(s.max_abandoned_share)
  for (const r of rows.values()) {
    r.agreement = r.decided_leads === 0 ? 0 : Math.round((r.matching_votes / r.decided_leads) * 10_000) / 10_000
    r.abandoned_share = r.leases === 0 ? null : Math.round(((r.released + r.lapsed) / r.leases) * 10_000) / 10_000
    const failed: ValidatorEligibility['failed_rules'] = []
    if (r.decided_leads < s.min_decided_per_epoch) failed.push('too_few_decided')
    if (r.matching_votes < threshold * r.decided_leads) failed.push('agreement_below_threshold')
    if (r.leases > 0 && r.released + r.lapsed > maxAbandoned * r.leases) failed.push('too_many_abandoned')
    r.failed_rules = failed
    r.eligible = failed.length === 0
  }
  return [...rows.values()].sort((a, b) => (a.validator_hotkey < b.validator_hotkey ? -1 : 1))
}
