import {signWithHotkey, type Hotkey} from '../chain/index.js'
import type {ChallengeSigner} from './core.js'

/** A wallet hotkey (src/chain loadHotkey) as the signer of login challenges. */
export function hotkeySigner(hotkey: Hotkey): ChallengeSigner {
  return {address: hotkey.address, sign: (message) => signWithHotkey(hotkey, message)}
}
