import {createInterface} from 'node:readline/promises'
import {Flags} from '@oclif/core'
import {LeadpoetCommand} from '../../cli/base-command.js'
import {listUnrevealedCommits, rollback, UnrevealedCommit} from '../../db/migrations.js'
import {describeTarget, openSqlClient} from '../../db/open.js'
import {EXIT, LeadpoetError} from '../../errors.js'
import {z} from 'zod'

export const DbRollbackResult = z.object({
  database: z.string(),
  rolled_back: z.array(z.string()),
  /** weight commits that were never revealed: their salts went with the rollback */
  unrevealed_commits: z.array(UnrevealedCommit),
})
export type DbRollbackResult = z.infer<typeof DbRollbackResult>

export default class DbRollback extends LeadpoetCommand {
  static override resultSchema = DbRollbackResult
  static override summary =
    'Undo the consensus migrations: drops every consensus table, column and function; leads rows stay.'
  static override flags = {
    yes: Flags.boolean({char: 'y', description: 'do not ask for confirmation (required without a terminal)'}),
  }

  async run(): Promise<DbRollbackResult> {
    const {flags} = await this.parse(DbRollback)
    const target = this.databaseTarget(flags)
    const sql = await openSqlClient(target)
    try {
      // Listed before anything is dropped: a salt lost here is a commit nobody can ever reveal.
      const unrevealed = await listUnrevealedCommits(sql)
      for (const c of unrevealed) {
        this.warnLine(
          `weight commit ${c.id} of ${c.hotkey} (subnet ${c.netuid}, chain epoch ${c.chain_epoch}, ${c.status}) ` +
            'is not revealed yet; its salt goes with the rollback',
        )
      }
      if (!flags.yes) {
        const commits = unrevealed.length ? ` ${unrevealed.length} unrevealed weight commit(s) will be lost.` : ''
        await this.confirm(`Roll back every consensus migration on ${describeTarget(target)}?${commits}`)
      }
      const undone = await rollback(sql)
      this.log(undone.length ? `Rolled back ${undone.join(', ')} on ${describeTarget(target)}` : 'Nothing to roll back')
      return {database: describeTarget(target), rolled_back: undone, unrevealed_commits: unrevealed}
    } finally {
      await sql.close()
    }
  }

  private async confirm(question: string): Promise<void> {
    if (!process.stdin.isTTY || this.jsonEnabled()) {
      throw new LeadpoetError(
        'CONFIRMATION_REQUIRED',
        'refusing to roll back without --yes (no terminal to ask)',
        EXIT.usage,
      )
    }
    const prompt = createInterface({input: process.stdin, output: process.stderr})
    const answer = await prompt.question(`${question} [y/N] `)
    prompt.close()
    if (!/^y(es)?$/i.test(answer.trim())) throw new LeadpoetError('CANCELLED', 'rollback cancelled', EXIT.nothingToDo)
  }
}
