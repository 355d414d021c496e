import {CHAIN_ERROR, type ChainErrorCode} from './error-codes.js'

/**
 * What Subtensor's `InvalidTransaction::Custom(n)` pool rejections mean. The numbers belong to the
 * runtime that sent them, so they are looked up per runtime: the same `Custom error: 3` is "stake too
 * low" from `set_weights` on spec 218 and "subnet does not exist" on today's runtimes.
 *
 * Sources (opentensor/subtensor):
 * - Runtimes with the `SubtensorSignedExtension` (the pre-2025 `SignedExtension`), up to spec 218: each
 *   weights call has its own number when the hotkey's stake is below `WeightsMinStake`: commit_weights 1,
 *   reveal_weights 2, set_weights 3 (`pallets/subtensor/src/lib.rs`, `SubtensorSignedExtension::validate`).
 *   Checked on a real spec-218 runtime (raonet, e2b8367b): set_weights 3, commit_weights 1, reveal_weights 2.
 * - Runtimes with the `SubtensorTransactionExtension`: one numbering for every call, the
 *   `CustomTransactionError` enum (`common/src/lib.rs`, whose comment forbids renumbering). Checked
 *   against the finney metadata of specs 343 and 393 and today's main. Numbers 0-24 and 255 are the same
 *   in every version of that file seen; 25 and above differ between versions, so they are not named.
 * - Anything else (a `SubtensorSignedExtension` runtime after spec 218, where the per-call numbers
 *   changed meaning, or a runtime with neither extension) is "unknown for this version".
 */

export interface PoolCodeMeaning {
  name: string
  code: ChainErrorCode
  explain: string
}

/** Which numbering a runtime uses, from its spec version and the transaction extensions it declares. */
export interface PoolCodeTable {
  /** e.g. "SubtensorSignedExtension, spec <= 218" */
  name: string
  meaning(custom: number, call: string): PoolCodeMeaning | null
}

const STAKE_TOO_LOW: Omit<PoolCodeMeaning, 'name'> = {
  code: CHAIN_ERROR.weightsStakeTooLow,
  explain: "the hotkey's stake is below the runtime's minimum stake to set weights",
}

/** Spec <= 218: the weights calls' own numbers (a low stake), plus 0 for a coldkey in a swap. */
const PER_CALL: Record<string, Record<number, PoolCodeMeaning>> = {
  commit_weights: {1: {name: 'commit_weights: stake below WeightsMinStake', ...STAKE_TOO_LOW}},
  reveal_weights: {2: {name: 'reveal_weights: stake below WeightsMinStake', ...STAKE_TOO_LOW}},
  set_weights: {3: {name: 'set_weights: stake below WeightsMinStake', ...STAKE_TOO_LOW}},
}

const LEGACY_SIGNED_EXTENSION: PoolCodeTable = {
  name: 'SubtensorSignedExtension, spec <= 218',
  meaning(custom, call) {
    if (custom === 0) {
      return {
        name: 'ColdkeyInSwapSchedule',
        code: CHAIN_ERROR.txRejected,
        explain: 'the coldkey is scheduled for a swap',
      }
    }
    return PER_CALL[call]?.[custom] ?? null
  },
}

