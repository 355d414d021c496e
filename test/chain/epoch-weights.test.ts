import {afterAll, afterEach, beforeAll, beforeEach, describe, expect, test} from 'vitest'
import type {ChainConnection} from '../../src/chain/connection.js'
import {chainEpochIndex} from '../../src/chain/chain-epoch.js'
import {
  type EpochWeightsOptions,
  expiredCommitsError,
  revealDueCommits,
  submitEpochWeights,
} from '../../src/chain/epoch-weights.js'
import {CHAIN_ERROR} from '../../src/chain/error-codes.js'
import type {OfflineChainProvider} from '../support/offline-chain.js'
import {type Hotkey, loadHotkey} from '../../src/chain/wallet.js'
import type {MinerWeight} from '../../src/chain/weights.js'
import {LeadpoetError} from '../../src/errors.js'
import {openCommitStore, type CommitStoreFixture} from '../support/commit-store.js'
import {
  connectOffline,
  handmadeCommitHash,
  offlineChain,
  type SubnetSetup,
  SubtensorWeightsSimulator,
} from './helpers.js'

const NETUID = 71
const TEMPO = 360

let validator: Hotkey
let outsider: Hotkey
let hotkeys: string[] // uid -> address: Alice (validator), Bob, Charlie, Dave, Eve, Ferdie (owner)
beforeAll(async () => {
  validator = await loadHotkey({uri: '//Alice'})
  outsider = await loadHotkey({uri: '//Zed'})
  hotkeys = await Promise.all(
    ['//Alice', '//Bob', '//Charlie', '//Dave', '//Eve', '//Ferdie'].map(
      async (uri) => (await loadHotkey({uri})).address,
    ),
  )
})

let provider: OfflineChainProvider
let simulator: SubtensorWeightsSimulator
let connection: ChainConnection | undefined
let anchors: Array<{block: number; seenAt: Date}>
let commits: CommitStoreFixture
beforeAll(async () => {
  commits = await openCommitStore()
})
afterAll(async () => {
  await commits?.close()
})
beforeEach(async () => {
  anchors = []
  await commits.reset()
})
afterEach(async () => {
  await connection?.close()
  connection = undefined
})

async function chain(setup: Partial<SubnetSetup> = {}, headNumber = 10_000): Promise<void> {
  provider = offlineChain({headNumber})
  simulator = new SubtensorWeightsSimulator(provider)
  simulator.addSubnet({
    netuid: NETUID,
    hotkeys,
    permits: [true, false, false, false, false, false],
    tempo: TEMPO,
    weightsSetRateLimit: 100,
    minAllowedWeights: 1,
    commitRevealEnabled: false,
    revealPeriodEpochs: 1,
    ownerHotkey: hotkeys[5],
    ...setup,
  })
  connection = await connectOffline(provider, {onHead: async (head) => void anchors.push(head)})
}

function miners(): MinerWeight[] {
  return [
    {miner_hotkey: hotkeys[1]!, share: 0.5},
    {miner_hotkey: hotkeys[2]!, share: '0.25'},
    {miner_hotkey: '5GNJqTPyNqANBkUVMN1LPPrxXnFouWXoe2wNSmmEoLctxiZY', share: 0.2},
    {miner_hotkey: hotkeys[3]!, share: 0},
  ]
}

function options(extra: Partial<EpochWeightsOptions> = {}): EpochWeightsOptions {
  return {
    connection: connection!,
    hotkey: validator,
    netuid: NETUID,
    minerWeights: miners(),
    versionKey: 0,
    fallback: {kind: 'skip'},
    ...extra,
  }
}

function submissions(): number {
  return provider.calls.filter((method) => method.startsWith('author_submit')).length
}

async function expectCode(promise: Promise<unknown>, code: string): Promise<LeadpoetError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(LeadpoetError)
  expect((error as LeadpoetError).code).toBe(code)
  return error as LeadpoetError
}

