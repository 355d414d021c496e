import {EventEmitter} from 'node:events'
import type {
  ProviderInterface,
  ProviderInterfaceCallback,
  ProviderInterfaceEmitCb,
  ProviderInterfaceEmitted,
} from '@polkadot/rpc-provider/types'
import {expandMetadata, Metadata, TypeRegistry} from '@polkadot/types'
import type {GenericExtrinsic} from '@polkadot/types'
import type {Header} from '@polkadot/types/interfaces'
import type {StorageEntry} from '@polkadot/types/primitive/types'
import {unwrapStorageType} from '@polkadot/types/util'
import {compactStripLength, compactToU8a, hexToU8a, isHex, stringCamelCase, u8aConcat, u8aToHex} from '@polkadot/util'
import {blake2AsHex, blake2AsU8a, encodeAddress, signatureVerify} from '@polkadot/util-crypto'

/**
 * An in-process Substrate node for offline use: it answers the JSON-RPC calls `@polkadot/api`
 * makes, from real runtime metadata and storage values its user sets, keeps a chain of headers,
 * and takes signed extrinsics into blocks (after verifying their signature). It does not execute
 * calls: what an extrinsic does is decided by `onExtrinsic`. Tests use it instead of a node.
 */

export type HexString = `0x${string}`

/** What the offline node does with a submitted extrinsic whose signature it has verified. */
export type ExtrinsicOutcome =
  /** put it in a new block; `events` are extra pallet events emitted before `System.ExtrinsicSuccess` */
  | {kind: 'success'; events?: readonly RuntimeEventJson[]}
  /** put it in a new block with `System.ExtrinsicFailed` carrying this pallet error */
  | {kind: 'dispatch_error'; pallet: string; error: string}
  /** the pool refuses it: the RPC call fails with this JSON-RPC error */
  | {kind: 'pool_rejection'; code: number; message: string; data?: string}
  /** accepted into the pool, never included */
  | {kind: 'pending'}
  /** accepted, then dropped from the pool */
  | {kind: 'dropped'}

/** A runtime event in polkadot-js JSON form, e.g. `{SubtensorModule: {WeightsSet: [1, 0]}}`. */
export type RuntimeEventJson = Record<string, unknown>

export interface SubmittedExtrinsic {
  hex: HexString
  hash: HexString
  signer: string
  nonce: number
  section: string
  method: string
  /** call arguments by camelCase name, in polkadot-js JSON form */
  args: Record<string, unknown>
  extrinsic: GenericExtrinsic
  /** the block the extrinsic would be included in */
  blockNumber: number
}

export interface OfflineChainOptions {
  /** raw SCALE runtime metadata (starting with the bytes `meta`) */
  metadata: Uint8Array | HexString
  specName?: string
  specVersion?: number
  transactionVersion?: number
  chainName?: string
  ss58Format?: number
  /** number of the block the chain starts at (its head) */
  headNumber?: number
  /** clock for block timestamps; tests pin it */
  now?: () => number
  /** decides what happens to each valid submitted extrinsic; default: success */
  onExtrinsic?: (extrinsic: SubmittedExtrinsic) => ExtrinsicOutcome | Promise<ExtrinsicOutcome>
}

interface BlockRecord {
  hash: HexString
  header: Header
  extrinsics: HexString[]
  /** SCALE-encoded `Vec<EventRecord>` for `System.Events` at this block */
  events: HexString
  timestampMs: number
}

interface Subscription {
  type: string
  callback: ProviderInterfaceCallback
  /** storage keys watched by a `state_subscribeStorage` subscription */
  storageKeys?: string[]
}

const NEW_HEAD_METHODS = new Set(['chain_subscribeNewHead', 'chain_subscribeNewHeads', 'chain_subscribeAllHeads'])
const FINALIZED_HEAD_METHODS = new Set(['chain_subscribeFinalizedHeads', 'chain_subscribeFinalisedHeads'])

export class OfflineChainProvider implements ProviderInterface {
  readonly hasSubscriptions = true
  readonly isClonable = false
  /** Registry over the same metadata, for encoding storage and decoding extrinsics. */
  readonly registry: TypeRegistry
  readonly metadata: Metadata
  /** every extrinsic that reached a block, in order */
  readonly included: SubmittedExtrinsic[] = []
  /** every RPC method called, in order (subscriptions included) */
  readonly calls: string[] = []
  onExtrinsic: (extrinsic: SubmittedExtrinsic) => ExtrinsicOutcome | Promise<ExtrinsicOutcome>

