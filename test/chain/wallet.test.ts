import {chmod, mkdir, mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {inspect} from 'node:util'
import {mnemonicToMiniSecret} from '@polkadot/util-crypto'
import {u8aToHex} from '@polkadot/util'
import {afterEach, beforeEach, describe, expect, test} from 'vitest'
import {CHAIN_ERROR} from '../../src/chain/error-codes.js'
import {hotkeyFilePath, loadHotkey, resolveWalletPath, type WalletWarning} from '../../src/chain/wallet.js'
import {LeadpoetError} from '../../src/errors.js'
import {devPair} from './helpers.js'

// Public btwallet test vector (fixtures README)
const PHRASE = 'old leopard transfer rib spatial phone calm indicate online fire caution review'
const ADDRESS = '5HDvhV6WDCjCKyrXqGQSDYqQAzkzabNhctmiDYEqgBC66BsX'
const PUBLIC_KEY = '0xe4359ad3e2716c539a1d663ebd0a51bdc5c98a12e663bb4c4402db47828c9446'
const SEED = u8aToHex(mnemonicToMiniSecret(PHRASE))

let walletPath: string
beforeEach(async () => {
  walletPath = await mkdtemp(path.join(tmpdir(), 'leadpoet-wallet-'))
})
afterEach(async () => {
  await rm(walletPath, {recursive: true, force: true})
})

async function writeHotkey(content: unknown, mode = 0o600, wallet = 'validator', hotkey = 'default'): Promise<string> {
  const dir = path.join(walletPath, wallet, 'hotkeys')
  await mkdir(dir, {recursive: true})
  const file = path.join(dir, hotkey)
  await writeFile(file, typeof content === 'string' ? content : JSON.stringify(content))
  await chmod(file, mode)
  return file
}

function btwalletFile(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    accountId: PUBLIC_KEY,
    publicKey: PUBLIC_KEY,
    privateKey: '0xnot-used-by-leadpoet',
    secretPhrase: PHRASE,
    secretSeed: SEED,
    ss58Address: ADDRESS,
    ...overrides,
  }
}

async function expectCode(promise: Promise<unknown>, code: string): Promise<LeadpoetError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(LeadpoetError)
  expect((error as LeadpoetError).code).toBe(code)
  return error as LeadpoetError
}

function assertNoSecret(text: string): void {
  expect(text).not.toContain(PHRASE)
  for (const word of ['leopard', 'spatial', 'caution']) expect(text).not.toContain(word)
  expect(text.toLowerCase()).not.toContain(SEED.slice(2).toLowerCase())
}

