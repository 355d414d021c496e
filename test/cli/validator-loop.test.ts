import {mkdtemp, readFile, rm, stat, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {Keyring} from '@polkadot/keyring'
import {cryptoWaitReady} from '@polkadot/util-crypto'
import {afterAll, beforeAll, beforeEach, describe, expect, it} from 'vitest'
import Check from '../../src/commands/check.js'
import ConsensusShow from '../../src/commands/consensus/show.js'
import Pull from '../../src/commands/pull.js'
import Submit from '../../src/commands/submit.js'
import {ExportedProspect} from '../../src/service/validator-run.js'
import {runCli} from '../support/cli.js'
import {createWorld, type World} from '../support/world.js'
import {startDnsServer, type DnsBehaviour, type LoopbackDns} from '../validation/support/dns-server.js'
import {answer, startHttpServer, type LoopbackHttp} from '../validation/support/http-server.js'
import {makeNetworkLead} from '../validation/support/leads.js'

// The validator's daily loop as a validator runs it, on Postgres, with lead domains and the health
// check's names answered by a loopback DNS server that can be broken on purpose.

let home: string
let world: World
let web: LoopbackHttp
let dns: LoopbackDns
/** How the resolver behaves now: healthy; nxdomain for every name; or healthy until a lead's domain is asked. */
let resolver: 'healthy' | 'nxdomain' | 'breaks-during-batch' = 'healthy'
let healthyConfig: string
let hotkeys: {miner: string; validators: string[]}
let env: Record<string, string>

const ZONE: Record<string, DnsBehaviour> = {
  'health.example': {a: ['127.0.0.1']},
  'good-one.example': {mx: [{exchange: 'mx.good-one.example', priority: 10}]},
  'www.good-one.example': {a: ['127.0.0.1']},
  'good-two.example': {mx: [{exchange: 'mx.good-two.example', priority: 10}]},
  'www.good-two.example': {a: ['127.0.0.1']},
}

beforeAll(async () => {
  home = await mkdtemp(path.join(tmpdir(), 'leadpoet-loop-'))
  await cryptoWaitReady()
  const keyring = new Keyring({type: 'sr25519', ss58Format: 42})
  const address = (uri: string) => keyring.addFromUri(uri).address
  hotkeys = {miner: address('//Ferdie'), validators: ['//Alice', '//Bob', '//Charlie', '//Dave'].map(address)}
  dns = await startDnsServer((name) => {
    if (resolver === 'nxdomain') return 'nxdomain'
    if (resolver === 'breaks-during-batch' && name.endsWith('good-one.example')) resolver = 'nxdomain'
    return ZONE[name] ?? 'nxdomain'
  })
  web = await startHttpServer({'www.good-one.example': answer(200), 'www.good-two.example': answer(200)})
  healthyConfig = path.join(home, 'validation.json')
  await writeFile(
    healthyConfig,
    JSON.stringify({
      network: {dnsServers: [dns.server], allowPrivateAddresses: true, dnsTimeoutMs: 3000, dnsTries: 1},
      health: {mustResolve: ['health.example'], cacheTtlMs: 0},
    }),
  )
  world = await createWorld('postgres')
  env = {
    XDG_DATA_HOME: path.join(home, 'data'),
    XDG_CONFIG_HOME: path.join(home, 'config'),
    LEADPOET_DB: world.databaseUrl!,
  }
})
afterAll(async () => {
  await world?.close()
  await dns?.close()
  await web?.close()
  await rm(home, {recursive: true, force: true})
})

const leads = () => [
  makeNetworkLead('good-one.example', web.port),
  makeNetworkLead('good-two.example', web.port),
  makeNetworkLead('dead.example', web.port),
]

/** Queues the three leads as the miner; their ids in that order. */
async function queueLeads(): Promise<string[]> {
  const file = path.join(home, 'leads.json')
  await writeFile(file, JSON.stringify(leads(), null, 2))
  const run = await runCli(['prospects', 'add', file, '--hotkey', hotkeys.miner, '--json'], env)
  expect(run.code, run.stderr).toBe(0)
  return run.json().prospect_ids
}

const asValidator = (n: number) => ['--hotkey', hotkeys.validators[n]!, '--validation-config', healthyConfig]

async function liveLeases(validator: string): Promise<number> {
  const [row] = await world.sql.query<{n: number}>(
    `select count(*)::int as n from leadpoet.prospect_leases where validator_hotkey = $1 and state = 'live'`,
    [validator],
  )
  return row!.n
}

async function votes(): Promise<Array<{validator_hotkey: string; is_valid: boolean; rejection_reasons: any[]}>> {
  return world.sql.query('select validator_hotkey, is_valid, rejection_reasons from public.validation_tracking')
}

beforeEach(async () => {
  resolver = 'healthy'
  await world.reset()
})

describe('pull on a healthy network', () => {
  it('given a lead whose domain does not exist, then its vote and the output carry the reasons with their messages', async () => {
    const ids = await queueLeads()
    const run = await runCli(['pull', ...asValidator(0), '--json'], env)
    expect(run.code, run.stderr).toBe(0)
    const result = Pull.resultSchema.parse(run.json()) as any
    expect(result).toMatchObject({pulled: 3, voted: 3, recorded: 3})
    const dead = result.verdicts.find((v: any) => v.prospect_id === ids[2])
    expect(dead).toMatchObject({is_valid: false, outcome: 'recorded'})
    expect(dead.reasons).toContainEqual({
      check: 'email_mx',
      message: 'dead.example does not exist (NXDOMAIN)',
      fields: ['email'],
    })
    expect(result.verdicts.filter((v: any) => v.is_valid)).toHaveLength(2)
    const stored = (await votes()).find((v) => !v.is_valid)
    expect(stored?.rejection_reasons).toContainEqual(expect.objectContaining({check: 'email_mx'}))

    const table = await runCli(['pull', ...asValidator(1)], env)
    expect(table.code, table.stderr).toBe(0)
    expect(table.stdout).toContain('email_mx: dead.example does not exist (NXDOMAIN)')
  })
})

describe('pull on a broken network', () => {
  it('given a resolver that answers NXDOMAIN for everything, then nothing is pulled or voted and pull exits 1 with NETWORK_UNHEALTHY naming what failed', async () => {
    await queueLeads()
    resolver = 'nxdomain'
    const run = await runCli(['pull', ...asValidator(0), '--json'], env)
    expect(run.code).toBe(1)
    expect(run.json().error).toMatchObject({
      code: 'NETWORK_UNHEALTHY',
      message: expect.stringContaining('health.example did not resolve: health.example does not exist (NXDOMAIN)'),
    })
    expect(await liveLeases(hotkeys.validators[0]!)).toBe(0)
    expect(await votes()).toEqual([])
    // Once the network is back the same validator pulls the whole batch: nothing was burnt.
    resolver = 'healthy'
    const again = await runCli(['pull', ...asValidator(0), '--json'], env)
    expect(again.json()).toMatchObject({pulled: 3, voted: 3})
  })

  it('given a network that breaks during the batch, then the leases are given back and nothing is voted', async () => {
    await queueLeads()
    resolver = 'breaks-during-batch'
    const run = await runCli(['pull', ...asValidator(0), '--json'], env)
    expect(run.code).toBe(1)
    expect(run.json().error).toMatchObject({
      code: 'NETWORK_UNHEALTHY',
      message: expect.stringContaining('3 leases given back'),
      details: {released: 3},
    })
    expect(await liveLeases(hotkeys.validators[0]!)).toBe(0)
    expect(await votes()).toEqual([])
  })
})

describe('pull --export, then submit', () => {
  it('given an exported batch judged elsewhere, then the leases stay live until submit votes from the file', async () => {
    const ids = await queueLeads()
    const file = path.join(home, 'batch.jsonl')
    const exported = await runCli(['pull', ...asValidator(0), '--export', file, '--json'], env)
    expect(exported.code, exported.stderr).toBe(0)
    expect(Pull.resultSchema.parse(exported.json())).toMatchObject({exported: 3, file})
    const lines = (await readFile(file, 'utf8'))
      .trim()
      .split('\n')
      .map((line) => ExportedProspect.parse(JSON.parse(line)))
    expect(lines.map((l) => l.prospect_id).sort()).toEqual([...ids].sort())
    const dead = lines.find((l) => l.prospect_id === ids[2])!
    expect(dead.checks).toMatchObject({verdict: 'vote', is_valid: false})
    expect(dead.checks.reasons.map((r) => r.message)).toContain('dead.example does not exist (NXDOMAIN)')
    expect(Date.parse(dead.lease_expires_at)).toBeGreaterThan(Date.now())
    expect(await liveLeases(hotkeys.validators[0]!)).toBe(3)
    expect(await votes()).toEqual([])

    // Judged elsewhere: the local verdicts, except that the reviewer rejects good-two's lead too.
    const judged = lines.map((l) => ({
      ...l,
      is_valid: l.prospect_id === ids[1] ? false : l.checks.is_valid,
      score: l.checks.score,
      reasons:
        l.prospect_id === ids[1] ? [{check: 'manual_review', message: 'not a decision maker'}] : l.checks.reasons,
    }))
    await writeFile(file, judged.map((l) => JSON.stringify(l)).join('\n'))
    const submitted = await runCli(['submit', file, '--hotkey', hotkeys.validators[0]!, '--json'], env)
    expect(submitted.code, submitted.stderr).toBe(0)
    expect(Submit.resultSchema.parse(submitted.json())).toMatchObject({recorded: 3, refused: 0})
    const stored = await votes()
    expect(stored.filter((v) => v.is_valid)).toHaveLength(1)
    expect(stored.flatMap((v) => v.rejection_reasons)).toContainEqual({
      check: 'manual_review',
      message: 'not a decision maker',
    })
    expect(await liveLeases(hotkeys.validators[0]!)).toBe(0)
    // A retry of the same file changes nothing (cron-safe).
    const retry = await runCli(['submit', file, '--hotkey', hotkeys.validators[0]!, '--json'], env)
    expect(retry.json()).toMatchObject({recorded: 0, unchanged: 3})
  })

  it('given --export -, then the batch goes to stdout as JSON Lines and the summary to stderr', async () => {
    await queueLeads()
    const run = await runCli(['pull', ...asValidator(0), '--export', '-'], env)
    expect(run.code, run.stderr).toBe(0)
    const lines = run.stdout.trim().split('\n')
    expect(lines).toHaveLength(3)
    for (const line of lines) ExportedProspect.parse(JSON.parse(line))
    expect(run.stderr).toContain('Exported 3 prospects to stdout')
    expect((await runCli(['pull', ...asValidator(0), '--export', '-', '--json'], env)).code).toBe(2)
  })

  it('given --no-submit, then it is refused with a pointer to --export, and nothing is pulled', async () => {
    await queueLeads()
    const run = await runCli(['pull', ...asValidator(0), '--no-submit', '--json'], env)
    expect(run.code).toBe(2)
    expect(run.json().error).toMatchObject({code: 'USAGE', message: expect.stringContaining('--export')})
    expect(await liveLeases(hotkeys.validators[0]!)).toBe(0)
  })

  it('given a file with bad lines, then nothing is submitted and every bad line is listed with its line number', async () => {
    const ids = await queueLeads()
    const file = path.join(home, 'bad.jsonl')
    await writeFile(
      file,
      [
        JSON.stringify({prospect_id: ids[0], is_valid: true, score: 1}),
        JSON.stringify({prospect_id: ids[1], is_valid: 'yes', score: 1}),
        '{oops',
        JSON.stringify({prospect_id: ids[0], is_valid: true, score: 1}),
      ].join('\n'),
    )
    const run = await runCli(['submit', file, '--hotkey', hotkeys.validators[0]!, '--json'], env)
    expect(run.code).toBe(2)
    expect(run.json().error.code).toBe('INVALID_FILE')
    expect(run.json().error.details.refused.map((r: {line: number}) => r.line)).toEqual([2, 3, 4])
    expect(await votes()).toEqual([])
  })

  it('given votes on prospects the validator does not hold, then every vote refused exits 2 and some refused exits 3', async () => {
    const ids = await queueLeads()
    await runCli(['pull', ...asValidator(0), '--export', path.join(home, 'held.jsonl')], env)
    const vote = (id: string) => JSON.stringify({prospect_id: id, is_valid: true, score: 1})
    const file = path.join(home, 'votes.jsonl')
    await writeFile(file, vote(ids[0]!))
    const none = await runCli(['submit', file, '--hotkey', hotkeys.validators[1]!, '--json'], env)
    expect(none.code).toBe(2)
    expect(none.json()).toMatchObject({recorded: 0, refused: 1, results: [{outcome: 'not_pulled'}]})
    // Validator 1 holds one of them now; its vote on that one goes in, the other is refused.
    const held = await runCli(['pull', ...asValidator(1), '--limit', '1', '--export', '-'], env)
    const heldId = (JSON.parse(held.stdout) as {prospect_id: string}).prospect_id
    await writeFile(file, [vote(heldId), vote(ids.find((id) => id !== heldId)!)].join('\n'))
    const some = await runCli(['submit', file, '--hotkey', hotkeys.validators[1]!, '--json'], env)
    expect(some.code).toBe(3)
    expect(some.json()).toMatchObject({recorded: 1, refused: 1})
  })
})

describe('leadpoet check', () => {
  it('given a file of leads, then it reports each verdict with its reasons and touches no database', async () => {
    const file = path.join(home, 'check.jsonl')
    await writeFile(
      file,
      leads()
        .map((l) => JSON.stringify(l))
        .join('\n') + '\n{"business": "Half a lead"}\n',
    )
    const checkEnv = {XDG_DATA_HOME: path.join(home, 'check-data'), XDG_CONFIG_HOME: path.join(home, 'check-config')}
    const run = await runCli(['check', file, '--validation-config', healthyConfig, '--json'], checkEnv)
    expect(run.code, run.stderr).toBe(0)
    const result = Check.resultSchema.parse(run.json()) as any
    expect(result).toMatchObject({checked: 4, valid: 2, invalid: 2, abstained: 0, network_health: {healthy: true}})
    expect(result.leads[2]).toMatchObject({line: 3, is_valid: false})
    expect(result.leads[2].reasons.map((r: {message: string}) => r.message)).toContain(
      'dead.example does not exist (NXDOMAIN)',
    )
    expect(result.leads[3]).toMatchObject({line: 4, reasons: [expect.objectContaining({check: 'required'})]})
    await expect(stat(path.join(home, 'check-data'))).rejects.toThrow() // no embedded database, no lock
    const table = await runCli(['check', file, '--validation-config', healthyConfig], checkEnv)
    expect(table.stdout).toContain('email_mx: dead.example does not exist (NXDOMAIN)')
    expect((await runCli(['check', file, '--db', 'postgres://x', '--json'], checkEnv)).code).toBe(2)
  })

  it('given a broken resolver, then it exits 1 with NETWORK_UNHEALTHY instead of verdicts', async () => {
    const file = path.join(home, 'check.json')
    await writeFile(file, JSON.stringify(leads()))
    resolver = 'nxdomain'
    const run = await runCli(['check', file, '--validation-config', healthyConfig, '--json'], {
      XDG_DATA_HOME: path.join(home, 'check-data'),
    })
    expect(run.code).toBe(1)
    expect(run.json().error.code).toBe('NETWORK_UNHEALTHY')
  })
})

describe('consensus show', () => {
  it("given a validator's own vote, then it sees that vote and its reasons before the decision, and every vote after", async () => {
    const ids = await queueLeads()
    const show = (args: string[]) => runCli(['consensus', 'show', ids[2]!, ...args, '--json'], env)
    await runCli(['pull', ...asValidator(0)], env)

    const before = ConsensusShow.resultSchema.parse((await show(['--hotkey', hotkeys.validators[0]!])).json()) as any
    expect(before).toMatchObject({consensus_status: 'pending', votes_visible: false})
    expect(before.votes).toHaveLength(1)
    expect(before.votes[0]).toMatchObject({validator_hotkey: hotkeys.validators[0], is_valid: false})
    expect(before.votes[0].rejection_reasons).toContainEqual(
      expect.objectContaining({check: 'email_mx', message: 'dead.example does not exist (NXDOMAIN)'}),
    )
    const table = await runCli(['consensus', 'show', ids[2]!, '--hotkey', hotkeys.validators[0]!], env)
    expect(table.stdout).toContain('email_mx: dead.example does not exist (NXDOMAIN)')
    expect(table.stdout).toContain('Only your own vote is shown until the prospect is decided')
    // Another validator sees none of it yet; the operator sees everything.
    expect((await show(['--hotkey', hotkeys.validators[3]!])).json().votes).toEqual([])
    expect((await show([])).json().votes).toHaveLength(1)

    await runCli(['pull', ...asValidator(1)], env)
    await runCli(['pull', ...asValidator(2)], env)
    const after = (await show(['--hotkey', hotkeys.validators[3]!])).json()
    expect(after).toMatchObject({consensus_status: 'rejected', votes_visible: true})
    expect(after.votes).toHaveLength(3)
  })
})
