import {blake2AsU8a, encodeAddress} from '@polkadot/util-crypto'
import {isHotkeyAddress} from './auth/core.js'
import {EXIT, LeadpoetError} from './errors.js'

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

/**
 * A stand-in hotkey for a name (a simulated participant, a test's): a real SS58 address, the same for
 * the same name, derived from a hash, so nobody holds its key.
 */
export function hotkeyForName(name: string): string {
  return encodeAddress(blake2AsU8a(`leadpoet:${name}`, 256), 42)
}
