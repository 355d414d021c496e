import {mkdir, mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import type {OfflineChainProvider} from '../support/offline-chain.js'
import {devPair, offlineChain, writeSubnet} from '../chain/helpers.js'
import EpochWeights from '../../src/commands/epoch/weights.js'
import {runCli} from '../support/cli.js'
import {startSubtensorNode, type SubtensorNode} from '../support/subtensor-node.js'
import {createWorld, validator, type World} from '../support/world.js'

// The public btwallet test vector (btwallet's phrase "old leopard transfer ..."): the operator's hotkey.
const PHRASE = 'old leopard transfer rib spatial phone calm indicate online fire caution review'
const OPERATOR = '5HDvhV6WDCjCKyrXqGQSDYqQAzkzabNhctmiDYEqgBC66BsX'
const HEAD = 5_000_000

describe('leadpoet epoch weights against a subtensor node', () => {
  let home: string
  let world: World
  let provider: OfflineChainProvider
  let node: SubtensorNode
  let miners: string[]
  let args: string[]

  beforeAll(async () => {
    home = await mkdtemp(path.join(tmpdir(), 'leadpoet-weights-'))
    const hotkeys = path.join(home, 'wallets', 'owner', 'hotkeys')
    await mkdir(hotkeys, {recursive: true})
    await writeFile(path.join(hotkeys, 'default'), JSON.stringify({secretPhrase: PHRASE, ss58Address: OPERATOR}), {
      mode: 0o600,
    })

    miners = [(await devPair('//Bob')).address, (await devPair('//Charlie')).address]
    provider = offlineChain({headNumber: HEAD, now: () => Date.now()})
    writeSubnet(provider, {
      netuid: 71,
      hotkeys: [OPERATOR, ...miners],
      weightsVersionKey: 7,
      commitRevealEnabled: false,
    })
    node = await startSubtensorNode(provider)

    // Bob's miner gets two leads accepted, Charlie's one.
    world = await createWorld('postgres')
    for (const [miner, count] of [
      [miners[0]!, 2],
      [miners[1]!, 1],
    ] as const) {
      const service = await world.as({hotkey: miner, role: 'miner'})
      await service.enqueue(
        Array.from({length: count}, (_, i) => ({email: `${i}@${miner.slice(0, 8).toLowerCase()}.example`})),
      )
    }
    for (const n of [1, 2, 3]) {
      const v = await world.as(validator(n))
      const {prospects} = await v.pull(10)
      await v.submit(prospects.map((p) => ({prospect_id: p.prospect_id, is_valid: true, score: 1})))
    }
    await world.enterEpoch(1) // the decisions above are epoch 0's, now ended: what weights are set from
    // The operator's run: any epoch, and it keeps the database's chain clock.
    args = [
      'epoch',
      'weights',
      '--role',
      'operator',
      '--json',
      '--db',
      world.databaseUrl!,
      '--wallet.name',
      'owner',
      '--wallet.hotkey',
      'default',
      '--wallet.path',
      path.join(home, 'wallets'),
      '--subtensor.network',
      node.url,
      '--netuid',
      '71',
    ]
  })
  afterAll(async () => {
    await node?.close()
    await world?.close()
    await rm(home, {recursive: true, force: true})
  })

  it('--dry-run shows the exact set_weights call for the epoch that ended, and sends and records nothing', async () => {
    const run = await runCli([...args, '--dry-run'], {XDG_DATA_HOME: path.join(home, 'data')})
    expect(run.code, run.stderr).toBe(0)
    const result = EpochWeights.resultSchema.parse(run.json()) as any
    expect(result).toMatchObject({epoch: 0, miner_weights: {accepted_leads: 3}})
    expect(result.chain.submission).toMatchObject({
      status: 'dry_run',
      call: {call: 'set_weights', netuid: 71, uids: [1, 2], weights: [65535, 32768], version_key: 7},
    })
    expect(provider.calls).not.toContain('author_submitAndWatchExtrinsic')
    expect(provider.calls).not.toContain('author_submitExtrinsic')
    expect((await world.operator.clock()).anchor_block).toBe(360)
  })

  it('without --dry-run signs and sends set_weights, waits for its block, and records the chain head', async () => {
    const run = await runCli(args, {XDG_DATA_HOME: path.join(home, 'data')})
    expect(run.code, run.stderr).toBe(0)
    const result = EpochWeights.resultSchema.parse(run.json()) as any
    expect(result.chain.submission).toMatchObject({
      status: 'included',
      call: {call: 'set_weights', uids: [1, 2], weights: [65535, 32768], version_key: 7},
    })
    expect(provider.calls).toContain('author_submitAndWatchExtrinsic')
    expect((await world.operator.clock()).anchor_block).toBeGreaterThanOrEqual(HEAD)
  })

  it('refuses without a wallet, and names an unreachable node', async () => {
    const noWallet = await runCli(
      ['epoch', 'weights', '--dry-run', '--json', '--db', args[args.indexOf('--db') + 1]!],
      {XDG_DATA_HOME: path.join(home, 'data')},
    )
    expect(noWallet.code).toBe(2)
    expect(noWallet.json().error.code).toBe('NO_WALLET')
    const unreachable = [
      ...args.slice(0, args.indexOf('--subtensor.network')),
      '--subtensor.network',
      'ws://127.0.0.1:1',
      '--dry-run',
    ]
    const run = await runCli(unreachable, {XDG_DATA_HOME: path.join(home, 'data')})
    expect(run.code).not.toBe(0)
    expect(run.json().error.code).toMatch(/CHAIN_UNREACHABLE|CHAIN_TIMEOUT/)
  })
})
