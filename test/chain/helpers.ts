import {readFileSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {Keyring} from '@polkadot/keyring'
import type {KeyringPair} from '@polkadot/keyring/types'
import {Metadata, TypeRegistry} from '@polkadot/types'
import {compactFromU8a, compactToU8a, hexToU8a, stringToU8a, u8aConcat} from '@polkadot/util'
import {blake2AsHex, cryptoWaitReady, decodeAddress} from '@polkadot/util-crypto'
import {type ChainConnection, connectChain} from '../../src/chain/connection.js'
import type {ChainDeadlines} from '../../src/chain/deadline.js'
import {chainEpochIndex} from '../../src/chain/chain-epoch.js'
import {type ExtrinsicOutcome, OfflineChainProvider, type SubmittedExtrinsic} from '../support/offline-chain.js'
import type {NewPendingCommit} from '../../src/chain/pending-commits.js'

/** Real finney metadata, kept in the repository (see its README). */
export const FIXTURES_DIR = fileURLToPath(new URL('../fixtures/subtensor', import.meta.url))

/** Real finney runtime metadata, spec 393 (metadata v16). */
export function finneyMetadata(): Uint8Array {
  return new Uint8Array(readFileSync(path.join(FIXTURES_DIR, 'finney-spec393.scale')))
}

/** Real finney runtime metadata, spec 343 (metadata v15), unwrapped from its Option<OpaqueMetadata> hex. */
export function finneyMetadataV15(): Uint8Array {
  const bytes = hexToU8a(readFileSync(path.join(FIXTURES_DIR, 'finney-spec343-v15.hex'), 'utf8').trim())
  if (bytes[0] !== 1) throw new Error('expected Some(metadata)')
  const [offset, length] = compactFromU8a(bytes.subarray(1))
  return bytes.subarray(1 + offset, 1 + offset + length.toNumber())
}

/**
 * No runtime available here has the stateful epoch scheduler (main since 2026-05, spec >= 407), so
 * this is the spec-393 metadata with what that runtime adds for weights, per opentensor/subtensor:
 * - `SubnetEpochIndex`, `LastEpochBlock`, `PendingEpochAt`: `StorageMap<_, Identity, NetUid, u64>`
 *   (`pallets/subtensor/src/lib.rs`; `migrate_dynamic_tempo` seeds them), declared here like the
 *   existing `BlocksSinceLastStep` map of the same shape.
 * - `WeightCommits`, still `VecDeque<(H256, u64, u64, u64)>`, now documented
 *   "MAP (netuid, who) --> VecDeque<(hash, commit_epoch, commit_block, _unused)>" (lib.rs;
 *   migrate_dynamic_tempo rewrites every entry to `(hash, commit_epoch, commit_block, 0)`).
 * Serve it with `specVersion: 407`.
 */
export function finneyMetadataWithEpochIndex(): Uint8Array {
  const metadata = new Metadata(new TypeRegistry(), finneyMetadata())
  const v16 = metadata.asV16.toJSON() as {
    pallets: Array<{name: string; storage: {items: Array<{name: string; docs: string[]}>}}>
  }
  const items = v16.pallets.find((pallet) => pallet.name === 'SubtensorModule')!.storage.items
  const sameShape = items.find((item) => item.name === 'BlocksSinceLastStep')!
  for (const name of ['SubnetEpochIndex', 'LastEpochBlock', 'PendingEpochAt'])
    items.push({...sameShape, name, docs: [` --- MAP ( netuid ) --> ${name}`]})
  items.find((item) => item.name === 'WeightCommits')!.docs = [
    ' MAP (netuid, who) --> VecDeque<(hash, commit_epoch, commit_block, _unused)>',
    ' Stores a queue of commit-reveal-v2 commits for an account on a given netuid.',
  ]
  const encoded = new TypeRegistry().createType('MetadataV16', v16).toU8a()
  return u8aConcat(stringToU8a('meta'), new Uint8Array([16]), encoded)
}

/** A clock frozen at a fixed instant, so block timestamps and "seen at" are deterministic. */
export const FIXED_NOW = new Date('2026-03-01T12:00:00.000Z')

/** Deadlines short enough for tests, long enough for a loaded 2-core machine. */
export const TEST_DEADLINES: Partial<ChainDeadlines> = {
  connectMs: 20_000,
  callMs: 10_000,
  inclusionMs: 10_000,
  staleAfterMs: 120_000,
}

let keyring: Keyring | undefined
export async function devPair(uri: string): Promise<KeyringPair> {
  await cryptoWaitReady()
  keyring ??= new Keyring({type: 'sr25519', ss58Format: 42})
  return keyring.addFromUri(uri)
}

export interface SubnetSetup {
  netuid: number
  /** hotkey addresses by uid */
  hotkeys: string[]
  permits?: boolean[]
  lastUpdate?: number[]
  tempo?: number
  weightsSetRateLimit?: number
  weightsVersionKey?: number
  minAllowedWeights?: number
  commitRevealEnabled?: boolean
  revealPeriodEpochs?: number
  ownerHotkey?: string
  ownerColdkey?: string
  /** each uid's coldkey (`Owner`), by uid; an unset one reads as the all-zero account */
  coldkeys?: Array<string | undefined>
}

/** Writes a subnet into the offline chain's storage, encoded with the runtime metadata. */
export function writeSubnet(provider: OfflineChainProvider, setup: SubnetSetup): void {
  const {netuid, hotkeys} = setup
  const set = (item: string, keys: unknown[], value: unknown): void =>
    provider.setStorage('SubtensorModule', item, keys, value)
  set('NetworksAdded', [netuid], true)
  set('SubnetworkN', [netuid], hotkeys.length)
  hotkeys.forEach((hotkey, uid) => {
    set('Keys', [netuid, uid], hotkey)
    set('Uids', [netuid, hotkey], uid)
  })
  set('ValidatorPermit', [netuid], setup.permits ?? hotkeys.map(() => true))
  set('LastUpdate', [netuid], setup.lastUpdate ?? hotkeys.map(() => 0))
  set('Tempo', [netuid], setup.tempo ?? 360)
  set('WeightsSetRateLimit', [netuid], setup.weightsSetRateLimit ?? 100)
  set('WeightsVersionKey', [netuid], setup.weightsVersionKey ?? 0)
  set('MinAllowedWeights', [netuid], setup.minAllowedWeights ?? 1)
  set('CommitRevealWeightsEnabled', [netuid], setup.commitRevealEnabled ?? false)
  set('RevealPeriodEpochs', [netuid], setup.revealPeriodEpochs ?? 1)
  if (setup.ownerHotkey) set('SubnetOwnerHotkey', [netuid], setup.ownerHotkey)
  if (setup.ownerColdkey) set('SubnetOwner', [netuid], setup.ownerColdkey)
  setup.coldkeys?.forEach((coldkey, uid) => coldkey && set('Owner', [hotkeys[uid]], coldkey))
}

export function offlineChain(
  options: {headNumber?: number; metadata?: Uint8Array; specVersion?: number; now?: () => number} = {},
): OfflineChainProvider {
  return new OfflineChainProvider({
    metadata: options.metadata ?? finneyMetadata(),
    specVersion: options.specVersion,
    headNumber: options.headNumber ?? 10_000,
    now: options.now ?? (() => FIXED_NOW.getTime()),
  })
}

export async function connectOffline(
  provider: OfflineChainProvider,
  extra: {onHead?: (head: {block: number; seenAt: Date}) => Promise<void>; deadlines?: Partial<ChainDeadlines>} = {},
): Promise<ChainConnection> {
  return connectChain({
    network: 'local',
    provider,
    deadlines: {...TEST_DEADLINES, ...extra.deadlines},
    onHead: extra.onHead,
    now: () => FIXED_NOW,
  })
}

/**
 * The weights rules of Subtensor, enough to play the chain's part in commit-reveal tests: it keeps
 * WeightCommits and LastUpdate in the offline chain's storage and refuses what the pallet refuses.
 * Its commit hash is computed by hand (byte by byte), independently of src/chain/commit-hash.ts.
 */
export class SubtensorWeightsSimulator {
  readonly applied: Array<{netuid: number; uid: number; uids: number[]; weights: number[]; block: number}> = []
  readonly #provider: OfflineChainProvider
  readonly #subnets = new Map<number, SubnetSetup>()
  readonly #commits = new Map<string, Array<{hash: string; block: number}>>()
  readonly #lastUpdate = new Map<number, number[]>()

  constructor(provider: OfflineChainProvider) {
    this.#provider = provider
    provider.onExtrinsic = (tx) => this.#execute(tx)
  }

  addSubnet(setup: SubnetSetup): void {
    writeSubnet(this.#provider, setup)
    this.#subnets.set(setup.netuid, setup)
    this.#lastUpdate.set(setup.netuid, [...(setup.lastUpdate ?? setup.hotkeys.map(() => 0))])
  }

  commitsOf(netuid: number, hotkey: string): Array<{hash: string; block: number}> {
    return [...(this.#commits.get(`${netuid}/${hotkey}`) ?? [])]
  }

  #execute(tx: SubmittedExtrinsic): ExtrinsicOutcome {
    if (tx.section !== 'subtensorModule') return {kind: 'success'}
    const netuid = Number(tx.args.netuid)
    const subnet = this.#subnets.get(netuid)
    if (!subnet) return {kind: 'dispatch_error', pallet: 'SubtensorModule', error: 'SubnetNotExists'}
    const uid = subnet.hotkeys.indexOf(tx.signer)
    if (uid === -1) return {kind: 'dispatch_error', pallet: 'SubtensorModule', error: 'HotKeyNotRegisteredInSubNet'}
    const crOn = subnet.commitRevealEnabled ?? false
    const block = tx.blockNumber
    const lastUpdate = this.#lastUpdate.get(netuid)!
    const rateOk = lastUpdate[uid] === 0 || block - lastUpdate[uid]! >= (subnet.weightsSetRateLimit ?? 100)
    const tempo = subnet.tempo ?? 360
    const period = subnet.revealPeriodEpochs ?? 1
    const key = `${netuid}/${tx.signer}`

    if (tx.method === 'setWeights') {
      if (crOn) return failed('CommitRevealEnabled')
      if (!rateOk) return failed('SettingWeightsTooFast')
      this.#touch(netuid, uid, block)
      this.applied.push({netuid, uid, uids: tx.args.dests as number[], weights: tx.args.weights as number[], block})
      return {kind: 'success', events: [{SubtensorModule: {WeightsSet: [netuid, uid]}}]}
    }
    if (tx.method === 'commitWeights') {
      if (!crOn) return failed('CommitRevealDisabled')
      if (!rateOk) return failed('CommittingWeightsTooFast')
      const commits = this.#commits.get(key) ?? []
      commits.push({hash: String(tx.args.commitHash), block})
      this.#commits.set(key, commits)
      this.#writeCommits(netuid, tx.signer, commits, tempo, period)
      this.#touch(netuid, uid, block)
      return {kind: 'success', events: [{SubtensorModule: {WeightsCommitted: [tx.signer, netuid, tx.args.commitHash]}}]}
    }
    if (tx.method === 'revealWeights') {
      if (!crOn) return failed('CommitRevealDisabled')
      const commits = this.#commits.get(key) ?? []
      const hash = handmadeCommitHash(
        tx.signer,
        netuid,
        tx.args.uids as number[],
        tx.args.values as number[],
        tx.args.salt as number[],
        Number(tx.args.versionKey),
      )
      const position = commits.findIndex((c) => c.hash === hash)
      if (commits.length === 0) return failed('NoWeightsCommitFound')
      if (position === -1) return failed('InvalidRevealCommitHashNotMatch')
      const commitEpoch = epochIndexByHand(netuid, tempo, commits[position]!.block)
      const currentEpoch = epochIndexByHand(netuid, tempo, block)
      if (currentEpoch > commitEpoch + period) return failed('ExpiredWeightCommit')
      if (currentEpoch < commitEpoch + period) return failed('RevealTooEarly')
      commits.splice(0, position + 1)
      this.#writeCommits(netuid, tx.signer, commits, tempo, period)
      this.applied.push({netuid, uid, uids: tx.args.uids as number[], weights: tx.args.values as number[], block})
      return {kind: 'success', events: [{SubtensorModule: {WeightsRevealed: [tx.signer, netuid, hash]}}]}
    }
    return {kind: 'success'}
  }

  #touch(netuid: number, uid: number, block: number): void {
    const lastUpdate = this.#lastUpdate.get(netuid)!
    lastUpdate[uid] = block
    this.#provider.setStorage('SubtensorModule', 'LastUpdate', [netuid], lastUpdate)
  }

  #writeCommits(
    netuid: number,
    hotkey: string,
    commits: Array<{hash: string; block: number}>,
    tempo: number,
    period: number,
  ): void {
    if (commits.length === 0) {
      this.#provider.clearStorage('SubtensorModule', 'WeightCommits', [netuid, hotkey])
      return
    }
    this.#provider.setStorage(
      'SubtensorModule',
      'WeightCommits',
      [netuid, hotkey],
      commits.map(({hash, block}) => {
        const first = (epochIndexByHand(netuid, tempo, block) + period) * (tempo + 1) - (netuid + 1)
        return [hash, block, first, first + tempo]
      }),
    )
  }
}

