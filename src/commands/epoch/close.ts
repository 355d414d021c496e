import {LeadpoetCommand} from '../../cli/base-command.js'
import {epochFlag} from '../../cli/flags.js'
import {renderTable} from '../../cli/table.js'
import * as R from '../../service/results.js'

export default class EpochClose extends LeadpoetCommand {
  static override resultSchema = R.EpochClosure
  static override summary =
    "Record an epoch's eligibility and miner weights for good (default: the previous epoch). Idempotent."
  static override flags = {
    epoch: {...epochFlag.epoch, description: 'epoch number [default: the previous epoch]'},
  }

  async run(): Promise<R.EpochClosure> {
    const {flags} = await this.parse(EpochClose)
    const {service} = await this.openSession('operator', flags)
    const closure = await service.closeEpoch(flags.epoch)
    this.log(
      `Epoch ${closure.epoch} ${closure.already_closed ? 'was already closed' : 'closed'} at ${closure.closed_at}: ` +
        `${closure.decided_leads} decided, ${closure.accepted_leads} accepted.`,
    )
    this.log(
      renderTable(
        ['miner', 'accepted', 'share'],
        closure.weights.map((w) => [w.miner_hotkey, w.accepted_leads, w.share.toFixed(4)]),
      ),
    )
    return closure
  }
}
