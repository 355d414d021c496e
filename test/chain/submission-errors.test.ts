import {u8aToU8a} from '@polkadot/util'
import {afterAll, afterEach, beforeAll, describe, expect, test} from 'vitest'
import type {ChainConnection} from '../../src/chain/connection.js'
import type {ChainDeadlines} from '../../src/chain/deadline.js'
import {submitEpochWeights} from '../../src/chain/epoch-weights.js'
import {CHAIN_ERROR} from '../../src/chain/error-codes.js'
import type {DatabaseCommitStore} from '../../src/service/weight-commits.js'
import {openCommitStore, type CommitStoreFixture} from '../support/commit-store.js'
import type {ExtrinsicOutcome, OfflineChainProvider} from '../support/offline-chain.js'
import {sendSigned, signWeightsExtrinsic, submitWeightsCall, type WeightsCall} from '../../src/chain/submit.js'
import {poolRejectionToLeadpoet} from '../../src/chain/submission-errors.js'
import {type Hotkey, loadHotkey} from '../../src/chain/wallet.js'
import {LeadpoetError} from '../../src/errors.js'
import {connectOffline, offlineChain, writeSubnet} from './helpers.js'

const SET: WeightsCall = {call: 'set_weights', netuid: 71, uids: [1, 2], weights: [65535, 100], versionKey: 0}

let alice: Hotkey
let bob: Hotkey
beforeAll(async () => {
  alice = await loadHotkey({uri: '//Alice'})
  bob = await loadHotkey({uri: '//Bob'})
})

let provider: OfflineChainProvider
let connection: ChainConnection | undefined
let commits: CommitStoreFixture
beforeAll(async () => {
  commits = await openCommitStore()
})
afterAll(async () => {
  await commits?.close()
})
afterEach(async () => {
  await connection?.close()
  connection = undefined
})

async function nodeThat(outcome: ExtrinsicOutcome, deadlines: Partial<ChainDeadlines> = {}): Promise<void> {
  provider = offlineChain()
  provider.onExtrinsic = () => outcome
  connection = await connectOffline(provider, {deadlines})
}

async function failure(promise: Promise<unknown>): Promise<LeadpoetError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(LeadpoetError)
  return error as LeadpoetError
}

describe('errors from a block: dispatch errors', () => {
  test.each([
    {error: 'SettingWeightsTooFast', code: CHAIN_ERROR.weightsRateLimited, says: 'too recently'},
    {error: 'CommitRevealEnabled', code: CHAIN_ERROR.weightsCommitRevealEnabled, says: 'committed and revealed'},
    {error: 'IncorrectWeightVersionKey', code: CHAIN_ERROR.weightsVersionKeyTooLow, says: 'WeightsVersionKey'},
    {error: 'NeuronNoValidatorPermit', code: CHAIN_ERROR.weightsNoValidatorPermit, says: 'validator permit'},
    {error: 'ExpiredWeightCommit', code: CHAIN_ERROR.revealExpired, says: 'can no longer be revealed'},
  ])('SubtensorModule.$error becomes $code', async ({error, code, says}) => {
    await nodeThat({kind: 'dispatch_error', pallet: 'SubtensorModule', error})
    const mapped = await failure(submitWeightsCall(connection!, alice, SET))
    expect(mapped.code).toBe(code)
    expect(mapped.message).toContain(`set_weights failed on chain with SubtensorModule.${error}`)
    expect(mapped.message).toContain(says)
    expect(mapped.exitCode).not.toBe(0)
    // it was in a block: the nonce was used
    expect(provider.nonceOf(alice.address)).toBe(1)
  })

  test('an error without a specific mapping keeps its name and the runtime documentation', async () => {
    await nodeThat({kind: 'dispatch_error', pallet: 'SubtensorModule', error: 'TxRateLimitExceeded'})
    const mapped = await failure(submitWeightsCall(connection!, alice, SET))
    expect(mapped.code).toBe(CHAIN_ERROR.txDispatchFailed)
    expect(mapped.message).toMatch(/SubtensorModule\.TxRateLimitExceeded: \S/)
    expect(mapped.details).toEqual({pallet: 'SubtensorModule', error: 'TxRateLimitExceeded'})
  })
})

