import {blake2AsU8a, encodeAddress} from '@polkadot/util-crypto'
import {isHotkeyAddress} from './auth/core.js'
import {EXIT, LeadpoetError} from './errors.js'

/** Who is calling: the claims a JWT carries (PostgREST) or a direct adapter sets for its session. */
export const APP_ROLES = ['miner', 'validator', 'operator'] as const
export type AppRole = (typeof APP_ROLES)[number]

export interface Identity {
  /** an SS58 address; null only for the database owner acting as the operator (no hotkey of ours) */
  hotkey: string | null
  role: AppRole
}

/** A direct connection's owner acting as the operator without a hotkey, as the service-role key does. */
export const DATABASE_OWNER: Identity = {hotkey: null, role: 'operator'}

/** The request.jwt.claims the database functions read: the same shape for every adapter. */
export function requestClaims(identity: Identity): Record<string, string> {
  if (identity.hotkey === null) return {role: 'service_role'}
  return {role: 'authenticated', hotkey: identity.hotkey, app_role: identity.role}
}

/** A hotkey given by a person (flag, config): the database accepts only a canonical SS58 address of network 42. */
export function parseHotkey(text: string, source: string): string {
  if (!isHotkeyAddress(text)) {
    throw new LeadpoetError(
      'INVALID_HOTKEY',
      `${source} must be a hotkey's SS58 address (network 42), not ${JSON.stringify(text.slice(0, 80))}`,
      EXIT.usage,
    )
  }
  return text
}

/** How an identity is named in output and in run-lock scopes. */
export function describeIdentity(identity: Identity): string {
  return identity.hotkey ?? 'the database owner'
}

/**
 * A stand-in hotkey for a name (a simulated participant, a test's): a real SS58 address, the same for
 * the same name, derived from a hash, so nobody holds its key.
 */
export function hotkeyForName(name: string): string {
  return encodeAddress(blake2AsU8a(`leadpoet:${name}`, 256), 42)
}
