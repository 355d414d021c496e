import type {ApiDecoration} from '@polkadot/api/types'
import type {Codec} from '@polkadot/types/types'
import {encodeAddress} from '@polkadot/util-crypto'
import {EXIT, LeadpoetError} from '../errors.js'
import type {ChainConnection, ChainHead} from './connection.js'
import {chainEpochAt, type ChainEpochPosition} from './chain-epoch.js'
import {CHAIN_ERROR} from './error-codes.js'
import {SS58_PREFIX} from './wallet.js'

/**
 * One consistent reading of a subnet, all taken at the same block: the metagraph (uid -> hotkey,
 * permits, last updates) and the rules the chain applies to weights.
 */
export interface SubnetSnapshot {
  netuid: number
  head: ChainHead
  chainEpoch: ChainEpochPosition
  tempo: number
  /** number of uids on the subnet (`SubnetworkN`) */
  size: number
  /** hotkey SS58 address of each uid, indexed by uid (`Keys`) */
  hotkeys: string[]
  validatorPermit: boolean[]
  /** block of each uid's last weights set or commit (`LastUpdate`); 0 = never */
  lastUpdate: number[]
  weightsSetRateLimit: number
  weightsVersionKey: number
  minAllowedWeights: number
  commitRevealEnabled: boolean
  revealPeriodEpochs: number
  /** owner hotkey (`SubnetOwnerHotkey`), when the runtime has that storage item */
  subnetOwnerHotkey: string | null
  /** owner coldkey (`SubnetOwner`), when the runtime has that storage item */
  subnetOwner: string | null
}

/** Storage items read for the weight rules; they exist in every runtime since commit-reveal v2. */
const RULE_ITEMS = [
  'tempo',
  'subnetworkN',
  'validatorPermit',
  'lastUpdate',
  'weightsSetRateLimit',
  'weightsVersionKey',
  'minAllowedWeights',
  'commitRevealWeightsEnabled',
  'revealPeriodEpochs',
] as const

/**
 * Reads the subnet at the head the caller has read (so the anchor it recorded matches the data).
 * Fails with SUBNET_NOT_FOUND when the netuid is not a registered subnet.
 */
export async function readSubnet(
  connection: ChainConnection,
  netuid: number,
  head: ChainHead,
): Promise<SubnetSnapshot> {
  assertNetuid(netuid)
  const at = await connection.at(head.hash)
  const module = at.query.subtensorModule
  if (!module) throw unsupported(connection, 'SubtensorModule')
  for (const item of RULE_ITEMS) {
    if (!module[item]) throw unsupported(connection, `SubtensorModule.${item}`)
  }

  if (module.networksAdded) {
    const added = await connection.call(`NetworksAdded(${netuid})`, () => module.networksAdded!(netuid))
    if (!isTrue(added)) {
      const network = connection.network.name === 'custom' ? connection.network.endpoint : connection.network.name
      throw new LeadpoetError(CHAIN_ERROR.subnetNotFound, `subnet ${netuid} does not exist on ${network}`, EXIT.usage, {
        netuid,
      })
    }
  }

  const rules = await connection.call(`the weight rules of subnet ${netuid}`, () =>
    at.queryMulti(RULE_ITEMS.map((item) => [module[item]!, netuid])),
  )
  const [tempo, size, permits, lastUpdate, rateLimit, versionKey, minAllowed, crEnabled, revealPeriod] = rules

  const sizeN = toSafeNumber(size!, 'SubnetworkN')
  const hotkeys =
    sizeN === 0
      ? []
      : (
          await connection.call(`the hotkeys of subnet ${netuid}`, () =>
            at.queryMulti(Array.from({length: sizeN}, (_, uid) => [module.keys!, [netuid, uid]])),
          )
        ).map((key) => key.toString())

  const tempoN = toSafeNumber(tempo!, 'Tempo')
  return {
    netuid,
    head,
    chainEpoch: chainEpochAt(netuid, tempoN, head.block),
    tempo: tempoN,
    size: sizeN,
    hotkeys,
    validatorPermit: (permits!.toJSON() as boolean[] | null) ?? [],
    lastUpdate: ((lastUpdate!.toJSON() as Array<number | string> | null) ?? []).map((value) =>
      toSafeNumber(value, 'LastUpdate'),
    ),
    weightsSetRateLimit: toSafeNumber(rateLimit!, 'WeightsSetRateLimit'),
    weightsVersionKey: toSafeNumber(versionKey!, 'WeightsVersionKey'),
    minAllowedWeights: toSafeNumber(minAllowed!, 'MinAllowedWeights'),
    commitRevealEnabled: isTrue(crEnabled!),
    revealPeriodEpochs: toSafeNumber(revealPeriod!, 'RevealPeriodEpochs'),
    subnetOwnerHotkey: await readOptionalAccount(connection, at, 'subnetOwnerHotkey', netuid),
    subnetOwner: await readOptionalAccount(connection, at, 'subnetOwner', netuid),
  }
}