describe('errors before a block: pool rejections', () => {
  test.each([
    {data: 'Custom error: 6', code: CHAIN_ERROR.weightsRateLimited, says: 'RateLimitExceeded'},
    {data: 'Custom error: 1', code: CHAIN_ERROR.weightsStakeTooLow, says: 'StakeAmountTooLow, spec 393'},
    {data: 'Custom error: 10', code: CHAIN_ERROR.weightsNotRegistered, says: 'not registered'},
    {data: 'Custom error: 19', code: CHAIN_ERROR.weightsNotRegistered, says: 'UidNotFound'},
    {
      data: 'Custom error: 99',
      code: CHAIN_ERROR.txRejected,
      says: 'custom error 99, unknown for this version (spec 393',
    },
    {data: 'Inability to pay some fees (e.g. account balance too low)', code: CHAIN_ERROR.txRejected, says: 'fee'},
    {data: 'Transaction has an ancient birth block', code: CHAIN_ERROR.txRejected, says: 'era expired'},
  ])('1010 Invalid Transaction: $data', async ({data, code, says}) => {
    await nodeThat({kind: 'pool_rejection', code: 1010, message: 'Invalid Transaction', data})
    const mapped = await failure(submitWeightsCall(connection!, alice, SET))
    expect(mapped.code).toBe(code)
    expect(mapped.message).toContain('the node rejected set_weights')
    expect(mapped.message).toContain(says)
    expect(provider.nonceOf(alice.address)).toBe(0)
  })

  test('1014 priority too low (same nonce already pooled)', async () => {
    await nodeThat({
      kind: 'pool_rejection',
      code: 1014,
      message: 'Priority is too low: (100 vs 100)',
      data: 'The transaction has too low priority to replace another transaction already in the pool.',
    })
    const mapped = await failure(submitWeightsCall(connection!, alice, SET))
    expect(mapped.code).toBe(CHAIN_ERROR.txRejected)
    expect(mapped.message).toContain('same nonce')
  })

  test("a tampered extrinsic is refused by the node's signature check", async () => {
    provider = offlineChain()
    connection = await connectOffline(provider)
    const signed = await signWeightsExtrinsic(connection, alice, SET)
    const bytes = u8aToU8a(signed.toHex())
    bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 0x01
    const tampered = connection.api.tx(bytes)
    const mapped = await failure(sendSigned(connection, tampered, 'set_weights'))
    expect(mapped.code).toBe(CHAIN_ERROR.txRejected)
    expect(mapped.message).toContain('signature is bad')
    expect(provider.included).toHaveLength(0)
  })

  test('dropped from the pool', async () => {
    await nodeThat({kind: 'dropped'})
    const mapped = await failure(submitWeightsCall(connection!, alice, SET))
    expect(mapped.code).toBe(CHAIN_ERROR.txDropped)
  })
})

describe('custom codes are named by the runtime that sent them', () => {
  const rejection = (custom: number): Error & {data: string} =>
    Object.assign(new Error('1010: Invalid Transaction'), {data: `Custom error: ${custom}`})
  const SPEC_218 = {
    specVersion: 218,
    extensions: ['CheckNonce', 'SubtensorSignedExtension', 'CommitmentsSignedExtension'],
  }
  const SPEC_393 = {specVersion: 393, extensions: ['CheckNonce', 'SubtensorTransactionExtension', 'DrandPriority']}

  test("custom 3 from set_weights is a low stake on spec 218, a missing subnet on today's runtimes", () => {
    expect(poolRejectionToLeadpoet(rejection(3), 'set_weights', SPEC_218)).toMatchObject({
      code: CHAIN_ERROR.weightsStakeTooLow,
      details: {custom: 3, specVersion: 218},
    })
    expect(poolRejectionToLeadpoet(rejection(3), 'set_weights', SPEC_393).code).toBe(CHAIN_ERROR.subnetNotFound)
  })

  test('spec 218 numbers each weights call: commit 1, reveal 2, set 3', () => {
    for (const [call, custom] of [
      ['commit_weights', 1],
      ['reveal_weights', 2],
      ['set_weights', 3],
    ] as const) {
      const error = poolRejectionToLeadpoet(rejection(custom), call, SPEC_218)
      expect(error.code).toBe(CHAIN_ERROR.weightsStakeTooLow)
      expect(error.message).toContain(`${call}: stake below WeightsMinStake, spec 218`)
    }
    // another call's number is not this call's
    const other = poolRejectionToLeadpoet(rejection(1), 'set_weights', SPEC_218)
    expect(other.code).toBe(CHAIN_ERROR.txRejected)
    expect(other.message).toContain('custom error 1, unknown for this version (spec 218, SubtensorSignedExtension')
  })

  test("chopsticks' form of the rejection is read too", () => {
    const error = poolRejectionToLeadpoet(new Error('1010: {"invalid":{"custom":3}}'), 'set_weights', SPEC_218)
    expect(error.code).toBe(CHAIN_ERROR.weightsStakeTooLow)
  })

  test('a runtime whose numbering is not known says so instead of guessing', () => {
    const later = {specVersion: 240, extensions: ['SubtensorSignedExtension']}
    const error = poolRejectionToLeadpoet(rejection(3), 'set_weights', later)
    expect(error.code).toBe(CHAIN_ERROR.txRejected)
    expect(error.message).toContain('custom error 3, unknown for this version (spec 240')
    // numbers that differ between versions of the enum are not named either
    expect(poolRejectionToLeadpoet(rejection(25), 'set_weights', SPEC_393).message).toContain(
      'unknown for this version',
    )
  })
})

