import {afterAll, beforeAll, beforeEach, describe, expect, it} from 'vitest'
import type {ConsensusService} from '../../src/service/consensus.js'
import type {Assessment} from '../../src/service/results.js'
import {BACKENDS, createWorld, miner, validator, type World} from '../support/world.js'
import {refusalOf} from '../support/refusal.js'

// The same behaviour on every backend: direct Postgres, embedded PGlite, and PostgREST via supabase-js.

function lead(n: number | string, overrides: Record<string, unknown> = {}) {
  return {
    business: `Acme ${n}`,
    full_name: `Ada Lovelace ${n}`,
    first: 'Ada',
    last: 'Lovelace',
    email: `ada${n}@acme-${n}.com`,
    role: 'CTO',
    website: `https://acme-${n}.com`,
    industry: 'Software',
    sub_industry: 'Dev tools',
    region: 'EU',
    linkedin: `https://linkedin.com/in/ada-${n}`,
    source_url: `https://acme-${n}.com/team`,
    ...overrides,
  }
}

const V = (n: number) => validator(n).hotkey
const M = (n: number) => miner(n).hotkey
/** Rows as the database lists them, ordered by their first column (a hotkey). */
const inHotkeyOrder = <T extends [string, ...unknown[]]>(rows: T[]): T[] => rows.sort((a, b) => (a[0] < b[0] ? -1 : 1))

const vote = (prospectId: string, isValid: boolean, score = isValid ? 0.9 : 0.2): Assessment => ({
  prospect_id: prospectId,
  is_valid: isValid,
  score,
  rejection_reasons: isValid ? [] : [{check: 'email', message: 'mailbox does not exist', fields: ['email']}],
})

