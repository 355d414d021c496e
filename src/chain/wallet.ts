import {readFile, stat} from 'node:fs/promises'
import {homedir} from 'node:os'
import path from 'node:path'
import {inspect} from 'node:util'
import {Keyring} from '@polkadot/keyring'
import type {KeyringPair} from '@polkadot/keyring/types'
import {u8aEq, u8aToHex} from '@polkadot/util'
import {cryptoWaitReady, decodeAddress, mnemonicValidate} from '@polkadot/util-crypto'
import {EXIT, LeadpoetError} from '../errors.js'
import {CHAIN_ERROR} from './error-codes.js'

/** Bittensor addresses use the generic Substrate SS58 prefix. */
export const SS58_PREFIX = 42

export const DEFAULT_WALLET_PATH = '~/.bittensor/wallets'

/** Load a hotkey from btcli's wallet layout: `<walletPath>/<wallet>/hotkeys/<hotkey>`. */
export interface HotkeyFileSource {
  wallet: string
  hotkey: string
  /** default: `$BT_WALLET_PATH`, else `~/.bittensor/wallets` */
  walletPath?: string
}

/** A secret URI such as `//Alice`, for local development chains. */
export interface HotkeyUriSource {
  uri: string
}

export interface LoadHotkeyOptions {
  /** environment to read `BT_WALLET_PATH` from (default `process.env`) */
  env?: NodeJS.ProcessEnv
  /** receives warnings (e.g. a world-readable key file); they are also kept on `Hotkey.warnings` */
  onWarning?: (warning: WalletWarning) => void
}

export interface WalletWarning {
  code: 'HOTKEY_FILE_WORLD_READABLE'
  message: string
  path: string
}

export type HotkeySourceDescription = {kind: 'file'; wallet: string; hotkey: string; path: string} | {kind: 'uri'}

/** The public side of a hotkey, safe to print and serialise. */
export interface HotkeyInfo {
  address: string
  publicKey: string
  source: HotkeySourceDescription
}

// The signing pair lives outside the object, so no enumeration, JSON or inspect can reach it.
const signingPairs = new WeakMap<Hotkey, KeyringPair>()

/**
 * A loaded validator hotkey. Holds the signing key without exposing it: `toJSON` and
 * `util.inspect` show only the address, public key and where it came from.
 */
export class Hotkey {
  readonly address: string
  readonly publicKey: string
  readonly source: HotkeySourceDescription
  readonly warnings: readonly WalletWarning[]

  constructor(pair: KeyringPair, source: HotkeySourceDescription, warnings: readonly WalletWarning[] = []) {
    this.address = pair.address
    this.publicKey = u8aToHex(pair.publicKey)
    this.source = source
    this.warnings = warnings
    signingPairs.set(this, pair)
  }

  toJSON(): HotkeyInfo {
    return {address: this.address, publicKey: this.publicKey, source: this.source}
  }

  [inspect.custom](): string {
    return `Hotkey ${this.address}`
  }
}

/** The signing pair of a loaded hotkey; for the chain module's signing code only. */
export function signingPairOf(hotkey: Hotkey): KeyringPair {
  const pair = signingPairs.get(hotkey)
  if (!pair)
    throw new LeadpoetError(CHAIN_ERROR.walletInvalid, 'this hotkey object was not created by loadHotkey', EXIT.error)
  return pair
}

/** Signs a message (a login challenge) with a loaded hotkey; the key itself never leaves this module. */
export function signWithHotkey(hotkey: Hotkey, message: Uint8Array | string): Uint8Array {
  return signingPairOf(hotkey).sign(message)
}

export function resolveWalletPath(walletPath: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const chosen = walletPath ?? env.BT_WALLET_PATH ?? DEFAULT_WALLET_PATH
  const expanded = chosen === '~' ? homedir() : chosen.startsWith('~/') ? path.join(homedir(), chosen.slice(2)) : chosen
  return path.resolve(expanded)
}

export function hotkeyFilePath(source: HotkeyFileSource, env: NodeJS.ProcessEnv = process.env): string {
  for (const [what, name] of [
    ['wallet', source.wallet],
    ['hotkey', source.hotkey],
  ] as const) {
    // names are single path segments in btcli's layout; anything else could escape the wallet directory
    if (
      name === '' ||
      name === '.' ||
      name === '..' ||
      name.includes('/') ||
      name.includes('\\') ||
      name.includes('\0')
    ) {
      throw new LeadpoetError(CHAIN_ERROR.walletInvalid, `invalid ${what} name ${JSON.stringify(name)}`, EXIT.usage)
    }
  }
  return path.join(resolveWalletPath(source.walletPath, env), source.wallet, 'hotkeys', source.hotkey)
}

export async function loadHotkey(
  source: HotkeyFileSource | HotkeyUriSource,
  options: LoadHotkeyOptions = {},
): Promise<Hotkey> {
  await cryptoWaitReady()
  const keyring = new Keyring({type: 'sr25519', ss58Format: SS58_PREFIX})
  if ('uri' in source) {
    let pair: KeyringPair
    try {
      pair = keyring.addFromUri(source.uri)
    } catch {
      // the URI is secret material: the message must not repeat it
      throw new LeadpoetError(
        CHAIN_ERROR.walletInvalid,
        'the hotkey URI is not a valid secret URI (expected e.g. //Alice or a mnemonic with derivation path)',
        EXIT.usage,
      )
    }
    return new Hotkey(pair, {kind: 'uri'})
  }
  return loadHotkeyFile(keyring, source, options)
}

