import type {ApiPromise} from '@polkadot/api'
import type {SubmittableExtrinsic} from '@polkadot/api/types'
import type {ISubmittableResult} from '@polkadot/types/types'
import {EXIT, LeadpoetError} from '../errors.js'
import type {HexString} from './commit-hash.js'
import {type ChainConnection, formatMs} from './connection.js'
import {CHAIN_ERROR} from './error-codes.js'
import {dispatchErrorToLeadpoet, poolRejectionToLeadpoet} from './submission-errors.js'
import {type Hotkey, signingPairOf} from './wallet.js'

/** The three weights extrinsics of SubtensorModule, as plain data (also what a dry run shows). */
export type WeightsCall =
  | {call: 'set_weights'; netuid: number; uids: number[]; weights: number[]; versionKey: number}
  | {call: 'commit_weights'; netuid: number; commitHash: HexString}
  | {call: 'reveal_weights'; netuid: number; uids: number[]; weights: number[]; salt: number[]; versionKey: number}

/** Mortal era length in blocks: an unsent or stuck extrinsic becomes invalid after ~13 minutes. */
export const MORTAL_ERA_PERIOD = 64

export interface Inclusion {
  txHash: HexString
  blockHash: HexString
  block: number
}

/** Builds the unsigned extrinsic for a weights call against the connected runtime's metadata. */
export function buildWeightsExtrinsic(api: ApiPromise, call: WeightsCall): SubmittableExtrinsic<'promise'> {
  const tx = api.tx.subtensorModule
  switch (call.call) {
    case 'set_weights':
      return requireCall(tx?.setWeights, 'set_weights')(call.netuid, call.uids, call.weights, call.versionKey)
    case 'commit_weights':
      return requireCall(tx?.commitWeights, 'commit_weights')(call.netuid, call.commitHash)
    case 'reveal_weights':
      return requireCall(tx?.revealWeights, 'reveal_weights')(
        call.netuid,
        call.uids,
        call.weights,
        call.salt,
        call.versionKey,
      )
  }
}

function requireCall<T>(method: T | undefined, name: string): T {
  if (!method) {
    throw new LeadpoetError(
      CHAIN_ERROR.chainUnsupported,
      `the connected runtime has no SubtensorModule.${name} call`,
      EXIT.error,
    )
  }
  return method
}

/** Signs with the hotkey (mortal era, next nonce); the signing data is read under the call deadline. */
export async function signWeightsExtrinsic(
  connection: ChainConnection,
  hotkey: Hotkey,
  call: WeightsCall,
): Promise<SubmittableExtrinsic<'promise'>> {
  const extrinsic = buildWeightsExtrinsic(connection.api, call)
  await connection.call(`the signing data for ${call.call} (nonce, recent block)`, () =>
    extrinsic.signAsync(signingPairOf(hotkey), {era: MORTAL_ERA_PERIOD, nonce: -1}),
  )
  return extrinsic
}

/**
 * Signs, submits and waits until the extrinsic is in a block. Ends with an error, never a hang:
 * a pool rejection or a failed dispatch is mapped to a readable error; no inclusion within
 * `inclusionMs`, or no new block for `staleAfterMs`, is a timeout / stalled-chain error.
 */
export async function submitWeightsCall(
  connection: ChainConnection,
  hotkey: Hotkey,
  call: WeightsCall,
): Promise<Inclusion> {
  const extrinsic = await signWeightsExtrinsic(connection, hotkey, call)
  return sendSigned(connection, extrinsic, call.call)
}

/** Submits an already signed extrinsic and waits for inclusion (see submitWeightsCall). */
export async function sendSigned(
  connection: ChainConnection,
  extrinsic: SubmittableExtrinsic<'promise'>,
  callName: string,
): Promise<Inclusion> {
  const txHash = extrinsic.hash.toHex()
  const {api, deadlines} = connection
  const cleanups: Array<() => void> = []
  let finished = false
  // subscriptions may be confirmed after we have finished; end those at once
  const onUnsubscribe = (unsubscribe: () => void): void => {
    if (finished) unsubscribe()
    else cleanups.push(unsubscribe)
  }

  try {
    const inBlock = new Promise<ISubmittableResult>((resolve, reject) => {
      const inclusionTimer = setTimeout(
        () =>
          reject(
            new LeadpoetError(
              CHAIN_ERROR.txInclusionTimeout,
              `${callName} (${txHash}) was not included in a block within ${formatMs(deadlines.inclusionMs)}; ` +
                `it may still land until its era ends (${MORTAL_ERA_PERIOD} blocks)`,
              EXIT.error,
              {txHash},
            ),
          ),
        deadlines.inclusionMs,
      )
      cleanups.push(() => clearTimeout(inclusionTimer))

      // a chain that stops producing blocks would otherwise keep us waiting for the whole inclusion deadline
      let stallTimer: NodeJS.Timeout | undefined
      const armStallTimer = (): void => {
        clearTimeout(stallTimer)
        stallTimer = setTimeout(
          () =>
            reject(
              new LeadpoetError(
                CHAIN_ERROR.chainStalled,
                `no new block for ${formatMs(deadlines.staleAfterMs)} while waiting for ${callName} (${txHash}) ` +
                  `to be included: the chain is stalled or the node lost its peers`,
                EXIT.error,
                {txHash},
              ),
            ),
          deadlines.staleAfterMs,
        )
      }
      armStallTimer()
      cleanups.push(() => clearTimeout(stallTimer))
      api.rpc.chain.subscribeNewHeads(() => armStallTimer()).then(onUnsubscribe, reject)

      connection.lost.catch(reject)

      extrinsic
        .send((result) => {
          const status = result.status
          if (status.isInBlock || status.isFinalized) resolve(result)
          else if (status.isDropped || status.isInvalid || status.isUsurped || status.isFinalityTimeout) {
            reject(
              new LeadpoetError(
                CHAIN_ERROR.txDropped,
                `${callName} (${txHash}) left the transaction pool without being included (status ${status.type}); run again`,
                EXIT.error,
                {txHash, status: status.type},
              ),
            )
          }
        })
        .then(onUnsubscribe, (error: unknown) => reject(poolRejectionToLeadpoet(error, callName, connection.runtime())))
    })

    const result = await inBlock
    if (result.dispatchError) throw dispatchErrorToLeadpoet(api, result.dispatchError, callName)
    const blockHash = (result.status.isInBlock ? result.status.asInBlock : result.status.asFinalized).toHex()
    const header = await connection.call(`the header of block ${blockHash}`, () => api.rpc.chain.getHeader(blockHash))
    const block = header.number.toNumber()
    await connection.recordHead({block, seenAt: connection.now()})
    return {txHash, blockHash, block}
  } finally {
    finished = true
    for (const cleanup of cleanups) cleanup()
  }
}
