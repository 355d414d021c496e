import {Args} from '@oclif/core'
import {LeadpoetCommand} from '../../cli/base-command.js'
import {renderTable} from '../../cli/table.js'
import {GoldenRetireResult} from '../../service/results.js'

export default class GoldenRetire extends LeadpoetCommand {
  static override resultSchema = GoldenRetireResult
  static override summary = 'Retire golden leads: never served again (operator).'
  static override description =
    'Instances already served are still decided and scored. An unknown id refuses the whole call.'
  static override strict = false
  static override args = {ids: Args.string({description: 'golden lead ids', required: true})}
  static override examples = ['<%= config.bin %> golden retire 3f0c...e1 9a4b...07']

  async run(): Promise<GoldenRetireResult> {
    const {argv, flags} = await this.parse(GoldenRetire)
    const {service} = await this.openSession('operator', flags)
    const result = await service.retireGoldenLeads(argv as string[])
    this.log(
      renderTable(
        ['golden lead', 'outcome'],
        result.results.map((r) => [r.golden_id, r.outcome]),
      ),
    )
    return result
  }
}
