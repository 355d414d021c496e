import {u8aToHex} from '@polkadot/util'
import {base58Decode, checkAddress, checkAddressChecksum} from '@polkadot/util-crypto'
import {decodeSs58Account} from '../../src/auth/core.js'

/** What leadpoet.ss58_decode returns for an address: its prefix and public key (hex), or null. */
export type Ss58Answer = {prefix: number; public_key: string} | null

/** @polkadot/util-crypto's own verdict: checkAddress against the prefix the address claims. */
export function polkadotAccepts(address: string): boolean {
  try {
    const decoded = base58Decode(address)
    return decoded.length > 0 && checkAddress(address, checkAddressChecksum(decoded)[3])[0]
  } catch {
    return false
  }
}

/** The answer the SQL must give: the TypeScript rule (decodeSs58Account), which is @polkadot's plus a canonical spelling. */
export function ss58AccountId(address: string): Ss58Answer {
  const account = decodeSs58Account(address)
  return account ? {prefix: account.prefix, public_key: u8aToHex(account.publicKey, -1, false)} : null
}
