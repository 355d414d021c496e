import {execFile} from 'node:child_process'
import {createRequire} from 'node:module'
import path from 'node:path'
import {promisify} from 'node:util'
import {PGlite} from '@electric-sql/pglite'
import {afterEach, describe, expect, it} from 'vitest'
import {
  listUnrevealedCommits,
  loadMigrations,
  migrate,
  migrationStatus,
  rollback,
  SUPABASE_DIR,
} from '../../src/db/migrations.js'
import {createPostgresPool, pgliteClient, postgresClient, type SqlClient} from '../../src/db/sql-client.js'
import type {LeadpoetError} from '../../src/errors.js'
import {ConsensusService} from '../../src/service/consensus.js'
import {DatabaseCommitStore} from '../../src/service/weight-commits.js'
import {pendingCommit} from '../chain/helpers.js'
import {SqlRpcAdapter} from '../../src/adapters/sql-adapter.js'
import {createTestDatabase, type TestDatabase} from '../support/postgres.js'
import {miner, operatorIdentity, validator} from '../support/world.js'

const run = promisify(execFile)
const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!()
})

async function postgres(): Promise<{db: TestDatabase; sql: SqlClient}> {
  const db = await createTestDatabase('leadpoet_migrate')
  const sql = postgresClient(createPostgresPool(db.url, 4))
  cleanups.push(async () => {
    await sql.close()
    await db.drop()
  })
  return {db, sql}
}

// What Leadpoet's Supabase project held before consensus, rows included.
const PRE_CONSENSUS = `
  create table public.prospect_queue (
    id uuid primary key default gen_random_uuid(), miner_hotkey text not null, prospect jsonb not null,
    status text not null default 'pending', created_at timestamptz not null default now());
  create table public.leads (
    id uuid primary key default gen_random_uuid(), email text unique, company text, validated_at timestamptz default now(),
    validator_hotkey text, miner_hotkey text, score numeric, metadata jsonb);
  insert into public.prospect_queue (miner_hotkey, prospect, status, created_at) values
    ('old-miner', '{"email": "second@old.com"}', 'pending', now() - interval '1 hour'),
    ('old-miner', '{"email": "first@old.com"}', 'pending', now() - interval '2 hours'),
    ('old-miner', '{"email": "done@old.com"}', 'validated', now() - interval '3 hours');
  insert into public.leads (email, company, validator_hotkey, miner_hotkey, score, metadata) values
    ('legacy@old.com', 'Old Co', 'old-validator', 'old-miner', 0.8, '{"k": 1}'),
    ('first@old.com', 'Old Co', 'old-validator', 'old-miner', 0.7, '{"k": 2}');`

async function services(sql: SqlClient) {
  return {
    operator: new ConsensusService(new SqlRpcAdapter(sql, operatorIdentity, false)),
    miner: new ConsensusService(new SqlRpcAdapter(sql, miner(1), false)),
    validators: [1, 2, 3].map((n) => new ConsensusService(new SqlRpcAdapter(sql, validator(n), false))),
  }
}

async function voteAll(sql: SqlClient, isValid = true) {
  const {validators} = await services(sql)
  for (const v of validators) {
    const {prospects} = await v.pull(50)
    if (prospects.length)
      await v.submit(prospects.map((p) => ({prospect_id: p.prospect_id, is_valid: isValid, score: 0.9})))
  }
}

/** `supabase db push` (the real Supabase CLI from npm) of supabase/migrations to a database. */
async function supabasePush(databaseUrl: string): Promise<void> {
  const require = createRequire(import.meta.url)
  const cli = path.join(path.dirname(require.resolve('supabase/package.json')), 'dist', 'supabase.js')
  const url = new URL(databaseUrl)
  url.protocol = 'postgresql:'
  url.searchParams.set('sslmode', 'disable')
  const {stdout, stderr} = await run(
    process.execPath,
    [cli, 'db', 'push', '--db-url', url.toString(), '--yes', '--workdir', path.dirname(SUPABASE_DIR)],
    {timeout: 120_000},
  )
  expect(stdout + stderr).toMatch(/Finished supabase db push/)
}

const leadsSnapshot = (sql: SqlClient) =>
  sql.query(
    'select id, email, company, validated_at, validator_hotkey, miner_hotkey, score, metadata from public.leads order by email',
  )

