import {EXIT, LeadpoetError} from '../errors.js'
import {CHAIN_ERROR, type ChainErrorCode} from './error-codes.js'
import {type StakeReading, type SubnetSnapshot, uidOf} from './metagraph.js'

/** The largest weight value on chain; the chain max-upscales every weight vector to it. */
export const U16_MAX = 65_535

/** One miner's share of an epoch, as the service layer hands it over. */
export interface MinerWeight {
  miner_hotkey: string
  /** any non-negative scale; only ratios matter. Numeric strings (Postgres numeric) are accepted. */
  share: number | string
}

export type DropReason = 'not_registered' | 'zero_weight'

export interface DroppedMiner {
  hotkey: string
  share: number
  reason: DropReason
}

export interface WeightTarget {
  uid: number
  /** the miner hotkey it came from; null for a fallback target */
  hotkey: string | null
  share: number
}

/** What to do when no registered miner with a non-zero weight is left. */
export type WeightsFallback =
  /** set nothing this epoch */
  | {kind: 'skip'}
  /** all weight to the subnet owner's uid (`SubnetOwnerHotkey`, else `SubnetOwner`) */
  | {kind: 'subnet_owner'}
  /** all weight to this uid */
  | {kind: 'uid'; uid: number}

export interface AppliedFallback {
  kind: WeightsFallback['kind']
  /** null when the fallback is to skip */
  uid: number | null
  reason: string
}

/** Weights in chain form: parallel uid and u16 value vectors. */
export interface WeightVector {
  uids: number[]
  weights: number[]
}

/** Maps miners to uids through the metagraph; miners not registered on the subnet are dropped. */
export function mapMinersToUids(
  miners: readonly MinerWeight[],
  snapshot: SubnetSnapshot,
): {targets: WeightTarget[]; dropped: DroppedMiner[]} {
  const targets: WeightTarget[] = []
  const dropped: DroppedMiner[] = []
  for (const miner of miners) {
    const share = parseShare(miner)
    const uid = uidOf(snapshot, miner.miner_hotkey)
    if (uid === null) dropped.push({hotkey: miner.miner_hotkey, share, reason: 'not_registered'})
    else targets.push({uid, hotkey: miner.miner_hotkey, share})
  }
  // In uid order: every validator sends the same vector for the same shares, whatever order the
  // shares came in.
  targets.sort((a, b) => a.uid - b.uid)
  return {targets, dropped}
}

/**
 * Converts shares to chain weights the way the Python SDK does: divide by the largest share,
 * scale to 65535, round half to even (Python's `round`), and drop entries that round to 0
 * together with their uids. All-zero input gives an empty vector.
 */
export function toU16Weights(targets: readonly WeightTarget[]): {
  vector: WeightVector
  kept: Array<WeightTarget & {weight: number}>
  zeroed: WeightTarget[]
} {
  const max = targets.reduce((largest, target) => Math.max(largest, target.share), 0)
  const kept: Array<WeightTarget & {weight: number}> = []
  const zeroed: WeightTarget[] = []
  for (const target of targets) {
    const weight = max === 0 ? 0 : roundHalfEven((target.share / max) * U16_MAX)
    if (weight === 0) zeroed.push(target)
    else kept.push({...target, weight})
  }
  return {vector: {uids: kept.map((t) => t.uid), weights: kept.map((t) => t.weight)}, kept, zeroed}
}

export function roundHalfEven(value: number): number {
  const floor = Math.floor(value)
  const fraction = value - floor
  if (fraction > 0.5) return floor + 1
  if (fraction < 0.5) return floor
  return floor % 2 === 0 ? floor : floor + 1
}

function parseShare(miner: MinerWeight): number {
  const share =
    typeof miner.share === 'string' ? Number(miner.share.trim() === '' ? Number.NaN : miner.share) : miner.share
  if (typeof miner.miner_hotkey !== 'string' || miner.miner_hotkey === '') {
    throw new LeadpoetError(CHAIN_ERROR.weightsInvalidInput, 'a miner weight has no miner_hotkey', EXIT.usage)
  }
  if (!Number.isFinite(share) || share < 0) {
    throw new LeadpoetError(
      CHAIN_ERROR.weightsInvalidInput,
      `miner ${miner.miner_hotkey} has share ${String(miner.share)}; shares must be finite and not negative`,
      EXIT.usage,
    )
  }
  return share
}

// ---- pre-checks ------------------------------------------------------------------------------

export type WeightsCallName = 'set_weights' | 'commit_weights' | 'reveal_weights'

export type WeightsCheckName =
  | 'registered'
  | 'min_stake'
  | 'version_key'
  | 'rate_limit'
  | 'validator_permit'
  | 'duplicate_uids'
  | 'valid_uids'
  | 'min_allowed_weights'

export interface WeightsCheck {
  name: WeightsCheckName
  status: 'pass' | 'fail' | 'skipped'
  detail: string
}

export interface WeightsCheckInput {
  snapshot: SubnetSnapshot
  validatorUid: number | null
  call: WeightsCallName
  vector: WeightVector
  versionKey: number
  /** the runtime's minimum-stake rule applied to the hotkey (readWeightsStake); null when not read */
  stake: StakeReading | null
}

