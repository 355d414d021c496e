/**
 * Writes test/fixtures/ss58-addresses.json: SS58 texts and the answer leadpoet.ss58_decode must give
 * for each, from @polkadot/util-crypto (see ss58-oracle.ts). `polkadot_accepts` is checkAddress's own
 * verdict: where it is true and `expected` is null, the SQL is stricter on purpose (a 33-byte key, an
 * account index, or a non-canonical spelling that polkadot.js also accepts).
 * Run: npx tsx test/support/generate-ss58-vectors.ts
 */
import {writeFile} from 'node:fs/promises'
import {Keyring} from '@polkadot/keyring'
import {stringToU8a, u8aConcat} from '@polkadot/util'
import {base58Encode, blake2AsU8a, cryptoWaitReady, encodeAddress} from '@polkadot/util-crypto'
import {polkadotAccepts, ss58AccountId} from './ss58-oracle.js'

const SS58_VECTORS = new URL('../fixtures/ss58-addresses.json', import.meta.url)

await cryptoWaitReady()
const sr25519 = new Keyring({type: 'sr25519', ss58Format: 42})
const alice = sr25519.addFromUri('//Alice').publicKey
const bob = sr25519.addFromUri('//Bob').publicKey
const aliceEcdsa = new Keyring({type: 'ecdsa', ss58Format: 42}).addFromUri('//Alice').publicKey // 33 bytes

/** An SS58 text assembled by hand, for the spellings encodeAddress never makes. */
function assemble(prefixBytes: number[], key: Uint8Array, checksumLength = 2): string {
  const body = u8aConcat(Uint8Array.from(prefixBytes), key)
  const checksum = blake2AsU8a(u8aConcat(stringToU8a('SS58PRE'), body), 512).subarray(0, checksumLength)
  return base58Encode(u8aConcat(body, checksum))
}

/** The text with the character at `index` (negative: from the end) replaced. */
function replaceAt(text: string, index: number, by: string): string {
  const at = index < 0 ? text.length + index : index
  return text.slice(0, at) + by + text.slice(at + 1)
}

/** A Base58 character other than `char`, so that the text stays Base58 but its bytes change. */
const otherChar = (char: string) => (char === 'z' ? 'y' : 'z')

const aliceAddress = encodeAddress(alice, 42)
const bobAddress = encodeAddress(bob, 42)
const zeros = new Uint8Array(32)
const ones = new Uint8Array(32).fill(0xff)

