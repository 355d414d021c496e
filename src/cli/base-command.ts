import {Command, Flags, type Interfaces} from '@oclif/core'
import chalk from 'chalk'
import {resolveTarget, type DatabaseTarget} from '../db/open.js'
import {EXIT, LeadpoetError} from '../errors.js'

/**
 * What every leadpoet command shares: `--json` (one document on stdout, errors included), `--db`,
 * and errors that leave as one line with a stable code and a documented exit status.
 */
export abstract class LeadpoetCommand extends Command {
  static override enableJsonFlag = true

  static override baseFlags = {
    db: Flags.string({
      description: 'database: a postgres:// URL, a Supabase project URL, or omitted for the embedded database',
      env: 'LEADPOET_DB',
      helpGroup: 'GLOBAL',
    }),
  }

  protected databaseTarget(flags: {db?: string}): DatabaseTarget {
    return resolveTarget(flags.db, this.config.dataDir)
  }

  protected override async catch(error: Interfaces.CommandError): Promise<unknown> {
    if (!(error instanceof LeadpoetError)) {
      // oclif's own usage errors (unknown flag, missing argument) carry exit code 2 already.
      if (error.oclif?.exit !== undefined) return super.catch(error)
      return super.catch(Object.assign(error, {exitCode: EXIT.error}))
    }
    process.exitCode = error.exitCode
    if (this.jsonEnabled()) {
      this.logJson({error: {code: error.code, message: error.message, details: error.details}})
    } else {
      this.logToStderr(`${chalk.red('Error')} ${chalk.dim(`[${error.code}]`)} ${error.message}`)
    }
    return undefined
  }
}
