import {EXIT, LeadpoetError} from '../errors.js'
import {CHAIN_ERROR} from './error-codes.js'

/**
 * How long each kind of chain interaction may take. Every network interaction runs under one of
 * these, so a dead node or half-open socket ends in an error instead of a hang.
 */
export interface ChainDeadlines {
  /** opening the socket and loading the runtime metadata */
  connectMs: number
  /** one RPC round trip (storage read, header, nonce) */
  callMs: number
  /** from submitting an extrinsic until it is in a block */
  inclusionMs: number
  /** the chain counts as stalled when its newest block is older than this, or no block arrives for this long */
  staleAfterMs: number
}

export const DEFAULT_DEADLINES: ChainDeadlines = {
  connectMs: 30_000,
  callMs: 20_000,
  // a mortal extrinsic lives 64 blocks (~13 min); waiting 5 min covers a congested pool
  inclusionMs: 300_000,
  staleAfterMs: 120_000,
}

export function resolveDeadlines(overrides: Partial<ChainDeadlines> | undefined): ChainDeadlines {
  const deadlines = {...DEFAULT_DEADLINES, ...overrides}
  for (const [name, value] of Object.entries(deadlines)) {
    if (!Number.isFinite(value) || value <= 0) {
      throw new LeadpoetError(
        CHAIN_ERROR.chainTimeout,
        `deadline ${name} must be a positive number of milliseconds, got ${String(value)}`,
        EXIT.usage,
      )
    }
  }
  return deadlines
}

/**
 * Settles with `work`, or rejects with `onTimeout()` once `ms` have passed. The timer is always
 * cleared so a finished call leaves no handle behind.
 */
export async function withDeadline<T>(work: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms)
  })
  try {
    return await Promise.race([work, expired])
  } finally {
    clearTimeout(timer)
  }
}
