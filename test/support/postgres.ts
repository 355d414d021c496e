import {randomBytes} from 'node:crypto'
import pg from 'pg'
import {ensureApiRoles} from '../../src/db/api-roles.js'
import {createPostgresPool, postgresClient} from '../../src/db/sql-client.js'

/** The server tests run against: DATABASE_URL, or the local PostgreSQL (trust auth). */
export const SERVER_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'

export function databaseUrl(name: string): string {
  const url = new URL(SERVER_URL)
  url.pathname = `/${name}`
  return url.toString()
}

async function withServer<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({connectionString: SERVER_URL})
  await client.connect()
  try {
    return await work(client)
  } finally {
    await client.end()
  }
}

export interface TestDatabase {
  name: string
  url: string
  drop(): Promise<void>
}

/** A fresh database of its own for one test file; dropped (with its connections) afterwards. */
export async function createTestDatabase(prefix = 'leadpoet_test'): Promise<TestDatabase> {
  const name = `${prefix}_${randomBytes(5).toString('hex')}`
  await withServer((client) => client.query(`create database ${name}`))
  return {
    name,
    url: databaseUrl(name),
    drop: () => withServer((client) => client.query(`drop database if exists ${name} with (force)`)).then(() => {}),
  }
}

/** The API roles (src/db/api-roles.ts), made once before the test files run in parallel. */
export async function bootstrapRoles(): Promise<void> {
  const sql = postgresClient(createPostgresPool(SERVER_URL, 1))
  try {
    await ensureApiRoles(sql)
  } finally {
    await sql.close()
  }
}
