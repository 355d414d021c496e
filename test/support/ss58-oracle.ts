import {u8aToHex} from '@polkadot/util'
import {base58Decode, checkAddress, checkAddressChecksum, decodeAddress, encodeAddress} from '@polkadot/util-crypto'

/** What leadpoet.ss58_decode returns for an address: its prefix and public key (hex), or null. */
export type Ss58Answer = {prefix: number; public_key: string} | null

/** The prefix an SS58 text claims, as @polkadot/util-crypto reads it; undefined when it is not Base58. */
function claimedPrefix(address: string): number | undefined {
  try {
    const decoded = base58Decode(address)
    return decoded.length === 0 ? undefined : checkAddressChecksum(decoded)[3]
  } catch {
    return undefined
  }
}

/** @polkadot/util-crypto's own verdict: checkAddress against the prefix the address claims. */
export function polkadotAccepts(address: string): boolean {
  const prefix = claimedPrefix(address)
  return prefix !== undefined && checkAddress(address, prefix)[0]
}

/**
 * The answer the SQL must give, from @polkadot/util-crypto: an address it accepts (checkAddress),
 * whose key is a 32-byte account id (not an account index nor a 33-byte key), spelt exactly as
 * encodeAddress spells that key and prefix (the canonical form).
 */
export function ss58AccountId(address: string): Ss58Answer {
  if (!polkadotAccepts(address)) return null
  const prefix = claimedPrefix(address)!
  const publicKey = decodeAddress(address, false, prefix)
  if (publicKey.length !== 32 || encodeAddress(publicKey, prefix) !== address) return null
  return {prefix, public_key: u8aToHex(publicKey, -1, false)}
}
