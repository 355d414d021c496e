import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {SignJWT} from 'jose'
import {afterAll, beforeAll, beforeEach, describe, expect, it} from 'vitest'
import {startGateway} from '../../src/dev/gateway.js'
import type {ConsensusService} from '../../src/service/consensus.js'
import type {PulledProspect} from '../../src/service/results.js'
import {SqlRpcAdapter} from '../../src/adapters/sql-adapter.js'
import {
  authRpcOverAdapter,
  createTokenIssuer,
  fileRoleResolver,
  issuerRequestHandler,
  rpcNonceRegistry,
} from '../../src/auth/index.js'
import {serveHandler, writeMetagraphFile, writeWalletHotkey} from '../auth/support.js'
import {offlineChain, SubtensorWeightsSimulator} from '../chain/helpers.js'
import {runCli} from '../support/cli.js'
import type {OfflineChainProvider} from '../support/offline-chain.js'
import {JWT_SECRET} from '../support/postgrest.js'
import {startSubtensorNode, type SubtensorNode} from '../support/subtensor-node.js'
import {createWorld, hotkeyOf, operatorIdentity, type World} from '../support/world.js'
import {refusalOf} from '../support/refusal.js'

// The seed's reward rule, through the real PostgREST: only validators whose votes matched the
// decisions (on full-quorum decisions) get the miners' weights, and each sets them on chain with
// its own hotkey. The ineligible one is refused the weights, and its pulls in the next epoch.

const vote = (prospect: PulledProspect, isValid: boolean) => ({
  prospect_id: prospect.prospect_id,
  is_valid: isValid,
  score: 0.5,
})