describe('commit-reveal off: set_weights', () => {
  test('maps miners to uids, converts, sends set_weights signed by the hotkey and waits for the block', async () => {
    await chain()
    const report = await submitEpochWeights(options({versionKey: 3}))

    expect(report.submission).toMatchObject({
      status: 'included',
      call: {call: 'set_weights', netuid: NETUID, uids: [1, 2], weights: [65535, 32768], versionKey: 3},
      block: 10_001,
    })
    expect(report.weights.targets).toEqual([
      {uid: 1, hotkey: hotkeys[1], share: 0.5, weight: 65535},
      {uid: 2, hotkey: hotkeys[2], share: 0.25, weight: 32768},
    ])
    expect(report.weights.dropped).toEqual([
      {hotkey: '5GNJqTPyNqANBkUVMN1LPPrxXnFouWXoe2wNSmmEoLctxiZY', share: 0.2, reason: 'not_registered'},
      {hotkey: hotkeys[3], share: 0, reason: 'zero_weight'},
    ])
    expect(report.weights.fallback).toBeNull()
    expect(report.validatorUid).toBe(0)
    expect(report.checks.every((check) => check.status === 'pass')).toBe(true)
    expect(report.commitReveal.enabled).toBe(false)
    expect(report.chainEpoch.index).toBe(chainEpochIndex(NETUID, TEMPO, 10_000))

    // what the node received and applied
    expect(provider.included).toHaveLength(1)
    expect(provider.included[0]).toMatchObject({
      section: 'subtensorModule',
      method: 'setWeights',
      signer: validator.address,
    })
    expect(simulator.applied).toEqual([{netuid: NETUID, uid: 0, uids: [1, 2], weights: [65535, 32768], block: 10_001}])
    // the anchor is refreshed with the head read and the inclusion block
    expect(anchors.map((a) => a.block)).toEqual([10_000, 10_001])
  })

  test('dry run: reports exactly the call that would be sent, sends nothing', async () => {
    await chain()
    const report = await submitEpochWeights(options({dryRun: true, versionKey: 3}))
    expect(report.dryRun).toBe(true)
    expect(report.submission).toEqual({
      status: 'dry_run',
      call: {call: 'set_weights', netuid: NETUID, uids: [1, 2], weights: [65535, 32768], versionKey: 3},
      committed: null,
    })
    expect(submissions()).toBe(0)
    expect(provider.nonceOf(validator.address)).toBe(0)
  })

  test('dry run with a failing pre-check shows which check a real run would stop at', async () => {
    await chain({weightsVersionKey: 10})
    const report = await submitEpochWeights(options({dryRun: true, versionKey: 9}))
    expect(report.submission).toMatchObject({
      status: 'blocked',
      check: 'version_key',
      code: CHAIN_ERROR.weightsVersionKeyTooLow,
    })
    expect(report.checks.find((c) => c.name === 'version_key')?.status).toBe('fail')
    expect(submissions()).toBe(0)
  })

  test.each([
    {
      name: 'validator_permit',
      setup: {permits: [false, false, false, false, false, false]},
      extra: () => ({}),
      code: CHAIN_ERROR.weightsNoValidatorPermit,
    },
    {
      name: 'version_key',
      setup: {weightsVersionKey: 5},
      extra: () => ({versionKey: 4}),
      code: CHAIN_ERROR.weightsVersionKeyTooLow,
    },
    {
      name: 'rate_limit',
      setup: {lastUpdate: [9_950, 0, 0, 0, 0, 0]},
      extra: () => ({}),
      code: CHAIN_ERROR.weightsRateLimited,
    },
    {name: 'min_allowed_weights', setup: {minAllowedWeights: 3}, extra: () => ({}), code: CHAIN_ERROR.weightsTooFew},
    {
      name: 'duplicate_uids',
      setup: {},
      extra: () => ({minerWeights: [...miners(), {miner_hotkey: hotkeys[1]!, share: 0.1}]}),
      code: CHAIN_ERROR.weightsDuplicateUids,
    },
  ])('pre-check $name fails with $code and sends nothing', async ({name, setup, extra, code}) => {
    await chain(setup)
    const error = await expectCode(submitEpochWeights(options(extra())), code)
    expect(error.message).toContain(`"${name}"`)
    expect(submissions()).toBe(0)
  })
})

