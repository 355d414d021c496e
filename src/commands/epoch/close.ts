import {LeadpoetCommand} from '../../cli/base-command.js'
import {epochFlag} from '../../cli/flags.js'
import {renderTable} from '../../cli/table.js'
import {closeEpoch} from '../../service/epochs.js'
import * as R from '../../service/results.js'

export default class EpochClose extends LeadpoetCommand {
  static override resultSchema = R.EpochClosure
  static override summary =
    "Record an epoch's eligibility and miner weights for good (default: the previous epoch). Idempotent."
  static override description =
    'Exit status: 0 closed (or already closed), 5 no epoch is over yet (NO_EPOCH_OVER: a new deployment, still ' +
    'in epoch 0), 1 EPOCH_NOT_OVER for an --epoch that is still open, or the database unreachable.'
  static override flags = {
    epoch: {...epochFlag.epoch, description: 'epoch number [default: the previous epoch]'},
  }

  async run(): Promise<R.EpochClosure> {
    const {flags} = await this.parse(EpochClose)
    const {service} = await this.openSession('operator', flags)
    const closure = await closeEpoch(service, flags.epoch)
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
