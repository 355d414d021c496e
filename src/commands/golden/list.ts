import {Flags} from '@oclif/core'
import {LeadpoetCommand} from '../../cli/base-command.js'
import {renderTable} from '../../cli/table.js'
import {GoldenListing} from '../../service/results.js'

export default class GoldenList extends LeadpoetCommand {
  static override resultSchema = GoldenListing
  static override summary = 'List golden leads with how often each was served and answered right (operator).'
  static override flags = {
    retired: Flags.boolean({description: 'include retired golden leads', default: false}),
  }

  async run(): Promise<GoldenListing> {
    const {flags} = await this.parse(GoldenList)
    const {service} = await this.openSession('operator', flags)
    const listing = await service.listGoldenLeads({includeRetired: flags.retired})
    this.log(
      renderTable(
        ['golden lead', 'email', 'expected', 'served', 'votes right', 'consensus right', 'retired'],
        listing.golden.map((g) => [
          g.golden_id,
          typeof g.prospect.email === 'string' ? g.prospect.email : '',
          g.is_valid ? 'valid' : 'invalid',
          g.served,
          `${g.correct_votes}/${g.votes}`,
          `${g.consensus_correct}/${g.consensus_decisions}`,
          g.retired_at ?? '',
        ]),
      ),
    )
    this.log(`golden_rate ${listing.golden_rate}`)
    return listing
  }
}