/**
 * The uid the chain itself resolves for `hotkey` (`Uids`, what the pallet checks when a hotkey
 * signs), or null when it is not registered on the subnet.
 */
export async function readUid(
  connection: ChainConnection,
  snapshot: SubnetSnapshot,
  hotkey: string,
): Promise<number | null> {
  const at = await connection.at(snapshot.head.hash)
  const uids = at.query.subtensorModule?.uids
  if (!uids) return uidOf(snapshot, hotkey)
  const value = await connection.call(`Uids(${snapshot.netuid}, ${hotkey})`, () => uids(snapshot.netuid, hotkey))
  const json = value.toJSON() as number | null
  return json === null ? null : json
}

/** The uid of `hotkey` in the snapshot's metagraph (`Keys`), or null when it is not registered there. */
export function uidOf(snapshot: SubnetSnapshot, hotkey: string): number | null {
  const uid = snapshot.hotkeys.indexOf(hotkey)
  return uid === -1 ? null : uid
}

/** The on-chain v2 commits of a hotkey (`WeightCommits`), or null when the runtime has no such item. */
export interface OnChainCommit {
  hash: string
  commitBlock: number
  firstRevealBlock: number
  lastRevealBlock: number
}

export async function readOnChainCommits(
  connection: ChainConnection,
  snapshot: SubnetSnapshot,
  hotkey: string,
): Promise<OnChainCommit[] | null> {
  const at = await connection.at(snapshot.head.hash)
  const item = at.query.subtensorModule?.weightCommits
  if (!item) return null
  const value = await connection.call(`WeightCommits(${snapshot.netuid}, ${hotkey})`, () =>
    item(snapshot.netuid, hotkey),
  )
  const json = value.toJSON() as Array<[string, number | string, number | string, number | string]> | null
  return (json ?? []).map(([hash, commitBlock, first, last]) => ({
    hash,
    commitBlock: toSafeNumber(commitBlock, 'WeightCommits.commit_block'),
    firstRevealBlock: toSafeNumber(first, 'WeightCommits.first_reveal_block'),
    lastRevealBlock: toSafeNumber(last, 'WeightCommits.last_reveal_block'),
  }))
}

async function readOptionalAccount(
  connection: ChainConnection,
  at: ApiDecoration<'promise'>,
  item: 'subnetOwnerHotkey' | 'subnetOwner',
  netuid: number,
): Promise<string | null> {
  const query = at.query.subtensorModule?.[item]
  if (!query) return null
  const account = (await connection.call(`${item}(${netuid})`, () => query(netuid))).toString()
  // an unset AccountId32 reads as the all-zero account
  return account === ZERO_ACCOUNT ? null : account
}

const ZERO_ACCOUNT = encodeAddress(new Uint8Array(32), SS58_PREFIX)

function isTrue(value: Codec): boolean {
  return value.toJSON() === true
}

function toSafeNumber(value: Codec | number | string, what: string): number {
  const text = typeof value === 'object' ? value.toString() : String(value)
  const number = Number(text)
  if (!Number.isSafeInteger(number)) {
    throw new LeadpoetError(
      CHAIN_ERROR.chainUnsupported,
      `the chain returned ${what} = ${text}, which is not a safe integer`,
      EXIT.error,
    )
  }
  return number
}

function unsupported(connection: ChainConnection, item: string): LeadpoetError {
  return new LeadpoetError(
    CHAIN_ERROR.chainUnsupported,
    `the runtime at ${connection.network.endpoint} has no ${item}; this version of leadpoet does not support it`,
    EXIT.error,
  )
}

export function assertNetuid(netuid: number): void {
  if (!Number.isInteger(netuid) || netuid < 0 || netuid > 0xffff) {
    throw new LeadpoetError(
      CHAIN_ERROR.weightsInvalidInput,
      `netuid must be an integer from 0 to 65535, got ${netuid}`,
      EXIT.usage,
    )
  }
}