describe('a hotkey that is not registered on the subnet (a wrong but existing --netuid)', () => {
  test('is told so, not "nothing to do", although no miner is registered there either', async () => {
    await chain()
    const error = await expectCode(
      submitEpochWeights(options({hotkey: outsider, fallback: {kind: 'skip'}})),
      CHAIN_ERROR.weightsNotRegistered,
    )
    expect(error.message).toContain(`hotkey ${outsider.address} is not registered on subnet ${NETUID}`)
    expect(submissions()).toBe(0)
  })

  test('a dry run shows it as blocked by the "registered" check', async () => {
    await chain()
    const report = await submitEpochWeights(options({hotkey: outsider, dryRun: true}))
    expect(report.submission).toMatchObject({
      status: 'blocked',
      call: null,
      check: 'registered',
      code: CHAIN_ERROR.weightsNotRegistered,
    })
    expect(report.validatorUid).toBeNull()
  })
})

describe("the runtime's minimum stake to set weights (StakeThreshold on spec 393)", () => {
  async function stakeChain(alpha: number, threshold = 1_000): Promise<void> {
    await chain()
    provider.setStorage('SubtensorModule', 'StakeThreshold', [], threshold)
    provider.setStorage('SubtensorModule', 'TotalHotkeyAlpha', [validator.address, NETUID], alpha)
  }

  test('below it: a dry run is blocked by "min_stake", a real run stops with WEIGHTS_STAKE_TOO_LOW and sends nothing', async () => {
    await stakeChain(999)
    const dry = await submitEpochWeights(options({dryRun: true}))
    expect(dry.submission).toMatchObject({status: 'blocked', check: 'min_stake', code: CHAIN_ERROR.weightsStakeTooLow})
    expect(dry.checks.find((c) => c.name === 'min_stake')?.detail).toContain('999 is below')
    const error = await expectCode(submitEpochWeights(options()), CHAIN_ERROR.weightsStakeTooLow)
    expect(error.message).toContain('StakeThreshold 1000')
    expect(submissions()).toBe(0)
  })

  test('at it, weights are set; the subnet owner hotkey is exempt; a threshold of 0 asks nothing', async () => {
    await stakeChain(1_000)
    expect((await submitEpochWeights(options())).submission.status).toBe('included')
    await stakeChain(0, 1_000)
    provider.setStorage('SubtensorModule', 'SubnetOwnerHotkey', [NETUID], validator.address)
    const owner = await submitEpochWeights(options({dryRun: true}))
    expect(owner.checks.find((c) => c.name === 'min_stake')).toMatchObject({status: 'pass'})
    await stakeChain(0, 0)
    expect((await submitEpochWeights(options({dryRun: true}))).submission.status).toBe('dry_run')
  })

  test('a hotkey below it that inherits stake from parent keys is left to the chain', async () => {
    await stakeChain(10)
    provider.setStorage('SubtensorModule', 'ParentKeys', [validator.address, NETUID], [[2n ** 63n, hotkeys[5]]])
    const report = await submitEpochWeights(options({dryRun: true}))
    expect(report.checks.find((c) => c.name === 'min_stake')).toMatchObject({status: 'skipped'})
    expect(report.submission.status).toBe('dry_run')
  })
})