async function loadHotkeyFile(keyring: Keyring, source: HotkeyFileSource, options: LoadHotkeyOptions): Promise<Hotkey> {
  const file = hotkeyFilePath(source, options.env)
  const described: HotkeySourceDescription = {kind: 'file', wallet: source.wallet, hotkey: source.hotkey, path: file}
  let text: string
  let mode: number
  try {
    mode = (await stat(file)).mode
    text = await readFile(file, 'utf8')
  } catch (error) {
    const reason =
      (error as NodeJS.ErrnoException).code === 'ENOENT'
        ? 'does not exist'
        : `cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`
    throw new LeadpoetError(CHAIN_ERROR.walletNotFound, `hotkey file ${file} ${reason}`, EXIT.usage, {path: file})
  }

  const warnings: WalletWarning[] = []
  if ((mode & 0o004) !== 0) {
    const warning: WalletWarning = {
      code: 'HOTKEY_FILE_WORLD_READABLE',
      message:
        `hotkey file ${file} is readable by every user on this machine (mode ${(mode & 0o777).toString(8)}); ` +
        `restrict it with: chmod 600 ${file}`,
      path: file,
    }
    warnings.push(warning)
    options.onWarning?.(warning)
  }

  const keyFile = parseKeyFile(text, file)
  let pair: KeyringPair
  try {
    pair =
      keyFile.secretPhrase !== undefined
        ? keyring.addFromMnemonic(keyFile.secretPhrase)
        : keyring.addFromUri(keyFile.secretSeed!)
  } catch {
    throw new LeadpoetError(
      CHAIN_ERROR.walletInvalid,
      `hotkey file ${file}: the ${keyFile.secretPhrase !== undefined ? 'secretPhrase' : 'secretSeed'} is not a valid sr25519 secret`,
      EXIT.usage,
      {path: file},
    )
  }

  let expected: Uint8Array
  try {
    expected = decodeAddress(keyFile.ss58Address)
  } catch {
    throw new LeadpoetError(
      CHAIN_ERROR.walletInvalid,
      `hotkey file ${file}: ss58Address is not a valid address`,
      EXIT.usage,
      {path: file},
    )
  }
  if (!u8aEq(expected, pair.publicKey)) {
    throw new LeadpoetError(
      CHAIN_ERROR.walletAddressMismatch,
      `hotkey file ${file}: its secret derives ${pair.address}, ` +
        `but the file says ss58Address ${keyFile.ss58Address}; refusing to sign with a key that is not the one named`,
      EXIT.usage,
      {path: file, derived: pair.address, declared: keyFile.ss58Address},
    )
  }
  return new Hotkey(pair, described, warnings)
}

interface KeyFileSecrets {
  secretPhrase?: string
  secretSeed?: string
  ss58Address: string
}

function parseKeyFile(text: string, file: string): KeyFileSecrets {
  if (text.startsWith('$NACL') || text.startsWith('$BTWALLET') || text.startsWith('$ANSIBLE_VAULT')) {
    throw new LeadpoetError(
      CHAIN_ERROR.walletInvalid,
      `hotkey file ${file} is encrypted; leadpoet reads unencrypted hotkeys only (as btcli creates them)`,
      EXIT.usage,
      {path: file},
    )
  }
  let data: unknown
  try {
    data = JSON.parse(text)
  } catch {
    // JSON.parse errors quote the input, which is secret: say only what is wrong
    throw new LeadpoetError(CHAIN_ERROR.walletInvalid, `hotkey file ${file} is not valid JSON`, EXIT.usage, {
      path: file,
    })
  }
  if (typeof data !== 'object' || data === null) {
    throw new LeadpoetError(CHAIN_ERROR.walletInvalid, `hotkey file ${file} is not a JSON object`, EXIT.usage, {
      path: file,
    })
  }
  const record = data as Record<string, unknown>
  const phrase =
    typeof record.secretPhrase === 'string' && record.secretPhrase.trim() !== ''
      ? record.secretPhrase.trim()
      : undefined
  const seed =
    typeof record.secretSeed === 'string' && /^0x[0-9a-fA-F]{64}$/.test(record.secretSeed)
      ? record.secretSeed
      : undefined
  if (typeof record.ss58Address !== 'string') {
    throw new LeadpoetError(
      CHAIN_ERROR.walletInvalid,
      `hotkey file ${file} has no ss58Address to check the key against`,
      EXIT.usage,
      {path: file},
    )
  }
  if (phrase !== undefined && !mnemonicValidate(phrase)) {
    throw new LeadpoetError(
      CHAIN_ERROR.walletInvalid,
      `hotkey file ${file}: secretPhrase is not a valid BIP-39 mnemonic`,
      EXIT.usage,
      {path: file},
    )
  }
  if (phrase === undefined && seed === undefined) {
    throw new LeadpoetError(
      CHAIN_ERROR.walletInvalid,
      `hotkey file ${file} has neither secretPhrase nor a 32-byte hex secretSeed (btwallet's privateKey alone is not supported)`,
      EXIT.usage,
      {path: file},
    )
  }
  return {secretPhrase: phrase, secretSeed: seed, ss58Address: record.ss58Address}
}
