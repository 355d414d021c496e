import {ApiPromise, WsProvider} from '@polkadot/api'
import type {ApiDecoration} from '@polkadot/api/types'
import type {ProviderInterface} from '@polkadot/rpc-provider/types'
import {EXIT, LeadpoetError} from '../errors.js'
import {type ChainDeadlines, resolveDeadlines, withDeadline} from './deadline.js'
import {CHAIN_ERROR} from './error-codes.js'
import {resolveNetwork, type ResolvedNetwork} from './network.js'
import type {RuntimeIdentity} from './pool-codes.js'

/** The newest block a command has seen, and when. The caller records it as the chain anchor. */
export interface ChainHeadSeen {
  block: number
  seenAt: Date
}

/** Port to the database: records the chain anchor. Called every time the chain head is read. */
export type ChainHeadSink = (head: ChainHeadSeen) => Promise<void>

export interface ChainHead extends ChainHeadSeen {
  hash: string
  /** the block's own timestamp (`Timestamp.Now`), null when the runtime has no timestamp pallet */
  producedAt: Date | null
}

export interface ConnectOptions {
  /** `finney`, `test`, `local` or a ws:// / wss:// URL */
  network: string
  /** use this provider instead of opening a WebSocket (the offline provider for tests and demos) */
  provider?: ProviderInterface
  deadlines?: Partial<ChainDeadlines>
  /** records each head read (the chain anchor) */
  onHead?: ChainHeadSink
  /** clock; tests pin it */
  now?: () => Date
}

/**
 * Subtensor's transaction extensions that polkadot-js does not know. All are empty structs with
 * empty implicit data (checked against the finney metadata of specs 343 and 393, and for the two
 * older `*SignedExtension`s against the spec-218 runtime), so declaring them empty is exact and
 * keeps the API from warning about them.
 */
const SUBTENSOR_EMPTY_EXTENSIONS = {
  SubtensorSignedExtension: {extrinsic: {}, payload: {}},
  CommitmentsSignedExtension: {extrinsic: {}, payload: {}},
  SudoTransactionExtension: {extrinsic: {}, payload: {}},
  CheckShieldedTxValidity: {extrinsic: {}, payload: {}},
  SubtensorTransactionExtension: {extrinsic: {}, payload: {}},
  DrandPriority: {extrinsic: {}, payload: {}},
}

/**
 * An open connection to a Subtensor node. Every call made through `call` has a deadline, and a
 * dropped socket fails calls in flight at once. Close it when done (`close`), also on errors.
 */
export class ChainConnection {
  readonly api: ApiPromise
  readonly network: ResolvedNetwork
  readonly deadlines: ChainDeadlines
  readonly #onHead: ChainHeadSink | undefined
  readonly #now: () => Date
  readonly #lost: Promise<never>
  #rejectLost: (error: Error) => void = () => undefined
  #closing = false