describe('incentives through PostgREST: eligible validators set the weights with their own hotkeys', () => {
  let world: World
  let home: string
  let walletPath: string
  let provider: OfflineChainProvider
  let chain: SubtensorWeightsSimulator
  let node: SubtensorNode
  let hotkeys: {honestA: string; honestB: string; inverter: string}
  let validators: {honestA: ConsensusService; honestB: ConsensusService; inverter: ConsensusService}
  const minerOne = hotkeyOf('incentives-miner-1')
  const minerTwo = hotkeyOf('incentives-miner-2')

  beforeAll(async () => {
    world = await createWorld('postgrest')
    home = await mkdtemp(path.join(tmpdir(), 'leadpoet-incentives-'))
    walletPath = path.join(home, 'wallets')
    hotkeys = {
      honestA: await writeWalletHotkey(walletPath, 'a', 'default'),
      honestB: await writeWalletHotkey(walletPath, 'b', 'default'),
      inverter: await writeWalletHotkey(walletPath, 'c', 'default'),
    }
    validators = {
      honestA: await world.as({hotkey: hotkeys.honestA, role: 'validator'}),
      honestB: await world.as({hotkey: hotkeys.honestB, role: 'validator'}),
      inverter: await world.as({hotkey: hotkeys.inverter, role: 'validator'}),
    }
    provider = offlineChain({headNumber: 5_000_000, now: () => Date.now()})
    chain = new SubtensorWeightsSimulator(provider)
    chain.addSubnet({
      netuid: 71,
      hotkeys: [hotkeys.honestA, hotkeys.honestB, hotkeys.inverter, minerOne, minerTwo],
      permits: [true, true, true, false, false],
      commitRevealEnabled: false,
    })
    node = await startSubtensorNode(provider)
  })
  afterAll(async () => {
    await node?.close()
    await world?.close()
    await rm(home, {recursive: true, force: true})
  })
  beforeEach(async () => {
    await world.reset()
  })

  /** Epoch 1: ten prospects (six of miner one, four of miner two), all valid; the inverter says invalid. */
  async function epochOneWithAnInverter(): Promise<void> {
    await world.enterEpoch(1)
    await (
      await world.as({hotkey: minerOne, role: 'miner'})
    ).enqueue(Array.from({length: 6}, (_, i) => ({email: `one-${i}@incentives.example`})))
    await (
      await world.as({hotkey: minerTwo, role: 'miner'})
    ).enqueue(Array.from({length: 4}, (_, i) => ({email: `two-${i}@incentives.example`})))
    for (const [name, service] of Object.entries(validators)) {
      const {prospects} = await service.pull(10)
      expect(prospects).toHaveLength(10)
      await service.submit(prospects.map((p) => vote(p, name !== 'inverter')))
    }
    await world.enterEpoch(2)
  }

  const cliEnv = () => ({XDG_DATA_HOME: path.join(home, 'data'), XDG_CONFIG_HOME: path.join(home, 'config')})
  const weightsArgs = (wallet: string, db: string) => [
    'epoch',
    'weights',
    '--epoch',
    '1',
    '--json',
    '--db',
    db,
    '--wallet.name',
    wallet,
    '--wallet.path',
    walletPath,
    '--subtensor.network',
    node.url,
    '--netuid',
    '71',
  ]

  it('given an inverter in a closed epoch, then it is refused the weights and its next pull; the others set identical weights on chain', async () => {
    await epochOneWithAnInverter()
    const closure = await world.operator.closeEpoch(1)
    expect(closure.eligibility.find((e) => e.validator_hotkey === hotkeys.inverter)).toMatchObject({
      decided_leads: 10,
      matching_votes: 0,
      eligible: false,
      failed_rules: ['agreement_below_threshold'],
    })
    expect(closure.probation).toEqual([
      {epoch: 2, validator_hotkey: hotkeys.inverter, failed_rules: ['agreement_below_threshold']},
    ])

    // The inverter: NOT_ELIGIBLE, with its figures.
    const refused = await refusalOf(validators.inverter.minerWeights(1))
    expect(refused.code).toBe('NOT_ELIGIBLE')
    expect(refused.exitCode).toBe(4)
    expect(refused.details).toMatchObject({
      epoch: 1,
      validator_hotkey: hotkeys.inverter,
      decided_leads: 10,
      matching_votes: 0,
      agreement: 0,
      threshold: 0.1,
      failed_rules: ['agreement_below_threshold'],
    })

    // The honest two read the same weights the operator's snapshot holds.
    const a = await validators.honestA.minerWeights(1)
    const b = await validators.honestB.minerWeights(1)
    expect(a).toEqual(b)
    expect(a).toMatchObject({epoch: 1, closed: true, accepted_leads: 10})
    expect(Object.fromEntries(a.miners.map((m) => [m.miner_hotkey, m.share]))).toEqual({
      [minerOne]: 0.6,
      [minerTwo]: 0.4,
    })

    // Its wallet's dry run exits 4; honest A sets the weights on the direct database, honest B
    // through the Supabase path (a gateway in front of PostgREST, with B's own token).
    const dryRun = await runCli([...weightsArgs('c', world.databaseUrl!), '--dry-run'], cliEnv())
    expect(dryRun.code, dryRun.stdout).toBe(4)
    expect(dryRun.json().error).toMatchObject({
      code: 'NOT_ELIGIBLE',
      details: {failed_rules: ['agreement_below_threshold']},
    })

    const direct = await runCli(weightsArgs('a', world.databaseUrl!), cliEnv())
    expect(direct.code, direct.stdout + direct.stderr).toBe(0)
    // B's token comes from the issuer (the leadpoet-auth function) the way a validator's cron gets it:
    // signed with its wallet, its role read off the metagraph.
    const metagraph = await writeMetagraphFile(home, {[hotkeys.honestB]: {uid: 1, validator_permit: true}})
    const issuer = issuerRequestHandler(
      createTokenIssuer({
        signingKey: {alg: 'HS256', secret: JWT_SECRET},
        roles: fileRoleResolver(metagraph),
        nonces: rpcNonceRegistry(authRpcOverAdapter(new SqlRpcAdapter(world.sql, operatorIdentity, false))),
      }),
    )
    const issuerServer = await serveHandler(issuer)
    const gateway = await startGateway({
      routes: {rest: world.postgrest!.url, functions: {'leadpoet-auth': issuerServer.url}},
    })
    try {
      const anonKey = await new SignJWT({role: 'anon'})
        .setProtectedHeader({alg: 'HS256'})
        .setExpirationTime('1h')
        .sign(new TextEncoder().encode(JWT_SECRET))
      const viaSupabase = await runCli(weightsArgs('b', gateway.url), {
        ...cliEnv(),
        SUPABASE_KEY: anonKey,
        LEADPOET_TOKEN: '',
      })
      expect(viaSupabase.code, viaSupabase.stdout + viaSupabase.stderr).toBe(0)
      expect(viaSupabase.json().chain.submission).toMatchObject({status: 'included', call: {call: 'set_weights'}})
    } finally {
      await gateway.close()
      await issuerServer.close()
    }
    // uid 0 is honest A, uid 1 honest B; the miners are uids 3 and 4, weighted 0.6 : 0.4.
    expect(chain.applied.map(({uid, uids, weights}) => ({uid, uids, weights}))).toEqual([
      {uid: 0, uids: [3, 4], weights: [65535, 43690]},
      {uid: 1, uids: [3, 4], weights: [65535, 43690]},
    ])

    // Epoch 2: the inverter is on probation. With a quorum of two, two honest validators are enough,
    // so the safety rule does not lift it.
    await world.operator.updateSettings({quorum: 2, majority: 2})
    const onProbation = await refusalOf(validators.inverter.pull(5))
    expect(onProbation.code).toBe('NOT_ELIGIBLE')
    expect(onProbation.message).toContain('on probation in epoch 2')
    await expect(validators.honestA.pull(5)).resolves.toMatchObject({prospects: []})
    expect((await world.operator.sweep()).probation).toEqual({epoch: 2, on_probation: 1, candidates: 3, lifted: false})
  })

  it('given an epoch that is open, or over but not closed, then a validator is told to wait', async () => {
    await epochOneWithAnInverter()
    expect((await refusalOf(validators.honestA.minerWeights(2))).code).toBe('EPOCH_NOT_OVER')
    const notClosed = await refusalOf(validators.honestA.minerWeights(1))
    expect([notClosed.code, notClosed.exitCode]).toEqual(['EPOCH_NOT_CLOSED', 5])
    // The operator keeps full access, open epochs included.
    expect((await world.operator.minerWeights(2)).closed).toBe(false)
  })

  it('given exactly a quorum of validators and one on probation, then probation is lifted: pulls go on, and sweep and stats say so', async () => {
    await epochOneWithAnInverter()
    await world.operator.closeEpoch(1)
    await (await world.as({hotkey: minerOne, role: 'miner'})).enqueue([{email: 'later@incentives.example'}])
    const {prospects} = await validators.inverter.pull(5)
    expect(prospects).toHaveLength(1)
    const lifted = {epoch: 2, on_probation: 1, candidates: 3, lifted: true}
    expect((await world.operator.sweep()).probation).toEqual(lifted)
    expect((await world.operator.stats(2)).probation).toEqual(lifted)
  })

  it('given the probation setting at 0, then nobody is ever refused', async () => {
    await world.operator.updateSettings({probation_epochs: 0})
    await epochOneWithAnInverter()
    expect((await world.operator.closeEpoch(1)).probation).toEqual([])
    await world.operator.updateSettings({quorum: 2, majority: 2})
    await expect(validators.inverter.pull(5)).resolves.toMatchObject({prospects: []})
  })
})