/** `CustomTransactionError` as `u8`, the numbers every version of common/src/lib.rs agrees on. */
const ENUM_CODES: Record<number, PoolCodeMeaning> = {
  0: {name: 'ColdkeyInSwapSchedule', code: CHAIN_ERROR.txRejected, explain: 'the coldkey is scheduled for a swap'},
  1: {name: 'StakeAmountTooLow', ...STAKE_TOO_LOW},
  2: {name: 'BalanceTooLow', code: CHAIN_ERROR.txRejected, explain: 'the account balance is too low'},
  3: {name: 'SubnetNotExists', code: CHAIN_ERROR.subnetNotFound, explain: 'the subnet does not exist'},
  4: {
    name: 'HotkeyAccountDoesntExist',
    code: CHAIN_ERROR.weightsNotRegistered,
    explain: 'the hotkey account is not known to the chain',
  },
  5: {name: 'NotEnoughStakeToWithdraw', code: CHAIN_ERROR.txRejected, explain: 'not enough stake to withdraw'},
  6: {
    name: 'RateLimitExceeded',
    code: CHAIN_ERROR.weightsRateLimited,
    explain: 'the call is rate limited; try again after the rate-limit period',
  },
  7: {name: 'InsufficientLiquidity', code: CHAIN_ERROR.txRejected, explain: "the subnet's pool lacks liquidity"},
  8: {name: 'SlippageTooHigh', code: CHAIN_ERROR.txRejected, explain: 'the slippage exceeds the limit'},
  9: {name: 'TransferDisallowed', code: CHAIN_ERROR.txRejected, explain: 'the subnet does not allow transfers'},
  10: {
    name: 'HotKeyNotRegisteredInNetwork',
    code: CHAIN_ERROR.weightsNotRegistered,
    explain: 'the hotkey is not registered on this subnet',
  },
  11: {name: 'InvalidIpAddress', code: CHAIN_ERROR.txRejected, explain: 'the axon IP address is invalid'},
  12: {name: 'ServingRateLimitExceeded', code: CHAIN_ERROR.txRejected, explain: 'axon serving is rate limited'},
  13: {name: 'InvalidPort', code: CHAIN_ERROR.txRejected, explain: 'the axon port is invalid'},
  14: {name: 'ZeroMaxAmount', code: CHAIN_ERROR.txRejected, explain: 'a maximum amount of zero'},
  15: {
    name: 'InvalidRevealRound',
    code: CHAIN_ERROR.revealOutsideWindow,
    explain: 'the reveal round is outside its window',
  },
  16: {name: 'CommitNotFound', code: CHAIN_ERROR.revealNoCommit, explain: 'the chain holds no matching commit'},
  17: {
    name: 'CommitBlockNotInRevealRange',
    code: CHAIN_ERROR.revealOutsideWindow,
    explain: "the block the reveal would land in is outside the commit's reveal epoch",
  },
  18: {name: 'InputLengthsUnequal', code: CHAIN_ERROR.weightsInvalidInput, explain: 'input lists differ in length'},
  19: {
    name: 'UidNotFound',
    code: CHAIN_ERROR.weightsNotRegistered,
    explain: 'the hotkey is not registered on this subnet',
  },
  20: {
    name: 'EvmKeyAssociateRateLimitExceeded',
    code: CHAIN_ERROR.txRejected,
    explain: 'EVM key association is rate limited',
  },
  21: {name: 'ColdkeySwapDisputed', code: CHAIN_ERROR.txRejected, explain: "the coldkey's swap is disputed"},
  22: {name: 'InvalidRealAccount', code: CHAIN_ERROR.txRejected, explain: 'the proxied real account is invalid'},
  23: {name: 'FailedShieldedTxParsing', code: CHAIN_ERROR.txRejected, explain: 'a shielded transaction did not parse'},
  24: {
    name: 'InvalidShieldedTxPubKeyHash',
    code: CHAIN_ERROR.txRejected,
    explain: "a shielded transaction's key hash is invalid",
  },
  255: {name: 'BadRequest', code: CHAIN_ERROR.txRejected, explain: 'the node considers the call malformed'},
}

const TRANSACTION_EXTENSION: PoolCodeTable = {
  name: 'SubtensorTransactionExtension (CustomTransactionError)',
  meaning: (custom) => ENUM_CODES[custom] ?? null,
}

/** The runtime facts the numbering depends on. */
export interface RuntimeIdentity {
  specVersion: number
  /** the transaction (signed) extensions the runtime's metadata declares */
  extensions: readonly string[]
}

/** The numbering `runtime` uses, or null when its numbers are not known for this version. */
export function poolCodeTable(runtime: RuntimeIdentity): PoolCodeTable | null {
  if (runtime.extensions.includes('SubtensorTransactionExtension')) return TRANSACTION_EXTENSION
  if (runtime.extensions.includes('SubtensorSignedExtension') && runtime.specVersion <= 218)
    return LEGACY_SIGNED_EXTENSION
  return null
}
