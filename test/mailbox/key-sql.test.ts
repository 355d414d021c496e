import {domainToASCII} from 'node:url'
import {PGlite} from '@electric-sql/pglite'
import pg from 'pg'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {loadMigrations, migrate, rollback} from '../../src/db/migrations.js'
import {createPostgresPool, pgliteClient, postgresClient, type SqlClient} from '../../src/db/sql-client.js'
import {mailboxKey, normalizeMailboxText} from '../../src/mailbox-key.js'
import {databaseUrl, SERVER_URL} from '../support/postgres.js'
import {expectedAnswer, loadMailboxVectors, randomEmails} from '../support/mailbox-vectors.js'

const vectors = loadMailboxVectors()

interface Backend {
  sql: SqlClient
  /** A second connection, for concurrent transactions; absent on PGlite (one connection). */
  pool?: pg.Pool
  close(): Promise<void>
}

async function pglite(): Promise<Backend> {
  const sql = pgliteClient(new PGlite())
  return {sql, close: () => sql.close()}
}

/**
 * PostgreSQL 15 in a database whose LC_CTYPE is C: there lower() and [[:alpha:]] know ASCII only, so
 * a key that leaned on them would fail here.
 */
async function postgresInCLocale(): Promise<Backend> {
  const name = `leadpoet_mailbox_${Math.random().toString(16).slice(2, 12)}`
  const server = new pg.Client({connectionString: SERVER_URL})
  await server.connect()
  await server.query(`create database ${name} template template0 encoding 'UTF8' lc_collate 'C' lc_ctype 'C'`)
  const pool = createPostgresPool(databaseUrl(name), 4)
  const sql = postgresClient(pool)
  return {
    sql,
    pool,
    async close() {
      await sql.close()
      await server.query(`drop database if exists ${name} with (force)`)
      await server.end()
    },
  }
}

type Answer = {key: string} | {refusal: string | null; message: string | null}

async function sqlKeys(sql: SqlClient, emails: string[]): Promise<Answer[]> {
  const rows = await sql.query<{key: string | null; refusal: string | null; message: string | null}>(
    `select r.key, r.refusal, r.message
       from unnest($1::text[]) with ordinality as e (email, i)
       cross join lateral leadpoet.mailbox_key(e.email) as r
      order by e.i`,
    [emails],
  )
  return rows.map((row) => (row.key !== null ? {key: row.key} : {refusal: row.refusal, message: row.message}))
}

