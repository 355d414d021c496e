import {Args} from '@oclif/core'
import {LeadpoetCommand} from '../../cli/base-command.js'
import {readInputFile} from '../../cli/input.js'
import {parseGoldenFile} from '../../service/golden-import.js'
import {GoldenAddResult} from '../../service/results.js'

export default class GoldenAdd extends LeadpoetCommand {
  static override resultSchema = GoldenAddResult
  static override summary = 'Add golden (known-answer) leads from a JSON array or JSON Lines file, as the operator.'
  static override description =
    'Each entry is {"prospect": {lead fields}, "is_valid": true|false, "note": "optional"}: the lead and the ' +
    "verdict it must get. Golden leads are mixed into validators' pulls at the golden_rate setting, never " +
    'served twice to one validator, and score each vote and each consensus decision on them. One bad entry ' +
    'refuses the whole file; nothing is added.'
  static override examples = [
    '<%= config.bin %> golden add golden.json',
    'cat golden.jsonl | <%= config.bin %> golden add - --json',
  ]
  static override args = {file: Args.string({description: 'JSON or JSONL file, or - for stdin', required: true})}

  async run(): Promise<GoldenAddResult> {
    const {args, flags} = await this.parse(GoldenAdd)
    const leads = parseGoldenFile(args.file, await readInputFile(args.file, 'golden leads'))
    const {service} = await this.openSession('operator', flags)
    const result = await service.addGoldenLeads(leads)
    this.log(`Added ${result.added} golden leads.`)
    return result
  }
}
