import {Args} from '@oclif/core'
import {LeadpoetCommand} from '../../cli/base-command.js'
import {renderTable} from '../../cli/table.js'
import {EXIT, LeadpoetError} from '../../errors.js'
import {readInputFile} from '../../cli/input.js'
import {ImportResult, importProspects, parseProspectFile} from '../../service/prospect-import.js'

export default class ProspectsAdd extends LeadpoetCommand {
  static override resultSchema = ImportResult
  static override summary = 'Queue prospects from a JSON array, JSON Lines or CSV file (`-` for stdin), as a miner.'
  static override description =
    "Every row is checked against the lead schema; good rows are queued under the caller's hotkey, bad " +
    'rows are reported with their line and reason.\n' +
    'Exit status: 0 all queued, 3 some rows refused, 2 every row refused or the file is unusable.'
  static override examples = [
    '<%= config.bin %> prospects add leads.csv --wallet.name miner --wallet.hotkey default',
    'cat leads.jsonl | <%= config.bin %> prospects add - --hotkey 5F... --json',
  ]
  static override args = {file: Args.string({description: 'JSON, JSONL or CSV file, or - for stdin', required: true})}

  async run(): Promise<ImportResult> {
    const {args, flags} = await this.parse(ProspectsAdd)
    const read = parseProspectFile(args.file, await readInputFile(args.file, 'prospects'))
    if (read.rows.length === 0) throw new LeadpoetError('EMPTY_FILE', `${args.file} holds no prospects`, EXIT.usage)
    const good = read.rows.length
    const {service} = await this.openSession('miner', flags)
    const result = await importProspects(service, read)

    if (result.refused.length > 0) {
      this.log(
        renderTable(
          ['line', 'refused because'],
          result.refused.map((r) => [r.line, r.issues.map((i) => `${i.field} ${i.message}`).join('; ')]),
        ),
      )
    }
    this.log(`Queued ${result.enqueued} of ${good} prospects (${result.format}); ${result.refused.length} refused.`)
    if (result.refused.length > 0) process.exitCode = result.enqueued > 0 ? EXIT.partial : EXIT.usage
    return result
  }
}
