import {LeadpoetCommand} from '../../cli/base-command.js'
import {MigrationState, migrate, migrationStatus} from '../../db/migrations.js'
import {describeTarget, openSqlClient} from '../../db/open.js'
import {z} from 'zod'

export const DbMigrateResult = z.object({
  database: z.string(),
  applied: z.array(z.string()),
  migrations: z.array(MigrationState),
})
export type DbMigrateResult = z.infer<typeof DbMigrateResult>

export default class DbMigrate extends LeadpoetCommand {
  static override resultSchema = DbMigrateResult
  static override summary = 'Apply the consensus migrations to the selected database.'
  static override description =
    'Applies supabase/migrations in order, each in one transaction, and records them where `supabase db ' +
    'push` does, so either tool can be used.'
  static override examples = [
    '<%= config.bin %> db migrate',
    '<%= config.bin %> db migrate --db postgres://postgres@127.0.0.1:5432/leadpoet',
  ]

  async run(): Promise<DbMigrateResult> {
    const {flags} = await this.parse(DbMigrate)
    const target = this.databaseTarget(flags)
    const sql = await openSqlClient(target)
    try {
      const applied = await migrate(sql)
      const migrations = await migrationStatus(sql)
      this.log(
        applied.length
          ? `Applied ${applied.length} migration(s) to ${describeTarget(target)}: ${applied.join(', ')}`
          : `Up to date: ${describeTarget(target)}`,
      )
      return {database: describeTarget(target), applied, migrations}
    } finally {
      await sql.close()
    }
  }
}
