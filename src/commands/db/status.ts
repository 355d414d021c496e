import {LeadpoetCommand} from '../../cli/base-command.js'
import {renderTable} from '../../cli/table.js'
import {MigrationState, migrationStatus, RevocationCheck, revocationCheck} from '../../db/migrations.js'
import {describeTarget, openSqlClient} from '../../db/open.js'
import {z} from 'zod'

export const DbStatusResult = z.object({
  database: z.string(),
  migrations: z.array(MigrationState),
  revocation: RevocationCheck,
})
export type DbStatusResult = z.infer<typeof DbStatusResult>

export default class DbStatus extends LeadpoetCommand {
  static override resultSchema = DbStatusResult
  static override summary = 'Show which migrations the selected database has.'

  async run(): Promise<DbStatusResult> {
    const {flags} = await this.parse(DbStatus)
    const target = this.databaseTarget(flags)
    const sql = await openSqlClient(target)
    try {
      const migrations = await migrationStatus(sql)
      const rows = migrations.map((m) => [m.version, m.name, m.applied ? 'yes' : 'no'])
      this.log(`${describeTarget(target)}\n${renderTable(['version', 'name', 'applied'], rows)}`)
      const revocation =
        target.kind === 'embedded'
          ? {state: 'not_applicable' as const, detail: 'the embedded database serves no API'}
          : await revocationCheck(sql)
      if (revocation.state === 'inactive') this.warnLine(`REVOCATION IS OFF: ${revocation.detail}`)
      else this.log(`Token revocation: ${revocation.state} (${revocation.detail})`)
      return {database: describeTarget(target), migrations, revocation}
    } finally {
      await sql.close()
    }
  }
}
