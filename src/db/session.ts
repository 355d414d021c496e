import type {PGlite, Transaction} from '@electric-sql/pglite'
import pg from 'pg'

/**
 * The little a migrator or a SQL adapter needs from a database connection, for pg and PGlite alike.
 * `exec` runs a script of several statements; `query` one parameterised statement.
 */
export interface SqlSession {
  exec(sql: string): Promise<void>
  query<Row = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<Row[]>
  transaction<T>(work: (tx: SqlSession) => Promise<T>): Promise<T>
  close(): Promise<void>
}

function pgClientSession(client: pg.ClientBase): Omit<SqlSession, 'transaction' | 'close'> {
  return {
    async exec(sql) {
      await client.query(sql)
    },
    async query<Row>(sql: string, params?: unknown[]) {
      const result = await client.query(sql, params)
      return result.rows as Row[]
    },
  }
}

export function postgresSession(pool: pg.Pool): SqlSession {
  const session: SqlSession = {
    async exec(sql) {
      await pool.query(sql)
    },
    async query<Row>(sql: string, params?: unknown[]) {
      return (await pool.query(sql, params)).rows as Row[]
    },
    async transaction(work) {
      const client = await pool.connect()
      let broken: Error | undefined
      try {
        await client.query('begin')
        const tx: SqlSession = {
          ...pgClientSession(client),
          transaction: (inner) => inner(tx),
          close: async () => {},
        }
        const result = await work(tx)
        await client.query('commit')
        return result
      } catch (error) {
        await client.query('rollback').catch((rollbackError: Error) => {
          broken = rollbackError
        })
        throw error
      } finally {
        // A connection that could not even roll back is not returned to the pool.
        client.release(broken)
      }
    },
    close: () => pool.end(),
  }
  return session
}

function pgliteTxSession(tx: Transaction): SqlSession {
  const session: SqlSession = {
    async exec(sql) {
      await tx.exec(sql)
    },
    async query<Row>(sql: string, params?: unknown[]) {
      return (await tx.query<Row>(sql, params)).rows
    },
    transaction: (work) => work(session),
    close: async () => {},
  }
  return session
}

export function pgliteSession(db: PGlite): SqlSession {
  return {
    async exec(sql) {
      await db.exec(sql)
    },
    async query<Row>(sql: string, params?: unknown[]) {
      return (await db.query<Row>(sql, params)).rows
    },
    transaction: (work) => db.transaction((tx) => work(pgliteTxSession(tx))),
    close: () => db.close(),
  }
}

export function createPostgresPool(connectionString: string, max = 10): pg.Pool {
  // Connect within 15 s and notice a dead server (keepalive) rather than wait forever.
  const pool = new pg.Pool({connectionString, max, connectionTimeoutMillis: 15_000, keepAlive: true})
  // An idle client's error (server restart) must not crash the process; the next query reports it.
  pool.on('error', () => {})
  return pool
}
