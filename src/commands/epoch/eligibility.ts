import {LeadpoetCommand} from '../../cli/base-command.js'
import {epochFlag} from '../../cli/flags.js'
import {renderTable} from '../../cli/table.js'
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
    this.log(
      `Epoch ${report.epoch} (${report.closed ? 'closed' : 'open'}), threshold ${(report.threshold * 100).toFixed(0)} %`,
    )
    this.log(
      renderTable(
        ['validator', 'decided', 'matching', 'agreement', 'eligible', 'reason'],
        report.validators.map((v) => [
          v.validator_hotkey,
          v.decided_leads,
          v.matching_votes,
          `${(v.agreement * 100).toFixed(1)} %`,
          v.eligible ? 'yes' : 'no',
          v.reason,
        ]),
      ),
    )
    return report
  }
}
