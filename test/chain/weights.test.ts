import {describe, expect, test} from 'vitest'
import {CHAIN_ERROR} from '../../src/chain/error-codes.js'
import {type EpochClock, epochPosition} from '../../src/chain/chain-epoch.js'
import type {SubnetSnapshot} from '../../src/chain/metagraph.js'
import {
  checkWeights,
  failedCheckError,
  mapMinersToUids,
  roundHalfEven,
  toU16Weights,
  type WeightsCheckInput,
} from '../../src/chain/weights.js'
import {LeadpoetError} from '../../src/errors.js'

const HOTKEYS = ['5Validator', '5MinerA', '5MinerB', '5MinerC', '5MinerD']

function snapshot(overrides: Partial<SubnetSnapshot> = {}): SubnetSnapshot {
  const block = overrides.head?.block ?? 10_000
  const clock: EpochClock = {kind: 'block_arithmetic', netuid: 71, tempo: 360}
  return {
    netuid: 71,
    head: {block, hash: '0x00', seenAt: new Date(0), producedAt: null},
    runtime: {specName: 'node-subtensor', specVersion: 393, extensions: ['SubtensorTransactionExtension']},
    clock,
    chainEpoch: epochPosition(clock, block + 1),
    commitLayout: {fields: ['hash', 'commit_block', 'first_reveal_block', 'last_reveal_block'], source: 'metadata'},
    minStake: {item: 'StakeThreshold', threshold: 1000n},
    tempo: 360,
    size: HOTKEYS.length,
    hotkeys: HOTKEYS,
    validatorPermit: [true, false, false, false, false],
    lastUpdate: [9_000, 0, 0, 0, 0],
    weightsSetRateLimit: 100,
    weightsVersionKey: 0,
    minAllowedWeights: 1,
    commitRevealEnabled: false,
    revealPeriodEpochs: 1,
    subnetOwnerHotkey: null,
    subnetOwner: null,
    ...overrides,
  }
}

describe('converting shares to u16 weights (Python SDK semantics)', () => {
  test('divides by the largest share and scales to 65535', () => {
    const {vector} = toU16Weights([
      {uid: 1, hotkey: 'a', share: 0.5},
      {uid: 2, hotkey: 'b', share: 0.25},
      {uid: 3, hotkey: 'c', share: 0.125},
    ])
    expect(vector).toEqual({uids: [1, 2, 3], weights: [65535, 32768, 16384]})
  })

  test('only ratios matter: scaling every share gives the same weights', () => {
    const shares = [3, 7, 11]
    const a = toU16Weights(shares.map((share, uid) => ({uid, hotkey: null, share})))
    const b = toU16Weights(shares.map((share, uid) => ({uid, hotkey: null, share: share * 1e-6})))
    expect(a.vector).toEqual(b.vector)
    expect(a.vector.weights).toEqual([17873, 41704, 65535])
  })

  test('drops entries that round to zero, with their uids', () => {
    const {vector, zeroed} = toU16Weights([
      {uid: 4, hotkey: 'big', share: 1_000_000},
      {uid: 5, hotkey: 'tiny', share: 1},
      {uid: 6, hotkey: 'none', share: 0},
    ])
    expect(vector).toEqual({uids: [4], weights: [65535]})
    expect(zeroed.map((t) => t.uid)).toEqual([5, 6])
  })

  test('rounds half to even like Python round()', () => {
    expect(roundHalfEven(0.5)).toBe(0)
    expect(roundHalfEven(1.5)).toBe(2)
    expect(roundHalfEven(2.5)).toBe(2)
    expect(roundHalfEven(2.5000001)).toBe(3)
    // 1/131070 * 65535 is exactly 0.5 in binary floating point: Python sends 0 and drops the uid
    const {vector, zeroed} = toU16Weights([
      {uid: 1, hotkey: 'max', share: 131070},
      {uid: 2, hotkey: 'half', share: 1},
    ])
    expect(vector.uids).toEqual([1])
    expect(zeroed.map((t) => t.uid)).toEqual([2])
  })

  test('all-zero shares give nothing to set', () => {
    const {vector} = toU16Weights([
      {uid: 1, hotkey: 'a', share: 0},
      {uid: 2, hotkey: 'b', share: 0},
    ])
    expect(vector).toEqual({uids: [], weights: []})
  })
})

describe('mapping miners to uids', () => {
  test('uses the metagraph and reports miners no longer registered', () => {
    const {targets, dropped} = mapMinersToUids(
      [
        {miner_hotkey: '5MinerB', share: 2},
        {miner_hotkey: '5Gone', share: 5},
        {miner_hotkey: '5MinerD', share: '0.75'},
      ],
      snapshot(),
    )
    expect(targets).toEqual([
      {uid: 2, hotkey: '5MinerB', share: 2},
      {uid: 4, hotkey: '5MinerD', share: 0.75},
    ])
    expect(dropped).toEqual([{hotkey: '5Gone', share: 5, reason: 'not_registered'}])
  })

  test.each([[-1], [Number.NaN], [Number.POSITIVE_INFINITY], ['abc'], ['']])('refuses share %s', (share) => {
    expect(() => mapMinersToUids([{miner_hotkey: '5MinerA', share}], snapshot())).toThrow(
      expect.objectContaining({code: CHAIN_ERROR.weightsInvalidInput}),
    )
  })
})

