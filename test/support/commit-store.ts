import {PGlite} from '@electric-sql/pglite'
import {migrate} from '../../src/db/migrations.js'
import {pgliteSession, type SqlSession} from '../../src/db/session.js'
import {DatabaseCommitStore} from '../../src/service/weight-commits.js'
import {SqlConsensusStore} from '../../src/store/sql-store.js'
import {operatorIdentity} from './world.js'

/**
 * The pending-commit store the CLI uses (weight commits kept by the database's functions), on an
 * embedded database of its own: chain tests keep their salts exactly where a real run does.
 */
export interface CommitStoreFixture {
  store: DatabaseCommitStore
  sql: SqlSession
  /** Forgets every commit, between tests. */
  reset(): Promise<void>
  close(): Promise<void>
}

export async function openCommitStore(): Promise<CommitStoreFixture> {
  const sql = pgliteSession(new PGlite())
  await migrate(sql)
  return {
    store: new DatabaseCommitStore(new SqlConsensusStore(sql, operatorIdentity, false)),
    sql,
    reset: () => sql.exec('truncate leadpoet.weight_commits'),
    close: () => sql.close(),
  }
}
