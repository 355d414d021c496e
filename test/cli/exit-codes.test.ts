import {execFile} from 'node:child_process'
import {mkdtemp, readFile, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {Keyring} from '@polkadot/keyring'
import {cryptoWaitReady} from '@polkadot/util-crypto'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {EXIT} from '../../src/errors.js'
import {runCli} from '../support/cli.js'
import {startGateway} from '../../src/dev/gateway.js'
import {createTestDatabase, type TestDatabase} from '../support/postgres.js'
import {createWorld, type World} from '../support/world.js'
import {makeLead} from '../validation/support/leads.js'

// Every exit status the README documents, each from a command run the way a user runs it.

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
let home: string
let database: TestDatabase
/** a migrated database with nothing in it: a new deployment */
let fresh: TestDatabase
let env: Record<string, string>
let hotkey: string

beforeAll(async () => {
  home = await mkdtemp(path.join(tmpdir(), 'leadpoet-exit-'))
  database = await createTestDatabase('leadpoet_exit')
  env = {XDG_DATA_HOME: path.join(home, 'data'), XDG_CONFIG_HOME: path.join(home, 'config'), LEADPOET_DB: database.url}
  expect((await runCli(['db', 'migrate'], env)).code).toBe(0)
  fresh = await createTestDatabase('leadpoet_exit_fresh')
  expect((await runCli(['db', 'migrate'], {...env, LEADPOET_DB: fresh.url})).code).toBe(0)
  await cryptoWaitReady()
  hotkey = new Keyring({type: 'sr25519', ss58Format: 42}).addFromUri('//Eve').address
})
afterAll(async () => {
  await database?.drop()
  await fresh?.drop()
  await rm(home, {recursive: true, force: true})
})

describe('the README exit-code table', () => {
  it('lists exactly the exit statuses the code uses', async () => {
    const readme = await readFile(path.join(ROOT, 'README.md'), 'utf8')
    const table = readme.slice(readme.indexOf('Exit codes'), readme.indexOf('### Running it unattended'))
    const documented = [...table.matchAll(/^\| (\d) \|/gm)].map((match) => Number(match[1]))
    expect(documented).toEqual(Object.values(EXIT))
  })
})

describe('exit statuses', () => {
  it('0 done: a command that did its work', async () => {
    const run = await runCli(['epoch', 'clock', '--json'], env)
    expect(run.code).toBe(EXIT.ok)
    expect(run.json()).toMatchObject({epoch: 0})
  })

  it('1 error: the database is unreachable, with a stable code', async () => {
    const run = await runCli(['db', 'status', '--db', 'postgres://postgres@127.0.0.1:1/none', '--json'], env)
    expect(run.code).toBe(EXIT.error)
    expect(run.json().error.code).toBe('DATABASE_UNREACHABLE')
  })

  it('2 usage: no identity given, no wallet given, a bad flag (an unknown command: smoke.test.ts)', async () => {
    const noIdentity = await runCli(['pull', '--json'], env)
    expect(noIdentity.code).toBe(EXIT.usage)
    expect(noIdentity.json().error.code).toBe('NO_IDENTITY')
    const noWallet = await runCli(['epoch', 'weights', '--dry-run', '--json'], env)
    expect(noWallet.code).toBe(EXIT.usage)
    expect(noWallet.json().error.code).toBe('NO_WALLET')
    const badFlag = await runCli(['stats', '--epoch', 'soon', '--json'], env)
    expect(badFlag.code).toBe(EXIT.usage)
    expect(badFlag.json().error.code).toBe('USAGE')
    // simulate makes its own database and identities: it offers no --db or wallet flags to ignore.
    const simulateDb = await runCli(['simulate', '--db', database.url, '--json'], env)
    expect(simulateDb.code).toBe(EXIT.usage)
    expect(simulateDb.json().error).toMatchObject({code: 'USAGE', message: expect.stringContaining('--db')})
  })

  it('3 partial: some rows refused, the rest queued', async () => {
    const file = path.join(home, 'partial.jsonl')
    await writeFile(file, `${JSON.stringify(makeLead())}\n${JSON.stringify({business: 'no email'})}\n`)
    const run = await runCli(['prospects', 'add', file, '--hotkey', hotkey, '--json'], env)
    expect(run.code).toBe(EXIT.partial)
    expect(run.json()).toMatchObject({enqueued: 1, refused: [{line: 2}]})
  })

  it('5 nothing to do: an empty queue for this validator; no epoch over yet on a new deployment', async () => {
    const offline = ['--check-off', 'email_mx', '--check-off', 'website_reachable']
    const empty = await runCli(['pull', '--hotkey', hotkey, ...offline], {...env, LEADPOET_DB: fresh.url})
    expect(empty.code, empty.stderr).toBe(EXIT.nothingToDo)
    expect(empty.stdout).toContain('Nothing to pull')
    const close = await runCli(['epoch', 'close', '--json'], env)
    expect(close.code).toBe(EXIT.nothingToDo)
    expect(close.json().error).toMatchObject({
      code: 'NO_EPOCH_OVER',
      message: expect.stringContaining('no epoch is over yet'),
    })
  })
})

describe('4 not authorised', () => {
  let world: World
  let gateway: {url: string; close(): Promise<void>}
  beforeAll(async () => {
    world = await createWorld('postgrest')
    gateway = await startGateway({routes: {rest: world.postgrest!.url, functions: {}}})
  })
  afterAll(async () => {
    await gateway?.close()
    await world?.close()
  })

  it("given a validator's token, when it runs the operator's sweep through the API, then FORBIDDEN exits 4", async () => {
    const token = await world.postgrest!.tokenFor({hotkey, role: 'validator'})
    const run = await runCli(['consensus', 'sweep', '--db', gateway.url, '--json'], {
      ...env,
      XDG_CONFIG_HOME: path.join(home, 'api-config'),
      SUPABASE_KEY: 'anon',
      LEADPOET_TOKEN: token,
    })
    expect(run.code).toBe(EXIT.unauthorised)
    expect(run.json().error.code).toBe('FORBIDDEN')
  })
})

describe("the README's cron line for closing and clearing epochs", () => {
  /** The README's `epoch close && epoch clear` cron line, run by sh from the project directory. */
  async function runCronLine(databaseUrl: string, log: string): Promise<number> {
    const readme = await readFile(path.join(ROOT, 'README.md'), 'utf8')
    const line = readme.split('\n').find((l) => l.includes('epoch close &&'))!
    const command = line
      .replace(/^(\S+\s+){5}/, '') // the schedule
      .replaceAll('/opt/leadpoet', ROOT)
      .replace(/\/var\/log\/leadpoet\/\S+/, log)
    return new Promise((resolve) => {
      execFile('sh', ['-c', command], {env: {...process.env, ...env, LEADPOET_DB: databaseUrl}}, (error) =>
        resolve(error ? Number(error.code) : 0),
      )
    })
  }

  it('given a new deployment, then it ends with "nothing to do" (exit 5), no error; once an epoch is over, it closes and clears (exit 0)', async () => {
    const newDeployment = await createTestDatabase('leadpoet_exit_cron')
    try {
      await runCli(['db', 'migrate'], {...env, LEADPOET_DB: newDeployment.url})
      const log = path.join(home, 'epochs.log')
      expect(await runCronLine(newDeployment.url, log)).toBe(EXIT.nothingToDo)
      const first = await readFile(log, 'utf8')
      expect(first).toContain('[NO_EPOCH_OVER] no epoch is over yet')
      expect(first).not.toMatch(/INVALID_INPUT|does not exist/)

      await runCli(['epoch', 'clock', '--block', '400'], {...env, LEADPOET_DB: newDeployment.url})
      expect(await runCronLine(newDeployment.url, log)).toBe(EXIT.ok)
      const second = (await readFile(log, 'utf8')).slice(first.length)
      expect(second).toContain('Epoch 0 closed')
      expect(second).toContain('Current epoch 1')
    } finally {
      await newDeployment.drop()
    }
  })
})