  readonly #emitter = new EventEmitter()
  readonly #storage = new Map<string, HexString>()
  readonly #blocks: BlockRecord[] = []
  readonly #byHash = new Map<string, BlockRecord>()
  readonly #nonces = new Map<string, number>()
  readonly #subscriptions = new Map<string, Subscription>()
  readonly #query: ReturnType<typeof expandMetadata>['query']
  readonly #options: Required<Omit<OfflineChainOptions, 'metadata' | 'onExtrinsic' | 'headNumber'>>
  #nextSubscriptionId = 1
  #connected = true
  #frozen = false
  #unresponsive = false

  constructor(options: OfflineChainOptions) {
    this.registry = new TypeRegistry()
    const metadataBytes = typeof options.metadata === 'string' ? hexToU8a(options.metadata) : options.metadata
    this.metadata = new Metadata(this.registry, metadataBytes)
    this.registry.setMetadata(this.metadata, undefined, undefined, true)
    this.#query = expandMetadata(this.registry, this.metadata).query
    this.#options = {
      specName: options.specName ?? 'node-subtensor',
      specVersion: options.specVersion ?? 393,
      transactionVersion: options.transactionVersion ?? 1,
      chainName: options.chainName ?? 'Bittensor (offline)',
      ss58Format: options.ss58Format ?? 42,
      now: options.now ?? Date.now,
    }
    this.onExtrinsic = options.onExtrinsic ?? (() => ({kind: 'success'}))
    this.#appendBlock(0, [], this.#encodeEvents([]))
    const headNumber = options.headNumber ?? 1
    if (headNumber > 0) this.#appendBlock(headNumber, [], this.#encodeEvents([]))
  }

  // ---- test controls -----------------------------------------------------------------------

  get head(): {number: number; hash: HexString; timestampMs: number} {
    const head = this.#head()
    return {number: head.header.number.toNumber(), hash: head.hash, timestampMs: head.timestampMs}
  }

  /** Sets a storage value, encoding key and value with the metadata: `setStorage('SubtensorModule', 'Tempo', [71], 360)`. */
  setStorage(pallet: string, item: string, keys: readonly unknown[], value: unknown): void {
    const entry = this.#entry(pallet, item)
    const type = unwrapStorageType(this.registry, entry.meta.type, false)
    // toU8a, not toHex: numbers' toHex is big-endian, storage holds SCALE (little-endian) bytes
    const encoded = u8aToHex(this.registry.createTypeUnsafe(type, [value]).toU8a())
    this.#storage.set(this.storageKey(pallet, item, keys), encoded)
  }

  /** Removes a storage value, so reads get the metadata default. */
  clearStorage(pallet: string, item: string, keys: readonly unknown[]): void {
    this.#storage.delete(this.storageKey(pallet, item, keys))
  }

  storageKey(pallet: string, item: string, keys: readonly unknown[]): HexString {
    const entry = this.#entry(pallet, item)
    // the decorated function returns the key as length-prefixed bytes
    const [, key] = compactStripLength(entry(...keys))
    return u8aToHex(key)
  }

  /** Appends blocks until the head has `number` (one block per step, or one jump when `jump`). */
  advanceTo(number: number, {jump = false}: {jump?: boolean} = {}): void {
    const current = this.head.number
    if (number <= current) return
    if (jump) {
      this.#appendBlock(number, [], this.#encodeEvents([]))
    } else {
      for (let n = current + 1; n <= number; n++) this.#appendBlock(n, [], this.#encodeEvents([]))
    }
  }

  /** Stops producing blocks for submitted extrinsics (they stay pending). */
  freeze(): void {
    this.#frozen = true
  }

  /** Keeps the connection open but never answers again: a half-open node. */
  becomeUnresponsive(): void {
    this.#unresponsive = true
  }

  nonceOf(address: string): number {
    return this.#nonces.get(this.#accountKey(address)) ?? 0
  }

  blockHashOf(number: number): HexString | undefined {
    return this.#blocks.find((block) => block.header.number.toNumber() === number)?.hash
  }

  // ---- ProviderInterface --------------------------------------------------------------------

  get isConnected(): boolean {
    return this.#connected
  }

  clone(): ProviderInterface {
    throw new Error('OfflineChainProvider cannot be cloned')
  }

  async connect(): Promise<void> {
    this.#connected = true
    this.#emitter.emit('connected')
  }

  async disconnect(): Promise<void> {
    this.#connected = false
    this.#subscriptions.clear()
    this.#emitter.emit('disconnected')
  }

  on(type: ProviderInterfaceEmitted, sub: ProviderInterfaceEmitCb): () => void {
    this.#emitter.on(type, sub)
    return () => {
      this.#emitter.removeListener(type, sub)
    }
  }

  async send<T = unknown>(method: string, params: unknown[]): Promise<T> {
    this.calls.push(method)
    if (!this.#connected) throw new Error('offline provider is disconnected')
    if (this.#unresponsive) return new Promise<T>(() => undefined)
    return (await this.#answer(method, params)) as T
  }

  async subscribe(
    type: string,
    method: string,
    params: unknown[],
    callback: ProviderInterfaceCallback,
  ): Promise<number | string> {
    this.calls.push(method)
    if (!this.#connected) throw new Error('offline provider is disconnected')
    if (this.#unresponsive) return new Promise<string>(() => undefined)
    const id = `sub-${this.#nextSubscriptionId++}`
    if (method === 'author_submitAndWatchExtrinsic') {
      const hex = params[0]
      if (typeof hex !== 'string' || !isHex(hex)) throw rpcError(-32602, 'Invalid params')
      // rejection must surface as the subscribe call failing, like a node's pool validation
      const step = await this.#accept(hex)
      this.#subscriptions.set(id, {type, callback})
      queueMicrotask(() => void this.#drive(id, step))
      return id
    }
    this.#subscriptions.set(id, {type, callback})
    if (NEW_HEAD_METHODS.has(method) || FINALIZED_HEAD_METHODS.has(method)) {
      const head = this.#head()
      queueMicrotask(() => this.#notify(id, head.header.toJSON()))
    } else if (method === 'state_subscribeRuntimeVersion') {
      queueMicrotask(() => this.#notify(id, this.#runtimeVersion()))
    } else if (method === 'state_subscribeStorage') {
      const storageKeys = (params[0] as string[] | undefined) ?? []
      this.#subscriptions.set(id, {type, callback, storageKeys})
      queueMicrotask(() => this.#notifyStorage(id))
    } else {
      this.#subscriptions.delete(id)
      throw rpcError(-32601, `Method not found: ${method}`)
    }
    return id
  }

  async unsubscribe(_type: string, _method: string, id: number | string): Promise<boolean> {
    return this.#subscriptions.delete(String(id))
  }

  // ---- RPC ----------------------------------------------------------------------------------

  async #answer(method: string, params: unknown[]): Promise<unknown> {
    switch (method) {
      case 'rpc_methods':
        return {version: 1, methods: [...RPC_METHODS]}
      case 'system_chain':
        return this.#options.chainName
      case 'system_name':
        return 'leadpoet-offline-node'
      case 'system_version':
        return '0.0.0'
      case 'system_properties':
        return {ss58Format: this.#options.ss58Format, tokenDecimals: 9, tokenSymbol: 'TAO'}
      case 'system_health':
        return {peers: 0, isSyncing: false, shouldHavePeers: false}
      case 'system_accountNextIndex':
        return this.nonceOf(String(params[0]))
      case 'state_getMetadata':
        return this.metadata.toHex()
      case 'state_getRuntimeVersion':
      case 'chain_getRuntimeVersion':
        return this.#runtimeVersion()
      case 'chain_getBlockHash': {
        const number = params[0]
        if (number === undefined || number === null) return this.#head().hash
        return this.blockHashOf(Number(number)) ?? null
      }
      case 'chain_getFinalizedHead':
      case 'chain_getFinalisedHead':
        return this.#head().hash
      case 'chain_getHeader':
        return this.#blockAt(params[0]).header.toJSON()
      case 'chain_getBlock': {
        const block = this.#blockAt(params[0])
        return {block: {header: block.header.toJSON(), extrinsics: block.extrinsics}, justifications: null}
      }
      case 'state_getStorage':
      case 'state_getStorageAt':
        return this.#read(String(params[0]), this.#blockAt(params[1]))
      case 'state_queryStorageAt': {
        const keys = params[0] as string[]
        const block = this.#blockAt(params[1])
        return [{block: block.hash, changes: keys.map((key) => [key, this.#read(key, block)])}]
      }
      case 'state_call':
        return this.#runtimeCall(String(params[0]), String(params[1]))
      case 'author_submitExtrinsic': {
        const hex = params[0]
        if (typeof hex !== 'string' || !isHex(hex)) throw rpcError(-32602, 'Invalid params')
        const step = await this.#accept(hex)
        queueMicrotask(() => this.#drive(null, step))
        return step.submitted.hash
      }
      default:
        throw rpcError(-32601, `Method not found: ${method}`)
    }
  }

  #runtimeCall(method: string, data: string): HexString {
    if (method === 'Metadata_metadata_versions') {
      return u8aToHex(this.registry.createType('Vec<u32>', [this.metadata.version]).toU8a())
    }
    if (method === 'Metadata_metadata_at_version') {
      const requested = this.registry.createType('u32', hexToU8a(data)).toNumber()
      if (requested !== this.metadata.version) return '0x00'
      const opaque = this.metadata.toU8a()
      return u8aToHex(u8aConcat(new Uint8Array([1]), compactToU8a(opaque.length), opaque))
    }
    if (method === 'AccountNonceApi_account_nonce') {
      const account = this.registry.createType('AccountId32', hexToU8a(data))
      return u8aToHex(this.registry.createType('u32', this.nonceOf(account.toString())).toU8a())
    }
    throw rpcError(-32601, `runtime call ${method} is not available offline`)
  }

  #read(key: string, block: BlockRecord): HexString | null {
    if (key === this.storageKey('System', 'Events', [])) return block.events
    if (key === this.storageKey('Timestamp', 'Now', []))
      return u8aToHex(this.registry.createType('u64', block.timestampMs).toU8a())
    return this.#storage.get(key) ?? null
  }

  #runtimeVersion(): Record<string, unknown> {
    return {
      specName: this.#options.specName,
      implName: this.#options.specName,
      authoringVersion: 1,
      specVersion: this.#options.specVersion,
      implVersion: 1,
      // only the metadata API: nonces then come over plain RPC (system_accountNextIndex)
      apis: [[METADATA_API_ID, 2]],
      transactionVersion: this.#options.transactionVersion,
      stateVersion: 1,
    }
  }

  // ---- blocks and extrinsics ----------------------------------------------------------------

  async #accept(hex: HexString): Promise<{submitted: SubmittedExtrinsic; outcome: ExtrinsicOutcome}> {
    let extrinsic: GenericExtrinsic
    try {
      extrinsic = this.registry.createType('Extrinsic', hex)
    } catch {
      throw rpcError(1002, 'Verification Error: Runtime error: Could not decode extrinsic')
    }
    if (!extrinsic.isSigned) throw rpcError(1010, 'Invalid Transaction', 'Transaction call is not expected')
    if (
      !verifyExtrinsicSignature(this.registry, extrinsic, (n) => this.blockHashOf(n), {
        specVersion: this.#options.specVersion,
        transactionVersion: this.#options.transactionVersion,
        genesisHash: this.#blocks[0]!.hash,
        headNumber: this.head.number,
      })
    ) {
      throw rpcError(1010, 'Invalid Transaction', 'Transaction has a bad signature')
    }
    const signer = extrinsic.signer.toString()
    const nonce = extrinsic.nonce.toNumber()
    const expected = this.nonceOf(signer)
    if (nonce < expected) throw rpcError(1010, 'Invalid Transaction', 'Transaction is outdated')
    if (nonce > expected) throw rpcError(1010, 'Invalid Transaction', 'Transaction will be valid in the future')
    const {section, method} = this.registry.findMetaCall(extrinsic.method.callIndex)
    const argNames = extrinsic.method.meta.args.map((arg) => arg.name.toString())
    const args: Record<string, unknown> = {}
    extrinsic.method.args.forEach((value, index) => {
      args[stringCamelCase(argNames[index] ?? String(index))] = value.toJSON()
    })
    const submitted: SubmittedExtrinsic = {
      hex,
      hash: extrinsic.hash.toHex(),
      signer,
      nonce,
      section,
      method,
      args,
      extrinsic,
      blockNumber: this.head.number + 1,
    }
    const outcome = await this.onExtrinsic(submitted)
    if (outcome.kind === 'pool_rejection') throw rpcError(outcome.code, outcome.message, outcome.data)
    return {submitted, outcome}
  }

  /** Moves an accepted extrinsic through the pool into a block; `id` is its watch subscription, if any. */
  #drive(id: string | null, {submitted, outcome}: {submitted: SubmittedExtrinsic; outcome: ExtrinsicOutcome}): void {
    this.#notify(id, 'ready')
    if (outcome.kind === 'pending' || outcome.kind === 'pool_rejection' || this.#frozen) return
    if (outcome.kind === 'dropped') {
      this.#notify(id, 'dropped')
      return
    }
    const systemEvent =
      outcome.kind === 'success'
        ? {System: {ExtrinsicSuccess: [DISPATCH_INFO]}}
        : {System: {ExtrinsicFailed: [{Module: this.#moduleError(outcome.pallet, outcome.error)}, DISPATCH_INFO]}}
    const palletEvents = outcome.kind === 'success' ? (outcome.events ?? []) : []
    const events = this.#encodeEvents([...palletEvents, systemEvent])
    this.#nonces.set(this.#accountKey(submitted.signer), submitted.nonce + 1)
    const block = this.#appendBlock(this.head.number + 1, [submitted.hex], events)
    this.included.push({...submitted, blockNumber: block.header.number.toNumber()})
    // no `finalized` right after: polkadot-js would let it supersede the in-block result
    this.#notify(id, {inBlock: block.hash})
  }

  #moduleError(pallet: string, error: string): {index: number; error: HexString} {
    const meta = this.metadata.asLatest.pallets.find((p) => p.name.toString() === pallet)
    if (!meta || meta.errors.isNone) throw new Error(`pallet ${pallet} has no errors in the metadata`)
    const variants = this.registry.lookup.getSiType(meta.errors.unwrap().type).def.asVariant.variants
    const variant = variants.find((v) => v.name.toString() === error)
    if (!variant) throw new Error(`pallet ${pallet} has no error ${error}`)
    const bytes = new Uint8Array(4)
    bytes[0] = variant.index.toNumber()
    return {index: meta.index.toNumber(), error: u8aToHex(bytes)}
  }

  /**
   * Encodes `System.Events` for one extrinsic at index 0. polkadot-js cannot build an event from
   * JSON, so each event is assembled from its pallet index, variant index and encoded fields.
   */
  #encodeEvents(events: readonly RuntimeEventJson[]): HexString {
    const phase = this.registry.createType('FrameSystemPhase', {ApplyExtrinsic: 0}).toU8a()
    const noTopics = new Uint8Array([0])
    const records = events.map((event) => u8aConcat(phase, this.#encodeEvent(event), noTopics))
    return u8aToHex(u8aConcat(compactToU8a(records.length), ...records))
  }

  #encodeEvent(event: RuntimeEventJson): Uint8Array {
    const [palletName, inner] = singleEntry(event)
    const [eventName, data] = singleEntry(inner as Record<string, unknown>)
    const pallet = this.metadata.asLatest.pallets.find((p) => p.name.toString() === palletName)
    if (!pallet || pallet.events.isNone) throw new Error(`pallet ${palletName} has no events in the metadata`)
    const variant = this.registry.lookup
      .getSiType(pallet.events.unwrap().type)
      .def.asVariant.variants.find((v) => v.name.toString() === eventName)
    if (!variant) throw new Error(`pallet ${palletName} has no event ${eventName}`)
    const fields = variant.fields.map((field, index) => {
      const value = Array.isArray(data)
        ? data[index]
        : (data as Record<string, unknown>)[field.name.unwrapOr(index).toString()]
      return this.registry.createTypeUnsafe(this.registry.createLookupType(field.type), [value]).toU8a()
    })
    return u8aConcat(new Uint8Array([pallet.index.toNumber(), variant.index.toNumber()]), ...fields)
  }

  #appendBlock(number: number, extrinsics: HexString[], events: HexString): BlockRecord {
    const parent = this.#blocks.at(-1)
    const header = this.registry.createType<Header>('Header', {
      parentHash: parent?.hash ?? new Uint8Array(32),
      number,
      stateRoot: blake2AsU8a(`state-${number}-${this.#blocks.length}`),
      extrinsicsRoot: blake2AsU8a(extrinsics.join('')),
      digest: {logs: []},
    })
    const block: BlockRecord = {hash: header.hash.toHex(), header, extrinsics, events, timestampMs: this.#options.now()}
    this.#blocks.push(block)
    this.#byHash.set(block.hash, block)
    for (const [id, sub] of this.#subscriptions) {
      if (sub.type.endsWith('newHead') || sub.type.endsWith('allHead') || sub.type.endsWith('finalizedHead')) {
        this.#notify(id, header.toJSON())
      } else if (sub.storageKeys) {
        this.#notifyStorage(id)
      }
    }
    return block
  }

  #head(): BlockRecord {
    return this.#blocks.at(-1)!
  }

  #blockAt(hash: unknown): BlockRecord {
    if (hash === undefined || hash === null) return this.#head()
    const key = typeof hash === 'string' ? hash : JSON.stringify(hash)
    const block = this.#byHash.get(key)
    if (!block) throw rpcError(4003, `Client error: UnknownBlock: header not found for ${key}`)
    return block
  }

  #notify(id: string | null, result: unknown): void {
    const sub = id === null ? undefined : this.#subscriptions.get(id)
    if (sub && !this.#unresponsive) sub.callback(null, result)
  }

  #notifyStorage(id: string): void {
    const keys = this.#subscriptions.get(id)?.storageKeys
    if (!keys) return
    const head = this.#head()
    this.#notify(id, {block: head.hash, changes: keys.map((key) => [key, this.#read(key, head)])})
  }

  #entry(pallet: string, item: string): StorageEntry {
    const section = this.#query[lowerFirst(pallet)]
    const entry = section?.[lowerFirst(item)]
    if (!entry) throw new Error(`storage ${pallet}.${item} is not in the metadata`)
    return entry
  }

  #accountKey(address: string): string {
    return encodeAddress(address, this.#options.ss58Format)
  }
}

/**
 * Rebuilds the payload a signed extrinsic commits to and checks its sr25519/ed25519 signature, the
 * way a node's pool does. `blockHashOf` resolves the era's birth block.
 */
export function verifyExtrinsicSignature(
  registry: TypeRegistry,
  extrinsic: GenericExtrinsic,
  blockHashOf: (number: number) => string | undefined,
  chain: {specVersion: number; transactionVersion: number; genesisHash: string; headNumber: number},
): boolean {
  if (!extrinsic.isSigned) return false
  const era = extrinsic.era
  const birthHash = era.isMortalEra ? blockHashOf(era.asMortalEra.birth(chain.headNumber)) : chain.genesisHash
  if (!birthHash) return false
  const payload = registry.createType(
    'ExtrinsicPayload',
    {
      method: extrinsic.method.toHex(),
      era: extrinsic.era,
      nonce: extrinsic.nonce,
      tip: extrinsic.tip,
      mode: extrinsic.mode,
      assetId: extrinsic.assetId,
      specVersion: chain.specVersion,
      transactionVersion: chain.transactionVersion,
      genesisHash: chain.genesisHash,
      blockHash: birthHash,
      metadataHash: undefined,
    },
    {version: extrinsic.type},
  )
  let message = payload.toU8a({method: true})
  if (message.length > 256) message = blake2AsU8a(message)
  return signatureVerify(message, extrinsic.signature.toU8a(), extrinsic.signer.toString()).isValid
}

const METADATA_API_ID = blake2AsHex('Metadata', 64)

const DISPATCH_INFO = {weight: {refTime: 1_000_000, proofSize: 0}, class: 'Normal', paysFee: 'Yes'}

const RPC_METHODS = [
  'author_submitAndWatchExtrinsic',
  'author_submitExtrinsic',
  'author_unwatchExtrinsic',
  'chain_getBlock',
  'chain_getBlockHash',
  'chain_getFinalizedHead',
  'chain_getHeader',
  'chain_getRuntimeVersion',
  'chain_subscribeAllHeads',
  'chain_subscribeFinalizedHeads',
  'chain_subscribeNewHeads',
  'chain_unsubscribeAllHeads',
  'chain_unsubscribeFinalizedHeads',
  'chain_unsubscribeNewHeads',
  'rpc_methods',
  'state_call',
  'state_getMetadata',
  'state_getRuntimeVersion',
  'state_getStorage',
  'state_queryStorageAt',
  'state_subscribeRuntimeVersion',
  'state_subscribeStorage',
  'state_unsubscribeStorage',
  'state_unsubscribeRuntimeVersion',
  'system_accountNextIndex',
  'system_chain',
  'system_health',
  'system_name',
  'system_properties',
  'system_version',
]

function singleEntry(value: Record<string, unknown>): [string, unknown] {
  const entries = Object.entries(value)
  if (entries.length !== 1) throw new Error(`expected one key in ${JSON.stringify(value)}`)
  return entries[0]!
}

function lowerFirst(name: string): string {
  return name.charAt(0).toLowerCase() + name.slice(1)
}

/** An error shaped like a node's JSON-RPC error; polkadot-js turns it into an RpcError message. */
function rpcError(code: number, message: string, data?: string): Error {
  return Object.assign(new Error(`${code}: ${message}${data ? `: ${data}` : ''}`), {code, data})
}