describe('fallback when no miner is left', () => {
  const nobody = (): MinerWeight[] => [{miner_hotkey: '5GNJqTPyNqANBkUVMN1LPPrxXnFouWXoe2wNSmmEoLctxiZY', share: 1}]

  test('skip: nothing is sent, and the report says why', async () => {
    await chain()
    const report = await submitEpochWeights(options({minerWeights: nobody(), fallback: {kind: 'skip'}}))
    expect(report.submission.status).toBe('skipped')
    expect(report.weights.fallback).toMatchObject({kind: 'skip', uid: null})
    expect(report.weights.fallback?.reason).toContain('none of the 1 miners is registered')
    expect(submissions()).toBe(0)
  })

  test('subnet owner: all weight to the uid of SubnetOwnerHotkey', async () => {
    await chain()
    const report = await submitEpochWeights(options({minerWeights: [], fallback: {kind: 'subnet_owner'}}))
    expect(report.weights.fallback).toMatchObject({kind: 'subnet_owner', uid: 5})
    expect(report.weights.fallback?.reason).toContain('the epoch has no miner weights')
    expect(report.submission).toMatchObject({
      status: 'included',
      call: {call: 'set_weights', uids: [5], weights: [65535]},
    })
    expect(simulator.applied[0]?.uids).toEqual([5])
  })

  test('explicit uid', async () => {
    await chain()
    const report = await submitEpochWeights(
      options({minerWeights: nobody(), fallback: {kind: 'uid', uid: 3}, dryRun: true}),
    )
    expect(report.submission).toMatchObject({status: 'dry_run', call: {uids: [3], weights: [65535]}})
  })

  test('an owner without a uid, or a uid off the subnet, is a clear error', async () => {
    await chain({hotkeys: hotkeys.slice(0, 5)})
    await expectCode(
      submitEpochWeights(options({minerWeights: [], fallback: {kind: 'subnet_owner'}})),
      CHAIN_ERROR.weightsFallbackUnavailable,
    )
    await expectCode(
      submitEpochWeights(options({minerWeights: [], fallback: {kind: 'uid', uid: 5}})),
      CHAIN_ERROR.weightsFallbackUnavailable,
    )
    expect(submissions()).toBe(0)
  })
})

