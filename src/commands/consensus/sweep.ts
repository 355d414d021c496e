import {LeadpoetCommand} from '../../cli/base-command.js'
import {renderTable} from '../../cli/table.js'
import * as R from '../../service/results.js'

export default class ConsensusSweep extends LeadpoetCommand {
  static override resultSchema = R.SweepResult
  static override summary =
    'Reopen lapsed leases, decide anything left with a full quorum, report what waits (operator; run every minute).'

  async run(): Promise<R.SweepResult> {
    const {flags} = await this.parse(ConsensusSweep)
    const session = await this.openSession('operator', flags)
    await this.holdRunLock('consensus-sweep', session.database)
    const sweep = await session.service.sweep()
    this.log(
      renderTable(
        [
          'block',
          'epoch',
          'leases expired',
          'reopened',
          'timed out',
          'accepted',
          'rejected',
          'pending',
          'unclaimed',
          'need validators',
          'need votes',
        ],
        [
          [
            sweep.block,
            sweep.epoch,
            sweep.expired_leases,
            sweep.reopened_prospects,
            sweep.timed_out,
            sweep.accepted,
            sweep.rejected,
            sweep.pending.total,
            sweep.pending.unclaimed,
            sweep.pending.waiting_for_validators,
            sweep.pending.waiting_for_votes,
          ],
        ],
      ),
    )
    return sweep
  }
}
