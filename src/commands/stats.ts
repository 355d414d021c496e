import {LeadpoetCommand} from '../cli/base-command.js'
import {epochFlag} from '../cli/flags.js'
import {renderTable} from '../cli/table.js'
import * as R from '../service/results.js'

const percent = (value: number | null) => (value === null ? '' : `${(value * 100).toFixed(1)} %`)

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
        `${d.duplicate_emails} duplicates, ${d.unanimous} unanimous); ` +
        `time to consensus avg ${d.seconds_to_consensus_avg ?? '-'} s, p95 ${d.seconds_to_consensus_p95 ?? '-'} s`,
    )
    this.log(
      renderTable(
        [
          'validator',
          'leases',
          'voted',
          'expired',
          'released',
          'share of work',
          'decided',
          'participation',
          'agreement',
        ],
        stats.validators.map((v) => [
          v.validator_hotkey,
          v.leases,
          v.voted,
          v.expired,
          v.released,
          percent(v.share_of_work),
          v.decided_leads,
          percent(v.participation),
          percent(v.agreement),
        ]),
      ),
    )
    return stats
  }
}
