import {randomBytes} from 'node:crypto'
import pg from 'pg'

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

/**
 * Roles are cluster-wide. Hosted Supabase has these; the migrations create the first three when
 * missing, and PostgREST logs in as authenticator. Made once before the test files run in parallel.
 */
export async function bootstrapRoles(): Promise<void> {
  await withServer(async (client) => {
    await client.query('select pg_advisory_lock(71000, 1)')
    try {
      await client.query(`
        do $$
        begin
          if not exists (select 1 from pg_roles where rolname = 'anon') then create role anon nologin noinherit; end if;
          if not exists (select 1 from pg_roles where rolname = 'authenticated') then create role authenticated nologin noinherit; end if;
          if not exists (select 1 from pg_roles where rolname = 'service_role') then create role service_role nologin noinherit bypassrls; end if;
          if not exists (select 1 from pg_roles where rolname = 'authenticator') then create role authenticator login noinherit; end if;
        end
        $$;
        grant anon, authenticated, service_role to authenticator;`)
    } finally {
      await client.query('select pg_advisory_unlock(71000, 1)')
    }
  })
}
