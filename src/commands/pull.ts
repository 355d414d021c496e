import {Flags} from '@oclif/core'
import chalk from 'chalk'
import {LeadpoetCommand} from '../cli/base-command.js'
import {renderTable} from '../cli/table.js'
import {EXIT} from '../errors.js'
import {runValidatorBatch, ValidatorRunResult} from '../service/validator-run.js'
import {CHECK_NAMES, createLeadValidator, loadValidationConfig} from '../validation/index.js'

export default class Pull extends LeadpoetCommand {
  static override resultSchema = ValidatorRunResult
  static override summary = "The validator's main job: pull a batch, check every lead, submit the votes."
  static override description =
    'Leads the checks cannot decide (a DNS or website check that could not answer) are given back at once ' +
    'so another validator can try, rather than voted on a guess.\n' +
    'Exit status: 0 done, 3 some votes refused (e.g. a lease that lapsed during slow checks), 5 the queue ' +
    'had nothing for this validator (or another run is in progress), 4 not authorised.'
  static override examples = [
    '<%= config.bin %> pull --wallet.name validator --wallet.hotkey default',
    '<%= config.bin %> pull --limit 20 --no-submit',
  ]
  static override flags = {
    limit: Flags.integer({description: 'prospects to pull', default: 50, min: 1}),
    submit: Flags.boolean({
      description: 'submit the votes (--no-submit only looks, and gives the leases back)',
      default: true,
      allowNo: true,
    }),
    'validation-config': Flags.string({
      description: 'JSON file of validation settings (checks, weights, lists, timeouts)',
      env: 'LEADPOET_VALIDATION_CONFIG',
    }),
    'check-off': Flags.string({
      description: 'turn this check off (repeatable), e.g. website_reachable',
      multiple: true,
      options: [...CHECK_NAMES],
    }),
    'check-soft': Flags.string({
      description: 'make this check soft: it lowers the score but never fails the lead (repeatable)',
      multiple: true,
      options: [...CHECK_NAMES],
    }),
    'unknown-policy': Flags.string({
      description: 'when a check cannot tell (network failure): abstain (give the lease back), fail, or pass',
      options: ['abstain', 'fail', 'pass'],
    }),
  }

  async run(): Promise<ValidatorRunResult> {
    const {flags} = await this.parse(Pull)
    // Defaults < the settings file < these flags (a refused value names its key).
    const checks: Record<string, {enabled?: boolean; soft?: boolean}> = {}
    for (const name of flags['check-off'] ?? []) checks[name] = {...checks[name], enabled: false}
    for (const name of flags['check-soft'] ?? []) checks[name] = {...checks[name], soft: true}
    const config = await loadValidationConfig(flags['validation-config'] ?? this.appConfig.validation, {
      ...(Object.keys(checks).length ? {checks} : {}),
      ...(flags['unknown-policy'] ? {unknownPolicy: flags['unknown-policy']} : {}),
    })
    const session = await this.openSession('validator', flags)
    await this.holdRunLock('pull', `${session.database}|${session.identity.hotkey}`)
    const {service} = session
    const validator = createLeadValidator({config, knownEmails: (emails) => service.knownLeadEmails(emails)})
    this.progress(`Pulling up to ${flags.limit} prospects as ${session.identity.hotkey}...`)
    const result = await runValidatorBatch(service, validator, {limit: flags.limit, submit: flags.submit})
    if (result.pulled === 0) {
      this.log('Nothing to pull: every queued prospect is taken or already yours.')
      process.exitCode = EXIT.nothingToDo
      return result
    }
    this.log(
      renderTable(
        ['prospect', 'valid', 'score', 'failed checks', 'vote'],
        result.verdicts.map((v) => [
          v.prospect_id,
          v.verdict === 'abstain' ? chalk.yellow('abstain') : v.is_valid ? chalk.green('yes') : chalk.red('no'),
          v.score.toFixed(2),
          [...v.failed_checks, ...v.unknown_checks.map((c) => `${c}?`)].join(', '),
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
}