describe('never a hang', () => {
  test('no inclusion within inclusionMs', async () => {
    await nodeThat({kind: 'pending'}, {inclusionMs: 1_500})
    const started = Date.now()
    const mapped = await failure(submitWeightsCall(connection!, alice, SET))
    expect(mapped.code).toBe(CHAIN_ERROR.txInclusionTimeout)
    expect(mapped.message).toContain('1.5 s')
    expect(Date.now() - started).toBeLessThan(15_000)
  })

  test('no new block for staleAfterMs while waiting for inclusion', async () => {
    await nodeThat({kind: 'pending'}, {staleAfterMs: 1_000, inclusionMs: 60_000})
    const started = Date.now()
    const mapped = await failure(submitWeightsCall(connection!, alice, SET))
    expect(mapped.code).toBe(CHAIN_ERROR.chainStalled)
    expect(mapped.message).toContain('no new block for 1 s')
    expect(Date.now() - started).toBeLessThan(15_000)
  })

  test('new blocks keep the stall watchdog quiet until the inclusion deadline', async () => {
    await nodeThat({kind: 'pending'}, {staleAfterMs: 3_000, inclusionMs: 6_000})
    // a block every 200 ms: never 3 s without one, even on a loaded machine
    const producer = setInterval(() => provider.advanceTo(provider.head.number + 1), 200)
    try {
      const mapped = await failure(submitWeightsCall(connection!, alice, SET))
      expect(mapped.code).toBe(CHAIN_ERROR.txInclusionTimeout)
    } finally {
      clearInterval(producer)
    }
  })
})

describe('failed commits and the pending-commit store', () => {
  async function commitChain(
    outcome: ExtrinsicOutcome,
    deadlines: Partial<ChainDeadlines> = {},
  ): Promise<DatabaseCommitStore> {
    await nodeThat(outcome, deadlines)
    writeSubnet(provider, {netuid: 71, hotkeys: [alice.address, bob.address], commitRevealEnabled: true})
    await commits.reset()
    return commits.store
  }
  const run = (store: DatabaseCommitStore): Promise<unknown> =>
    submitEpochWeights({
      connection: connection!,
      hotkey: alice,
      netuid: 71,
      minerWeights: [{miner_hotkey: bob.address, share: 1}],
      versionKey: 0,
      fallback: {kind: 'skip'},
      commitStore: store,
    })

  test('a refused commit is closed in the store with the reason, so the epoch can be retried', async () => {
    const store = await commitChain({
      kind: 'pool_rejection',
      code: 1010,
      message: 'Invalid Transaction',
      data: 'Custom error: 6',
    })
    const mapped = await failure(run(store))
    expect(mapped.code).toBe(CHAIN_ERROR.weightsRateLimited)
    expect(await store.findOpen(71, alice.address)).toEqual([])
    expect(await store.findInEpoch(71, alice.address, 27)).toBeNull()
  })

  test('a commit with unknown fate (no inclusion in time) stays open for the next run to settle', async () => {
    const store = await commitChain({kind: 'pending'}, {inclusionMs: 1_000})
    const mapped = await failure(run(store))
    expect(mapped.code).toBe(CHAIN_ERROR.txInclusionTimeout)
    const open = await store.findOpen(71, alice.address)
    expect(open.map((c) => [c.status, c.commitBlock, c.submittedAtBlock])).toEqual([['submitted', null, 10_000]])
  })
})
