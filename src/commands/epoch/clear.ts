import {LeadpoetCommand} from '../../cli/base-command.js'
import * as R from '../../service/results.js'

export default class EpochClear extends LeadpoetCommand {
  static override resultSchema = R.ClearResult
  static override summary =
    "Delete the votes of closed epochs older than the previous one (the seed's clear_old_validation_tracking)."
  static override description =
    'An epoch that is not closed keeps its votes, however old; they are listed so the operator can close it.'

  async run(): Promise<R.ClearResult> {
    const {flags} = await this.parse(EpochClear)
    const session = await this.openSession('operator', flags)
    await this.holdRunLock('epoch-clear', session.database)
    const cleared = await session.service.clearOldEpochs()
    this.log(
      `Current epoch ${cleared.current_epoch}: cleared epochs [${cleared.cleared_epochs.join(', ')}], ` +
        `${cleared.deleted_votes} votes and ${cleared.deleted_leases} leases deleted.`,
    )
    if (cleared.unclosed_epochs_kept.length > 0) {
      this.warnLine(
        `epochs not closed keep their votes: ${cleared.unclosed_epochs_kept.join(', ')} (run \`leadpoet epoch close --epoch N\`)`,
      )
    }
    return cleared
  }
}
