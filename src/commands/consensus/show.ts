import {Args} from '@oclif/core'
import {LeadpoetCommand} from '../../cli/base-command.js'
import {renderTable} from '../../cli/table.js'
import * as R from '../../service/results.js'

export default class ConsensusShow extends LeadpoetCommand {
  static override resultSchema = R.ProspectConsensus
  static override summary =
    "One prospect's consensus: status, decision and votes (votes only once decided, except to the operator)."
  static override args = {prospect: Args.string({description: 'prospect id', required: true})}

  async run(): Promise<R.ProspectConsensus> {
    const {args, flags} = await this.parse(ConsensusShow)
    const {service} = await this.openSession('operator', flags)
    const shown = await service.prospect(args.prospect)
    const decision = shown.decision_reason ? ` (${shown.decision_reason}, epoch ${shown.consensus_epoch})` : ''
    this.log(
      `${shown.prospect_id}: ${shown.consensus_status ?? 'not in consensus'}${decision}; ${shown.holders} holder(s)`,
    )
    if (shown.votes_visible) {
      this.log(
        renderTable(
          ['validator', 'valid', 'score', 'reasons', 'at'],
          shown.votes.map((v) => [
            v.validator_hotkey,
            v.is_valid,
            v.score,
            JSON.stringify(v.rejection_reasons),
            v.validation_timestamp,
          ]),
        ),
      )
    }
    return shown
  }
}
