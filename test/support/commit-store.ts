import {PGlite} from '@electric-sql/pglite'
import {migrate} from '../../src/db/migrations.js'
import {pgliteClient, type SqlClient} from '../../src/db/sql-client.js'
import {DatabaseCommitStore} from '../../src/service/weight-commits.js'
import {SqlRpcAdapter} from '../../src/adapters/sql-adapter.js'
import {operatorIdentity} from './world.js'

/**
 * The pending-commit store the CLI uses (weight commits kept by the database's functions), on an
 * embedded database of its own: chain tests keep their salts exactly where a real run does.
 */
export interface CommitStoreFixture {
  store: DatabaseCommitStore
  sql: SqlClient
  /** Forgets every commit, between tests. */
  reset(): Promise<void>
  close(): Promise<void>
}

export async function openCommitStore(): Promise<CommitStoreFixture> {
  const sql = pgliteClient(new PGlite())
  await migrate(sql)
  return {
    store: new DatabaseCommitStore(new SqlRpcAdapter(sql, operatorIdentity, false)),
    sql,
    reset: () => sql.exec('truncate leadpoet.weight_commits'),
    close: () => sql.close(),
  }
}