describe('pre-checks mirror the chain', () => {
  const ok: WeightsCheckInput = {
    snapshot: snapshot(),
    validatorUid: 0,
    call: 'set_weights',
    vector: {uids: [1, 2], weights: [65535, 100]},
    versionKey: 0,
    stake: {verdict: 'pass', detail: 'stake 5000 meets StakeThreshold 1000'},
  }

  function failure(input: WeightsCheckInput): LeadpoetError | null {
    return failedCheckError(checkWeights(input), input.call)
  }

  test('all pass for a registered, permitted, rate-limit-free validator', () => {
    const checks = checkWeights(ok)
    expect(checks.map((c) => c.name)).toEqual([
      'registered',
      'min_stake',
      'version_key',
      'rate_limit',
      'validator_permit',
      'duplicate_uids',
      'valid_uids',
      'min_allowed_weights',
    ])
    expect(checks.every((c) => c.status === 'pass')).toBe(true)
    expect(failure(ok)).toBeNull()
  })

  test('registered', () => {
    const error = failure({...ok, validatorUid: null})
    expect(error?.code).toBe(CHAIN_ERROR.weightsNotRegistered)
    expect(error?.message).toContain('"registered"')
  })

  test("the runtime's minimum stake: below it fails; a verdict only the chain can give is skipped, never a failure", () => {
    const low = failure({...ok, stake: {verdict: 'fail', detail: 'stake 10 is below StakeThreshold 1000'}})
    expect(low?.code).toBe(CHAIN_ERROR.weightsStakeTooLow)
    expect(low?.message).toContain('"min_stake"')
    const unknown = checkWeights({...ok, stake: {verdict: 'unknown', detail: 'inherits stake from parent keys'}})
    expect(unknown.find((c) => c.name === 'min_stake')?.status).toBe('skipped')
    expect(failure({...ok, stake: {verdict: 'unknown', detail: 'inherits stake from parent keys'}})).toBeNull()
  })

  test('version key below WeightsVersionKey; equal or above passes; 0 on chain means no requirement', () => {
    expect(failure({...ok, snapshot: snapshot({weightsVersionKey: 5}), versionKey: 4})?.code).toBe(
      CHAIN_ERROR.weightsVersionKeyTooLow,
    )
    expect(failure({...ok, snapshot: snapshot({weightsVersionKey: 5}), versionKey: 5})).toBeNull()
    expect(failure({...ok, snapshot: snapshot({weightsVersionKey: 0}), versionKey: 0})).toBeNull()
  })

  test('rate limit: block - LastUpdate must reach WeightsSetRateLimit at the next block', () => {
    // head 10_000, next block 10_001; last update 9_902 -> 99 blocks: too soon
    const tooSoon = failure({...ok, snapshot: snapshot({lastUpdate: [9_902, 0, 0, 0, 0]})})
    expect(tooSoon?.code).toBe(CHAIN_ERROR.weightsRateLimited)
    expect(tooSoon?.message).toContain('allowed from block 10002')
    expect(failure({...ok, snapshot: snapshot({lastUpdate: [9_901, 0, 0, 0, 0]})})).toBeNull()
    // never set weights (0) is always allowed
    expect(
      failure({...ok, snapshot: snapshot({lastUpdate: [0, 0, 0, 0, 0], weightsSetRateLimit: 1_000_000})}),
    ).toBeNull()
    // commits are rate limited too; reveals are not
    expect(failure({...ok, call: 'commit_weights', snapshot: snapshot({lastUpdate: [9_950, 0, 0, 0, 0]})})?.code).toBe(
      CHAIN_ERROR.weightsRateLimited,
    )
    expect(failure({...ok, call: 'reveal_weights', snapshot: snapshot({lastUpdate: [9_950, 0, 0, 0, 0]})})).toBeNull()
  })

  test('validator permit, except for a lone self-weight', () => {
    const noPermit = snapshot({validatorPermit: [false, false, false, false, false]})
    expect(failure({...ok, snapshot: noPermit})?.code).toBe(CHAIN_ERROR.weightsNoValidatorPermit)
    expect(failure({...ok, snapshot: noPermit, vector: {uids: [0], weights: [65535]}})).toBeNull()
  })

  test('duplicate uids', () => {
    const error = failure({...ok, vector: {uids: [1, 2, 1], weights: [1, 2, 3]}})
    expect(error?.code).toBe(CHAIN_ERROR.weightsDuplicateUids)
    expect(error?.message).toContain('1')
  })

  test('uids must be on the subnet', () => {
    expect(failure({...ok, vector: {uids: [1, 5], weights: [1, 2]}})?.code).toBe(CHAIN_ERROR.weightsInvalidUids)
  })

  test('at least min(MinAllowedWeights, subnet size) weights', () => {
    expect(failure({...ok, snapshot: snapshot({minAllowedWeights: 3})})?.code).toBe(CHAIN_ERROR.weightsTooFew)
    expect(
      failure({...ok, snapshot: snapshot({minAllowedWeights: 3}), vector: {uids: [1, 2, 3], weights: [1, 1, 1]}}),
    ).toBeNull()
    // a subnet smaller than MinAllowedWeights needs only as many as it has
    expect(
      failure({
        ...ok,
        snapshot: snapshot({minAllowedWeights: 1024}),
        vector: {uids: [0, 1, 2, 3, 4], weights: [1, 1, 1, 1, 1]},
      }),
    ).toBeNull()
  })

  test('the error carries every check for the caller to show', () => {
    const error = failure({...ok, validatorUid: null})
    expect(error).toBeInstanceOf(LeadpoetError)
    const details = error?.details as {check: string; checks: Array<{name: string; status: string}>}
    expect(details.check).toBe('registered')
    expect(details.checks.find((c) => c.name === 'rate_limit')?.status).toBe('skipped')
  })
})