const cases: [name: string, address: string][] = [
  ['btwallet test vector', '5HDvhV6WDCjCKyrXqGQSDYqQAzkzabNhctmiDYEqgBC66BsX'],
  ['//Alice, sr25519, prefix 42', aliceAddress],
  ['//Bob, sr25519, prefix 42', bobAddress],
  ['//Alice, ed25519, prefix 42', new Keyring({type: 'ed25519', ss58Format: 42}).addFromUri('//Alice').address],
  ['all-zero key, prefix 42', encodeAddress(zeros, 42)],
  ['all-0xff key, prefix 42', encodeAddress(ones, 42)],
  ['//Alice, prefix 0 (Polkadot)', encodeAddress(alice, 0)],
  ['//Alice, prefix 1', encodeAddress(alice, 1)],
  ['//Alice, prefix 2 (Kusama)', encodeAddress(alice, 2)],
  ['//Alice, prefix 63: the last one-byte prefix', encodeAddress(alice, 63)],
  ['//Alice, prefix 64: the first two-byte prefix', encodeAddress(alice, 64)],
  ['//Alice, prefix 255', encodeAddress(alice, 255)],
  ['//Alice, prefix 256', encodeAddress(alice, 256)],
  ['//Alice, prefix 4242', encodeAddress(alice, 4242)],
  ['//Alice, prefix 16383: the last two-byte prefix', encodeAddress(alice, 16383)],
  ['all-zero key, prefix 0: leading 1s are zero bytes', encodeAddress(zeros, 0)],
  ['all-0xff key, prefix 16383', encodeAddress(ones, 16383)],
  ['all-zero key, prefix 0, one more leading 1', '1' + encodeAddress(zeros, 0)],
  ['all-zero key, prefix 0, one leading 1 less', encodeAddress(zeros, 0).slice(1)],
  ['reserved prefix 46, correct checksum', assemble([46], alice)],
  ['reserved prefix 47, correct checksum', assemble([47], alice)],
  ['reserved first byte 128-255, correct checksum', assemble([0x80, 0x00], alice)],
  ['prefix 42 in the two-byte form: another spelling of a prefix-42 address', assemble([0x4a, 0x80], alice)],
  ['prefix 64 with a one-byte checksum (35 bytes)', assemble([0x50, 0x00], alice, 1)],
  ['33-byte key (//Alice, ecdsa), prefix 42', encodeAddress(aliceEcdsa, 42)],
  ['33-byte key (//Alice, ecdsa), prefix 4242', encodeAddress(aliceEcdsa, 4242)],
  ['1-byte account index, prefix 42', encodeAddress(Uint8Array.of(7), 42)],
  ['2-byte account index, prefix 42', encodeAddress(Uint8Array.of(7, 1), 42)],
  ['4-byte account index, prefix 42', encodeAddress(Uint8Array.of(7, 1, 0, 0), 42)],
  ['8-byte account index, prefix 42', encodeAddress(Uint8Array.of(7, 1, 0, 0, 0, 0, 0, 0), 42)],
  ['31-byte key, correct checksum', assemble([42], alice.subarray(0, 31))],
  ['32-byte key with a 3-byte checksum', assemble([42], alice, 3)],
  ['//Alice, last character changed (checksum)', replaceAt(aliceAddress, -1, otherChar(aliceAddress.at(-1)!))],
  [
    '//Alice, second-to-last character changed (checksum)',
    replaceAt(aliceAddress, -2, otherChar(aliceAddress.at(-2)!)),
  ],
  ['//Bob, a middle character changed (key)', replaceAt(bobAddress, 20, otherChar(bobAddress[20]!))],
  ['//Alice, prefix 16383, last character changed', replaceAt(encodeAddress(alice, 16383), -1, 'z')],
  ['//Alice, last character dropped', aliceAddress.slice(0, -1)],
  ['//Alice, one character appended', aliceAddress + '1'],
  ['//Alice, one leading 1 added', '1' + aliceAddress],
  ['//Alice, with 0 (not Base58)', replaceAt(aliceAddress, 10, '0')],
  ['//Alice, with O (not Base58)', replaceAt(aliceAddress, 10, 'O')],
  ['//Alice, with I (not Base58)', replaceAt(aliceAddress, 10, 'I')],
  ['//Alice, with l (not Base58)', replaceAt(aliceAddress, 10, 'l')],
  ['//Alice, leading space', ' ' + aliceAddress],
  ['//Alice, trailing space', aliceAddress + ' '],
  ['//Alice, trailing newline', aliceAddress + '\n'],
  ['//Alice, leading tab', '\t' + aliceAddress],
  ['//Alice, trailing no-break space', aliceAddress + '\u00a0'],
  ['//Alice, a zero-width space inside', replaceAt(aliceAddress, 10, aliceAddress[10]! + '\u200b')],
  ['//Alice, fullwidth first digit', replaceAt(aliceAddress, 0, '\uff15')],
  ['//Alice, lowercase', aliceAddress.toLowerCase()],
  ['//Alice, uppercase', aliceAddress.toUpperCase()],
  ['//Alice, case of one letter swapped', replaceAt(aliceAddress, 1, aliceAddress[1]!.toLowerCase())],
  ['empty string', ''],
  ['a lone 1', '1'],
  ['35 ones: 35 zero bytes', '1'.repeat(35)],
  ['//Alice twice', aliceAddress + aliceAddress],
  ['1,000 z', 'z'.repeat(1000)],
  ['10,000 ones', '1'.repeat(10_000)],
  ['//Alice public key in hex', `0x${Buffer.from(alice).toString('hex')}`],
  ['not an address at all', 'validator-1'],
]

const vectors = cases.map(([name, address]) => ({
  name,
  address,
  polkadot_accepts: polkadotAccepts(address),
  expected: ss58AccountId(address),
}))
await writeFile(SS58_VECTORS, JSON.stringify(vectors, null, 2) + '\n')
process.stdout.write(`${vectors.length} vectors, ${vectors.filter((v) => v.expected).length} valid\n`)
