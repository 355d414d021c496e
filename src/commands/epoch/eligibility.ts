import {LeadpoetCommand} from '../../cli/base-command.js'
import {epochFlag} from '../../cli/flags.js'
import {ELIGIBILITY_HEAD, eligibilityRow, percent, renderTable} from '../../cli/table.js'
import * as R from '../../service/results.js'

export default class EpochEligibility extends LeadpoetCommand {
  static override resultSchema = R.EligibilityReport
  static override summary =
    "Each validator's agreement with the decisions of an epoch, and whether it is eligible (operator)."
  static override flags = {...epochFlag}

  async run(): Promise<R.EligibilityReport> {
    const {flags} = await this.parse(EpochEligibility)
    const {service} = await this.openSession('operator', flags)
    const report = await service.eligibility(flags.epoch)
    const {rules} = report
    this.log(
      `Epoch ${report.epoch} (${report.closed ? 'closed' : 'open'}): agreement at least ${percent(rules.eligibility_threshold)}, ` +
        `at least ${rules.min_decided_per_epoch} decided, at most ${percent(rules.max_abandoned_share)} of leases abandoned`,
    )
    this.log(renderTable(ELIGIBILITY_HEAD, report.validators.map(eligibilityRow)))
    return report
  }
}
