import {describe, expect, test} from 'vitest'
import {randomSalt, SALT_LENGTH, weightsCommitHash} from '../../src/chain/commit-hash.js'
import {devPair, handmadeCommitHash} from './helpers.js'

describe('commit-reveal v2 hash', () => {
  test('reproduces the reference vector (//Alice, netuid 1, uids [0,1], values [65535,100], salt 1..8, version 0)', async () => {
    const alice = await devPair('//Alice')
    const hash = weightsCommitHash({
      hotkey: alice.address,
      netuid: 1,
      uids: [0, 1],
      values: [65535, 100],
      salt: [1, 2, 3, 4, 5, 6, 7, 8],
      versionKey: 0,
    })
    expect(hash).toBe('0x9679ad4d55c910f4d03934a379e4f92abe803be586e851c46b2faa3aab424c8c')
  })

  test('accepts the hotkey as a hex public key as well as an SS58 address', async () => {
    const alice = await devPair('//Alice')
    const data = {netuid: 1, uids: [0, 1], values: [65535, 100], salt: [1, 2, 3, 4, 5, 6, 7, 8], versionKey: 0}
    const publicKey = `0x${Buffer.from(alice.publicKey).toString('hex')}`
    expect(weightsCommitHash({...data, hotkey: publicKey})).toBe(weightsCommitHash({...data, hotkey: alice.address}))
  })

  test('every bound field changes the hash, and it matches an independent byte-by-byte encoding', async () => {
    const alice = await devPair('//Alice')
    const bob = await devPair('//Bob')
    const base = {
      hotkey: alice.address,
      netuid: 71,
      uids: [3, 9, 12],
      values: [65535, 4000, 1],
      salt: [9, 8, 7, 6, 5, 4, 3, 2],
      versionKey: 843_000,
    }
    const hash = weightsCommitHash(base)
    expect(hash).toBe(handmadeCommitHash(base.hotkey, base.netuid, base.uids, base.values, base.salt, base.versionKey))
    const variants = [
      {...base, hotkey: bob.address},
      {...base, netuid: 72},
      {...base, uids: [3, 9, 13]},
      {...base, values: [65535, 4000, 2]},
      {...base, salt: [9, 8, 7, 6, 5, 4, 3, 1]},
      {...base, versionKey: 843_001},
    ]
    const hashes = new Set(variants.map((variant) => weightsCommitHash(variant)))
    expect(hashes.size).toBe(variants.length)
    expect(hashes.has(hash)).toBe(false)
  })

  test('random salts are 8 u16 values and differ between calls', () => {
    const a = randomSalt()
    const b = randomSalt()
    expect(a).toHaveLength(SALT_LENGTH)
    for (const value of [...a, ...b]) {
      expect(Number.isInteger(value) && value >= 0 && value <= 65535).toBe(true)
    }
    expect(a).not.toEqual(b)
  })
})
