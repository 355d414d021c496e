import type {ApiPromise} from '@polkadot/api'
import type {DispatchError} from '@polkadot/types/interfaces'
import {EXIT, LeadpoetError} from '../errors.js'
import {CHAIN_ERROR, type ChainErrorCode} from './error-codes.js'
import {poolCodeTable, type RuntimeIdentity} from './pool-codes.js'

/**
 * Turns the chain's refusals into readable LeadpoetErrors: dispatch errors (the extrinsic was in a
 * block but failed) and pool rejections (the node refused it before any block).
 */

interface KnownError {
  code: ChainErrorCode
  explain: string
}

/** SubtensorModule errors a weights call can meet, by their name in the metadata. */
const SUBTENSOR_DISPATCH_ERRORS: Record<string, KnownError> = {
  SettingWeightsTooFast: {
    code: CHAIN_ERROR.weightsRateLimited,
    explain: 'weights were set too recently; wait for WeightsSetRateLimit blocks after the last update',
  },
  CommittingWeightsTooFast: {
    code: CHAIN_ERROR.weightsRateLimited,
    explain: 'weights were committed too recently; wait for WeightsSetRateLimit blocks after the last update',
  },
  CommitRevealEnabled: {
    code: CHAIN_ERROR.weightsCommitRevealEnabled,
    explain: 'commit-reveal is on for this subnet, so weights must be committed and revealed instead of set',
  },
  CommitRevealDisabled: {
    code: CHAIN_ERROR.weightsCommitRevealDisabled,
    explain: 'commit-reveal is off for this subnet, so weights must be set directly',
  },
  IncorrectWeightVersionKey: {
    code: CHAIN_ERROR.weightsVersionKeyTooLow,
    explain: "the version key is below the subnet's WeightsVersionKey",
  },
  NeuronNoValidatorPermit: {
    code: CHAIN_ERROR.weightsNoValidatorPermit,
    explain: 'the hotkey has no validator permit on this subnet',
  },
  HotKeyNotRegisteredInSubNet: {
    code: CHAIN_ERROR.weightsNotRegistered,
    explain: 'the hotkey is not registered on this subnet',
  },
  HotKeyNotRegisteredInNetwork: {
    code: CHAIN_ERROR.weightsNotRegistered,
    explain: 'the hotkey is not registered on this subnet',
  },
  DuplicateUids: {code: CHAIN_ERROR.weightsDuplicateUids, explain: 'the weights list a uid more than once'},
  UidVecContainInvalidOne: {
    code: CHAIN_ERROR.weightsInvalidUids,
    explain: 'the weights name a uid that is not on the subnet',
  },
  UidsLengthExceedUidsInSubNet: {
    code: CHAIN_ERROR.weightsInvalidUids,
    explain: 'more weights than neurons on the subnet',
  },
  WeightVecLengthIsLow: {code: CHAIN_ERROR.weightsTooFew, explain: "fewer weights than the subnet's MinAllowedWeights"},
  WeightVecNotEqualSize: {code: CHAIN_ERROR.weightsInvalidInput, explain: 'uids and weights differ in length'},
  MaxWeightExceeded: {code: CHAIN_ERROR.weightsInvalidInput, explain: "a weight exceeds the subnet's MaxWeightsLimit"},
  NotEnoughStakeToSetWeights: {
    code: CHAIN_ERROR.weightsStakeTooLow,
    explain: "the hotkey's stake is below the runtime's minimum stake to set weights",
  },
  TooManyUnrevealedCommits: {
    code: CHAIN_ERROR.weightsTooManyCommits,
    explain: 'the hotkey already has 10 unrevealed commits on this subnet',
  },
  RevealTooEarly: {code: CHAIN_ERROR.revealTooEarly, explain: "the commit's reveal epoch has not started"},
  ExpiredWeightCommit: {
    code: CHAIN_ERROR.revealExpired,
    explain: "the commit's reveal epoch has passed; it can no longer be revealed",
  },
  NoWeightsCommitFound: {
    code: CHAIN_ERROR.revealNoCommit,
    explain: 'the chain holds no commit for this hotkey on this subnet',
  },
  InvalidRevealCommitHashNotMatch: {
    code: CHAIN_ERROR.revealHashMismatch,
    explain: 'the revealed data does not hash to any pending commit',
  },
}

