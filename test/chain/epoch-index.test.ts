import {afterAll, afterEach, beforeAll, beforeEach, describe, expect, test} from 'vitest'
import type {ChainConnection} from '../../src/chain/connection.js'
import {revealDueCommits, submitEpochWeights} from '../../src/chain/epoch-weights.js'
import {CHAIN_ERROR} from '../../src/chain/error-codes.js'
import {readOnChainCommits, readSubnet} from '../../src/chain/metagraph.js'
import {type Hotkey, loadHotkey} from '../../src/chain/wallet.js'
import {openCommitStore, type CommitStoreFixture} from '../support/commit-store.js'
import type {OfflineChainProvider} from '../support/offline-chain.js'
import {
  connectOffline,
  finneyMetadataWithEpochIndex,
  handmadeCommitHash,
  offlineChain,
  pendingCommit,
  writeSubnet,
} from './helpers.js'

// Today's runtimes (spec >= 407) keep the epoch in storage; no runtime here has that, so these run on
// the offline node with the spec-393 metadata plus the items the pallet source adds (see helpers.ts).
const NETUID = 71
const SPEC = 407
const METADATA = finneyMetadataWithEpochIndex()

let validator: Hotkey
let hotkeys: string[]
let commits: CommitStoreFixture
let provider: OfflineChainProvider
let connection: ChainConnection | undefined
beforeAll(async () => {
  validator = await loadHotkey({uri: '//Alice'})
  hotkeys = [
    validator.address,
    (await loadHotkey({uri: '//Bob'})).address,
    (await loadHotkey({uri: '//Charlie'})).address,
  ]
  commits = await openCommitStore()
})
afterAll(async () => {
  await commits?.close()
})
beforeEach(async () => {
  await commits.reset()
})
afterEach(async () => {
  await connection?.close()
  connection = undefined
})

/**
 * Head 10_000. The counter says epoch 40, while block arithmetic would say (10_001 + 72) / 361 = 27:
 * every expectation below can only hold if the epoch is read from the chain.
 */
async function chain(schedule: {lastEpochBlock?: number; pendingEpochAt?: number} = {}): Promise<void> {
  provider = offlineChain({metadata: METADATA, specVersion: SPEC, headNumber: 10_000})
  writeSubnet(provider, {netuid: NETUID, hotkeys, commitRevealEnabled: true, tempo: 360, revealPeriodEpochs: 1})
  provider.setStorage('SubtensorModule', 'SubnetEpochIndex', [NETUID], 40)
  provider.setStorage('SubtensorModule', 'LastEpochBlock', [NETUID], schedule.lastEpochBlock ?? 9_800)
  provider.setStorage('SubtensorModule', 'PendingEpochAt', [NETUID], schedule.pendingEpochAt ?? 0)
  provider.setStorage('SubtensorModule', 'BlocksSinceLastStep', [NETUID], 200)
  connection = await connectOffline(provider)
}

describe('the epoch comes from SubnetEpochIndex', () => {
  test('inside an epoch: the stored index, the span from LastEpochBlock to the next firing', async () => {
    await chain()
    const subnet = await readSubnet(connection!, NETUID, await connection!.readHead())
    expect(subnet.runtime.specVersion).toBe(SPEC)
    expect(subnet.chainEpoch).toMatchObject({
      source: 'epoch_index',
      landingBlock: 10_001,
      index: 40,
      firstBlock: 9_800,
      lastBlock: 10_159,
    })
  })

  test('look-ahead: when the epoch fires in the landing block, that block counts in the next epoch', async () => {
    await chain({lastEpochBlock: 9_641})
    const subnet = await readSubnet(connection!, NETUID, await connection!.readHead())
    expect(subnet.chainEpoch).toMatchObject({index: 41, firstBlock: 10_001, lastBlock: 10_360})
  })

  test('an owner-triggered epoch pending at the landing block fires there too', async () => {
    await chain({pendingEpochAt: 10_001})
    const subnet = await readSubnet(connection!, NETUID, await connection!.readHead())
    expect(subnet.chainEpoch.index).toBe(41)
  })
})

