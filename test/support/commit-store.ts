import {PGlite} from '@electric-sql/pglite'
import {migrate} from '../../src/db/migrations.js'
import {pgliteClient, type SqlClient} from '../../src/db/sql-client.js'
import {DatabaseCommitStore} from '../../src/service/weight-commits.js'
import {SqlRpcAdapter} from '../../src/adapters/sql-adapter.js'
import type {Identity} from '../../src/identity.js'

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

/** The commit store of one caller (by default //Alice as a validator, the chain tests' signer). */
export async function openCommitStore(
  identity: Identity = {hotkey: '5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY', role: 'validator'},
): Promise<CommitStoreFixture> {
  const sql = pgliteClient(new PGlite())
  await migrate(sql)
  return {
    store: new DatabaseCommitStore(new SqlRpcAdapter(sql, identity, false)),
    sql,
    reset: () => sql.exec('truncate leadpoet.weight_commits'),
    close: () => sql.close(),
  }
}
