import {createHash} from 'node:crypto'
import path from 'node:path'
import {Command, Flags, type Interfaces} from '@oclif/core'
import chalk from 'chalk'
import createDebug from 'debug'
import type {z} from 'zod'
import {resolveTarget, type DatabaseTarget} from '../db/open.js'
import {EXIT, LeadpoetError} from '../errors.js'
import type {AppRole} from '../identity.js'
import {acquireLock} from '../lock.js'
import {loadConfig, type ConfigFile} from './config.js'
import {walletFlags} from './flags.js'
import {
  configuredIssuer,
  loadWalletHotkey,
  openConsensus,
  openSupabase,
  resolveIdentity,
  type ConsensusSession,
  type WalletChoice,
} from './session.js'

/** What `--json` prints when a command fails. */
export const ERROR_DOCUMENT = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {code: {type: 'string'}, message: {type: 'string'}, details: {}},
    },
  },
} as const

/** Where the run lock of `name` (e.g. `pull`) for `scope` (database, identity) lives. */
export function runLockFile(dataDir: string, name: string, scope: string): string {
  const key = createHash('sha256').update(scope).digest('hex').slice(0, 16)
  return path.join(dataDir, 'locks', `${name}-${key}.lock`)
}

/**
 * What every leadpoet command shares: `--json` (one document on stdout, errors included), `--db`,
 * the config file, and errors that leave as one line with a stable code and a documented exit status.
 * Commands parse flags, call the service layer and render; nothing else.
 */
export abstract class LeadpoetCommand extends Command {
  static override enableJsonFlag = true

  /** The shape of the document `--json` prints on success (`leadpoet schema COMMAND` shows it). */
  static resultSchema: z.ZodType | undefined

  static override baseFlags = {
    db: Flags.string({
      description: 'database: a postgres:// URL, a Supabase project URL, or omitted for the embedded database',
      env: 'LEADPOET_DB',
      helpGroup: 'GLOBAL',
    }),
    // Who the caller is: on a direct database the hotkey's claims; through Supabase the wallet
    // renews the access token.
    ...walletFlags,
  }

  protected appConfig: ConfigFile = {}
  private readonly cleanups: (() => Promise<void>)[] = []

  protected override async init(): Promise<void> {
    await super.init()
    this.appConfig = await loadConfig(this.config.configDir)
  }

  protected databaseTarget(flags: {db?: string}): DatabaseTarget {
    return resolveTarget(flags.db || this.appConfig.db, this.config.dataDir)
  }

  /** The service as `role`, closed when the command ends. */
  protected async openSession(role: AppRole, flags: {db?: string} & WalletChoice): Promise<ConsensusSession> {
    const target = this.databaseTarget(flags)
    const warn = (text: string) => this.warnLine(text)
    const session =
      target.kind === 'supabase'
        ? await openSupabase(target, {
            configDir: this.config.configDir,
            role,
            wallet: await loadWalletHotkey(flags, this.appConfig, warn),
            hotkey: flags.hotkey ?? this.appConfig.hotkey,
            issuerUrl: configuredIssuer(this.appConfig),
          })
        : await openConsensus(target, await resolveIdentity(role, flags, this.appConfig, warn))
    this.cleanups.push(() => session.close())
    return session
  }

  /**
   * Cron safety: one run of this command per database and identity at a time. An overlapping run
   * stops at once with ALREADY_RUNNING (exit 5: nothing for it to do), naming the run in progress.
   */
  protected async holdRunLock(name: string, scope: string): Promise<void> {
    const release = await acquireLock(runLockFile(this.config.dataDir, name, scope), {
      code: 'ALREADY_RUNNING',
      exitCode: EXIT.nothingToDo,
      what: `\`leadpoet ${name.replaceAll('-', ' ')}\``,
    })
    this.cleanups.push(release)
  }

  /** Warnings and progress go to stderr, also under --json (stdout carries only the document). */
  protected warnLine(text: string): void {
    process.stderr.write(`${chalk.yellow('Warning')} ${text}\n`)
  }

  protected progress(text: string): void {
    process.stderr.write(`${text}\n`)
  }

  protected override async finally(error: Error | undefined): Promise<unknown> {
    while (this.cleanups.length) await this.cleanups.pop()!().catch(() => {})
    return super.finally(error)
  }

  protected override async catch(error: Interfaces.CommandError): Promise<unknown> {
    const failure = describeFailure(error)
    process.exitCode = failure.exitCode
    if (this.jsonEnabled()) {
      this.logJson({error: {code: failure.code, message: failure.message, details: failure.details}})
    } else {
      this.logToStderr(`${chalk.red('Error')} ${chalk.dim(`[${failure.code}]`)} ${failure.message}`)
    }
    return undefined
  }
}

const debugStack = createDebug('leadpoet:error')

/**
 * What a failed command reports: a LeadpoetError as it is (a stable code and one line the user can
 * act on); oclif's usage errors as USAGE; anything else is a defect, INTERNAL_ERROR, one line, with
 * its stack on stderr only under DEBUG=leadpoet*.
 */
export function describeFailure(error: Error & {oclif?: {exit?: number}}): LeadpoetError {
  if (error instanceof LeadpoetError) {
    return error.message.includes('\n')
      ? new LeadpoetError(error.code, oneLine(error.message), error.exitCode, error.details)
      : error
  }
  if (error.oclif?.exit === EXIT.usage) return new LeadpoetError('USAGE', oneLine(error.message), EXIT.usage)
  debugStack('%s', error.stack ?? String(error))
  return new LeadpoetError(
    'INTERNAL_ERROR',
    `${oneLine(error.message)} (a defect in leadpoet: run with DEBUG=leadpoet* for the stack)`,
    EXIT.error,
  )
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim()
}
