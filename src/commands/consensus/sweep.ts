import {LeadpoetCommand} from '../../cli/base-command.js'
import {describeProbation, renderTable} from '../../cli/table.js'
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
        ['block', 'epoch', 'leases expired', 'reopened', 'timed out', 'accepted', 'rejected', 'expired unpulled'],
        [
          [
            sweep.block,
            sweep.epoch,
            sweep.expired_leases,
            sweep.reopened_prospects,
            sweep.timed_out,
            sweep.accepted,
            sweep.rejected,
            sweep.expired_unpulled,
          ],
        ],
      ),
    )
    const {pending} = sweep
    this.log(
      `Pending ${pending.total}: ${pending.waiting_for_first_pull} waiting for a first pull` +
        `${pending.oldest_first_pull_wait_blocks === null ? '' : ` (oldest ${pending.oldest_first_pull_wait_blocks} blocks)`}, ` +
        `${pending.waiting_for_validators} waiting for validators, ${pending.waiting_for_votes} waiting for votes.`,
    )
    this.log(describeProbation(sweep.probation))
    return sweep
  }
}
