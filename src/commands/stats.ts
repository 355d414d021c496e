import {LeadpoetCommand} from '../cli/base-command.js'
import {epochFlag} from '../cli/flags.js'
import {describeProbation, ELIGIBILITY_HEAD, eligibilityRow, percent, renderTable} from '../cli/table.js'
import * as R from '../service/results.js'

const seconds = (value: number | null) => (value === null ? '-' : `${value} s`)

/** "FP 1 (20.0 %), FN 0 (0.0 %) of 10, accuracy 90.0 %", or nothing without golden scores. */
function describeGolden(golden: R.GoldenScores | null): string {
  if (golden === null) return ''
  return (
    `FP ${golden.false_positive} (${percent(golden.false_positive_rate) || '-'}), ` +
    `FN ${golden.false_negative} (${percent(golden.false_negative_rate) || '-'}) of ${golden.golden_votes}, ` +
    `accuracy ${percent(golden.accuracy) || '-'}`
  )
}

export default class Stats extends LeadpoetCommand {
  static override resultSchema = R.ConsensusStats
  static override summary =
    "An epoch's stats: time to consensus, agreement, work distribution, participation, golden FP/FN, eligibility, weights, the queue."
  static override description =
    'A closed epoch is read from the snapshot close_epoch took, so `epoch clear` changes none of its figures; ' +
    'an open epoch is live. The queue line is the database now. Weights are those committed (commit-reveal) ' +
    'during the next epoch; plain set_weights is not recorded, so none known is not none set.'
  static override flags = {...epochFlag}

  async run(): Promise<R.ConsensusStats> {
    const {flags} = await this.parse(Stats)
    const {service} = await this.openSession('operator', flags)
    const stats = await service.stats(flags.epoch)
    const d = stats.decisions
    this.log(
      `Epoch ${stats.epoch} (${stats.closed ? `closed, snapshot of ${stats.snapshot_at}` : 'open, live'}): ` +
        `${d.decided} decided (${d.accepted} accepted, ${d.rejected} rejected, ` +
        `${d.duplicate_emails} duplicates, ${d.quorum_timeouts} by the quorum timeout); ${d.expired_unpulled} expired unpulled`,
    )
    this.log(
      `Time to consensus: avg ${seconds(d.seconds_to_consensus_avg)}, p50 ${seconds(d.seconds_to_consensus_p50)}, ` +
        `p95 ${seconds(d.seconds_to_consensus_p95)}`,
    )
    this.log(
      `Agreement ${percent(d.agreement) || '-'}; unanimity ${percent(d.unanimity) || '-'} ` +
        `(${d.unanimous ?? 'unknown'} of ${d.full_quorum} full-quorum decisions)`,
    )
    this.log(
      `Work: ${stats.work.leases} leases across ${stats.work.validators} validators, ` +
        `Gini ${stats.work.gini ?? '-'} (0 even, 1 one validator took all)`,
    )
    this.log(`Consensus on golden leads: ${describeGolden(stats.consensus_golden) || 'no golden scores'}`)
    this.log(
      renderTable(
        [...ELIGIBILITY_HEAD.slice(0, 5), 'share of work', ...ELIGIBILITY_HEAD.slice(5), 'golden', 'weights'],
        stats.validators.map((v) => {
          const row = eligibilityRow(v)
          const failed = v.newly_ineligible ? `${row.at(-1)} (new)` : row.at(-1)
          const weights = v.weights ? `${v.weights.status} (chain epoch ${v.weights.chain_epoch})` : ''
          return [
            ...row.slice(0, 5),
            percent(v.share_of_work),
            ...row.slice(5, -1),
            failed,
            describeGolden(v.golden),
            weights,
          ]
        }),
      ),
    )
    const q = stats.queue
    this.log(
      `Queue now: ${q.pending} pending (${q.never_pulled} never pulled), oldest ${seconds(q.oldest_pending_seconds)}; ` +
        `last decision ${q.last_decision_at ?? 'never'}`,
    )
    this.log(describeProbation(stats.probation))
    return stats
  }
}