describe('loading a btcli hotkey', () => {
  test('derives the public vector address from secretPhrase', async () => {
    await writeHotkey(btwalletFile())
    const hotkey = await loadHotkey({wallet: 'validator', hotkey: 'default', walletPath})
    expect(hotkey.address).toBe(ADDRESS)
    expect(hotkey.publicKey).toBe(PUBLIC_KEY)
    expect(hotkey.warnings).toEqual([])
    expect(hotkey.source).toEqual({
      kind: 'file',
      wallet: 'validator',
      hotkey: 'default',
      path: path.join(walletPath, 'validator', 'hotkeys', 'default'),
    })
  })

  test('derives the same key from secretSeed alone', async () => {
    await writeHotkey(btwalletFile({secretPhrase: undefined}))
    const hotkey = await loadHotkey({wallet: 'validator', hotkey: 'default', walletPath})
    expect(hotkey.address).toBe(ADDRESS)
  })

  test('finds the wallet under BT_WALLET_PATH when no path is given', async () => {
    await writeHotkey(btwalletFile(), 0o600, 'ops', 'hk1')
    const hotkey = await loadHotkey({wallet: 'ops', hotkey: 'hk1'}, {env: {BT_WALLET_PATH: walletPath}})
    expect(hotkey.address).toBe(ADDRESS)
    expect(resolveWalletPath(undefined, {})).toMatch(/\.bittensor\/wallets$/)
  })

  test('refuses a file whose secret does not derive its ss58Address', async () => {
    const bob = await devPair('//Bob')
    await writeHotkey(btwalletFile({ss58Address: bob.address}))
    const error = await expectCode(
      loadHotkey({wallet: 'validator', hotkey: 'default', walletPath}),
      CHAIN_ERROR.walletAddressMismatch,
    )
    expect(error.message).toContain(ADDRESS)
    expect(error.message).toContain(bob.address)
    assertNoSecret(error.message)
    assertNoSecret(JSON.stringify(error.details))
  })

  test('warns, without printing, when the key file is world-readable', async () => {
    const file = await writeHotkey(btwalletFile(), 0o644)
    const received: WalletWarning[] = []
    const hotkey = await loadHotkey(
      {wallet: 'validator', hotkey: 'default', walletPath},
      {onWarning: (w) => received.push(w)},
    )
    expect(received).toHaveLength(1)
    expect(received[0]).toMatchObject({code: 'HOTKEY_FILE_WORLD_READABLE', path: file})
    expect(received[0]?.message).toContain('chmod 600')
    expect(hotkey.warnings).toEqual(received)
  })

  test('never exposes secret material through JSON, inspect, enumeration or errors', async () => {
    await writeHotkey(btwalletFile())
    const hotkey = await loadHotkey({wallet: 'validator', hotkey: 'default', walletPath})
    assertNoSecret(JSON.stringify(hotkey))
    assertNoSecret(inspect(hotkey, {depth: 10, showHidden: true}))
    assertNoSecret(JSON.stringify(Object.entries(hotkey)))
    expect(JSON.parse(JSON.stringify(hotkey))).toEqual({address: ADDRESS, publicKey: PUBLIC_KEY, source: hotkey.source})

    // malformed JSON: the parser's message would quote the file; ours must not
    await writeHotkey(`{"secretPhrase": "${PHRASE}", oops`)
    const broken = await expectCode(
      loadHotkey({wallet: 'validator', hotkey: 'default', walletPath}),
      CHAIN_ERROR.walletInvalid,
    )
    assertNoSecret(broken.message)
    // an invalid mnemonic: the message names the field, not its content
    await writeHotkey(btwalletFile({secretPhrase: `${PHRASE} extra`}))
    const invalid = await expectCode(
      loadHotkey({wallet: 'validator', hotkey: 'default', walletPath}),
      CHAIN_ERROR.walletInvalid,
    )
    assertNoSecret(invalid.message)
  })

  test('explains missing, secret-less and encrypted files', async () => {
    await expectCode(loadHotkey({wallet: 'validator', hotkey: 'absent', walletPath}), CHAIN_ERROR.walletNotFound)
    await writeHotkey(btwalletFile({secretPhrase: undefined, secretSeed: undefined}))
    const noSecret = await expectCode(
      loadHotkey({wallet: 'validator', hotkey: 'default', walletPath}),
      CHAIN_ERROR.walletInvalid,
    )
    expect(noSecret.message).toContain('secretPhrase')
    await writeHotkey('$NACL-encrypted-bytes')
    const encrypted = await expectCode(
      loadHotkey({wallet: 'validator', hotkey: 'default', walletPath}),
      CHAIN_ERROR.walletInvalid,
    )
    expect(encrypted.message).toContain('encrypted')
  })

  test('refuses wallet and hotkey names that leave the wallet directory', () => {
    for (const name of ['..', '../x', 'a/b', '']) {
      expect(() => hotkeyFilePath({wallet: name, hotkey: 'default', walletPath})).toThrow(
        expect.objectContaining({code: CHAIN_ERROR.walletInvalid}),
      )
      expect(() => hotkeyFilePath({wallet: 'validator', hotkey: name, walletPath})).toThrow(
        expect.objectContaining({code: CHAIN_ERROR.walletInvalid}),
      )
    }
  })
})

describe('a secret URI for local chains', () => {
  test('//Alice gives the well-known dev account', async () => {
    const hotkey = await loadHotkey({uri: '//Alice'})
    expect(hotkey.address).toBe('5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY')
    expect(hotkey.source).toEqual({kind: 'uri'})
    expect(JSON.stringify(hotkey)).not.toContain('Alice')
  })

  test('an invalid URI is refused without echoing it', async () => {
    const error = await expectCode(loadHotkey({uri: 'not a valid secret uri words here'}), CHAIN_ERROR.walletInvalid)
    expect(error.message).not.toContain('not a valid secret uri words here')
  })
})
