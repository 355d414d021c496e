import {mkdir, mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {runLockFile} from '../../src/cli/base-command.js'
import {describeTarget, resolveTarget} from '../../src/db/open.js'
import {createPostgresPool, postgresClient} from '../../src/db/sql-client.js'
import type {LeadpoetCommand} from '../../src/cli/base-command.js'
import ConsensusShow from '../../src/commands/consensus/show.js'
import ConsensusSweep from '../../src/commands/consensus/sweep.js'
import EpochClear from '../../src/commands/epoch/clear.js'
import EpochClock from '../../src/commands/epoch/clock.js'
import EpochClose from '../../src/commands/epoch/close.js'
import EpochEligibility from '../../src/commands/epoch/eligibility.js'
import ProspectsAdd from '../../src/commands/prospects/add.js'
import ProspectsList from '../../src/commands/prospects/list.js'
import Pull from '../../src/commands/pull.js'
import Simulate from '../../src/commands/simulate.js'
import Stats from '../../src/commands/stats.js'
import Submit from '../../src/commands/submit.js'
import {runCli, withOtherProcess, type CliRun} from '../support/cli.js'
import {createTestDatabase, type TestDatabase} from '../support/postgres.js'
import {hotkeyOf} from '../support/world.js'
import {makeNetworkLead} from '../validation/support/leads.js'
import {startDnsServer, type LoopbackDns} from '../validation/support/dns-server.js'
import {answer, startHttpServer, type LoopbackHttp} from '../validation/support/http-server.js'

// Every command as an operator, miner or validator runs it: the built bin/run.js, no terminal,
// JSON parsed from stdout, exit codes checked. Lead domains resolve through a loopback DNS server
// to a loopback website, so `pull` runs its real network checks.

let home: string
let dns: LoopbackDns
let web: LoopbackHttp
let validationConfig: string

beforeAll(async () => {
  home = await mkdtemp(path.join(tmpdir(), 'leadpoet-cli-'))
  dns = await startDnsServer({
    'acme-cli.example': {mx: [{exchange: 'mx.acme-cli.example', priority: 10}], a: ['127.0.0.1']},
    'www.acme-cli.example': {a: ['127.0.0.1']},
  })
  web = await startHttpServer({'www.acme-cli.example': answer(200)})
  validationConfig = path.join(home, 'validation.json')
  await writeFile(
    validationConfig,
    JSON.stringify({
      network: {
        dnsServers: [dns.server],
        allowPrivateAddresses: true,
        dnsTimeoutMs: 3000,
        dnsTries: 1,
        httpTimeoutMs: 5000,
      },
      // The network health check asks the loopback server too (never a public name from tests).
      health: {mustResolve: ['acme-cli.example']},
    }),
  )
})
afterAll(async () => {
  await dns?.close()
  await web?.close()
  await rm(home, {recursive: true, force: true})
})

/** The command's --json document, checked against the schema it declares. */
function documentOf(command: typeof LeadpoetCommand, run: CliRun) {
  return command.resultSchema!.parse(run.json()) as any
}

const people = [
  ['maria', 'gonzalez'],
  ['li', 'wei'],
  ['omar', 'haddad'],
] as const

describe.each(['embedded', 'postgres'] as const)('the leadpoet commands on the %s database', (kind) => {
  let database: TestDatabase | undefined
  let env: Record<string, string>
  let dataDir: string

  beforeAll(async () => {
    dataDir = path.join(home, kind, 'data')
    env = {XDG_DATA_HOME: dataDir, XDG_CONFIG_HOME: path.join(home, kind, 'config'), LEADPOET_DB: ''}
    if (kind === 'postgres') {
      database = await createTestDatabase('leadpoet_cli')
      env.LEADPOET_DB = database.url
      expect((await runCli(['db', 'migrate', '--json'], env)).code).toBe(0)
    }
  })
  afterAll(async () => {
    await database?.drop()
  })

  const cli = (args: string[]) => runCli(args, env)
  const asValidator = (n: number) => [
    '--hotkey',
    hotkeyOf(`cli-validator-${n}`),
    '--validation-config',
    validationConfig,
  ]

  let prospectIds: string[] = []

  it('prospects add: queues the good rows, reports each bad one by line, exits 3 for partial success', async () => {
    const file = path.join(home, `${kind}-leads.jsonl`)
    const lines = [
      ...people.map(([first, last]) =>
        JSON.stringify(
          makeNetworkLead('acme-cli.example', web.port, {
            first,
            last,
            full_name: `${first} ${last}`,
            email: `${first}.${last}@acme-cli.example`,
          }),
        ),
      ),
      JSON.stringify({business: 'No Email Inc'}),
      '{not json',
    ]
    await writeFile(file, lines.join('\n'))
    const run = await cli(['prospects', 'add', file, '--hotkey', hotkeyOf('cli-miner1'), '--json'])
    expect(run.code).toBe(3)
    const result = documentOf(ProspectsAdd, run)
    expect(result).toMatchObject({format: 'jsonl', rows: 5, enqueued: 3})
    expect(result.refused.map((r: {line: number}) => r.line)).toEqual([4, 5])
    expect(result.refused[0].issues).toContainEqual({field: 'email', message: 'is required'})
    prospectIds = result.prospect_ids
  })

  it('pull: three validators check the leads for real, vote, and the third decides', async () => {
    for (const n of [1, 2, 3]) {
      const run = await cli(['pull', ...asValidator(n), '--json'])
      expect(run.code, run.stderr).toBe(0)
      const result = documentOf(Pull, run)
      expect(result).toMatchObject({pulled: 3, voted: 3, abstained: 0, recorded: 3})
      expect(
        result.verdicts.every((v: {is_valid: boolean; reasons: unknown[]}) => v.is_valid && v.reasons.length === 0),
      ).toBe(true)
      if (n === 3) expect(result.accepted).toBe(3)
    }
    const again = await cli(['pull', ...asValidator(1), '--json'])
    expect(again.code).toBe(5)
    expect(again.json()).toMatchObject({pulled: 0})
  })

  it('pull: a second overlapping run of the same validator stops at once, naming the first', async () => {
    const lock = runLockFile(
      dataDir + '/leadpoet',
      'pull',
      `${describeTarget(resolveTarget(env.LEADPOET_DB || undefined, path.join(dataDir, 'leadpoet')))}|${hotkeyOf('cli-validator-1')}`,
    )
    await withOtherProcess(async (pid) => {
      await writeFile(lock, JSON.stringify({pid, command: 'pull', since: new Date().toISOString()}))
      try {
        const run = await cli(['pull', ...asValidator(1), '--json'])
        expect(run.code).toBe(5)
        expect(run.json().error).toMatchObject({
          code: 'ALREADY_RUNNING',
          message: expect.stringContaining(`process ${pid}`),
        })
      } finally {
        await rm(lock, {force: true})
      }
    })
  })

  it('consensus show and sweep report the decision and what waits', async () => {
    const shown = await cli(['consensus', 'show', prospectIds[0]!, '--json'])
    expect(documentOf(ConsensusShow, shown)).toMatchObject({
      consensus_status: 'accepted',
      decision_reason: 'majority_valid',
      votes_visible: true,
    })
    expect(shown.json().votes).toHaveLength(3)
    const sweep = await cli(['consensus', 'sweep', '--json'])
    expect(sweep.code).toBe(0)
    expect(documentOf(ConsensusSweep, sweep)).toMatchObject({timed_out: 0, pending: {total: 0}})
  })

  it('submit: refuses what the validator does not hold (every vote refused: exit 2) and malformed files (exit 2)', async () => {
    const file = path.join(home, `${kind}-votes.jsonl`)
    await writeFile(file, `${JSON.stringify({prospect_id: prospectIds[0], is_valid: true, score: 0.9})}\n`)
    const refused = await cli(['submit', file, '--hotkey', hotkeyOf('cli-validator9'), '--json'])
    expect(refused.code).toBe(2)
    expect(documentOf(Submit, refused).results[0]).toMatchObject({outcome: 'not_pulled'})
    await writeFile(file, '{"prospect_id": oops}\n')
    const malformed = await cli(['submit', file, '--hotkey', hotkeyOf('cli-validator9'), '--json'])
    expect(malformed.code).toBe(2)
    expect(malformed.json().error.code).toBe('INVALID_FILE')
    await writeFile(file, `${JSON.stringify({prospect_id: prospectIds[0], is_valid: true, score: 0.9})}\n`)
    const noIdentity = await cli(['submit', file, '--json'])
    expect(noIdentity.code).toBe(2)
    expect(noIdentity.json().error.code).toBe('NO_IDENTITY')
  })

  it('epoch: the clock moves, eligibility and stats report, close snapshots once, clear keeps recent epochs', async () => {
    const stats = await cli(['stats', '--epoch', '0', '--json'])
    expect(documentOf(Stats, stats).decisions).toMatchObject({decided: 3, accepted: 3})
    const eligibility = await cli(['epoch', 'eligibility', '--epoch', '0', '--json'])
    expect(documentOf(EpochEligibility, eligibility).validators).toHaveLength(3)
    expect(eligibility.json().validators.every((v: {eligible: boolean}) => v.eligible)).toBe(true)

    expect((await cli(['epoch', 'close', '--epoch', '0', '--json'])).json().error.code).toBe('EPOCH_NOT_OVER')
    const clock = await cli(['epoch', 'clock', '--block', '1080', '--json'])
    expect(documentOf(EpochClock, clock)).toMatchObject({block: 1080, epoch: 3})
    const closed = await cli(['epoch', 'close', '--epoch', '0', '--json'])
    expect(documentOf(EpochClose, closed)).toMatchObject({
      epoch: 0,
      already_closed: false,
      accepted_leads: 3,
      weights: [{miner_hotkey: hotkeyOf('cli-miner1'), share: 1}],
    })
    expect((await cli(['epoch', 'close', '--epoch', '0', '--json'])).json()).toMatchObject({already_closed: true})
    const cleared = await cli(['epoch', 'clear', '--json'])
    expect(documentOf(EpochClear, cleared)).toMatchObject({current_epoch: 3, cleared_epochs: [0], deleted_votes: 9})
    const listed = await cli(['prospects', 'list', '--status', 'accepted', '--json'])
    expect(documentOf(ProspectsList, listed).prospects).toHaveLength(3)
  })
})

describe('leadpoet simulate', () => {
  it('gives the same summary twice for the same seed, and reports accuracy against the truth', async () => {
    // No inverter: 120 prospects an epoch give too few golden votes to catch one before it weighs on accuracy.
    const args = ['simulate', '--prospects', '240', '--epochs', '2', '--seed', '7', '--inverter', '0', '--json']
    const env = {XDG_DATA_HOME: path.join(home, 'sim')}
    const [first, second] = [await runCli(args, env), await runCli(args, env)]
    expect(first.code, first.stderr).toBe(0)
    const strip = (summary: Record<string, unknown>) => ({...summary, timings: undefined})
    expect(strip(first.json())).toEqual(strip(second.json()))
    const summary = documentOf(Simulate, first)
    expect(summary).toMatchObject({prospects: 240, decided: 240, undecided: 0})
    expect(summary.accuracy).toBeGreaterThan(0.8)
    expect(summary.lapsed_leases).toBeGreaterThan(0) // the slow validator's leases lapsed and were reopened
    expect(summary.epochs).toHaveLength(2)
    const other = await runCli(
      ['simulate', '--prospects', '240', '--epochs', '2', '--seed', '8', '--inverter', '0', '--json'],
      env,
    )
    expect(strip(other.json())).not.toEqual(strip(summary))
  })
})

describe('errors under --json', () => {
  it('name a usage error USAGE and a malformed id INVALID_INPUT, with exit 2', async () => {
    const env = {XDG_DATA_HOME: path.join(home, 'usage-json')}
    const usage = await runCli(['pull', '--limit', '0', '--hotkey', hotkeyOf('cli-x'), '--json'], env)
    expect(usage.code).toBe(2)
    expect(usage.json().error.code).toBe('USAGE')
    const malformed = await runCli(['consensus', 'show', 'not-a-uuid', '--json'], env)
    expect(malformed.code).toBe(2)
    expect(malformed.json().error.code).toBe('INVALID_INPUT')
  })
})

describe('usage errors', () => {
  it.each([
    [['pull', '--limit', '0'], 2],
    [['prospects', 'add', '/nonexistent/leads.csv', '--hotkey', hotkeyOf('cli-x'), '--json'], 2],
    [['pull', '--hotkey', 'not-an-ss58', '--json'], 2],
    [['simulate', '--noise', '2', '--json'], 2],
  ])('leadpoet %s exits %i', async (args, code) => {
    const run = await runCli(args, {XDG_DATA_HOME: path.join(home, 'usage')})
    expect(run.code).toBe(code)
    expect(run.stdout + run.stderr).not.toBe('')
  })
})

describe('input formats, looking without voting, and the config file', () => {
  let database: TestDatabase
  let env: Record<string, string>
  let configDir: string

  beforeAll(async () => {
    database = await createTestDatabase('leadpoet_cli')
    configDir = path.join(home, 'formats', 'config')
    await mkdir(path.join(home, 'formats'), {recursive: true})
    env = {XDG_DATA_HOME: path.join(home, 'formats', 'data'), XDG_CONFIG_HOME: configDir, LEADPOET_DB: database.url}
    expect((await runCli(['db', 'migrate'], env)).code).toBe(0)
  })
  afterAll(async () => {
    await database?.drop()
  })

  it('prospects add reads CSV (lists split on ;, numbers as numbers) and JSON from stdin', async () => {
    const lead = makeNetworkLead('acme-cli.example', web.port, {
      first: 'ana',
      last: 'lima',
      full_name: 'ana lima',
      email: 'ana.lima@acme-cli.example',
    })
    const columns = [...Object.keys(lead), 'phone_numbers', 'founded_year']
    const row = columns.map((c) =>
      c === 'phone_numbers' ? '+1 555 0100; +1 555 0101' : c === 'founded_year' ? '1999' : String(lead[c]),
    )
    const csv = path.join(home, 'formats', 'leads.csv')
    await writeFile(csv, `${columns.join(',')}\n${row.map((v) => `"${v}"`).join(',')}\n`)
    const fromCsv = documentOf(
      ProspectsAdd,
      await runCli(['prospects', 'add', csv, '--hotkey', hotkeyOf('cli-minercsv'), '--json'], env),
    )
    expect(fromCsv).toMatchObject({format: 'csv', rows: 1, enqueued: 1, refused: []})
    const sql = postgresClient(createPostgresPool(database.url, 1))
    try {
      const [stored] = await sql.query<{prospect: Record<string, unknown>}>(
        'select prospect from public.prospect_queue where id = $1',
        [fromCsv.prospect_ids[0]],
      )
      expect(stored!.prospect).toMatchObject({
        phone_numbers: ['+1 555 0100', '+1 555 0101'],
        founded_year: 1999,
        email: 'ana.lima@acme-cli.example',
      })
    } finally {
      await sql.close()
    }

    const stdinFile = path.join(home, 'formats', 'leads.json')
    await writeFile(stdinFile, JSON.stringify([{...lead, email: 'ana2.lima@acme-cli.example'}]))
    const fromStdin = await runCli(
      ['prospects', 'add', '-', '--hotkey', hotkeyOf('cli-minercsv'), '--json'],
      env,
      stdinFile,
    )
    expect(documentOf(ProspectsAdd, fromStdin)).toMatchObject({format: 'json', enqueued: 1})
    const listed = documentOf(
      ProspectsList,
      await runCli(['prospects', 'list', '--miner', hotkeyOf('cli-minercsv'), '--json'], env),
    )
    expect(listed.prospects).toHaveLength(2)
  })

  it('pull takes check settings from flags: network checks off, and a refused setting named', async () => {
    const offline = await runCli(
      [
        'pull',
        '--hotkey',
        hotkeyOf('cli-offline'),
        '--check-off',
        'email_mx',
        '--check-off',
        'website_reachable',
        '--json',
      ],
      env,
    )
    expect(offline.code, offline.stderr).toBe(0)
    const result = documentOf(Pull, offline)
    expect(result).toMatchObject({pulled: 2, voted: 2, abstained: 0})
    expect(result.verdicts.every((v: {is_valid: boolean}) => v.is_valid)).toBe(true)
    const refused = await runCli(
      ['pull', '--hotkey', hotkeyOf('cli-offline'), '--check-soft', 'required', '--json'],
      env,
    )
    expect(refused.code).toBe(2)
    expect(refused.json().error).toMatchObject({code: 'INVALID_CONFIG', message: expect.stringContaining('required')})
  })

  it('takes settings from the config file, lets flags win, and refuses an unknown key by name', async () => {
    await mkdir(path.join(configDir, 'leadpoet'), {recursive: true})
    const config = path.join(configDir, 'leadpoet', 'config.json')
    await writeFile(config, JSON.stringify({db: database.url, hotkey: hotkeyOf('cli-fromconfig')}))
    const noDbEnv = {...env, LEADPOET_DB: ''}
    const status = await runCli(['db', 'status', '--json'], noDbEnv)
    expect(status.json().database).toContain(database.name) // the database came from the file
    const leads = path.join(home, 'formats', 'one.json')
    await writeFile(
      leads,
      JSON.stringify([
        makeNetworkLead('acme-cli.example', web.port, {
          first: 'kim',
          last: 'park',
          full_name: 'kim park',
          email: 'kim.park@acme-cli.example',
        }),
      ]),
    )
    expect((await runCli(['prospects', 'add', leads, '--json'], noDbEnv)).code).toBe(0)
    const mine = documentOf(
      ProspectsList,
      await runCli(['prospects', 'list', '--miner', hotkeyOf('cli-fromconfig'), '--json'], noDbEnv),
    )
    expect(mine.prospects).toHaveLength(1) // the hotkey came from the file
    const flagWins = await runCli(['epoch', 'clock', '--db', 'mysql://nope', '--json'], noDbEnv)
    expect(flagWins.json().error.code).toBe('INVALID_DATABASE')

    await writeFile(config, JSON.stringify({db: database.url, wallet: {nmae: 'typo'}}))
    const bad = await runCli(['epoch', 'clock', '--json'], noDbEnv)
    expect(bad.code).toBe(2)
    expect(bad.json().error).toMatchObject({code: 'INVALID_CONFIG', message: expect.stringContaining('wallet.nmae')})
    await rm(config)
  })
})
