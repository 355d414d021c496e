import type {Hotkey} from '../chain/index.js'
// Not in the chain module's index: the signing pair stays inside src/ (see docs/chain.md, Wallet).
import {signingPairOf} from '../chain/wallet.js'
import type {ChallengeSigner} from './core.js'

/** A wallet hotkey (src/chain loadHotkey) as the signer of login challenges. */
export function hotkeySigner(hotkey: Hotkey): ChallengeSigner {
  const pair = signingPairOf(hotkey)
  return {address: hotkey.address, sign: (message) => pair.sign(message)}
}