describe('WeightCommits decoded by what the metadata declares: (hash, commit_epoch, commit_block, _unused)', () => {
  test('the layout is read from the documentation and the entry decoded by it', async () => {
    await chain()
    const subnet = await readSubnet(connection!, NETUID, await connection!.readHead())
    expect(subnet.commitLayout).toEqual({
      fields: ['hash', 'commit_epoch', 'commit_block', 'unused'],
      source: 'metadata',
    })
    const hash = `0x${'cd'.repeat(32)}`
    provider.setStorage('SubtensorModule', 'WeightCommits', [NETUID, validator.address], [[hash, 39, 9_700, 0]])
    expect(await readOnChainCommits(connection!, subnet, validator.address)).toEqual([
      {hash, commitBlock: 9_700, commitEpoch: 39},
    ])
  })

  test('reveals are judged by the recorded commit epoch: due, waiting, expired', async () => {
    await chain()
    const {store} = commits
    const saved = async (epoch: number, block: number, salt: number): Promise<{id: string; hash: string}> => {
      const data = {uids: [1, 2], weights: [65535, 100], salt: Array.from({length: 8}, () => salt), versionKey: 0}
      const commitHash = handmadeCommitHash(
        validator.address,
        NETUID,
        data.uids,
        data.weights,
        data.salt,
        0,
      ) as `0x${string}`
      const row = await store.save(
        pendingCommit({...data, hotkey: validator.address, netuid: NETUID, commitHash, chainEpoch: epoch}),
      )
      await store.markCommitted(row.id, block)
      return {id: row.id, hash: commitHash}
    }
    const due = await saved(39, 9_700, 1)
    const waiting = await saved(40, 9_900, 2)
    const expired = await saved(38, 9_500, 3)
    provider.setStorage(
      'SubtensorModule',
      'WeightCommits',
      [NETUID, validator.address],
      [
        [expired.hash, 38, 9_500, 0],
        [due.hash, 39, 9_700, 0],
        [waiting.hash, 40, 9_900, 0],
      ],
    )

    const dry = await revealDueCommits({
      connection: connection!,
      hotkey: validator,
      netuid: NETUID,
      commitStore: store,
      dryRun: true,
    })
    const byId = Object.fromEntries(dry.reveals.map((reveal) => [reveal.commitId, reveal]))
    expect(byId[due.id]).toMatchObject({
      status: 'would_reveal',
      commitEpoch: 39,
      window: {revealEpoch: 40, blocks: 'predicted'},
    })
    expect(byId[waiting.id]).toMatchObject({status: 'waiting', commitEpoch: 40, window: {revealEpoch: 41}})
    expect(byId[expired.id]).toMatchObject({status: 'expired', error: {code: CHAIN_ERROR.weightsCommitExpired}})
    expect(dry.runtime).toMatchObject({epochSource: 'epoch_index', specVersion: SPEC})

    const revealed: string[] = []
    provider.onExtrinsic = (tx) => {
      if (tx.method === 'revealWeights') revealed.push(String(tx.args.salt))
      return {kind: 'success'}
    }
    const run = await revealDueCommits({connection: connection!, hotkey: validator, netuid: NETUID, commitStore: store})
    expect(run.reveals.find((reveal) => reveal.commitId === due.id)).toMatchObject({status: 'revealed'})
    expect(revealed).toEqual(['1,1,1,1,1,1,1,1'])
    expect((await store.findOpen(NETUID, validator.address)).map((commit) => commit.id)).toEqual([waiting.id])
  })

  test("a new commit's epoch is the one the chain recorded for it at its inclusion block", async () => {
    await chain()
    // the chain records the commit under epoch 41 (as if the epoch fired in that block)
    provider.onExtrinsic = (tx) => {
      if (tx.method === 'commitWeights') {
        provider.setStorage(
          'SubtensorModule',
          'WeightCommits',
          [NETUID, validator.address],
          [[tx.args.commitHash, 41, tx.blockNumber, 0]],
        )
      }
      return {kind: 'success'}
    }
    const report = await submitEpochWeights({
      connection: connection!,
      hotkey: validator,
      netuid: NETUID,
      minerWeights: [{miner_hotkey: hotkeys[1]!, share: 1}],
      versionKey: 0,
      fallback: {kind: 'skip'},
      commitStore: commits.store,
    })
    expect(report.submission).toMatchObject({status: 'included', block: 10_001, commitEpoch: 41})
    expect(report.notes.join(' ')).toContain('chain epoch 41, not 40 as predicted')
  })
})