describe.each([
  {name: 'PGlite', open: pglite, randomCount: 400},
  {name: 'PostgreSQL (C locale)', open: postgresInCLocale, randomCount: 3000},
])('mailbox key in SQL on $name', ({open, randomCount}) => {
  let backend: Backend
  beforeAll(async () => {
    backend = await open()
    await migrate(backend.sql)
  })
  afterAll(async () => {
    await backend?.close()
  })

  it('given the shared vector file, when every email is keyed by leadpoet.mailbox_key, then each answer is exactly the vector’s', async () => {
    const emails = vectors.map((vector) => vector.email)
    const answers = (await sqlKeys(backend.sql, emails)).map((answer) =>
      'key' in answer ? answer : {refusal: answer.refusal},
    )
    expect(emails.map((email, i) => ({email, ...answers[i]}))).toEqual(
      vectors.map((vector) => ({email: vector.email, ...expectedAnswer(vector)})),
    )
  })

  it('given seeded random emails around every rule, when keyed in SQL and in TypeScript, then both give the same key, or the same refusal and message', async () => {
    // PostgreSQL text cannot hold NUL; the generator makes none.
    const emails = randomEmails(randomCount, 71)
    const fromSql = await sqlKeys(backend.sql, emails)
    const fromTypeScript: Answer[] = emails.map((email) => mailboxKey(email))
    const disagreements = emails.flatMap((email, i) =>
      JSON.stringify(fromSql[i]) === JSON.stringify(fromTypeScript[i])
        ? []
        : [{email, sql: fromSql[i], typescript: fromTypeScript[i]}],
    )
    expect(disagreements).toEqual([])
    // The corpus reaches every outcome, so agreement is not agreement on refusals alone.
    const outcome = (answer: Answer | undefined) => (answer && 'key' in answer ? 'key' : (answer?.refusal ?? 'none'))
    const counts = new Map<string, number>()
    for (const answer of fromTypeScript) counts.set(outcome(answer), (counts.get(outcome(answer)) ?? 0) + 1)
    for (const kind of ['key', 'malformed_email', 'suspicious_email'])
      expect(counts.get(kind) ?? 0).toBeGreaterThan(randomCount / 50)
  })

  it('given every internationalised label of the vectors, when the SQL Punycode encodes it, then it is what url.domainToASCII makes, and it decodes back', async () => {
    const labels = [
      ...new Set(
        vectors
          .filter((vector) => vector.key !== undefined)
          .flatMap((vector) =>
            normalizeMailboxText(vector.email.slice(vector.email.lastIndexOf('@') + 1)).split(/[.\u3002]/),
          )
          .filter((label) => /[^\x00-\x7f]/.test(label)), // eslint-disable-line no-control-regex -- ASCII is the point
      ),
    ]
    expect(labels.length).toBeGreaterThanOrEqual(10)
    const rows = await backend.sql.query<{label: string; encoded: string; decoded: string}>(
      `select l as label, 'xn--' || leadpoet.punycode_encode(l) as encoded,
              leadpoet.punycode_decode(leadpoet.punycode_encode(l)) as decoded
         from unnest($1::text[]) with ordinality as u (l, i) order by i`,
      [labels],
    )
    expect(rows).toEqual(labels.map((label) => ({label, encoded: domainToASCII(label), decoded: label})))
  })

  it('given a unique index on mailbox_key_or_null, when two spellings of one mailbox are inserted, then the second is refused and refused emails do not collide', async () => {
    const immutable = await backend.sql.query(
      `select provolatile, proparallel from pg_catalog.pg_proc
        where oid = 'leadpoet.mailbox_key_or_null(text)'::regprocedure`,
    )
    expect(immutable).toEqual([{provolatile: 'i', proparallel: 's'}])
    await backend.sql.exec(`
      create table public.mailbox_index_probe (email text not null);
      create unique index mailbox_index_probe_key on public.mailbox_index_probe (leadpoet.mailbox_key_or_null(email));`)
    try {
      await backend.sql.query(`insert into public.mailbox_index_probe values ('Jane.Doe+news@GoogleMail.com')`)
      await expect(
        backend.sql.query(`insert into public.mailbox_index_probe values ('janedoe@gmail.com')`),
      ).rejects.toMatchObject({code: '23505'})
      // Refused emails have no key (null): the index does not compare them; enqueue refuses them first.
      await backend.sql.query(`insert into public.mailbox_index_probe values ('no-at-sign'), ('no-at-sign')`)
      expect(
        await backend.sql.query(
          `select email, leadpoet.mailbox_key_or_null(email) as key from public.mailbox_index_probe order by email`,
        ),
      ).toEqual([
        {email: 'Jane.Doe+news@GoogleMail.com', key: 'janedoe@gmail.com'},
        {email: 'no-at-sign', key: null},
        {email: 'no-at-sign', key: null},
      ])
    } finally {
      await backend.sql.exec('drop table public.mailbox_index_probe')
    }
  })

  it('given the migration, when its functions are inspected, then none is executable by public, anon, authenticated or service_role', async () => {
    const rows = await backend.sql.query<{name: string; callable_by: string[]}>(
      `select p.oid::regprocedure::text as name,
              array(select r from unnest(array['public', 'anon', 'authenticated', 'service_role']) r
                     where case when r = 'public' then exists (select 1 from aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a
                                                                 where a.grantee = 0 and a.privilege_type = 'EXECUTE')
                                else has_function_privilege(r, p.oid, 'execute') end) as callable_by
         from pg_catalog.pg_proc p
        where p.pronamespace = 'leadpoet'::regnamespace and (p.proname like 'mailbox\\_%' or p.proname like 'punycode\\_%')
        order by 1`,
    )
    expect(rows.length).toBeGreaterThan(10)
    expect(rows.filter((row) => row.callable_by.length > 0)).toEqual([])
  })

  it('given the migrated database, when only the mailbox key migration is rolled back and applied again, then its functions and type go and come back', async () => {
    const mine = (await loadMigrations()).filter((migration) => migration.name === 'mailbox_key')
    expect(mine.map((migration) => migration.version)).toEqual(['20261202000150'])
    const count = () =>
      backend.sql.query<{functions: number; types: number}>(
        `select (select count(*)::int from pg_catalog.pg_proc
                  where pronamespace = 'leadpoet'::regnamespace and (proname like 'mailbox\\_%' or proname like 'punycode\\_%')) as functions,
                (select count(*)::int from pg_catalog.pg_type where typname = 'mailbox_key_result') as types`,
      )
    const before = await count()
    expect(await rollback(backend.sql, mine)).toEqual(['20261202000150'])
    expect(await count()).toEqual([{functions: 0, types: 0}])
    expect(await migrate(backend.sql, mine)).toEqual(['20261202000150'])
    expect(await count()).toEqual(before)
  })
})

describe('mailbox key unique index under concurrency (PostgreSQL)', () => {
  it('given two transactions inserting x@ and X@ at once, when both commit, then exactly one row is stored', async () => {
    const backend = await postgresInCLocale()
    try {
      await migrate(backend.sql)
      await backend.sql.exec(`
        create table public.mailbox_race (email text not null);
        create unique index mailbox_race_key on public.mailbox_race (leadpoet.mailbox_key_or_null(email));`)
      const first = await backend.pool!.connect()
      const second = await backend.pool!.connect()
      try {
        await first.query('begin')
        await second.query('begin')
        const secondPid = (await second.query<{pid: number}>('select pg_backend_pid() as pid')).rows[0]?.pid
        await first.query(`insert into public.mailbox_race values ('x@example.com')`)
        const racing = second.query(`insert into public.mailbox_race values ('X@Example.com')`).then(
          () => 'inserted',
          (error: {code?: string}) => error.code,
        )
        // The second insert waits on the first transaction's index entry for the same key.
        await expect
          .poll(
            async () =>
              (await backend.sql.query('select wait_event_type from pg_stat_activity where pid = $1', [secondPid]))[0],
            {timeout: 10_000},
          )
          .toEqual({wait_event_type: 'Lock'})
        await first.query('commit')
        expect(await racing).toBe('23505')
        await second.query('rollback')
      } finally {
        first.release()
        second.release()
      }
      expect(await backend.sql.query('select email from public.mailbox_race')).toEqual([{email: 'x@example.com'}])
    } finally {
      await backend.close()
    }
  })
})
