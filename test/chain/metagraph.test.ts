import {afterEach, describe, expect, test} from 'vitest'
import type {ChainConnection} from '../../src/chain/connection.js'
import {CHAIN_ERROR} from '../../src/chain/error-codes.js'
import {readOnChainCommits, readSubnet, uidOf} from '../../src/chain/metagraph.js'
import {connectOffline, devPair, FIXED_NOW, finneyMetadataV15, offlineChain, writeSubnet} from './helpers.js'

let connection: ChainConnection | undefined
afterEach(async () => {
  await connection?.close()
  connection = undefined
})

async function subnetFixture(): Promise<{hotkeys: string[]; owner: string}> {
  const names = ['//Alice', '//Bob', '//Charlie', '//Dave']
  const hotkeys = await Promise.all(names.map(async (uri) => (await devPair(uri)).address))
  return {hotkeys, owner: (await devPair('//Ferdie')).address}
}

describe('reading the chain', () => {
  test('reads the head and hands {block, seenAt} to the chain-anchor sink', async () => {
    const provider = offlineChain({headNumber: 4_321})
    const seen: Array<{block: number; seenAt: Date}> = []
    connection = await connectOffline(provider, {onHead: async (head) => void seen.push(head)})
    const head = await connection.readHead()
    expect(head.block).toBe(4_321)
    expect(head.hash).toBe(provider.head.hash)
    expect(head.producedAt?.toISOString()).toBe(FIXED_NOW.toISOString())
    expect(seen).toEqual([{block: 4_321, seenAt: FIXED_NOW}])
  })

  test('reads the metagraph and the weight rules of a subnet at one block', async () => {
    const {hotkeys, owner} = await subnetFixture()
    const provider = offlineChain({headNumber: 10_000})
    writeSubnet(provider, {
      netuid: 71,
      hotkeys,
      permits: [true, false, true, false],
      lastUpdate: [9_000, 0, 8_500, 12],
      tempo: 99,
      weightsSetRateLimit: 50,
      weightsVersionKey: 843_000,
      minAllowedWeights: 2,
      commitRevealEnabled: true,
      revealPeriodEpochs: 3,
      ownerHotkey: hotkeys[2],
      ownerColdkey: owner,
    })
    connection = await connectOffline(provider)
    const head = await connection.readHead()
    const subnet = await readSubnet(connection, 71, head)
    expect(subnet).toMatchObject({
      netuid: 71,
      tempo: 99,
      size: 4,
      hotkeys,
      validatorPermit: [true, false, true, false],
      lastUpdate: [9_000, 0, 8_500, 12],
      weightsSetRateLimit: 50,
      weightsVersionKey: 843_000,
      minAllowedWeights: 2,
      commitRevealEnabled: true,
      revealPeriodEpochs: 3,
      subnetOwnerHotkey: hotkeys[2],
      subnetOwner: owner,
    })
    // the epoch of the block the next extrinsic lands in, by block arithmetic (no SubnetEpochIndex on spec 393)
    expect(subnet.chainEpoch).toMatchObject({landingBlock: 10_001, index: Math.floor((10_001 + 72) / 100)})
    expect(subnet.chainEpoch.source).toBe('block_arithmetic')
    expect(subnet.runtime).toMatchObject({specName: 'node-subtensor', specVersion: 393})
    expect(subnet.runtime.extensions).toContain('SubtensorTransactionExtension')
    expect(subnet.minStake).toEqual({item: 'StakeThreshold', threshold: 0n})
    expect(uidOf(subnet, hotkeys[3]!)).toBe(3)
    expect(uidOf(subnet, owner)).toBeNull()
  })

  test('unset storage reads as the runtime defaults (tempo 360, rate limit 100, commit-reveal on)', async () => {
    const provider = offlineChain()
    provider.setStorage('SubtensorModule', 'NetworksAdded', [5], true)
    connection = await connectOffline(provider)
    const subnet = await readSubnet(connection, 5, await connection.readHead())
    expect(subnet).toMatchObject({
      tempo: 360,
      size: 0,
      hotkeys: [],
      weightsSetRateLimit: 100,
      commitRevealEnabled: true,
      revealPeriodEpochs: 1,
      subnetOwnerHotkey: null,
    })
  })

  test('a netuid that is not a subnet is a clear error', async () => {
    connection = await connectOffline(offlineChain())
    await expect(readSubnet(connection, 9, await connection.readHead())).rejects.toMatchObject({
      code: CHAIN_ERROR.subnetNotFound,
    })
  })

  test("reads the hotkey's v2 commits (WeightCommits)", async () => {
    const {hotkeys} = await subnetFixture()
    const provider = offlineChain()
    writeSubnet(provider, {netuid: 71, hotkeys})
    const hash = `0x${'ab'.repeat(32)}`
    provider.setStorage('SubtensorModule', 'WeightCommits', [71, hotkeys[0]], [[hash, 9_990, 10_038, 10_398]])
    connection = await connectOffline(provider)
    const subnet = await readSubnet(connection, 71, await connection.readHead())
    // spec 393 documents the tuple as (hash, commit_block, first_reveal_block, last_reveal_block)
    expect(subnet.commitLayout).toEqual({
      fields: ['hash', 'commit_block', 'first_reveal_block', 'last_reveal_block'],
      source: 'metadata',
    })
    // the epoch of its block, as get_epoch_index counts it: (9990 + 71 + 1) / 361
    expect(await readOnChainCommits(connection, subnet, hotkeys[0]!)).toEqual([
      {hash, commitBlock: 9_990, commitEpoch: 27},
    ])
    expect(await readOnChainCommits(connection, subnet, hotkeys[1]!)).toEqual([])
  })

  test('refuses a stalled chain whose newest block is older than staleAfterMs, and records no anchor', async () => {
    const provider = offlineChain({now: () => FIXED_NOW.getTime() - 3 * 60_000})
    const seen: unknown[] = []
    connection = await connectOffline(provider, {onHead: async (head) => void seen.push(head)})
    const error = await connection.readHead().catch((e: unknown) => e)
    expect(error).toMatchObject({code: CHAIN_ERROR.chainStalled, exitCode: 1})
    expect((error as Error).message).toContain('3.0 min ago')
    expect(seen).toEqual([])
  })

  test('storage reads are the same on the older runtime (spec 343, metadata v15)', async () => {
    const {hotkeys} = await subnetFixture()
    const provider = offlineChain({metadata: finneyMetadataV15(), specVersion: 343})
    writeSubnet(provider, {netuid: 71, hotkeys, tempo: 360, weightsVersionKey: 7, commitRevealEnabled: false})
    connection = await connectOffline(provider)
    const subnet = await readSubnet(connection, 71, await connection.readHead())
    expect(subnet).toMatchObject({hotkeys, weightsVersionKey: 7, commitRevealEnabled: false, size: 4})
  })
})
