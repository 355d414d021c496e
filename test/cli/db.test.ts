import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {SqlRpcAdapter} from '../../src/adapters/sql-adapter.js'
import {loadMigrations} from '../../src/db/migrations.js'
import {createPostgresPool, postgresClient} from '../../src/db/sql-client.js'
import {DatabaseCommitStore} from '../../src/service/weight-commits.js'
import {pendingCommit} from '../chain/helpers.js'
import {runCli, withOtherProcess} from '../support/cli.js'
import {createTestDatabase, type TestDatabase} from '../support/postgres.js'

describe('leadpoet db', () => {
  let home: string
  let env: Record<string, string>
  let database: TestDatabase

  beforeAll(async () => {
    home = await mkdtemp(path.join(tmpdir(), 'leadpoet-cli-'))
    env = {XDG_DATA_HOME: home, LEADPOET_DB: ''}
    database = await createTestDatabase('leadpoet_cli')
  })
  afterAll(async () => {
    await rm(home, {recursive: true, force: true})
    await database?.drop()
  })

  it('migrates the embedded database, reports its status, and is idempotent', async () => {
    const first = await runCli(['db', 'migrate', '--json'], env)
    expect(first.code).toBe(0)
    const versions = (await loadMigrations()).map((m) => m.version)
    expect(first.json()).toMatchObject({applied: versions})
    expect(first.json().database).toContain(path.join(home, 'leadpoet', 'db'))

    const again = await runCli(['db', 'migrate', '--json'], env)
    expect(again.json()).toMatchObject({applied: []})
    const status = await runCli(['db', 'status'], env)
    expect(status.code).toBe(0)
    expect(status.stdout).toMatch(/20261125000300\s*│\s*consensus_functions\s*│\s*yes/)
    expect(status.stdout).not.toMatch(/│\s*no\s*│/)
  })

  it('migrates a Postgres database given with --db, and rolls it back only with --yes', async () => {
    const migrated = await runCli(['db', 'migrate', '--db', database.url, '--json'], env)
    expect(migrated.code).toBe(0)
    expect(migrated.json().migrations.every((m: {applied: boolean}) => m.applied)).toBe(true)

    // PostgREST's revocation check is on for this database (the authenticator role existed when the
    // auth migration ran); without it db status says so, loudly.
    const status = await runCli(['db', 'status', '--db', database.url, '--json'], env)
    expect(status.json().revocation).toMatchObject({state: 'active'})
    const owner = postgresClient(createPostgresPool(database.url, 1))
    await owner.exec(`alter role authenticator in database ${database.name} reset pgrst.db_pre_request`)
    await owner.close()
    const off = await runCli(['db', 'status', '--db', database.url, '--json'], env)
    expect(off.json().revocation).toMatchObject({
      state: 'inactive',
      detail: expect.stringContaining('revoked tokens still work'),
    })
    expect(off.stderr).toContain('REVOCATION IS OFF')

    const refused = await runCli(['db', 'rollback', '--db', database.url, '--json'], env)
    expect(refused.code).toBe(2)
    expect(refused.json()).toMatchObject({error: {code: 'CONFIRMATION_REQUIRED'}})
    expect(
      (await runCli(['db', 'status', '--db', database.url, '--json'], env))
        .json()
        .migrations.every((m: {applied: boolean}) => m.applied),
    ).toBe(true)

    // A validator's commit that was never revealed: the rollback names it before its salt goes.
    const sql = postgresClient(createPostgresPool(database.url, 1))
    const hotkey = pendingCommit().hotkey
    await new DatabaseCommitStore(new SqlRpcAdapter(sql, {hotkey, role: 'validator'}, false)).save(pendingCommit())
    await sql.close()

    const rolled = await runCli(['db', 'rollback', '--db', database.url, '--yes', '--json'], env)
    expect(rolled.code).toBe(0)
    expect(rolled.json().rolled_back).toEqual((await loadMigrations()).map((m) => m.version).reverse())
    expect(rolled.json().unrevealed_commits).toEqual([
      expect.objectContaining({hotkey, chain_epoch: 27, status: 'submitted'}),
    ])
    expect(rolled.stderr).toMatch(/is not revealed yet; its salt goes with the rollback/)
  })

  it('refuses a second process on the embedded database, naming the holder, and takes over a stale lock', async () => {
    const lock = path.join(home, 'leadpoet', 'db.lock')
    await withOtherProcess(async (pid) => {
      await writeFile(lock, JSON.stringify({pid, command: 'pull', since: '2026-11-25T00:00:00Z'}))
      const busy = await runCli(['db', 'status', '--json'], env)
      expect(busy.code).toBe(1)
      expect(busy.json().error).toMatchObject({
        code: 'DATABASE_LOCKED',
        message: expect.stringContaining(`process ${pid} (leadpoet pull`),
      })
    })

    await writeFile(lock, JSON.stringify({pid: 2 ** 22 + 12345, command: 'pull', since: '2026-11-25T00:00:00Z'}))
    const taken = await runCli(['db', 'status', '--json'], env)
    expect(taken.code).toBe(0)

    await writeFile(lock, '') // a crash between creating the file and writing it
    const afterCrash = await runCli(['db', 'status', '--json'], env)
    expect(afterCrash.code, afterCrash.stdout).toBe(0)
  })

  it('answers bad usage with exit code 2 and a clear message', async () => {
    const badDb = await runCli(['db', 'status', '--db', 'mysql://x', '--json'], env)
    expect(badDb.code).toBe(2)
    expect(badDb.json().error.code).toBe('INVALID_DATABASE')
    const badFlag = await runCli(['db', 'status', '--bogus'], env)
    expect(badFlag.code).toBe(2)
    expect(badFlag.stderr).toMatch(/bogus/)
    const unreachable = await runCli(['db', 'status', '--db', 'postgres://postgres@127.0.0.1:1/none', '--json'], env)
    expect(unreachable.code).toBe(1)
    expect(unreachable.json().error.code).toBe('DATABASE_UNREACHABLE')
  })
})