/** Standard pool rejections, matched on the node's message text. */
const POOL_REJECTIONS: Array<{pattern: RegExp; explain: string}> = [
  {
    pattern: /bad signature/i,
    explain: 'the node says the signature is bad (wrong key, or the metadata/genesis differs from the node)',
  },
  {
    pattern: /outdated|stale/i,
    explain: 'the nonce was already used (another transaction from this hotkey was included first); run again',
  },
  {
    pattern: /will be valid in the future|future/i,
    explain: 'the nonce is ahead of the chain; an earlier transaction from this hotkey is still pending',
  },
  {
    pattern: /ancient birth block|AncientBirthBlock/i,
    explain: 'the mortal era expired before the node saw the transaction; run again',
  },
  {pattern: /pay some fees|Payment/i, explain: 'the hotkey cannot pay the transaction fee'},
  {pattern: /priority is too low/i, explain: 'a transaction with the same nonce is already in the pool'},
  {pattern: /already imported/i, explain: 'the same transaction is already in the pool'},
  {
    pattern: /temporarily banned/i,
    explain: 'the node temporarily banned this transaction after an earlier rejection; wait and run again',
  },
  {pattern: /exhausts the resources|ExhaustsResources/i, explain: 'the block is full; run again later'},
]

/** An error for an extrinsic that was included in a block but failed. */
export function dispatchErrorToLeadpoet(api: ApiPromise, dispatchError: DispatchError, call: string): LeadpoetError {
  if (dispatchError.isModule) {
    const module = dispatchError.asModule
    let pallet = `pallet #${module.index.toString()}`
    let name = `error #${module.error.toHex()}`
    let docs = ''
    try {
      const meta = api.registry.findMetaError(module)
      // the runtime's own pallet name (SubtensorModule), not polkadot-js's camelCase section
      pallet =
        api.runtimeMetadata.asLatest.pallets.find((p) => p.index.eq(module.index))?.name.toString() ?? meta.section
      name = meta.name
      docs = meta.docs.join(' ').trim()
    } catch {
      // unknown to this metadata: keep the raw indices
    }
    const known = pallet === 'SubtensorModule' ? SUBTENSOR_DISPATCH_ERRORS[name] : undefined
    const explanation = known?.explain ?? (docs || 'see the runtime documentation')
    return new LeadpoetError(
      known?.code ?? CHAIN_ERROR.txDispatchFailed,
      `${call} failed on chain with ${pallet}.${name}: ${explanation}`,
      EXIT.error,
      {
        pallet,
        error: name,
      },
    )
  }
  const kind = dispatchError.type
  return new LeadpoetError(
    CHAIN_ERROR.txDispatchFailed,
    `${call} failed on chain: ${kind}${dispatchError.isToken ? `.${dispatchError.asToken.type}` : ''}`,
    EXIT.error,
    {
      kind,
    },
  )
}

/**
 * An error for an extrinsic the node refused to take into its pool (the submit RPC failed). A
 * Subtensor custom code is named from the numbering of the runtime that sent it (`runtime`).
 */
export function poolRejectionToLeadpoet(error: unknown, call: string, runtime: RuntimeIdentity): LeadpoetError {
  if (error instanceof LeadpoetError) return error
  const message = error instanceof Error ? error.message : String(error)
  const data = typeof error === 'object' && error !== null && 'data' in error ? textOf(error.data) : ''
  const text = `${message} ${data}`
  // a node says `Custom error: 3`; chopsticks says `{"invalid":{"custom":3}}`
  const custom = /Custom error:?\s*(\d+)/i.exec(text) ?? /"custom"\s*:\s*(\d+)/i.exec(text)
  if (custom) {
    const number = Number(custom[1])
    const table = poolCodeTable(runtime)
    const known = table?.meaning(number, call) ?? null
    const spec = `spec ${runtime.specVersion}`
    return new LeadpoetError(
      known?.code ?? CHAIN_ERROR.txRejected,
      known
        ? `the node rejected ${call}: custom error ${number} (${known.name}, ${spec}): ${known.explain}`
        : `the node rejected ${call}: custom error ${number}, unknown for this version (${spec}` +
            `${table ? `, ${table.name}` : ', a runtime whose custom codes leadpoet has not mapped'})`,
      EXIT.error,
      {
        rejection: known?.name ?? `Custom(${number})`,
        custom: number,
        specVersion: runtime.specVersion,
        nodeMessage: message,
      },
    )
  }
  const known = POOL_REJECTIONS.find((rejection) => rejection.pattern.test(text))
  return new LeadpoetError(
    CHAIN_ERROR.txRejected,
    `the node rejected ${call}: ${known?.explain ?? message}`,
    EXIT.error,
    {nodeMessage: message},
  )
}

/** A JSON-RPC error's `data`: usually a string, sometimes a structure. */
function textOf(value: unknown): string {
  if (value === undefined || value === null) return ''
  return typeof value === 'string' ? value : JSON.stringify(value)
}
