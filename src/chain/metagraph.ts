import type {ApiDecoration} from '@polkadot/api/types'
import type {Codec} from '@polkadot/types/types'
import {encodeAddress} from '@polkadot/util-crypto'
import {EXIT, LeadpoetError} from '../errors.js'
import type {ChainConnection, ChainHead} from './connection.js'
import {type ChainEpochPosition, type EpochClock, epochOfBlock, epochPosition} from './chain-epoch.js'
import {CHAIN_ERROR} from './error-codes.js'
import {SS58_PREFIX} from './wallet.js'

/**
 * One consistent reading of a subnet, all taken at the same block: the metagraph (uid -> hotkey,
 * permits, last updates) and the rules the chain applies to weights.
 */
export interface SubnetSnapshot {
  netuid: number
  head: ChainHead
  /** the runtime at the head: its spec and the transaction extensions its metadata declares */
  runtime: {specName: string; specVersion: number; extensions: string[]}
  /** how this runtime counts the subnet's epochs (see chain-epoch.ts) */
  clock: EpochClock
  /** the epoch of the block the next extrinsic lands in (the head's successor) */
  chainEpoch: ChainEpochPosition
  /** what each field of a `WeightCommits` entry is, as this runtime's metadata declares it */
  commitLayout: CommitLayout
  /** the runtime's minimum stake to set weights, and where it keeps it; null when it has none */
  minStake: {item: 'StakeThreshold' | 'WeightsMinStake'; threshold: bigint} | null
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
  const clock = await readEpochClock(connection, at, netuid, tempoN)
  const runtime = {
    specName: at.runtimeVersion.specName.toString(),
    specVersion: at.runtimeVersion.specVersion.toNumber(),
    extensions: [...at.registry.signedExtensions],
  }
  return {
    netuid,
    head,
    runtime,
    clock,
    chainEpoch: epochPosition(clock, head.block + 1),
    commitLayout: commitLayoutOf(at, clock),
    minStake: await readMinStake(connection, at),
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

/** One entry of the hotkey's on-chain v2 commits (`WeightCommits`), decoded by the runtime's layout. */
export interface OnChainCommit {
  hash: string
  /** the block the commit was included in, when the layout records it */
  commitBlock: number | null
  /** the chain epoch the commit belongs to: recorded by the runtime, or computed from its block */
  commitEpoch: number | null
}

/** A field of a `WeightCommits` tuple, by its name in the runtime's documentation of the item. */
export type CommitField =
  'hash' | 'commit_block' | 'commit_epoch' | 'first_reveal_block' | 'last_reveal_block' | 'unused'

export interface CommitLayout {
  fields: CommitField[]
  /** `metadata`: read from the item's documentation; `assumed`: the documentation did not name them */
  source: 'metadata' | 'assumed'
}

/** Layouts per the pallet source, for a runtime whose documentation does not name the fields. */
const ASSUMED_LAYOUT: Record<EpochClock['kind'], CommitField[]> = {
  // lib.rs before migrate_dynamic_tempo: (hash, commit_block, first_reveal_block, last_reveal_block)
  block_arithmetic: ['hash', 'commit_block', 'first_reveal_block', 'last_reveal_block'],
  // migrate_dynamic_tempo: every entry rewritten to (hash, commit_epoch, commit_block, 0)
  epoch_index: ['hash', 'commit_epoch', 'commit_block', 'unused'],
}

const FIELD_NAMES: Record<string, CommitField> = {
  hash: 'hash',
  commit_hash: 'hash',
  commit_block: 'commit_block',
  commit_epoch: 'commit_epoch',
  first_reveal_block: 'first_reveal_block',
  last_reveal_block: 'last_reveal_block',
}

/**
 * What each field of a `WeightCommits` entry holds, from the metadata: the item's value type gives the
 * tuple's shape, its documentation the field names (`VecDeque<(hash, commit_block, first_reveal_block,
 * last_reveal_block)>` up to spec 393; `VecDeque<(hash, commit_epoch, commit_block, _unused)>` on main
 * since migrate_dynamic_tempo). Names a runtime does not document are assumed from the pallet source.
 */
export function commitLayoutOf(at: ApiDecoration<'promise'>, clock: EpochClock): CommitLayout {
  const item = at.query.subtensorModule?.weightCommits
  const assumed: CommitLayout = {fields: ASSUMED_LAYOUT[clock.kind], source: 'assumed'}
  if (!item) return assumed
  const meta = item.creator.meta
  const valueType = meta.type.isMap ? meta.type.asMap.value : meta.type.asPlain
  const shape = /^Vec<\((.*)\)>$/.exec(at.registry.lookup.getTypeDef(valueType).type.replace(/\s/g, ''))
  const types = shape?.[1]?.split(',') ?? []
  const documented = /<\(([^)]*)\)>/.exec(meta.docs.map((line) => line.toString()).join(' '))
  const names = documented?.[1]?.split(',').map((name) => name.trim()) ?? []
  const fields = names.map((name) => (name.startsWith('_') || name === 'unused' ? 'unused' : FIELD_NAMES[name]))
  const fits =
    names.length === types.length &&
    types.length >= 2 &&
    fields.every((field) => field !== undefined) &&
    fields[0] === 'hash' &&
    (fields.includes('commit_block') || fields.includes('commit_epoch'))
  return fits ? {fields: fields, source: 'metadata'} : assumed
}

/** The hotkey's on-chain v2 commits (`WeightCommits`), or null when the runtime has no such item. */
export async function readOnChainCommits(
  connection: ChainConnection,
  snapshot: SubnetSnapshot,
  hotkey: string,
  blockHash: string = snapshot.head.hash,
): Promise<OnChainCommit[] | null> {
  const at = await connection.at(blockHash)
  const item = at.query.subtensorModule?.weightCommits
  if (!item) return null
  const value = await connection.call(`WeightCommits(${snapshot.netuid}, ${hotkey})`, () =>
    item(snapshot.netuid, hotkey),
  )
  const entries = (value.toJSON() as Array<Array<number | string>> | null) ?? []
  const {fields} = snapshot.commitLayout
  return entries.map((entry) => {
    if (!Array.isArray(entry) || entry.length !== fields.length) {
      throw new LeadpoetError(
        CHAIN_ERROR.chainUnsupported,
        `a WeightCommits entry has ${Array.isArray(entry) ? entry.length : 'no'} fields; this runtime declares ` +
          `(${fields.join(', ')})`,
        EXIT.error,
      )
    }
    const field = (name: CommitField): number | null => {
      const index = fields.indexOf(name)
      return index === -1 ? null : toSafeNumber(entry[index]!, `WeightCommits.${name}`)
    }
    const commitBlock = field('commit_block')
    const commitEpoch =
      field('commit_epoch') ?? (commitBlock === null ? null : epochOfBlock(snapshot.clock, commitBlock))
    return {hash: String(entry[fields.indexOf('hash')]), commitBlock, commitEpoch}
  })
}

/** Block arithmetic, or the scheduler's counter when this runtime keeps one (`SubnetEpochIndex`). */
async function readEpochClock(
  connection: ChainConnection,
  at: ApiDecoration<'promise'>,
  netuid: number,
  tempo: number,
): Promise<EpochClock> {
  const module = at.query.subtensorModule!
  const items = ['subnetEpochIndex', 'lastEpochBlock', 'pendingEpochAt', 'blocksSinceLastStep'] as const
  if (!items.every((item) => module[item])) return {kind: 'block_arithmetic', netuid, tempo}
  const [index, last, pending, sinceStep] = await connection.call(`the epoch schedule of subnet ${netuid}`, () =>
    at.queryMulti(items.map((item) => [module[item]!, netuid])),
  )
  return {
    kind: 'epoch_index',
    netuid,
    tempo,
    schedule: {
      tempo,
      subnetEpochIndex: toSafeNumber(index!, 'SubnetEpochIndex'),
      lastEpochBlock: toSafeNumber(last!, 'LastEpochBlock'),
      pendingEpochAt: toSafeNumber(pending!, 'PendingEpochAt'),
      blocksSinceLastStep: toSafeNumber(sinceStep!, 'BlocksSinceLastStep'),
    },
  }
}

/** `StakeThreshold` (dTAO and later) or `WeightsMinStake` (before), whichever this runtime keeps. */
async function readMinStake(
  connection: ChainConnection,
  at: ApiDecoration<'promise'>,
): Promise<SubnetSnapshot['minStake']> {
  for (const [item, name] of [
    ['stakeThreshold', 'StakeThreshold'],
    ['weightsMinStake', 'WeightsMinStake'],
  ] as const) {
    const query = at.query.subtensorModule?.[item]
    if (query) return {item: name, threshold: BigInt((await connection.call(name, () => query())).toString())}
  }
  return null
}

/** What the chain's minimum-stake rule says about a hotkey, before anything is sent. */
export interface StakeReading {
  verdict: 'pass' | 'fail' | 'unknown'
  detail: string
}

/**
 * Reads the hotkey's stake the way this runtime's `check_weights_min_stake` weighs it and compares it
 * with the minimum. By runtime:
 * - `WeightsMinStake` with `TotalHotkeyAlpha` (dTAO up to spec 218): the hotkey's alpha on the subnet,
 *   `TotalHotkeyAlpha(hotkey, netuid)` (checked on the spec-218 runtime).
 * - `WeightsMinStake` without it (before dTAO): `TotalHotkeyStake(hotkey)`.
 * - `StakeThreshold`: the stake weight, own alpha on the subnet plus `TaoWeight` times its root stake,
 *   and on main the subnet owner's hotkey is exempt. Stake inherited from parent keys is not read: a
 *   hotkey with parents below the minimum is left to the chain (`unknown`), never blocked here.
 */
export async function readWeightsStake(
  connection: ChainConnection,
  snapshot: SubnetSnapshot,
  hotkey: string,
): Promise<StakeReading> {
  const {minStake, netuid} = snapshot
  if (!minStake) return {verdict: 'pass', detail: 'this runtime has no minimum stake to set weights'}
  if (minStake.threshold === 0n) return {verdict: 'pass', detail: `${minStake.item} is 0: no minimum stake`}
  const at = await connection.at(snapshot.head.hash)
  const module = at.query.subtensorModule!
  const read = async (what: string, query: () => Promise<Codec>): Promise<bigint> =>
    BigInt((await connection.call(what, query)).toString())
  const compare = (stake: bigint, basis: string): StakeReading => ({
    verdict: stake >= minStake.threshold ? 'pass' : 'fail',
    detail:
      `${basis} is ${stake} ${stake >= minStake.threshold ? 'meets' : 'is below'} ` +
      `the runtime's minimum stake to set weights, ${minStake.item} ${minStake.threshold}`,
  })

  if (minStake.item === 'WeightsMinStake') {
    if (module.totalHotkeyAlpha) {
      const alpha = await read(`TotalHotkeyAlpha(${hotkey}, ${netuid})`, () => module.totalHotkeyAlpha!(hotkey, netuid))
      return compare(alpha, `the hotkey's alpha on subnet ${netuid}`)
    }
    if (module.totalHotkeyStake) {
      const stake = await read(`TotalHotkeyStake(${hotkey})`, () => module.totalHotkeyStake!(hotkey))
      return compare(stake, "the hotkey's total stake")
    }
    return {verdict: 'unknown', detail: "this runtime's stake storage is not one leadpoet reads; the chain decides"}
  }

  if (snapshot.subnetOwnerHotkey === hotkey)
    return {verdict: 'pass', detail: "the subnet owner's hotkey: exempt from StakeThreshold on main"}
  if (!module.totalHotkeyAlpha)
    return {verdict: 'unknown', detail: "this runtime's stake storage is not one leadpoet reads; the chain decides"}
  const alpha = await read(`TotalHotkeyAlpha(${hotkey}, ${netuid})`, () => module.totalHotkeyAlpha!(hotkey, netuid))
  const root = await read(`TotalHotkeyAlpha(${hotkey}, 0)`, () => module.totalHotkeyAlpha!(hotkey, 0))
  // TaoWeight is a fraction of u64::MAX
  const taoWeight = module.taoWeight ? await read('TaoWeight', () => module.taoWeight!()) : 0n
  const weighted = alpha + (root * taoWeight) / 0xffff_ffff_ffff_ffffn
  const reading = compare(weighted, `the hotkey's stake weight on subnet ${netuid} (alpha plus TaoWeight x root stake)`)
  if (reading.verdict === 'pass' || !module.parentKeys) return reading
  const parents = (
    await connection.call(`ParentKeys(${hotkey}, ${netuid})`, () => module.parentKeys!(hotkey, netuid))
  ).toJSON()
  if (Array.isArray(parents) && parents.length > 0)
    return {verdict: 'unknown', detail: `${reading.detail}, but it inherits stake from parent keys; the chain decides`}
  return reading
}

/**
 * Each hotkey's coldkey (`Owner`), read at the snapshot's block: whose keys are one owner's, for the
 * database's self-vote rule (a validator never judges a prospect of a miner with the same coldkey).
 * Hotkeys with no owner recorded (the all-zero account) are left out.
 */
export async function readHotkeyOwners(
  connection: ChainConnection,
  snapshot: SubnetSnapshot,
): Promise<Record<string, string>> {
  const at = await connection.at(snapshot.head.hash)
  const owner = at.query.subtensorModule?.owner
  if (!owner) throw unsupported(connection, 'SubtensorModule.owner')
  if (snapshot.hotkeys.length === 0) return {}
  const coldkeys = await connection.call(`the owners of subnet ${snapshot.netuid}'s hotkeys`, () =>
    at.queryMulti(snapshot.hotkeys.map((hotkey) => [owner, hotkey])),
  )
  const owners: Record<string, string> = {}
  snapshot.hotkeys.forEach((hotkey, uid) => {
    const coldkey = coldkeys[uid]!.toString()
    if (coldkey !== ZERO_ACCOUNT) owners[hotkey] = coldkey
  })
  return owners
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
