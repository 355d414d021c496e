import {LeadpoetCommand} from '../cli/base-command.js'
import {epochFlag} from '../cli/flags.js'
import {describeProbation, ELIGIBILITY_HEAD, eligibilityRow, percent, renderTable} from '../cli/table.js'
import * as R from '../service/results.js'

export default class Stats extends LeadpoetCommand {
  static override resultSchema = R.ConsensusStats
  static override summary =
    "An epoch's monitoring metrics: time to consensus, agreement, distribution of work, participation."
  static override description =
    'False positive and negative rates need ground truth, which the database does not hold: `leadpoet simulate` reports them.'
  static override flags = {...epochFlag}

  async run(): Promise<R.ConsensusStats> {
    const {flags} = await this.parse(Stats)
    const {service} = await this.openSession('operator', flags)
    const stats = await service.stats(flags.epoch)
    const d = stats.decisions
    this.log(
      `Epoch ${stats.epoch}: ${d.decided} decided (${d.accepted} accepted, ${d.rejected} rejected, ` +
        `${d.duplicate_emails} duplicates, ${d.quorum_timeouts} by the quorum timeout, ${d.unanimous} unanimous; ` +
        `${d.expired_unpulled} expired unpulled); ` +
        `time to consensus avg ${d.seconds_to_consensus_avg ?? '-'} s, p95 ${d.seconds_to_consensus_p95 ?? '-'} s`,
    )
    this.log(
      renderTable(
        [...ELIGIBILITY_HEAD.slice(0, 5), 'share of work', ...ELIGIBILITY_HEAD.slice(5)],
        stats.validators.map((v) => {
          const row = eligibilityRow(v)
          return [...row.slice(0, 5), percent(v.share_of_work), ...row.slice(5)]
        }),
      ),
    )
    this.log(describeProbation(stats.probation))
    return stats
  }
}
