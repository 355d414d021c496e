import {Flags} from '@oclif/core'
import {LeadpoetCommand} from '../../cli/base-command.js'
import {renderTable} from '../../cli/table.js'
import {CONSENSUS_STATUSES, type ProspectListing} from '../../service/results.js'
import * as R from '../../service/results.js'

export default class ProspectsList extends LeadpoetCommand {
  static override resultSchema = R.ProspectListing
  static override summary = 'List queued prospects, newest first (operator).'
  static override flags = {
    status: Flags.string({description: 'only this consensus status', options: [...CONSENSUS_STATUSES]}),
    miner: Flags.string({description: 'only this miner hotkey'}),
    limit: Flags.integer({description: 'at most this many', default: 100, min: 1, max: 10_000}),
  }

  async run(): Promise<ProspectListing> {
    const {flags} = await this.parse(ProspectsList)
    const {service} = await this.openSession('operator', flags)
    const listing = await service.listProspects({
      status: flags.status as (typeof CONSENSUS_STATUSES)[number] | undefined,
      minerHotkey: flags.miner,
      limit: flags.limit,
    })
    this.log(
      renderTable(
        ['prospect', 'miner', 'queued', 'status', 'reason', 'epoch', 'holders', 'email'],
        listing.prospects.map((p) => [
          p.prospect_id,
          p.miner_hotkey,
          p.queued_at,
          p.consensus_status,
          p.decision_reason,
          p.consensus_epoch,
          p.holders,
          p.email,
        ]),
      ),
    )
    return listing
  }
}