  constructor(
    api: ApiPromise,
    network: ResolvedNetwork,
    deadlines: ChainDeadlines,
    options: Pick<ConnectOptions, 'onHead' | 'now'>,
  ) {
    this.api = api
    this.network = network
    this.deadlines = deadlines
    this.#onHead = options.onHead
    this.#now = options.now ?? (() => new Date())
    this.#lost = new Promise<never>((_, reject) => {
      this.#rejectLost = reject
    })
    // observed only through races; keep an unobserved rejection from being reported
    this.#lost.catch(() => undefined)
    api.on('disconnected', () => {
      if (!this.#closing) this.#rejectLost(unreachable(network, 'the node closed the connection'))
    })
  }

  now(): Date {
    return this.#now()
  }

  /** The connected runtime's spec and the transaction extensions its metadata declares. */
  runtime(): RuntimeIdentity & {specName: string} {
    return {
      specName: this.api.runtimeVersion.specName.toString(),
      specVersion: this.api.runtimeVersion.specVersion.toNumber(),
      extensions: this.api.registry.signedExtensions,
    }
  }

  /** Runs one chain interaction under the call deadline; fails early if the connection drops. */
  async call<T>(what: string, work: () => Promise<T>, ms: number = this.deadlines.callMs): Promise<T> {
    return withDeadline(
      Promise.race([work(), this.#lost]),
      ms,
      () =>
        new LeadpoetError(
          CHAIN_ERROR.chainTimeout,
          `the node at ${this.network.endpoint} did not answer ${what} within ${formatMs(ms)}; ` +
            `it may be overloaded or the connection half-open`,
          EXIT.error,
          {endpoint: this.network.endpoint, what, deadlineMs: ms},
        ),
    )
  }

  /** A promise that rejects when the connection drops; for code that waits on subscriptions. */
  get lost(): Promise<never> {
    return this.#lost
  }

  /**
   * Reads the newest block, refuses a stalled chain (newest block older than `staleAfterMs`),
   * and hands the head to the chain-anchor sink.
   */
  async readHead(): Promise<ChainHead> {
    const header = await this.call('chain_getHeader', () => this.api.rpc.chain.getHeader())
    const hash = header.hash.toHex()
    const at = await this.at(hash)
    let producedAt: Date | null = null
    if (at.query.timestamp?.now) {
      const moment = await this.call('Timestamp.Now', () => at.query.timestamp!.now!())
      producedAt = new Date(Number(moment.toString()))
    }
    const head: ChainHead = {block: header.number.toNumber(), hash, seenAt: this.#now(), producedAt}
    if (producedAt && head.seenAt.getTime() - producedAt.getTime() > this.deadlines.staleAfterMs) {
      throw new LeadpoetError(
        CHAIN_ERROR.chainStalled,
        `the newest block the node at ${this.network.endpoint} knows (#${head.block}) was produced at ${producedAt.toISOString()}, ` +
          `${formatMs(head.seenAt.getTime() - producedAt.getTime())} ago: the chain is stalled or the node is not synced`,
        EXIT.error,
        {block: head.block, producedAt: producedAt.toISOString(), seenAt: head.seenAt.toISOString()},
      )
    }
    await this.recordHead({block: head.block, seenAt: head.seenAt})
    return head
  }

  /** Hands a head the caller has seen (e.g. an inclusion block) to the chain-anchor sink. */
  async recordHead(head: ChainHeadSeen): Promise<void> {
    if (this.#onHead) await this.#onHead(head)
  }

  /** The API decorated at a block, so several reads form one consistent snapshot. */
  async at(blockHash: string): Promise<ApiDecoration<'promise'>> {
    return this.call(`the runtime at block ${blockHash}`, () => this.api.at(blockHash))
  }

  async close(): Promise<void> {
    if (this.#closing) return
    this.#closing = true
    await this.api.disconnect().catch(() => undefined)
  }
}

/**
 * Opens a connection and loads the runtime metadata, within `connectMs`. Fails with
 * CHAIN_UNREACHABLE on a refused, dropped or silent (half-open) connection.
 */
export async function connectChain(options: ConnectOptions): Promise<ChainConnection> {
  const network = resolveNetwork(options.network)
  const deadlines = resolveDeadlines(options.deadlines)
  // no automatic reconnection: a command fails clearly and the operator's scheduler retries
  const provider = options.provider ?? new WsProvider(network.endpoint, false, {}, deadlines.callMs)
  const api = new ApiPromise({provider, noInitWarn: true, signedExtensions: SUBTENSOR_EMPTY_EXTENSIONS})

  let removeListeners = (): void => undefined
  const failed = new Promise<never>((_, reject) => {
    const onError = (error?: unknown): void => reject(unreachable(network, describeSocketError(error)))
    const onDisconnected = (): void => reject(unreachable(network, 'the connection was refused or closed'))
    api.on('error', onError)
    api.on('disconnected', onDisconnected)
    removeListeners = () => {
      api.off('error', onError)
      api.off('disconnected', onDisconnected)
    }
  })
  failed.catch(() => undefined)

  try {
    if (!provider.isConnected && !options.provider) await provider.connect()
    await withDeadline(Promise.race([api.isReadyOrError, failed]), deadlines.connectMs, () =>
      unreachable(
        network,
        `no answer within ${formatMs(deadlines.connectMs)} (the node may be down or the connection half-open)`,
      ),
    )
  } catch (error) {
    removeListeners()
    await api.disconnect().catch(() => undefined)
    if (error instanceof LeadpoetError) throw error
    throw unreachable(network, describeSocketError(error))
  }
  removeListeners()

  if (!api.tx.subtensorModule || !api.query.subtensorModule) {
    await api.disconnect().catch(() => undefined)
    throw new LeadpoetError(
      CHAIN_ERROR.chainUnsupported,
      `the node at ${network.endpoint} is not a Bittensor (Subtensor) chain: its runtime has no SubtensorModule pallet`,
      EXIT.error,
      {endpoint: network.endpoint},
    )
  }
  return new ChainConnection(api, network, deadlines, options)
}

/** Opens a connection, runs `work`, and always closes the connection. */
export async function withChain<T>(
  options: ConnectOptions,
  work: (connection: ChainConnection) => Promise<T>,
): Promise<T> {
  const connection = await connectChain(options)
  try {
    return await work(connection)
  } finally {
    await connection.close()
  }
}

function unreachable(network: ResolvedNetwork, reason: string): LeadpoetError {
  const label = network.name === 'custom' ? network.endpoint : `${network.name} (${network.endpoint})`
  return new LeadpoetError(CHAIN_ERROR.chainUnreachable, `cannot reach the chain at ${label}: ${reason}`, EXIT.error, {
    network: network.name,
    endpoint: network.endpoint,
  })
}

function describeSocketError(error: unknown): string {
  if (error instanceof Error && error.message) return error.message
  if (
    typeof error === 'object' &&
    error !== null &&
    'message' in error &&
    typeof error.message === 'string' &&
    error.message
  ) {
    return error.message
  }
  return 'the connection failed'
}

export function formatMs(ms: number): string {
  if (ms < 1000) return `${ms} ms`
  const seconds = ms / 1000
  if (seconds < 120) return `${Number.isInteger(seconds) ? seconds : seconds.toFixed(1)} s`
  return `${(seconds / 60).toFixed(1)} min`
}