describe('migrations', () => {
  it('given an empty database, when migrated, then every migration is applied once and the engine works', async () => {
    const {sql} = await postgres()
    const all = await loadMigrations()
    expect(await migrate(sql)).toEqual(all.map((m) => m.version))
    expect(await migrate(sql)).toEqual([])
    expect((await migrationStatus(sql)).every((m) => m.applied)).toBe(true)
    const {miner: m} = await services(sql)
    await m.enqueue([{email: 'a@b.com'}])
    await voteAll(sql)
    expect(await sql.query('select consensus_status from public.prospect_queue')).toEqual([
      {consensus_status: 'accepted'},
    ])
  })

  it('given the pre-consensus tables with rows, when migrated, then the rows are kept and the pending ones join the queue in age order', async () => {
    const {sql} = await postgres()
    await sql.exec(PRE_CONSENSUS)
    const before = await leadsSnapshot(sql)
    await migrate(sql)

    expect(await leadsSnapshot(sql)).toEqual(before)
    const queue = await sql.query<{email: string; consensus_status: string | null; queue_seq: string}>(
      `select prospect->>'email' as email, consensus_status, queue_seq from public.prospect_queue order by queue_seq`,
    )
    expect(queue.map((q) => [q.email, q.consensus_status])).toEqual([
      ['done@old.com', null], // handled by the old flow: not part of consensus
      ['first@old.com', 'pending'],
      ['second@old.com', 'pending'],
    ])

    // The old miner's rows keep their age order; a new miner takes turns with it, one row a round.
    const {miner: m, validators} = await services(sql)
    await m.enqueue([{email: 'new@new.com'}])
    const pulled = await validators[0]!.pull(10)
    expect(pulled.prospects.map((p) => p.prospect.email)).toEqual(['first@old.com', 'new@new.com', 'second@old.com'])

    // first@old.com is already in the old leads table: consensus records it as a duplicate.
    await validators[0]!.submit(pulled.prospects.map((p) => ({prospect_id: p.prospect_id, is_valid: true, score: 0.9})))
    await voteAll(sql)
    const decisions =
      await sql.query(`select prospect->>'email' as email, consensus_status, decision_reason from public.prospect_queue
                                        where consensus_status is not null order by queue_seq`)
    expect(decisions).toEqual([
      {email: 'first@old.com', consensus_status: 'rejected', decision_reason: 'duplicate_email'},
      {email: 'second@old.com', consensus_status: 'accepted', decision_reason: 'majority_valid'},
      {email: 'new@new.com', consensus_status: 'accepted', decision_reason: 'majority_valid'},
    ])
  })

  it('given leads that already share a mailbox, when migrated, then it stops with their keys and changes nothing of that step', async () => {
    const {sql} = await postgres()
    await sql.exec(PRE_CONSENSUS)
    await sql.exec(
      `insert into public.leads (email, company) values ('Jane.Doe+old@Example.com', 'Old Co'), ('jane.doe@example.com', 'Old Co')`,
    )
    const refused = await migrate(sql).then(
      () => null,
      (error: LeadpoetError) => error,
    )
    expect(refused).toMatchObject({code: 'MIGRATION_FAILED'})
    expect(refused!.message).toContain('jane.doe@example.com (2 leads: Jane.Doe+old@Example.com, jane.doe@example.com)')
    // the step that stopped and every later one are left unapplied
    const status = await migrationStatus(sql)
    const stopped = status.findIndex((m) => m.name === 'consensus_rules_schema')
    expect(stopped).toBeGreaterThan(0)
    expect(status.map((m) => m.applied)).toEqual(status.map((_, i) => i < stopped))
    expect(
      await sql.query(
        `select count(*)::int as n from information_schema.columns where table_name = 'leads' and column_name = 'mailbox_key'`,
      ),
    ).toEqual([{n: 0}])
    // Once the operator keeps one lead per mailbox, the rest applies.
    await sql.exec(`delete from public.leads where email = 'Jane.Doe+old@Example.com'`)
    await migrate(sql)
    expect((await migrationStatus(sql)).every((m) => m.applied)).toBe(true)
  })

  it('given the Supabase CLI, when it pushes the migrations, then the migrator agrees they are applied', async () => {
    const {db, sql} = await postgres()
    await supabasePush(db.url)
    expect((await migrationStatus(sql)).every((m) => m.applied)).toBe(true)
    expect(await migrate(sql)).toEqual([])
    await (await services(sql)).miner.enqueue([{email: 'a@b.com'}])
    await voteAll(sql)
    expect(await sql.query('select count(*)::int as n from public.leads')).toEqual([{n: 1}])
  })

  it.each(['leadpoet db migrate', 'supabase db push'])(
    'given decided prospects and an open weight commit, when migrated with %s and rolled back, then decided work stays decided',
    async (path_) => {
      const {db, sql} = await postgres()
      await sql.exec(PRE_CONSENSUS)
      if (path_ === 'supabase db push') await supabasePush(db.url)
      else await migrate(sql)
      const {miner: m, validators} = await services(sql)
      await m.enqueue([{email: 'yes@new.com'}, {email: 'no@new.com'}])
      for (const v of validators) {
        const {prospects} = await v.pull(50)
        await v.submit(
          prospects.map((p) => ({
            prospect_id: p.prospect_id,
            is_valid: String(p.prospect.email).startsWith('yes'),
            score: 0.5,
          })),
        )
      }
      await m.enqueue([{email: 'waiting@new.com'}])
      const validatorOne = new DatabaseCommitStore(new SqlRpcAdapter(sql, validator(1), false))
      await validatorOne.save(pendingCommit({hotkey: validator(1).hotkey, chainEpoch: 9}))

      expect(await listUnrevealedCommits(sql)).toEqual([
        expect.objectContaining({hotkey: validator(1).hotkey, chain_epoch: 9, status: 'submitted'}),
      ])
      await rollback(sql)
      expect(await listUnrevealedCommits(sql)).toEqual([]) // the table is gone with the rollback

      const queue = await sql.query<{email: string; status: string}>(
        `select prospect->>'email' as email, status from public.prospect_queue order by created_at, prospect->>'email'`,
      )
      expect(queue).toEqual([
        {email: 'done@old.com', status: 'validated'},
        {email: 'first@old.com', status: 'rejected'}, // queued before consensus, voted invalid by it
        {email: 'second@old.com', status: 'rejected'},
        {email: 'no@new.com', status: 'rejected'},
        {email: 'yes@new.com', status: 'accepted'},
        {email: 'waiting@new.com', status: 'pending'},
      ])
    },
  )

  it('given consensus has run, when rolled back, then every new table, column and function is gone and the leads rows stay', async () => {
    const {sql} = await postgres()
    await sql.exec(PRE_CONSENSUS)
    await migrate(sql)
    await (await services(sql)).miner.enqueue([{email: 'accepted@new.com'}])
    await voteAll(sql)
    const leadsBefore = await leadsSnapshot(sql)
    expect(leadsBefore).toHaveLength(4) // two legacy, two accepted by consensus

    expect(await rollback(sql)).toHaveLength((await loadMigrations()).length)
    expect(await leadsSnapshot(sql)).toEqual(leadsBefore)
    const [left] = await sql.query<Record<string, number>>(`
      select (select count(*)::int from pg_namespace where nspname = 'leadpoet') as schemas,
             (select count(*)::int from pg_class where relname in ('validation_tracking', 'consensus_results') and relnamespace = 'public'::regnamespace) as tables,
             (select count(*)::int from pg_proc where pronamespace = 'public'::regnamespace) as functions,
             (select count(*)::int from information_schema.columns where table_schema = 'public' and table_name = 'prospect_queue') as queue_columns,
             (select count(*)::int from information_schema.columns where table_schema = 'public' and table_name = 'leads') as leads_columns,
             (select count(*)::int from supabase_migrations.schema_migrations) as recorded`)
    expect(left).toEqual({schemas: 0, tables: 0, functions: 0, queue_columns: 5, leads_columns: 8, recorded: 0})

    // And it can be applied again.
    await migrate(sql)
    expect((await migrationStatus(sql)).every((m) => m.applied)).toBe(true)
  })

  it('given the embedded PGlite database, then migrate and rollback work there too', async () => {
    const sql = pgliteClient(new PGlite())
    cleanups.push(() => sql.close())
    await migrate(sql)
    await (await services(sql)).miner.enqueue([{email: 'a@b.com'}])
    await voteAll(sql)
    expect(await sql.query('select count(*)::int as n from public.leads')).toEqual([{n: 1}])
    await rollback(sql)
    expect(await sql.query(`select count(*)::int as n from pg_namespace where nspname = 'leadpoet'`)).toEqual([{n: 0}])
    expect(await sql.query('select count(*)::int as n from public.leads')).toEqual([{n: 1}])
  })
})
