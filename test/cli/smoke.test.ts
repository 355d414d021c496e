import {mkdir, mkdtemp, readFile, rm, stat, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {runProcess, withOtherProcess} from '../support/cli.js'
import {createTestDatabase, type TestDatabase} from '../support/postgres.js'

// What only a real process shows: the installed bin starts, help and exit statuses reach the shell,
// and a second process is refused while a run holds its lock. Everything else runs in-process.
let home: string
let database: TestDatabase
let env: Record<string, string>
beforeAll(async () => {
  home = await mkdtemp(path.join(tmpdir(), 'leadpoet-smoke-'))
  database = await createTestDatabase('leadpoet_smoke')
  env = {XDG_DATA_HOME: path.join(home, 'data'), XDG_CONFIG_HOME: path.join(home, 'config'), LEADPOET_DB: database.url}
})
afterAll(async () => {
  await database?.drop()
  await rm(home, {recursive: true, force: true})
})

describe('the leadpoet process', () => {
  it('is the executable package.json names as its bin', async () => {
    const {default: pkg} = await import('../../package.json', {with: {type: 'json'}})
    expect(pkg.bin.leadpoet).toBe('./bin/run.js')
    expect((await stat(path.resolve(import.meta.dirname, '../../bin/run.js'))).mode & 0o111).not.toBe(0)
  })

  it('prints help and exits 0', async () => {
    const help = await runProcess(['--help'], env)
    expect(help.code, help.stderr).toBe(0)
    expect(help.stdout).toMatch(/pull/)
    expect(help.stdout).toMatch(/epoch/)
  })

  it('migrates and answers one --json command with a parseable document', async () => {
    expect((await runProcess(['db', 'migrate', '--json'], env)).code).toBe(0)
    const status = await runProcess(['db', 'status', '--json'], env)
    expect(status.code, status.stderr).toBe(0)
    expect(status.json().migrations.every((m: {applied: boolean}) => m.applied)).toBe(true)
  })

  it('loads only what a command needs: no chain code, PGlite or supabase-js for help or a Postgres sweep', async () => {
    const loaded = async (args: string[]): Promise<string[]> => {
      const trace = path.join(home, `modules-${args.join('-')}.txt`)
      const hook = path.resolve(import.meta.dirname, '../support/module-trace.mjs')
      const run = await runProcess(args, {...env, NODE_OPTIONS: `--import=${hook}`, LEADPOET_TEST_MODULE_TRACE: trace})
      expect(run.code, run.stderr).toBe(0)
      return (await readFile(trace, 'utf8')).split('\n')
    }
    expect((await runProcess(['db', 'migrate'], env)).code).toBe(0)
    const sweep = await loaded(['consensus', 'sweep', '--json'])
    expect(sweep).toContain('pg') // the trace itself works
    const heavy = (name: string) => /^(@polkadot\/|@electric-sql\/|@supabase\/)/.test(name)
    expect(sweep.filter(heavy)).toEqual([])
    const help = await loaded(['--help'])
    expect(help.filter((name) => heavy(name) || name === 'pg')).toEqual([])
  })

  it('exits with the documented statuses: 2 for usage, 1 for an unreachable database', async () => {
    const unknown = await runProcess(['nonsense'], env)
    expect(unknown.code).toBe(2)
    const badFlag = await runProcess(['db', 'status', '--bogus'], env)
    expect(badFlag.code).toBe(2)
    const unreachable = await runProcess(
      ['db', 'status', '--db', 'postgres://postgres@127.0.0.1:1/none', '--json'],
      env,
    )
    expect(unreachable.code).toBe(1)
    expect(unreachable.json().error.code).toBe('DATABASE_UNREACHABLE')
  })

  it('refuses a second run while another process holds the run lock, naming it', async () => {
    const dataDir = path.join(home, 'data', 'leadpoet')
    await mkdir(dataDir, {recursive: true})
    await withOtherProcess(async (pid) => {
      // The embedded database's lock, held by another live process.
      await writeFile(
        path.join(dataDir, 'db.lock'),
        JSON.stringify({pid, command: 'pull', since: new Date().toISOString()}),
      )
      const busy = await runProcess(['db', 'status', '--json'], {...env, LEADPOET_DB: ''})
      expect(busy.code).toBe(1)
      expect(busy.json().error).toMatchObject({
        code: 'DATABASE_LOCKED',
        message: expect.stringContaining(`process ${pid}`),
      })
    })
  })
})
