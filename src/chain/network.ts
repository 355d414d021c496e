import {EXIT, LeadpoetError} from '../errors.js'
import {CHAIN_ERROR} from './error-codes.js'

/** btcli's network names and their public endpoints. */
export const NETWORK_ENDPOINTS = {
  finney: 'wss://entrypoint-finney.opentensor.ai:443',
  test: 'wss://test.finney.opentensor.ai:443',
  local: 'ws://127.0.0.1:9944',
} as const

export type NetworkName = keyof typeof NETWORK_ENDPOINTS

export interface ResolvedNetwork {
  /** the btcli name, or 'custom' for an explicit URL */
  name: NetworkName | 'custom'
  endpoint: string
}

/** Accepts `finney`, `test`, `local` or a ws:// / wss:// URL. */
export function resolveNetwork(network: string): ResolvedNetwork {
  const trimmed = network.trim()
  if (Object.hasOwn(NETWORK_ENDPOINTS, trimmed)) {
    const name = trimmed as NetworkName
    return {name, endpoint: NETWORK_ENDPOINTS[name]}
  }
  let url: URL
  try {
    url = new URL(trimmed)
  } catch {
    throw unknownNetwork(network)
  }
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') throw unknownNetwork(network)
  return {name: 'custom', endpoint: trimmed}
}

function unknownNetwork(network: string): LeadpoetError {
  return new LeadpoetError(
    CHAIN_ERROR.networkUnknown,
    `unknown network "${network}": use finney, test, local or a ws:// or wss:// URL`,
    EXIT.usage,
  )
}