describe('commit-reveal on (v2)', () => {
  test('commits, refuses to commit twice in an epoch, reveals in the reveal epoch, reports expired commits', async () => {
    await chain({commitRevealEnabled: true})
    const {store} = commits

    // epoch 27: commit
    const first = await submitEpochWeights(options({commitStore: store, versionKey: 2}))
    expect(first.submission).toMatchObject({
      status: 'included',
      call: {call: 'commit_weights', netuid: NETUID},
      block: 10_001,
    })
    if (first.submission.status !== 'included') throw new Error('unreachable')
    const committed = first.submission.committed!
    expect(committed).toMatchObject({uids: [1, 2], weights: [65535, 32768], versionKey: 2})
    expect(committed.salt).toHaveLength(8)
    const commitCall = first.submission.call
    if (commitCall.call !== 'commit_weights') throw new Error('unreachable')
    expect(commitCall.commitHash).toBe(
      handmadeCommitHash(validator.address, NETUID, [1, 2], [65535, 32768], committed.salt, 2),
    )
    const [saved] = await store.findOpen(NETUID, validator.address)
    expect(saved).toMatchObject({
      status: 'committed',
      commitBlock: 10_001,
      chainEpoch: 27,
      salt: committed.salt,
      commitHash: commitCall.commitHash,
    })
    expect(simulator.commitsOf(NETUID, validator.address)).toEqual([{hash: commitCall.commitHash, block: 10_001}])

    // same epoch again: no second commit
    const again = await submitEpochWeights(options({commitStore: store, versionKey: 2}))
    expect(again.submission.status).toBe('skipped')
    expect(again.submission.status === 'skipped' && again.submission.reason).toContain('already committed in epoch 27')
    expect(again.reveals).toMatchObject([{status: 'waiting', commitId: saved!.id}])
    expect(again.reveals[0]?.detail).toContain('epoch 28')
    expect(provider.included).toHaveLength(1)

    // epoch 28: reveal the epoch-27 commit, commit new weights
    provider.advanceTo(10_200, {jump: true})
    const second = await submitEpochWeights(
      options({commitStore: store, versionKey: 2, minerWeights: [{miner_hotkey: hotkeys[4]!, share: 1}]}),
    )
    expect(second.reveals).toHaveLength(1)
    expect(second.reveals[0]).toMatchObject({
      status: 'revealed',
      commitId: saved!.id,
      call: {call: 'reveal_weights', uids: [1, 2], weights: [65535, 32768], salt: committed.salt, versionKey: 2},
    })
    expect(simulator.applied).toEqual([{netuid: NETUID, uid: 0, uids: [1, 2], weights: [65535, 32768], block: 10_201}])
    expect(second.submission).toMatchObject({status: 'included', call: {call: 'commit_weights'}, block: 10_202})
    const revealed = await commits.sql.query<{status: string; reveal_block: number | null}>(
      'select status, reveal_block from leadpoet.weight_commits order by created_at, submitted_at_block',
    )
    expect(revealed.map((c) => c.status)).toEqual(['revealed', 'committed'])
    expect(revealed[0]?.reveal_block).toBe(10_201)

    // epoch 30: the epoch-28 commit (reveal epoch 29) can no longer be revealed
    provider.advanceTo(10_200 + 2 * 361, {jump: true})
    const third = await submitEpochWeights(options({commitStore: store, versionKey: 2, dryRun: true}))
    expect(third.reveals).toMatchObject([{status: 'expired'}])
    expect(third.reveals[0]?.detail).toContain('would be marked expired')
    expect(third.reveals[0]?.detail).toContain('epoch 29')
    expect(await store.findOpen(NETUID, validator.address)).toHaveLength(1) // dry run changed nothing
    const fourth = await submitEpochWeights(options({commitStore: store, versionKey: 2}))
    expect(fourth.reveals).toMatchObject([{status: 'expired'}])
    expect(fourth.submission).toMatchObject({status: 'included', call: {call: 'commit_weights'}})
    const open = await store.findOpen(NETUID, validator.address)
    expect(open.map((c) => c.chainEpoch)).toEqual([30])
  })

  test('dry run shows the reveal that is due and the commit, sending and storing nothing', async () => {
    await chain({commitRevealEnabled: true})
    const {store} = commits
    await submitEpochWeights(options({commitStore: store}))
    provider.advanceTo(10_100, {jump: true})
    const before = provider.included.length
    const report = await submitEpochWeights(options({commitStore: store, dryRun: true}))
    expect(report.reveals).toMatchObject([{status: 'would_reveal', call: {call: 'reveal_weights', uids: [1, 2]}}])
    expect(report.submission.status).toBe('dry_run')
    if (report.submission.status !== 'dry_run' || report.submission.call.call !== 'commit_weights')
      throw new Error('expected a commit')
    const {uids, weights, salt, versionKey} = report.submission.committed!
    expect(report.submission.call.commitHash).toBe(
      handmadeCommitHash(validator.address, NETUID, uids, weights, salt, versionKey),
    )
    expect(provider.included.length).toBe(before)
    expect((await store.findOpen(NETUID, validator.address)).map((c) => c.status)).toEqual(['committed'])
  })

  test('without a pending-commit store a real run refuses to commit', async () => {
    await chain({commitRevealEnabled: true})
    await expectCode(submitEpochWeights(options()), CHAIN_ERROR.commitStoreMissing)
    expect(submissions()).toBe(0)
  })

  test("settles commits whose fate was unknown, from the chain's WeightCommits", async () => {
    await chain({commitRevealEnabled: true})
    const {store} = commits
    const base = {netuid: NETUID, hotkey: validator.address, uids: [1], weights: [65535], versionKey: 0}
    // landed in block 9_995, but the run ended before recording it
    const landed = await store.save({
      ...base,
      salt: [1, 1, 1, 1, 1, 1, 1, 1],
      commitHash: `0x${'11'.repeat(32)}`,
      chainEpoch: 27,
      submittedAtBlock: 9_990,
    })
    provider.setStorage(
      'SubtensorModule',
      'WeightCommits',
      [NETUID, validator.address],
      [[landed.commitHash, 9_995, 10_036, 10_396]],
    )
    // sent long ago, never on chain, its era is over
    const lost = await store.save({
      ...base,
      salt: [2, 2, 2, 2, 2, 2, 2, 2],
      commitHash: `0x${'22'.repeat(32)}`,
      chainEpoch: 24,
      submittedAtBlock: 9_000,
    })
    // sent just now: may still land
    const inFlight = await store.save({
      ...base,
      salt: [3, 3, 3, 3, 3, 3, 3, 3],
      commitHash: `0x${'33'.repeat(32)}`,
      chainEpoch: 26,
      submittedAtBlock: 9_980,
    })

    const result = await revealDueCommits({
      connection: connection!,
      hotkey: validator,
      netuid: NETUID,
      commitStore: store,
    })
    const byId = Object.fromEntries(result.reveals.map((r) => [r.commitId, r]))
    expect(byId[landed.id]).toMatchObject({status: 'waiting', commitBlock: 9_995})
    expect(byId[lost.id]?.status).toBe('expired')
    expect(byId[lost.id]?.detail).toContain('never reached the chain')
    expect(byId[inFlight.id]).toMatchObject({status: 'waiting', commitBlock: null})
    const open = await store.findOpen(NETUID, validator.address)
    expect(open.map((c) => [c.id, c.status, c.commitBlock])).toEqual([
      [landed.id, 'committed', 9_995],
      [inFlight.id, 'submitted', null],
    ])
  })

  // tempo 360, netuid 71: epoch 27 is blocks 9675-10035, epoch 28 is 10036-10396, epoch 29 from 10397
  describe('windows are judged by the block the extrinsic lands in (the head + 1)', () => {
    async function committedAt10001(): Promise<string> {
      await chain({commitRevealEnabled: true})
      const first = await submitEpochWeights(options({commitStore: commits.store}))
      if (first.submission.status !== 'included') throw new Error('expected a commit')
      expect(first.submission).toMatchObject({block: 10_001, commitEpoch: 27})
      return first.submission.commitId!
    }

    test('one block before the window the reveal waits; with the head there it lands inside and is revealed', async () => {
      const id = await committedAt10001()
      provider.advanceTo(10_034, {jump: true})
      const early = await revealDueCommits({
        connection: connection!,
        hotkey: validator,
        netuid: NETUID,
        commitStore: commits.store,
      })
      expect(early.chainEpoch).toMatchObject({landingBlock: 10_035, index: 27})
      expect(early.reveals).toMatchObject([
        {commitId: id, status: 'waiting', window: {firstBlock: 10_036, lastBlock: 10_396}},
      ])

      provider.advanceTo(10_035, {jump: true})
      const due = await revealDueCommits({
        connection: connection!,
        hotkey: validator,
        netuid: NETUID,
        commitStore: commits.store,
      })
      expect(due.reveals).toMatchObject([{commitId: id, status: 'revealed', inclusion: {block: 10_036}}])
      expect(simulator.applied.map((a) => a.block)).toEqual([10_036])
    })

    test('with the head on the last block of the window the reveal would land after it: expired, an error, not sent', async () => {
      const id = await committedAt10001()
      provider.advanceTo(10_395, {jump: true})
      const dry = await revealDueCommits({
        connection: connection!,
        hotkey: validator,
        netuid: NETUID,
        commitStore: commits.store,
        dryRun: true,
      })
      expect(dry.reveals).toMatchObject([{status: 'would_reveal'}])
      expect(dry.reveals[0]?.detail).toContain('land in block 10396')

      provider.advanceTo(10_396, {jump: true})
      const before = provider.included.length
      const report = await submitEpochWeights(options({commitStore: commits.store}))
      expect(report.reveals).toMatchObject([
        {commitId: id, status: 'expired', commitEpoch: 27, error: {code: CHAIN_ERROR.weightsCommitExpired}},
      ])
      expect(report.reveals[0]?.detail).toContain('land in block 10397, epoch 29')
      // the new epoch's weights are still committed; the reveal was never sent
      expect(report.submission).toMatchObject({status: 'included', call: {call: 'commit_weights'}, commitEpoch: 29})
      expect(provider.included.slice(before).map((tx) => tx.method)).toEqual(['commitWeights'])
      const [row] = await commits.sql.query<{status: string; closed_reason: string}>(
        'select status, closed_reason from leadpoet.weight_commits where id = $1',
        [id],
      )
      expect(row?.status).toBe('expired')
      expect(row?.closed_reason).toMatch(/^WEIGHTS_COMMIT_EXPIRED: /)
      const error = expiredCommitsError(report)
      expect(error).toMatchObject({code: CHAIN_ERROR.weightsCommitExpired, exitCode: 1})
      expect(error?.message).toContain(`commit ${id} (epoch 27)`)
      // a dry run that finds one reports it, and is no error
      expect(expiredCommitsError({...report, dryRun: true})).toBeNull()
    })

    test("a commit sent with the head on an epoch's last block is recorded in the epoch it lands in", async () => {
      await chain({commitRevealEnabled: true}, 10_035)
      const report = await submitEpochWeights(options({commitStore: commits.store}))
      expect(report.chainEpoch).toMatchObject({landingBlock: 10_036, index: 28})
      expect(report.submission).toMatchObject({status: 'included', block: 10_036, commitEpoch: 28})
      const [saved] = await commits.store.findOpen(NETUID, validator.address)
      expect(saved).toMatchObject({chainEpoch: 28, commitBlock: 10_036})
      // so a second run in epoch 28 commits nothing
      const again = await submitEpochWeights(options({commitStore: commits.store}))
      expect(again.submission).toMatchObject({status: 'skipped'})
    })
  })

  test('a commit whose version key fell below WeightsVersionKey is reported as unrevealable', async () => {
    await chain({commitRevealEnabled: true})
    const {store} = commits
    await submitEpochWeights(options({commitStore: store, versionKey: 1}))
    provider.setStorage('SubtensorModule', 'WeightsVersionKey', [NETUID], 2)
    provider.advanceTo(10_100, {jump: true})
    const result = await revealDueCommits({
      connection: connection!,
      hotkey: validator,
      netuid: NETUID,
      commitStore: store,
    })
    expect(result.reveals).toMatchObject([{status: 'expired'}])
    expect(result.reveals[0]?.detail).toContain('WeightsVersionKey 2')
    expect(await store.findOpen(NETUID, validator.address)).toEqual([])
    expect(simulator.applied).toEqual([])
  })

  test('when commit-reveal is turned off, open commits are closed and weights are set directly', async () => {
    await chain({commitRevealEnabled: true})
    const {store} = commits
    await submitEpochWeights(options({commitStore: store}))
    simulator.addSubnet({
      netuid: NETUID,
      hotkeys,
      permits: [true, false, false, false, false, false],
      commitRevealEnabled: false,
      lastUpdate: [10_001, 0, 0, 0, 0, 0],
    })
    provider.advanceTo(10_150, {jump: true})
    const report = await submitEpochWeights(options({commitStore: store}))
    expect(report.reveals).toMatchObject([{status: 'expired'}])
    expect(report.reveals[0]?.detail).toContain('commit-reveal is now off')
    expect(report.submission).toMatchObject({status: 'included', call: {call: 'set_weights'}})
  })
})