function failed(error: string): ExtrinsicOutcome {
  return {kind: 'dispatch_error', pallet: 'SubtensorModule', error}
}

function epochIndexByHand(netuid: number, tempo: number, block: number): number {
  return Math.floor((block + netuid + 1) / (tempo + 1))
}

/** SCALE by hand: AccountId32 bytes, u16 LE, compact-length u16 vectors, u64 LE; then blake2-256. */
export function handmadeCommitHash(
  hotkey: string,
  netuid: number,
  uids: number[],
  values: number[],
  salt: number[],
  versionKey: number,
): string {
  const u16 = (n: number): Uint8Array => new Uint8Array([n & 0xff, (n >> 8) & 0xff])
  const vec = (items: number[]): Uint8Array => u8aConcat(compactToU8a(items.length), ...items.map(u16))
  const u64 = new Uint8Array(8)
  new DataView(u64.buffer).setBigUint64(0, BigInt(versionKey), true)
  return blake2AsHex(u8aConcat(decodeAddress(hotkey), u16(netuid), vec(uids), vec(values), vec(salt), u64), 256)
}

/** The first block of the epoch after the one `block` is in (for a subnet). */
export function nextEpochStart(netuid: number, tempo: number, block: number): number {
  return (chainEpochIndex(netuid, tempo, block) + 1) * (tempo + 1) - (netuid + 1)
}

/** A commit as the weights flow would save it: the fixture both PendingCommitStore tests share. */
export function pendingCommit(overrides: Partial<NewPendingCommit> = {}): NewPendingCommit {
  return {
    netuid: 71,
    hotkey: '5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY',
    uids: [1, 2],
    weights: [65535, 12],
    salt: [1, 2, 3, 4, 5, 6, 7, 8],
    versionKey: 0,
    commitHash: `0x${'aa'.repeat(32)}`,
    chainEpoch: 27,
    submittedAtBlock: 10_000,
    ...overrides,
  }
}
