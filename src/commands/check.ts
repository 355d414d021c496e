import {Args} from '@oclif/core'
import chalk from 'chalk'
import {z} from 'zod'
import {LeadpoetCommand} from '../cli/base-command.js'
import {readInputFile} from '../cli/input.js'
import {reasonLines, renderTable} from '../cli/table.js'
import {validationConfig, validationFlags} from '../cli/validation.js'
import {EXIT, LeadpoetError} from '../errors.js'
import {toJsonDocument} from '../json-document.js'
import {parseProspectFile} from '../service/prospect-import.js'
import {MalformedRecord} from '../service/records.js'
import {localChecks, LocalChecks, NetworkHealthDocument, requireHealthyNetwork} from '../service/validator-run.js'
import {createLeadValidator} from '../validation/index.js'

const CheckResult = z.object({
  network_health: NetworkHealthDocument,
  checked: z.number().int(),
  valid: z.number().int(),
  invalid: z.number().int(),
  abstained: z.number().int(),
  leads: z.array(LocalChecks.extend({line: z.number().int()})),
})
type CheckResult = z.infer<typeof CheckResult>

export default class Check extends LeadpoetCommand {
  static override resultSchema = CheckResult
  static override summary = "Run the lead checks on leads from a file, as `pull` would, to test a validator's setup."
  static override description =
    'Touches no queue and no database: the duplicate check covers the file only. The network health check ' +
    'runs first, as in `pull`; on a broken network the command fails with NETWORK_UNHEALTHY.\n' +
    'Exit status: 0 checked (whatever the verdicts), 1 network unhealthy, 2 bad flags or an unusable file.'
  static override examples = [
    '<%= config.bin %> check leads.csv',
    '<%= config.bin %> check leads.jsonl --validation-config validation.json --json',
  ]
  // No database and no identity: no --db or wallet flags to offer (the cast keeps the base's type).
  static override baseFlags = {} as typeof LeadpoetCommand.baseFlags
  static override args = {
    file: Args.string({description: 'JSON, JSONL or CSV file of leads, or - for stdin', required: true}),
  }
  static override flags = {...validationFlags}

  async run(): Promise<CheckResult> {
    const {args, flags} = await this.parse(Check)
    const config = await validationConfig(flags, this.appConfig)
    const {rows} = parseProspectFile(args.file, await readInputFile(args.file, 'leads'))
    if (rows.length === 0) throw new LeadpoetError('EMPTY_FILE', `${args.file} holds no leads`, EXIT.usage)
    const validator = createLeadValidator({config})
    const health = await requireHealthyNetwork(validator)
    // A row that could not be read is checked as what it is: not a lead (the required check says why).
    const assessments = await validator.validate(
      rows.map((row) => (row.value instanceof MalformedRecord ? row.value.reason : row.value)),
    )
    const leads = assessments.map((assessment, index) => ({line: rows[index]!.line, ...localChecks(assessment)}))
    this.log(
      renderTable(
        ['line', 'valid', 'score', 'reasons'],
        leads.map((lead) => [
          lead.line,
          lead.verdict === 'abstain' ? chalk.yellow('abstain') : lead.is_valid ? chalk.green('yes') : chalk.red('no'),
          lead.score.toFixed(2),
          reasonLines(lead.verdict === 'abstain' ? lead.abstain_reasons : lead.reasons),
        ]),
      ),
    )
    const count = (test: (lead: (typeof leads)[number]) => boolean) => leads.filter(test).length
    const result: CheckResult = {
      network_health: toJsonDocument(health),
      checked: leads.length,
      valid: count((l) => l.verdict === 'vote' && l.is_valid),
      invalid: count((l) => l.verdict === 'vote' && !l.is_valid),
      abstained: count((l) => l.verdict === 'abstain'),
      leads,
    }
    const probes = health.probes.length ? `network healthy (${health.probes.length} probes)` : 'no network check on'
    this.log(
      `Checked ${result.checked}: ${result.valid} valid, ${result.invalid} invalid, ${result.abstained} undecided; ${probes}.`,
    )
    return result
  }
}
