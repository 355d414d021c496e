import {writeFile} from 'node:fs/promises'
import {Flags} from '@oclif/core'
import chalk from 'chalk'
import {LeadpoetCommand} from '../cli/base-command.js'
import {reasonLines, renderTable} from '../cli/table.js'
import {validationConfig, validationFlags} from '../cli/validation.js'
import {EXIT, LeadpoetError} from '../errors.js'
import {
  exportValidatorBatch,
  ExportSummary,
  runValidatorBatch,
  ValidatorRunResult,
  type ExportResult,
} from '../service/validator-run.js'
import {createLeadValidator} from '../validation/index.js'

export default class Pull extends LeadpoetCommand {
  static override resultSchema = ValidatorRunResult.or(ExportSummary)
  static override summary = "The validator's main job: pull a batch, check every lead, submit the votes."
  static override description =
    "Before a batch is judged, the machine's own network is checked (names that must resolve, a random " +
    '.invalid name that must not, optionally an HTTP probe): on a broken network nothing is voted and ' +
    'the command fails with NETWORK_UNHEALTHY, naming what failed.\n' +
    'Leads the checks cannot decide (a DNS or website check that could not answer) are given back at once ' +
    'so another validator can try, rather than voted on a guess.\n' +
    '--export FILE (or - for stdout) leases and checks a batch but votes nothing: each prospect, its lease ' +
    "expiry and the checks' verdict go to FILE as JSON Lines, and the leases stay live for `submit FILE`. " +
    'Until then, a `pull` with the same hotkey takes those leases back first and votes on them.\n' +
    'Exit status: 0 done, 1 network unhealthy (nothing voted) or database unreachable, 3 some votes refused ' +
    '(e.g. a lease that lapsed during slow checks), 5 the queue had nothing for this validator (or another ' +
    'run is in progress), 2 bad flags or no identity, 4 not authorised.'
  static override examples = [
    '<%= config.bin %> pull --wallet.name validator --wallet.hotkey default',
    '<%= config.bin %> pull --limit 20 --export batch.jsonl --hotkey 5F...',
  ]
  static override flags = {
    limit: Flags.integer({description: 'prospects to pull', default: 50, min: 1}),
    export: Flags.string({
      description: 'lease and check a batch, vote nothing: write it to FILE (- for stdout) as JSON Lines for `submit`',
      helpValue: 'FILE',
    }),
    // --no-submit gave every lease back, so that validator could never pull those prospects again.
    submit: Flags.boolean({hidden: true, allowNo: true}),
    ...validationFlags,
  }

  async run(): Promise<ValidatorRunResult | ExportSummary> {
    const {flags} = await this.parse(Pull)
    if (flags.submit === false)
      throw new LeadpoetError(
        'USAGE',
        '--no-submit is gone: it gave the leases back, so those prospects could never come back to you; ' +
          'use --export FILE to look without voting (the leases stay yours until you `submit FILE`)',
        EXIT.usage,
      )
    if (flags.export === '-' && this.jsonEnabled())
      throw new LeadpoetError(
        'USAGE',
        '--export - writes the batch to stdout, so it cannot be used with --json',
        EXIT.usage,
      )
    const config = await validationConfig(flags, this.appConfig)
    const session = await this.openSession('validator', flags)
    await this.holdRunLock('pull', `${session.database}|${session.identity.hotkey}`)
    const {service} = session
    const validator = createLeadValidator({config, knownEmails: (emails) => service.knownLeadEmails(emails)})
    this.progress(`Pulling up to ${flags.limit} prospects as ${session.identity.hotkey}...`)

    if (flags.export !== undefined)
      return this.export(flags.export, await exportValidatorBatch(service, validator, flags))

    const result = await runValidatorBatch(service, validator, {limit: flags.limit})
    if (result.pulled === 0) {
      this.log('Nothing to pull: every queued prospect is taken or already yours.')
      process.exitCode = EXIT.nothingToDo
      return result
    }
    this.log(
      renderTable(
        ['prospect', 'valid', 'score', 'reasons', 'vote'],
        result.verdicts.map((v) => [
          v.prospect_id,
          v.verdict === 'abstain' ? chalk.yellow('abstain') : v.is_valid ? chalk.green('yes') : chalk.red('no'),
          v.score.toFixed(2),
          reasonLines(v.verdict === 'abstain' ? v.abstain_reasons : v.reasons),
          v.decision ? `${v.outcome} -> ${v.decision}` : v.outcome,
        ]),
      ),
    )
    this.log(
      `Pulled ${result.pulled}: voted ${result.voted} (${result.recorded} recorded, ${result.refused} refused), ` +
        `abstained ${result.abstained}, gave back ${result.released}; decided here: ${result.accepted} accepted, ` +
        `${result.rejected} rejected.`,
    )
    if (result.refused > 0) process.exitCode = EXIT.partial
    return result
  }

  private async export(file: string, result: ExportResult): Promise<ExportSummary> {
    const lines = result.prospects.map((p) => `${JSON.stringify(p)}\n`).join('')
    // On stdout the batch is the output; the summary goes to stderr.
    const say = (text: string) => (file === '-' ? this.progress(text) : this.log(text))
    if (file === '-') process.stdout.write(lines)
    else await writeFile(file, lines)
    if (result.exported === 0) {
      say('Nothing to pull: every queued prospect is taken or already yours.')
      process.exitCode = EXIT.nothingToDo
    } else {
      say(
        `Exported ${result.exported} prospects to ${file === '-' ? 'stdout' : file}; their leases are yours until ` +
          `${result.lease_expires_at}: vote with \`submit\` before then.`,
      )
    }
    return {exported: result.exported, lease_expires_at: result.lease_expires_at, file}
  }
}