export const CHECK_ERROR_CODES: Record<WeightsCheckName, ChainErrorCode> = {
  registered: CHAIN_ERROR.weightsNotRegistered,
  min_stake: CHAIN_ERROR.weightsStakeTooLow,
  version_key: CHAIN_ERROR.weightsVersionKeyTooLow,
  rate_limit: CHAIN_ERROR.weightsRateLimited,
  validator_permit: CHAIN_ERROR.weightsNoValidatorPermit,
  duplicate_uids: CHAIN_ERROR.weightsDuplicateUids,
  valid_uids: CHAIN_ERROR.weightsInvalidUids,
  min_allowed_weights: CHAIN_ERROR.weightsTooFew,
}

/**
 * Checks locally, in the chain's order, what the chain checks for this call, so a doomed
 * extrinsic is never sent. Every check is made for the block the extrinsic can land in (the head's
 * successor). The rate limit binds `set_weights` and `commit_weights`; a reveal is not rate limited
 * while commit-reveal is on.
 */
export function checkWeights(input: WeightsCheckInput): WeightsCheck[] {
  const {snapshot, validatorUid: uid, vector, versionKey, call} = input
  const checks: WeightsCheck[] = []
  const add = (name: WeightsCheckName, status: WeightsCheck['status'], detail: string): void => {
    checks.push({name, status, detail})
  }

  add(
    'registered',
    uid === null ? 'fail' : 'pass',
    uid === null
      ? `the hotkey is not registered on subnet ${snapshot.netuid}`
      : `the hotkey is uid ${uid} on subnet ${snapshot.netuid}`,
  )

  // the pool checks the stake first, before any block (check_weights_min_stake in the transaction extension)
  if (uid === null) add('min_stake', 'skipped', 'not registered')
  else if (!input.stake) add('min_stake', 'skipped', 'the stake was not read')
  else add('min_stake', input.stake.verdict === 'unknown' ? 'skipped' : input.stake.verdict, input.stake.detail)

  const required = snapshot.weightsVersionKey
  add(
    'version_key',
    required === 0 || versionKey >= required ? 'pass' : 'fail',
    required === 0 || versionKey >= required
      ? `version key ${versionKey} meets the subnet's WeightsVersionKey ${required}`
      : `version key ${versionKey} is below the subnet's WeightsVersionKey ${required}; upgrade or configure the version key`,
  )

  if (call === 'reveal_weights') {
    add('rate_limit', 'skipped', 'reveals are not rate limited while commit-reveal is on')
  } else if (uid === null) {
    add('rate_limit', 'skipped', 'not registered')
  } else {
    const last = snapshot.lastUpdate[uid] ?? 0
    const block = snapshot.chainEpoch.landingBlock
    const limit = snapshot.weightsSetRateLimit
    const ok = last === 0 || block - last >= limit
    add(
      'rate_limit',
      ok ? 'pass' : 'fail',
      ok
        ? last === 0
          ? 'this uid has never set weights'
          : `${block - last} blocks since the last update at block ${last} (WeightsSetRateLimit ${limit})`
        : `the last update was at block ${last}; WeightsSetRateLimit is ${limit} blocks, ` +
            `so the next ${call} is allowed from block ${last + limit}`,
    )
  }

  const selfWeight = uid !== null && vector.uids.length === 1 && vector.uids[0] === uid
  if (uid === null) {
    add('validator_permit', 'skipped', 'not registered')
  } else {
    const permitted = snapshot.validatorPermit[uid] === true
    add(
      'validator_permit',
      permitted || selfWeight ? 'pass' : 'fail',
      permitted
        ? `uid ${uid} has a validator permit`
        : selfWeight
          ? 'no validator permit, but a lone self-weight is allowed'
          : `uid ${uid} has no validator permit on subnet ${snapshot.netuid}`,
    )
  }

  const seen = new Set<number>()
  const duplicates = new Set<number>()
  for (const target of vector.uids) (seen.has(target) ? duplicates : seen).add(target)
  add(
    'duplicate_uids',
    duplicates.size === 0 ? 'pass' : 'fail',
    duplicates.size === 0
      ? 'every uid appears once'
      : `uids listed more than once: ${[...duplicates].join(', ')} (two miner entries map to the same uid)`,
  )

  const invalid = vector.uids.filter((target) => !Number.isInteger(target) || target < 0 || target >= snapshot.size)
  add(
    'valid_uids',
    invalid.length === 0 && vector.uids.length <= snapshot.size ? 'pass' : 'fail',
    invalid.length === 0 && vector.uids.length <= snapshot.size
      ? `all uids are below the subnet size ${snapshot.size}`
      : `uids not on the subnet (size ${snapshot.size}): ` +
          `${invalid.join(', ') || `${vector.uids.length} uids for ${snapshot.size} neurons`}`,
  )

  const minimum = Math.min(snapshot.size, snapshot.minAllowedWeights)
  add(
    'min_allowed_weights',
    selfWeight || vector.uids.length >= minimum ? 'pass' : 'fail',
    selfWeight
      ? 'a lone self-weight is allowed'
      : vector.uids.length >= minimum
        ? `${vector.uids.length} weights, at least the ${minimum} required`
        : `${vector.uids.length} weights, ` +
          `but the subnet requires at least ${minimum} (MinAllowedWeights ${snapshot.minAllowedWeights}, ${snapshot.size} neurons)`,
  )
  return checks
}

/** The first failed check as an error naming it, or null when all pass. */
export function failedCheckError(checks: readonly WeightsCheck[], call: WeightsCallName): LeadpoetError | null {
  const failed = checks.find((check) => check.status === 'fail')
  if (!failed) return null
  return new LeadpoetError(
    CHECK_ERROR_CODES[failed.name],
    `${call} pre-check "${failed.name}" failed: ${failed.detail}`,
    EXIT.error,
    {check: failed.name, checks},
  )
}