describe.each(BACKENDS)('consensus on %s', (backend) => {
  let world: World
  let validators: ConsensusService[]
  let minerOne: ConsensusService

  beforeAll(async () => {
    world = await createWorld(backend)
  })
  afterAll(async () => {
    await world?.close()
  })
  beforeEach(async () => {
    await world.reset()
    validators = await Promise.all([1, 2, 3, 4, 5].map((n) => world.as(validator(n))))
    minerOne = await world.as(miner(1))
  })

  async function enqueue(count: number, by = minerOne, offset = 0): Promise<string[]> {
    const {prospect_ids} = await by.enqueue(
      Array.from({length: count}, (_, i) => lead(`${offset + i}-${Math.random()}`)),
    )
    return prospect_ids
  }

  /**
   * Rows written straight into the queue, as rows from before enqueue refused duplicate mailboxes
   * were: the only way two waiting prospects can share a mailbox now. Returns ids in queue order.
   */
  async function legacyRows(prospects: object[]): Promise<string[]> {
    await world.sql.query(
      `insert into public.prospect_queue (miner_hotkey, prospect)
       select $1, a.e from jsonb_array_elements($2::jsonb) with ordinality a (e, i) order by a.i`,
      [M(1), JSON.stringify(prospects)],
    )
    const rows = await world.sql.query<{id: string}>('select id from public.prospect_queue order by queue_seq')
    return rows.map((r) => r.id)
  }

  async function pulledIds(service: ConsensusService, limit = 50): Promise<string[]> {
    return (await service.pull(limit)).prospects.map((p) => p.prospect_id)
  }

  it('given three validators, when each pulls and votes, then the third vote decides once: 2 of 3 valid is accepted', async () => {
    const [accepted, rejected] = await enqueue(2)
    const [a, b, c] = validators as [ConsensusService, ConsensusService, ConsensusService]

    expect(await pulledIds(a)).toEqual([accepted, rejected])
    expect(await pulledIds(b)).toEqual([accepted, rejected])
    expect(await pulledIds(c)).toEqual([accepted, rejected])

    // a: valid/valid, b: invalid/invalid, c: valid/invalid -> 2-1 for the first, 1-2 for the second
    const first = await a.submit([vote(accepted!, true), vote(rejected!, true)])
    expect(first).toMatchObject({recorded: 2, accepted: 0, rejected: 0})
    await b.submit([vote(accepted!, false), vote(rejected!, false)])
    const third = await c.submit([vote(accepted!, true), vote(rejected!, false)])
    expect(third.results).toEqual([
      {prospect_id: accepted, outcome: 'recorded', decision: 'accepted', decision_reason: 'majority_valid'},
      {prospect_id: rejected, outcome: 'recorded', decision: 'rejected', decision_reason: 'majority_invalid'},
    ])

    const leads = await world.sql.query<{
      prospect_id: string
      validator_count: number
      consensus_score: string
      consensus_validators: string[]
      email: string
    }>('select prospect_id, validator_count, consensus_score, consensus_validators, email from public.leads')
    expect(leads).toHaveLength(1)
    expect(leads[0]).toMatchObject({
      prospect_id: accepted,
      validator_count: 3,
      consensus_validators: [V(1), V(2), V(3)].sort(),
    })
    expect(Number(leads[0]!.consensus_score)).toBeCloseTo((0.9 + 0.2 + 0.9) / 3, 2)

    const votes = await world.sql.query<{n: number; lead_ids: number}>(
      'select count(*)::int as n, count(distinct lead_id)::int as lead_ids from public.validation_tracking where prospect_id = $1',
      [accepted],
    )
    expect(votes[0]).toEqual({n: 3, lead_ids: 1})
    const results = await world.sql.query<{total_validations: number; valid_count: number; invalid_count: number}>(
      'select total_validations, valid_count, invalid_count from public.consensus_results where prospect_id = $1',
      [rejected],
    )
    expect(results[0]).toEqual({total_validations: 3, valid_count: 1, invalid_count: 2})

    // A fourth validator finds nothing: each prospect already has its three.
    expect(await pulledIds(validators[3]!)).toEqual([])
  })

  it('given a prospect, when validators pull, then the first three distinct validators get it in queue order and never twice', async () => {
    const ids = await enqueue(3)
    const [a, b, c, d] = validators as [ConsensusService, ConsensusService, ConsensusService, ConsensusService]
    expect(await pulledIds(a, 1)).toEqual([ids[0]])
    // Its unvoted lease comes back first (a lost answer is recovered), then the next in the queue.
    expect(await pulledIds(a, 2)).toEqual([ids[0], ids[1]])
    expect(await pulledIds(b, 5)).toEqual(ids)
    expect(await pulledIds(c, 5)).toEqual(ids)
    // ids[0] and ids[1] are full (a, b, c); ids[2] has b and c.
    expect(await pulledIds(d, 5)).toEqual([ids[2]])
    // Nothing new for a: only what it already holds.
    expect(await pulledIds(a, 5)).toEqual([ids[0], ids[1]])
  })

  it('given an identical resubmit, then it succeeds and changes nothing; a different vote is refused', async () => {
    const [id] = await enqueue(1)
    await pulledIds(validators[0]!)
    await validators[0]!.submit([vote(id!, true, 0.8)])
    const again = await validators[0]!.submit([vote(id!, true, 0.8)])
    expect(again).toMatchObject({recorded: 0, unchanged: 1, refused: 0})
    const changed = await validators[0]!.submit([vote(id!, false, 0.8)])
    expect(changed.results[0]).toMatchObject({outcome: 'conflicting_vote'})
    const rows = await world.sql.query<{is_valid: boolean}>(
      'select is_valid from public.validation_tracking where prospect_id = $1',
      [id],
    )
    expect(rows).toEqual([{is_valid: true}])
  })

  it('given a validator that never pulled, when it votes, then the vote is refused and nothing is written', async () => {
    const [id] = await enqueue(1)
    const result = await validators[0]!.submit([vote(id!, true)])
    expect(result.results[0]).toMatchObject({outcome: 'not_pulled'})
    expect(result.refused).toBe(1)
    const rows = await world.sql.query('select 1 from public.validation_tracking')
    expect(rows).toHaveLength(0)
  })

  it('given a lease that lapsed, then the late vote is refused and the slot reopens after a sweep for a different validator', async () => {
    const [id] = await enqueue(1)
    const [a, b, c, d] = validators as [ConsensusService, ConsensusService, ConsensusService, ConsensusService]
    await pulledIds(a)
    await pulledIds(b)
    const lease = await c.pull(10)
    expect(lease.prospects.map((p) => p.prospect_id)).toEqual([id])
    await a.submit([vote(id!, true)])
    await b.submit([vote(id!, true)])

    // The lease is lease_seconds / block_seconds blocks long (75 by default): move past its end.
    await world.setBlock(lease.lease_expires_block)
    const late = await c.submit([vote(id!, true)])
    expect(late.results[0]).toMatchObject({outcome: 'lease_expired'})
    expect(await pulledIds(d)).toEqual([]) // the slot comes back with the sweep, not before

    const sweep = await world.operator.sweep()
    expect(sweep).toMatchObject({expired_leases: 1, reopened_prospects: 1})
    expect(sweep.pending).toMatchObject({total: 1, waiting_for_validators: 1})

    expect(await pulledIds(c)).toEqual([]) // never the same validator twice
    expect(await pulledIds(d)).toEqual([id])
    const decided = await d.submit([vote(id!, false)])
    expect(decided.results[0]).toMatchObject({decision: 'accepted'})
    const voters = await world.sql.query<{validator_hotkey: string}>(
      'select validator_hotkey from public.validation_tracking where prospect_id = $1 order by 1',
      [id],
    )
    expect(voters.map((v) => v.validator_hotkey)).toEqual([V(1), V(2), V(4)].sort())
  })

  it('given a validator ahead of the others, when a slot behind its position reopens, then it still gets it', async () => {
    const ids = await enqueue(4)
    const [a, b, c, d] = validators as [ConsensusService, ConsensusService, ConsensusService, ConsensusService]
    const lease = await a.pull(1) // a holds ids[0]
    await pulledIds(b, 1)
    await pulledIds(c, 1) // ids[0] is full
    expect(await pulledIds(d, 10)).toEqual(ids.slice(1)) // d passes the full ids[0]
    await world.setBlock(lease.lease_expires_block)
    await world.operator.sweep() // a's lease on ids[0] lapses: the slot reopens behind d's position
    expect(await pulledIds(d, 10)).toEqual([ids[0]])
  })

  it('given fewer than three validators, then the prospect stays pending and the sweep reports it', async () => {
    const [id] = await enqueue(1)
    await enqueue(1)
    await pulledIds(validators[0]!, 1)
    await pulledIds(validators[1]!, 1)
    await validators[0]!.submit([vote(id!, true)])
    await validators[1]!.submit([vote(id!, true)])
    const sweep = await world.operator.sweep()
    expect(sweep).toMatchObject({
      timed_out: 0,
      pending: {total: 2, waiting_for_first_pull: 1, waiting_for_validators: 1, waiting_for_votes: 0},
    })
    const status = await world.operator.prospect(id!)
    expect(status).toMatchObject({consensus_status: 'pending', holders: 2})
    expect(status.votes).toHaveLength(2)
  })

  it('given a quorum that does not come, when the quorum timeout passes, then the sweep decides with the votes there are', async () => {
    await world.operator.updateSettings({quorum_timeout_blocks: 100})
    const [twoValid, oneValid, none] = await enqueue(3)
    const [a, b] = validators as [ConsensusService, ConsensusService]
    await a.pull(10)
    await b.pull(10)
    await a.submit([vote(twoValid!, true), vote(oneValid!, true), vote(none!, true)])
    await b.submit([vote(twoValid!, true), vote(oneValid!, false)])
    // b gave `none` back: every validator that could take it has had it.
    await b.release([none!])
    const {block} = await world.operator.clock()
    await world.setBlock(block + 99)
    expect((await world.operator.sweep()).timed_out).toBe(0)
    await world.setBlock(block + 100)
    const sweep = await world.operator.sweep()
    expect(sweep).toMatchObject({timed_out: 3, accepted: 1, rejected: 2, pending: {total: 0}})
    const decided = await world.sql.query<{id: string; consensus_status: string; decision_reason: string}>(
      'select id, consensus_status, decision_reason from public.prospect_queue order by queue_seq',
    )
    expect(decided).toEqual([
      {id: twoValid, consensus_status: 'accepted', decision_reason: 'majority_valid'},
      {id: oneValid, consensus_status: 'rejected', decision_reason: 'quorum_timeout'},
      {id: none, consensus_status: 'rejected', decision_reason: 'quorum_timeout'},
    ])
    // A late vote on a decided prospect changes nothing.
    const late = await validators[2]!.pull(10)
    expect(late.prospects).toEqual([])
  })

  it('given the quorum setting changes, then prospects in flight follow the new quorum', async () => {
    const [first, second] = await enqueue(2)
    const [a, b, c, d] = validators as [ConsensusService, ConsensusService, ConsensusService, ConsensusService]
    for (const v of [a, b, c]) await v.pull(10)
    expect(await pulledIds(d)).toEqual([]) // both full at quorum 3
    await world.operator.updateSettings({quorum: 4, majority: 3})
    expect(await pulledIds(d)).toEqual([first, second]) // reopened for a fourth validator
    await a.submit([vote(first!, true), vote(second!, true)])
    await b.submit([vote(first!, true), vote(second!, true)])
    await world.operator.updateSettings({quorum: 2, majority: 2})
    const decided = await world.sql.query<{consensus_status: string}>(
      'select consensus_status from public.prospect_queue order by queue_seq',
    )
    expect(decided).toEqual([{consensus_status: 'accepted'}, {consensus_status: 'accepted'}])
  })

  it('given two batches deciding leads with the same emails in opposite queue order, then both finish and each email is accepted once', async () => {
    // A(x) D(y) C(y) B(x): one batch decides {A, C}, the other {D, B}, at the same time.
    const ids = await legacyRows([
      lead('A', {email: 'x@dup.example'}),
      lead('D', {email: 'y@dup.example'}),
      lead('C', {email: 'Y@dup.example'}),
      lead('B', {email: 'x@dup.example'}),
    ])
    const [a, b, c] = validators as [ConsensusService, ConsensusService, ConsensusService]
    const [A, D, C, B] = ids as [string, string, string, string]
    for (const v of [a, b, c]) await v.pull(10)
    await a.submit(ids.map((id) => vote(id, true)))
    await b.submit(ids.map((id) => vote(id, true)))
    const results = await Promise.all([
      c.submit([vote(A, true), vote(C, true)]),
      c.submit([vote(D, true), vote(B, true)]),
    ])
    expect(results.reduce((n, r) => n + r.accepted + r.rejected, 0)).toBe(4)
    const emails = await world.sql.query<{email: string}>('select email from public.leads order by email')
    expect(emails).toEqual([{email: 'x@dup.example'}, {email: 'y@dup.example'}])
  })

  it('given a lead whose email is already in leads, then the decision is rejected as duplicate_email and the vote still succeeds', async () => {
    const prospect_ids = await legacyRows([
      lead('dup', {email: 'Same@Example.com'}),
      lead('dup2', {email: 'same@example.com '}),
    ])
    // enqueue itself refuses a mailbox already waiting
    const again = await minerOne.enqueue([lead('dup3', {email: 'SAME@example.com'})])
    expect(again.results).toMatchObject([{outcome: 'duplicate_email', matches: 'pending'}])
    for (const v of validators.slice(0, 3)) {
      await v.pull(10)
      const result = await v.submit(prospect_ids.map((id) => vote(id, true)))
      expect(result.recorded).toBe(2)
    }
    const decisions = await world.sql.query<{
      consensus_status: string
      decision_reason: string
      majority_valid: boolean
    }>('select consensus_status, decision_reason, majority_valid from public.prospect_queue order by queue_seq')
    expect(decisions).toEqual([
      {consensus_status: 'accepted', decision_reason: 'majority_valid', majority_valid: true},
      {consensus_status: 'rejected', decision_reason: 'duplicate_email', majority_valid: true},
    ])
    expect(await world.sql.query('select email from public.leads')).toEqual([{email: 'same@example.com'}])
  })

  it('given votes on both sides of an epoch boundary, then they count in the epoch of the decision', async () => {
    await world.setBlock(6 * 360 - 20) // late in epoch 5, well within one lease of epoch 6
    const [id] = await enqueue(1)
    const [a, b, c] = validators as [ConsensusService, ConsensusService, ConsensusService]
    for (const v of [a, b, c]) await v.pull(1)
    await a.submit([vote(id!, true)])
    await b.submit([vote(id!, false)])
    await world.enterEpoch(6)
    const third = await c.submit([vote(id!, true)])
    expect(third).toMatchObject({epoch: 6, accepted: 1})

    // Epoch 5 has the three leases (participation), but no decision to judge anyone by.
    const five = await world.operator.eligibility(5)
    expect(five.validators).toEqual(
      [V(1), V(2), V(3)].sort().map((hotkey) =>
        expect.objectContaining({
          validator_hotkey: hotkey,
          leases: 1,
          voted: 1,
          decided_leads: 0,
          eligible: false,
          failed_rules: ['too_few_decided'],
        }),
      ),
    )
    const six = await world.operator.eligibility(6)
    expect(six.validators.map((v) => [v.validator_hotkey, v.decided_leads, v.matching_votes, v.eligible])).toEqual(
      inHotkeyOrder([
        [V(1), 1, 1, true],
        [V(2), 1, 0, false],
        [V(3), 1, 1, true],
      ]),
    )
    expect((await world.operator.minerWeights(5)).miners).toEqual([])
    expect((await world.operator.minerWeights(6)).miners).toEqual([{miner_hotkey: M(1), accepted_leads: 1, share: 1}])
  })

  it('given crafted votes, then eligibility holds at exactly 10 % and fails just below, and miner weights are accepted shares', async () => {
    await world.enterEpoch(3)
    const minerTwo = await world.as(miner(2))
    const queued = [...(await enqueue(18)), ...(await enqueue(3, minerTwo, 100))]
    const [a, b, x, y] = validators as [ConsensusService, ConsensusService, ConsensusService, ConsensusService]
    await pulledIds(a, 50)
    await pulledIds(b, 50)
    // a and b hold all 21; the third seats split them, in fair-round order: 10 for x, the other 11 for y
    const first = await pulledIds(x, 10)
    const second = await pulledIds(y, 50)
    expect(first).toHaveLength(10)
    expect([...first, ...second].sort()).toEqual([...queued].sort())
    // a and b say valid everywhere; x agrees once in 10, y once in 11.
    await a.submit([...first, ...second].map((id) => vote(id, true)))
    await b.submit([...first, ...second].map((id) => vote(id, true)))
    await x.submit(first.map((id, i) => vote(id, i === 0)))
    await y.submit(second.map((id, i) => vote(id, i === 0)))

    const report = await world.operator.eligibility()
    expect(report).toMatchObject({epoch: 3, closed: false, rules: {eligibility_threshold: 0.1}})
    const byHotkey = Object.fromEntries(report.validators.map((v) => [v.validator_hotkey, v]))
    expect(byHotkey[V(3)]).toMatchObject({
      decided_leads: 10,
      matching_votes: 1,
      agreement: 0.1,
      eligible: true,
    })
    expect(byHotkey[V(4)]).toMatchObject({
      decided_leads: 11,
      matching_votes: 1,
      eligible: false,
      failed_rules: ['agreement_below_threshold'],
    })
    expect(byHotkey[V(1)]).toMatchObject({decided_leads: 21, matching_votes: 21, eligible: true})

    const weights = await world.operator.minerWeights()
    expect(weights.accepted_leads).toBe(21)
    expect(weights.miners.map((m) => [m.miner_hotkey, m.accepted_leads])).toEqual(
      inHotkeyOrder([
        [M(1), 18],
        [M(2), 3],
      ]),
    )
    expect(weights.miners.reduce((sum, m) => sum + m.share, 0)).toBeCloseTo(1, 12)
    expect(weights.miners.find((m) => m.miner_hotkey === M(2))!.share).toBeCloseTo(3 / 21, 12)

    // A validator sees its own row only.
    const own = await x.eligibility()
    expect(own.validators.map((v) => v.validator_hotkey)).toEqual([V(3)])
  })

  it('given an epoch, then it closes only once it is over, idempotently, and clearing keeps unclosed and recent epochs', async () => {
    await world.enterEpoch(1)
    const [inOne] = await enqueue(1)
    for (const v of validators.slice(0, 3)) {
      await v.pull(1)
      await v.submit([vote(inOne!, true)])
    }
    expect((await refusalOf(world.operator.closeEpoch(1))).code).toBe('EPOCH_NOT_OVER')

    await world.enterEpoch(2)
    const [inTwo] = await enqueue(1)
    for (const v of validators.slice(0, 3)) {
      await v.pull(1)
      await v.submit([vote(inTwo!, false)])
    }
    const closed = await world.operator.closeEpoch(1)
    expect(closed).toMatchObject({epoch: 1, already_closed: false, decided_leads: 1, accepted_leads: 1})
    expect(closed.weights).toEqual([{miner_hotkey: M(1), accepted_leads: 1, share: 1}])
    expect(closed.eligibility.map((e) => e.validator_hotkey)).toEqual([V(1), V(2), V(3)].sort())
    const again = await world.operator.closeEpoch(1)
    expect(again).toMatchObject({epoch: 1, already_closed: true, closed_at: closed.closed_at})

    // Epoch 4: epochs 1 (closed) and 2 (not closed) are both older than the previous one.
    await world.enterEpoch(4)
    const cleared = await world.operator.clearOldEpochs()
    expect(cleared).toMatchObject({current_epoch: 4, cleared_epochs: [1], deleted_votes: 3, unclosed_epochs_kept: [2]})
    const left = await world.sql.query<{prospect_id: string}>(
      'select distinct prospect_id from public.validation_tracking',
    )
    expect(left).toEqual([{prospect_id: inTwo}])
    // The closed epoch's rewards survive the clearing.
    expect((await world.operator.eligibility(1)).validators).toHaveLength(3)
    expect(await world.operator.minerWeights(1)).toMatchObject({closed: true, accepted_leads: 1})
    expect(await world.sql.query('select 1 from public.leads')).toHaveLength(1)

    await world.operator.closeEpoch(2)
    expect(await world.operator.clearOldEpochs()).toMatchObject({
      cleared_epochs: [2],
      deleted_votes: 3,
      unclosed_epochs_kept: [],
    })
  })

  it('given a closed epoch, then a decision taken afterwards is never stamped with it', async () => {
    await world.enterEpoch(7)
    const [id] = await enqueue(1)
    for (const v of validators.slice(0, 2)) {
      await v.pull(1)
      await v.submit([vote(id!, true)])
    }
    await world.enterEpoch(8)
    await world.operator.closeEpoch(7)
    // The chain anchor moves back into epoch 7 (a chain refresh behind the extrapolated clock).
    await world.setBlock(7 * 360 + 10)
    await validators[2]!.pull(1)
    const third = await validators[2]!.submit([vote(id!, true)])
    expect(third.epoch).toBe(8)
    expect((await world.operator.clock()).epoch).toBe(8)
  })

  it('given a closed epoch, then a chain anchor far from the clock is refused unless forced', async () => {
    await world.enterEpoch(3)
    await world.operator.closeEpoch(2)
    const typo = await refusalOf(world.operator.setChainAnchor(3 * 360 * 1000))
    expect(typo).toMatchObject({code: 'INVALID_INPUT', message: expect.stringMatching(/more than three epochs away/)})
    expect((await world.operator.clock()).epoch).toBe(3)
    await world.operator.setChainAnchor(5 * 360) // two epochs on: a clock that drifted, accepted
    expect((await world.operator.setChainAnchor(50 * 360, undefined, {force: true})).epoch).toBe(50)
  })

  it('given votes, then only the operator sees them before the decision; miners see only their own prospects', async () => {
    const [id] = await enqueue(1)
    const [a, b, c] = validators as [ConsensusService, ConsensusService, ConsensusService]
    for (const v of [a, b]) {
      await v.pull(1)
      await v.submit([vote(id!, true)])
    }
    const seenByC = await c.prospect(id!)
    expect(seenByC).toMatchObject({votes_visible: false, votes: []})
    const seenByA = await a.prospect(id!)
    expect(seenByA.votes.map((v) => v.validator_hotkey)).toEqual([V(1)])
    expect((await world.operator.prospect(id!)).votes).toHaveLength(2)
    expect((await refusalOf((await world.as(miner(9))).prospect(id!))).code).toBe('UNKNOWN_PROSPECT')

    await c.pull(1)
    await c.submit([vote(id!, false)])
    const decided = await c.prospect(id!)
    expect(decided).toMatchObject({votes_visible: true, consensus_status: 'accepted'})
    expect(decided.votes).toHaveLength(3)
    expect((await minerOne.prospect(id!)).votes).toHaveLength(3)
  })

  it('given a validator at its live lease cap, then its pull returns nothing until a vote frees a lease', async () => {
    await world.operator.updateSettings({max_live_leases_per_validator: 2})
    const ids = await enqueue(3)
    const first = await validators[0]!.pull(10)
    expect(first.prospects.map((p) => p.prospect_id)).toEqual(ids.slice(0, 2))
    expect(first).toMatchObject({live_leases: 2, lease_cap: 2})
    expect(await pulledIds(validators[0]!)).toEqual(ids.slice(0, 2)) // what it holds, nothing new
    await validators[0]!.submit([vote(ids[0]!, true)])
    expect(await pulledIds(validators[0]!)).toEqual([ids[1], ids[2]])
  })

  it('given a validator that cannot reach a verdict, when it releases its lease, then the slot goes to another validator at once', async () => {
    const [first, second] = await enqueue(2)
    const [a, b] = validators as [ConsensusService, ConsensusService]
    await a.pull(10)
    const released = await a.release([first!, '00000000-0000-4000-8000-000000000000'])
    expect(released.released).toBe(1)
    expect(released.results).toContainEqual({prospect_id: first, outcome: 'released'})
    expect(released.results).toContainEqual({prospect_id: '00000000-0000-4000-8000-000000000000', outcome: 'not_held'})
    expect((await a.submit([vote(first!, true)])).results[0]).toMatchObject({outcome: 'lease_released'})
    expect(await pulledIds(a)).toEqual([second]) // never the same prospect twice: only the lease it kept
    expect(await pulledIds(b)).toEqual([first, second])
    expect((await world.operator.prospect(first!)).holders).toBe(1)
  })

  it('lists prospects for the operator by status and for a miner only its own', async () => {
    const [mine] = await enqueue(1)
    const other = await world.as(miner(2))
    await other.enqueue([lead('other')])
    expect((await minerOne.listProspects()).prospects.map((p) => p.prospect_id)).toEqual([mine])
    expect((await world.operator.listProspects({status: 'pending'})).prospects).toHaveLength(2)
    expect((await world.operator.listProspects({status: 'accepted'})).prospects).toHaveLength(0)
    expect((await refusalOf(validators[0]!.listProspects())).code).toBe('FORBIDDEN')
  })

  it('reports the epoch statistics: decisions, time to consensus, work and agreement per validator', async () => {
    await world.enterEpoch(4)
    const [id] = await enqueue(2)
    for (const [i, v] of validators.slice(0, 3).entries()) {
      await v.pull(1)
      await v.submit([vote(id!, i !== 2)])
    }
    await validators[3]!.pull(1) // a lease on the second prospect, no vote
    const stats = await world.operator.stats()
    expect(stats.epoch).toBe(4)
    expect(stats.decisions).toMatchObject({decided: 1, accepted: 1, rejected: 0, unanimous: 0})
    expect(stats.decisions.seconds_to_consensus_avg).toBeGreaterThan(0)
    expect(stats.decisions.seconds_to_consensus_p95).toBe(stats.decisions.seconds_to_consensus_avg) // one decision
    const byHotkey = Object.fromEntries(stats.validators.map((v) => [v.validator_hotkey, v]))
    expect(byHotkey[V(1)]).toMatchObject({
      leases: 1,
      voted: 1,
      decided_leads: 1,
      agreement: 1,
      eligible: true,
    })
    expect(byHotkey[V(3)]).toMatchObject({voted: 1, agreement: 0})
    expect(byHotkey[V(4)]).toMatchObject({
      leases: 1,
      voted: 0,
      lapsed: 0, // its lease is still live
      decided_leads: 0,
      share_of_work: 0.25,
      failed_rules: ['too_few_decided'],
    })
  })

  describe('bad input is refused with a stable code and nothing is written', () => {
    async function nothingWritten() {
      const rows = await world.sql.query<{votes: number; leads: number}>(
        'select (select count(*)::int from public.validation_tracking) as votes, (select count(*)::int from public.leads) as leads',
      )
      expect(rows[0]).toEqual({votes: 0, leads: 0})
    }

    it.each([
      [
        'a score above 1',
        [{is_valid: true, score: 1.5}],
        'INVALID_INPUT',
        /assessment 2: score must be between 0 and 1/,
      ],
      ['a negative score', [{is_valid: true, score: -0.1}], 'INVALID_INPUT', /score must be between 0 and 1/],
      ['a NaN score (JSON null)', [{is_valid: true, score: Number.NaN}], 'INVALID_INPUT', /score must be a number/],
      ['a string score', [{is_valid: true, score: '0.5'}], 'INVALID_INPUT', /score must be a number/],
      ['a missing is_valid', [{score: 0.5}], 'INVALID_INPUT', /is_valid must be true or false/],
      ['an unknown field', [{is_valid: true, score: 0.5, verdict: 'ok'}], 'INVALID_INPUT', /unknown field verdict/],
      [
        'a malformed prospect id',
        [{prospect_id: 'not-a-uuid', is_valid: true, score: 0.5}],
        'INVALID_INPUT',
        /prospect_id must be a UUID/,
      ],
      [
        'malformed reasons',
        [{is_valid: false, score: 0.5, rejection_reasons: ['nope']}],
        'INVALID_INPUT',
        /rejection reason/,
      ],
      [
        'an unknown prospect',
        [{prospect_id: '00000000-0000-4000-8000-000000000000', is_valid: true, score: 0.5}],
        'UNKNOWN_PROSPECT',
        /unknown prospect/,
      ],
    ])('%s', async (_name, items, code, message) => {
      const ids = await enqueue(2)
      await validators[0]!.pull(10)
      // A good vote travels with the bad one: it must not land either.
      const batch = [
        vote(ids[0]!, true),
        ...(items as Record<string, unknown>[]).map((item) => ({prospect_id: ids[1], ...item})),
      ]
      const error = await refusalOf(validators[0]!.submit(batch as Assessment[]))
      expect(error.code).toBe(code)
      expect(error.message).toMatch(message)
      await nothingWritten()
    })

    it('an empty batch', async () => {
      expect(await refusalOf(validators[0]!.submit([]))).toMatchObject({
        code: 'INVALID_INPUT',
        message: expect.stringMatching(/empty batch/),
      })
      await nothingWritten()
    })

    it('a batch over the cap', async () => {
      await world.operator.updateSettings({max_batch_size: 2})
      const ids = await enqueue(2)
      await validators[0]!.pull(2)
      const error = await refusalOf(validators[0]!.submit([...ids, ids[0]!].map((id) => vote(id, true))))
      expect(error.code).toBe('BATCH_TOO_LARGE')
      expect((await refusalOf(validators[0]!.pull(3))).code).toBe('BATCH_TOO_LARGE')
      expect((await refusalOf(minerOne.enqueue([lead(1), lead(2), lead(3)]))).code).toBe('BATCH_TOO_LARGE')
      await nothingWritten()
    })

    it('the same prospect twice in one batch', async () => {
      const [id] = await enqueue(1)
      await validators[0]!.pull(1)
      const error = await refusalOf(validators[0]!.submit([vote(id!, true), vote(id!, true)]))
      expect(error).toMatchObject({code: 'INVALID_INPUT', message: expect.stringMatching(/appears twice/)})
      await nothingWritten()
    })

    it('a non-positive pull limit and malformed prospects', async () => {
      expect((await refusalOf(validators[0]!.pull(0))).code).toBe('INVALID_INPUT')
      const error = await refusalOf(minerOne.enqueue([lead(1), 'not an object', lead(2)]))
      expect(error).toMatchObject({code: 'INVALID_INPUT', message: 'prospect 2 is a JSON string, not an object'})
      // an oversized prospect is refused on its own row, not queued
      const big = await minerOne.enqueue([{...lead(3), business: 'x'.repeat(70_000)}])
      expect(big).toMatchObject({enqueued: 0, refused: 1, results: [{outcome: 'too_large'}]})
      expect(big.results[0]!.message).toMatch(/over 16 KiB/)
      expect((await refusalOf(minerOne.enqueue([]))).code).toBe('INVALID_INPUT')
      expect(await world.sql.query('select 1 from public.prospect_queue')).toHaveLength(0)
    })

    it('settings that break the rules', async () => {
      expect((await refusalOf(world.operator.updateSettings({majority: 1}))).message).toMatch(/settings refused/)
      expect((await refusalOf(world.operator.updateSettings({bogus: 1} as never))).message).toMatch(
        /unknown setting bogus/,
      )
      expect(await world.operator.settings()).toMatchObject({quorum: 3, majority: 2})
    })
  })

  describe('roles', () => {
    it('refuses a caller in the wrong role', async () => {
      const [id] = await enqueue(1)
      expect((await refusalOf(minerOne.pull(1))).code).toBe('FORBIDDEN')
      expect((await refusalOf(minerOne.submit([vote(id!, true)]))).code).toBe('FORBIDDEN')
      expect((await refusalOf(validators[0]!.enqueue([lead(1)]))).code).toBe('FORBIDDEN')
      expect((await refusalOf(validators[0]!.sweep())).code).toBe('FORBIDDEN')
      expect((await refusalOf(validators[0]!.closeEpoch(0))).code).toBe('FORBIDDEN')
      expect((await refusalOf(minerOne.minerWeights())).code).toBe('FORBIDDEN')
      expect((await refusalOf(validators[0]!.setChainAnchor(10))).code).toBe('FORBIDDEN')
      expect((await refusalOf(validators[0]!.updateSettings({quorum: 5}))).code).toBe('FORBIDDEN')
      expect((await refusalOf(world.operator.pull(1))).code).toBe('FORBIDDEN')
    })

    it('takes the miner from the claims, never from the input', async () => {
      const result = await minerOne.enqueue([{...lead(1), miner_hotkey: 'someone-else'}, lead(2)])
      // a prospect naming its own miner is refused as an unknown field; the queued one is the caller's
      expect(result.results.map((r) => r.outcome)).toEqual(['unknown_field', 'queued'])
      const rows = await world.sql.query<{miner_hotkey: string}>('select miner_hotkey from public.prospect_queue')
      expect(rows).toEqual([{miner_hotkey: M(1)}])
    })
  })
})
