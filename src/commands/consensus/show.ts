import {Args} from '@oclif/core'
import {LeadpoetCommand} from '../../cli/base-command.js'
import {reasonLines, renderTable} from '../../cli/table.js'
import * as R from '../../service/results.js'

export default class ConsensusShow extends LeadpoetCommand {
  static override resultSchema = R.ProspectConsensus
  static override summary = "One prospect's consensus: status, decision and votes, with each vote's reasons."
  static override description =
    'With --wallet.name/--wallet.hotkey or --hotkey it runs as that validator: before the decision it shows ' +
    "only the caller's own vote (others' votes could be copied), after it every vote. Without an identity it " +
    'runs as the operator, who sees every vote at any time.'
  static override examples = [
    '<%= config.bin %> consensus show 7f1c...-... --hotkey 5F...',
    '<%= config.bin %> consensus show 7f1c...-... --json',
  ]
  static override args = {prospect: Args.string({description: 'prospect id', required: true})}

  async run(): Promise<R.ProspectConsensus> {
    const {args, flags} = await this.parse(ConsensusShow)
    const named = Boolean(flags.hotkey ?? flags['wallet.name'] ?? this.appConfig.hotkey ?? this.appConfig.wallet?.name)
    const session = await this.openSession(named ? 'validator' : 'operator', flags)
    const shown = await session.service.prospect(args.prospect)
    const decision = shown.decision_reason ? ` (${shown.decision_reason}, epoch ${shown.consensus_epoch})` : ''
    this.log(
      `${shown.prospect_id}: ${shown.consensus_status ?? 'not in consensus'}${decision}; ${shown.holders} holder(s)`,
    )
    if (shown.votes.length > 0) {
      this.log(
        renderTable(
          ['validator', 'valid', 'score', 'reasons', 'at'],
          shown.votes.map((v) => [
            v.validator_hotkey,
            v.is_valid,
            v.score,
            reasonLines(v.rejection_reasons.map(describeReason)),
            v.validation_timestamp,
          ]),
        ),
      )
    }
    if (!shown.votes_visible)
      this.log(
        shown.votes.length > 0
          ? "Only your own vote is shown until the prospect is decided; the others' votes appear then."
          : 'Votes are shown once the prospect is decided (your own vote, if you have one, before).',
      )
    return shown
  }
}

/** A stored reason as `check: message`; the database keeps whatever JSON the vote carried. */
function describeReason(reason: unknown): {check: string; message: string} {
  const {check, message} = (reason ?? {}) as {check?: unknown; message?: unknown}
  return typeof check === 'string' && typeof message === 'string'
    ? {check, message}
    : {check: '(reason)', message: JSON.stringify(reason)}
}
