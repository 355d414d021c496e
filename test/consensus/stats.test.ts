import {afterAll, beforeAll, beforeEach, describe, expect, it} from 'vitest'
import {loadMigrations, migrate, rollback} from '../../src/db/migrations.js'
import type {ConsensusService} from '../../src/service/consensus.js'
import type {ConsensusStats} from '../../src/service/results.js'
import {DatabaseCommitStore} from '../../src/service/weight-commits.js'
import {pendingCommit} from '../chain/helpers.js'
import {BACKENDS, createWorld, miner, validator, type World} from '../support/world.js'

// Stats an operator can trust: a closed epoch's figures come from the snapshot close_epoch takes, so
// clearing its votes and leases later changes nothing of them.

const V = (n: number) => validator(n).hotkey

function lead(n: string) {
  return {business: `Stats ${n}`, email: `ada@stats-${n}.com`, website: `https://stats-${n}.com`}
}

/** The epoch's figures without the queue, which is the database now and not the epoch's. */
const epochFigures = ({queue: _queue, ...figures}: ConsensusStats) => figures

describe.each(BACKENDS)('epoch stats on %s', (backend) => {
  let world: World
  let validators: ConsensusService[]

  beforeAll(async () => {
    world = await createWorld(backend)
  })
  afterAll(async () => {
    await world?.close()
  })
  beforeEach(async () => {
    await world.reset()
    validators = await Promise.all([1, 2, 3, 4].map((n) => world.as(validator(n))))
  })

  /**
   * Epoch 1: prospect A voted valid by validators 1-3 (unanimous), B valid by 1 and 2 and invalid by
   * 3; validator 4 leases C and never votes. Leases per validator: 2, 2, 2, 1.
   */
  async function runEpochOne(): Promise<string[]> {
    await world.enterEpoch(1)
    const {prospect_ids: ids} = await (await world.as(miner(1))).enqueue(['a', 'b', 'c'].map(lead))
    const [a, b] = ids as [string, string, string]
    for (const [i, v] of validators.slice(0, 3).entries()) {
      expect((await v.pull(2)).prospects.map((p) => p.prospect_id)).toEqual([a, b])
      await v.submit([
        {prospect_id: a, is_valid: true, score: 0.9},
        {prospect_id: b, is_valid: i !== 2, score: 0.5},
      ])
    }
    expect((await validators[3]!.pull(1)).prospects.map((p) => p.prospect_id)).toEqual([ids[2]])
    return ids
  }

  it('given an open epoch, then stats are live: decisions, unanimity, agreement, time to consensus, work and Gini', async () => {
    await runEpochOne()
    const stats = await world.operator.stats(1)
    expect(stats).toMatchObject({epoch: 1, closed: false, snapshot_at: null, consensus_golden: null})
    expect(stats.decisions).toMatchObject({
      decided: 2,
      accepted: 2,
      rejected: 0,
      full_quorum: 2,
      unanimous: 1,
      unanimity: 0.5,
      agreement: 0.8333, // 5 of the 6 votes matched the decision
    })
    const {
      seconds_to_consensus_avg: avg,
      seconds_to_consensus_p50: p50,
      seconds_to_consensus_p95: p95,
    } = stats.decisions
    expect(avg).toBeGreaterThan(0)
    expect(p50).toBeGreaterThan(0)
    expect(p95).toBeGreaterThanOrEqual(p50!)
    // leases 1, 2, 2, 2: G = 2 * (1*1 + 2*2 + 3*2 + 4*2) / (4 * 7) - 5/4
    expect(stats.work).toEqual({validators: 4, leases: 7, gini: 0.1071})
    const fourth = stats.validators.find((v) => v.validator_hotkey === V(4))
    expect(fourth).toMatchObject({leases: 1, share_of_work: 0.1429, eligible: false, newly_ineligible: true})
    expect(stats.validators.find((v) => v.validator_hotkey === V(1))).toMatchObject({
      share_of_work: 0.2857,
      eligible: true,
      newly_ineligible: false,
      golden: null,
      weights: null,
    })
    expect(stats.queue).toMatchObject({pending: 1, never_pulled: 0})
    expect(stats.queue.oldest_pending_seconds).toBeGreaterThanOrEqual(0)
    expect(stats.queue.last_decision_at).not.toBeNull()
  })

  it('given a closed epoch whose votes and leases were cleared, then its stats are the closing snapshot, unchanged', async () => {
    await runEpochOne()
    await world.enterEpoch(2)
    await world.operator.closeEpoch(1)
    const closed = await world.operator.stats(1)
    expect(closed.closed).toBe(true)
    expect(closed.snapshot_at).not.toBeNull()
    expect(closed.decisions).toMatchObject({unanimous: 1, unanimity: 0.5, agreement: 0.8333})
    // the lease validator 4 never used has lapsed by now: participation and rules as closed
    expect(closed.validators.find((v) => v.validator_hotkey === V(4))).toMatchObject({
      lapsed: 1,
      failed_rules: ['too_few_decided', 'too_many_abandoned'],
    })

    await world.enterEpoch(4)
    const cleared = await world.operator.clearOldEpochs()
    // C is still pending: its lease is not the closed epoch's to clear
    expect(cleared).toMatchObject({cleared_epochs: [1], deleted_votes: 6, deleted_leases: 6})
    const after = await world.operator.stats(1)
    expect(epochFigures(after)).toEqual(epochFigures(closed))
    expect(after.validators).toHaveLength(4)
  })

  it('given a validator ineligible two epochs running, then only the first is newly ineligible', async () => {
    await world.operator.updateSettings({probation_epochs: 0}) // it may pull again in epoch 2
    await runEpochOne()
    await world.enterEpoch(2)
    await world.operator.closeEpoch(1)
    // epoch 2: validator 4 leases again and never votes
    await (await world.as(miner(1))).enqueue([lead('d')])
    await validators[3]!.pull(1)
    await world.enterEpoch(3)
    await world.operator.closeEpoch(2)
    const fourth = (await world.operator.stats(2)).validators.find((v) => v.validator_hotkey === V(4))
    expect(fourth).toMatchObject({eligible: false, newly_ineligible: false})
  })

  it('given an epoch closed and cleared before the stats migration, when migrated, then its stats are backfilled with unanimity unknown', async () => {
    const epochStats = (await loadMigrations()).filter((m) => m.name === 'epoch_stats')
    expect(epochStats).toHaveLength(1)
    await rollback(world.sql, epochStats)
    try {
      await runEpochOne()
      await world.enterEpoch(2)
      await world.operator.closeEpoch(1) // the close_epoch of before: no stats snapshot
      await world.enterEpoch(4)
      expect((await world.operator.clearOldEpochs()).cleared_epochs).toEqual([1])
    } finally {
      expect(await migrate(world.sql)).toEqual(['20261202001000'])
    }
    const stats = await world.operator.stats(1)
    expect(stats).toMatchObject({closed: true, work: {validators: 4, leases: 7, gini: 0.1071}})
    // the votes were gone before any snapshot: unanimity cannot be known, and is not made up
    expect(stats.decisions).toMatchObject({decided: 2, full_quorum: 2, unanimous: null, unanimity: null})
    expect(stats.decisions.seconds_to_consensus_p50).toBeGreaterThan(0) // decision times outlive the votes
  })

  it('given weight commits made in the next epoch, then each validator shows its own, and metrics say whose weights are due', async () => {
    await runEpochOne()
    await world.enterEpoch(2)
    await world.operator.closeEpoch(1)
    const {blocks_per_epoch: blocks} = await world.operator.settings()
    const first = new DatabaseCommitStore(validators[0]!.adapter)
    const saved = await first.save(pendingCommit({hotkey: V(1), chainEpoch: 41, submittedAtBlock: 2 * blocks + 5}))
    await first.markCommitted(saved.id, 2 * blocks + 6)
    const second = new DatabaseCommitStore(validators[1]!.adapter)
    const lost = await second.save(pendingCommit({hotkey: V(2), chainEpoch: 41, submittedAtBlock: 2 * blocks + 7}))
    await second.markExpired(lost.id, 'WEIGHTS_COMMIT_EXPIRED: never revealed')
    // a commit made in epoch 1 is not epoch 1's weights
    await new DatabaseCommitStore(validators[2]!.adapter).save(
      pendingCommit({hotkey: V(3), chainEpoch: 40, submittedAtBlock: blocks + 1}),
    )

    const byHotkey = new Map((await world.operator.stats(1)).validators.map((v) => [v.validator_hotkey, v.weights]))
    expect(byHotkey.get(V(1))).toEqual({status: 'committed', chain_epoch: 41, closed_reason: null})
    expect(byHotkey.get(V(2))).toEqual({
      status: 'expired',
      chain_epoch: 41,
      closed_reason: 'WEIGHTS_COMMIT_EXPIRED: never revealed',
    })
    expect(byHotkey.get(V(3))).toBeNull()

    // epoch 2 is still the weight window of epoch 1: nothing is due yet
    expect((await world.operator.metrics()).weights_due).toBeNull()
    await world.enterEpoch(3)
    const metrics = await world.operator.metrics()
    expect(metrics).toMatchObject({current_epoch: 3, last_closed_epoch: 1})
    expect(metrics.weights_due).toEqual({
      epoch: 1,
      validators: [
        {validator_hotkey: V(1), weights_known: true},
        {validator_hotkey: V(2), weights_known: false}, // expired unrevealed: no weights from it
        {validator_hotkey: V(3), weights_known: false},
      ].sort((x, y) => (x.validator_hotkey < y.validator_hotkey ? -1 : 1)),
    })
    expect(metrics.weight_commits_expired_total).toEqual(
      [
        {validator_hotkey: V(1), count: 0},
        {validator_hotkey: V(2), count: 1},
        {validator_hotkey: V(3), count: 0},
      ].sort((x, y) => (x.validator_hotkey < y.validator_hotkey ? -1 : 1)),
    )
    expect(metrics.decisions_total).toEqual([{status: 'accepted', reason: 'majority_valid', count: 2}])
    expect(metrics.last_closed?.epoch).toBe(1)
  })

  it('given golden leads voted in an epoch, then close_epoch snapshots their scores with FP and FN rates, per validator and for the consensus', async () => {
    await world.enterEpoch(1)
    await world.operator.updateSettings({golden_rate: 0.5})
    await world.operator.addGoldenLeads([1, 2, 3, 4].map((n) => ({prospect: lead(`gold-${n}`), is_valid: n % 2 === 0})))
    await (await world.as(miner(1))).enqueue(['r1', 'r2', 'r3', 'r4', 'r5', 'r6'].map(lead))
    const expected = async (): Promise<Map<string, boolean>> =>
      new Map(
        (
          await world.sql.query<{id: string; expected_valid: boolean}>(
            `select q.id::text, g.expected_valid from public.prospect_queue q
               join leadpoet.golden_leads g on g.id = q.golden_lead_id`,
          )
        ).map((r) => [r.id, r.expected_valid]),
      )
    // validators 1 and 3 give the known answer on golden leads; validator 2 says valid to everything
    for (const [i, v] of validators.slice(0, 3).entries()) {
      const {prospects} = await v.pull(10)
      const known = await expected()
      await v.submit(
        prospects.map((p) => ({
          prospect_id: p.prospect_id,
          is_valid: i === 1 ? true : (known.get(p.prospect_id) ?? true),
          score: 0.5,
        })),
      )
    }
    type Scores = {
      validator_hotkey: string | null
      golden_votes: number
      true_positive: number
      false_positive: number
      true_negative: number
      false_negative: number
    }
    const live = await world.sql.query<Scores>(
      `select validator_hotkey, golden_votes, true_positive, false_positive, true_negative, false_negative
         from leadpoet.golden_scores(1)`,
    )
    const consensus = live.find((r) => r.validator_hotkey === null)!
    expect(consensus.golden_votes).toBeGreaterThan(0)
    expect(consensus).toMatchObject({false_positive: 0, false_negative: 0}) // two of three voted right
    const lenient = live.find((r) => r.validator_hotkey === V(2))!
    expect(lenient.false_positive).toBeGreaterThan(0)

    await world.enterEpoch(2)
    await world.operator.closeEpoch(1)
    const rates = (r: Scores) => ({
      golden_votes: r.golden_votes,
      true_positive: r.true_positive,
      false_positive: r.false_positive,
      true_negative: r.true_negative,
      false_negative: r.false_negative,
      false_positive_rate:
        r.false_positive + r.true_negative === 0
          ? null
          : Number((r.false_positive / (r.false_positive + r.true_negative)).toFixed(4)),
      false_negative_rate:
        r.false_negative + r.true_positive === 0
          ? null
          : Number((r.false_negative / (r.false_negative + r.true_positive)).toFixed(4)),
    })
    const closed = await world.operator.stats(1)
    expect(closed.consensus_golden).toMatchObject(rates(consensus))
    expect(closed.validators.find((v) => v.validator_hotkey === V(2))?.golden).toMatchObject(rates(lenient))
    // the snapshot stays when the epoch's votes are cleared
    await world.enterEpoch(4)
    expect((await world.operator.clearOldEpochs()).cleared_epochs).toContain(1)
    expect((await world.operator.stats(1)).consensus_golden).toEqual(closed.consensus_golden)
  })
})
