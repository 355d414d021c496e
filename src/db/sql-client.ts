import type {PGlite, Transaction} from '@electric-sql/pglite'
import pg from 'pg'

/**
 * The little a migrator or a SQL adapter needs from a database connection, for pg and PGlite alike.
 * `exec` runs a script of several statements; `query` one parameterised statement.
 */
export interface SqlClient {
  exec(sql: string): Promise<void>
  query<Row = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<Row[]>
  transaction<T>(work: (tx: SqlClient) => Promise<T>): Promise<T>
  close(): Promise<void>
}

function pgConnectionClient(client: pg.ClientBase): Omit<SqlClient, 'transaction' | 'close'> {
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

export function postgresClient(pool: pg.Pool): SqlClient {
  const client: SqlClient = {
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
        const tx: SqlClient = {
          ...pgConnectionClient(client),
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
  return client
}

function pgliteTransactionClient(tx: Transaction): SqlClient {
  const client: SqlClient = {
    async exec(sql) {
      await tx.exec(sql)
    },
    async query<Row>(sql: string, params?: unknown[]) {
      return (await tx.query<Row>(sql, params)).rows
    },
    transaction: (work) => work(client),
    close: async () => {},
  }
  return client
}

export function pgliteClient(db: PGlite): SqlClient {
  return {
    async exec(sql) {
      await db.exec(sql)
    },
    async query<Row>(sql: string, params?: unknown[]) {
      return (await db.query<Row>(sql, params)).rows
    },
    transaction: (work) => db.transaction((tx) => work(pgliteTransactionClient(tx))),
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
