import {TypeRegistry} from '@polkadot/types'
import {blake2AsHex} from '@polkadot/util-crypto'
import {EXIT, LeadpoetError} from '../errors.js'
import {CHAIN_ERROR} from './error-codes.js'

export type HexString = `0x${string}`

/** The data a commit-reveal v2 commit binds: exactly what `reveal_weights` later discloses. */
export interface WeightsCommitData {
  /** SS58 address or 0x public key of the hotkey that commits and reveals */
  hotkey: string
  netuid: number
  uids: readonly number[]
  values: readonly number[]
  salt: readonly number[]
  versionKey: number
}

// Plain SCALE types only, so no runtime metadata is needed to hash.
const registry = new TypeRegistry()

/**
 * The v2 commit hash, as the chain recomputes it on reveal: blake2-256 of the SCALE encoding of
 * `(AccountId32 hotkey, u16 netuid, Vec<u16> uids, Vec<u16> values, Vec<u16> salt, u64 version_key)`.
 */
export function weightsCommitHash(data: WeightsCommitData): HexString {
  const encoded = registry
    .createType('(AccountId32, u16, Vec<u16>, Vec<u16>, Vec<u16>, u64)', [
      data.hotkey,
      data.netuid,
      [...data.uids],
      [...data.values],
      [...data.salt],
      data.versionKey,
    ])
    .toU8a()
  return blake2AsHex(encoded, 256)
}

export const SALT_LENGTH = 8

/** A fresh random salt of u16 values from the system's CSPRNG. */
export function randomSalt(length: number = SALT_LENGTH): number[] {
  if (!Number.isInteger(length) || length < 1) {
    throw new LeadpoetError(
      CHAIN_ERROR.weightsInvalidInput,
      `salt length must be a positive integer, got ${length}`,
      EXIT.usage,
    )
  }
  return [...crypto.getRandomValues(new Uint16Array(length))]
}
