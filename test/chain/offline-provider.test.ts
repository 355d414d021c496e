import {afterEach, beforeAll, describe, expect, test} from 'vitest'
import type {ChainConnection} from '../../src/chain/connection.js'
import {readSubnet, readUid} from '../../src/chain/metagraph.js'
import type {OfflineChainProvider} from '../support/offline-chain.js'
import {signWeightsExtrinsic, type WeightsCall} from '../../src/chain/submit.js'
import {type Hotkey, loadHotkey} from '../../src/chain/wallet.js'
import {connectOffline, offlineChain, writeSubnet} from './helpers.js'

const SET: WeightsCall = {call: 'set_weights', netuid: 1, uids: [0], weights: [65535], versionKey: 0}

let alice: Hotkey
let provider: OfflineChainProvider
let connection: ChainConnection | undefined
beforeAll(async () => {
  alice = await loadHotkey({uri: '//Alice'})
})
afterEach(async () => {
  await connection?.close()
  connection = undefined
})

describe('the offline node', () => {
  test('author_submitExtrinsic returns the hash and includes the extrinsic in the next block', async () => {
    provider = offlineChain({headNumber: 50})
    connection = await connectOffline(provider)
    const signed = await signWeightsExtrinsic(connection, alice, SET)
    const hash = await connection.api.rpc.author.submitExtrinsic(signed)
    expect(hash.toHex()).toBe(signed.hash.toHex())
    await new Promise((resolve) => setImmediate(resolve))
    expect(provider.included.map((tx) => [tx.method, tx.blockNumber, tx.hash])).toEqual([
      ['setWeights', 51, signed.hash.toHex()],
    ])
    expect(provider.head.number).toBe(51)
  })

  test('tracks nonces: the next extrinsic is signed with nonce 1; reusing nonce 0 is "outdated"', async () => {
    provider = offlineChain()
    connection = await connectOffline(provider)
    const first = await signWeightsExtrinsic(connection, alice, SET)
    await connection.api.rpc.author.submitExtrinsic(first)
    await new Promise((resolve) => setImmediate(resolve))
    const second = await signWeightsExtrinsic(connection, alice, SET)
    expect(second.nonce.toNumber()).toBe(1)
    await expect(connection.api.rpc.author.submitExtrinsic(first)).rejects.toThrow(/outdated/)
  })

  test('storage: set values are read back; cleared ones fall back to the metadata default', async () => {
    provider = offlineChain()
    connection = await connectOffline(provider)
    const query = connection.api.query.subtensorModule!
    provider.setStorage('SubtensorModule', 'Tempo', [3], 12)
    expect((await query.tempo!(3)).toString()).toBe('12')
    provider.clearStorage('SubtensorModule', 'Tempo', [3])
    expect((await query.tempo!(3)).toString()).toBe('360')
  })

  test("methods it does not serve fail like a node's unknown method", async () => {
    provider = offlineChain()
    await expect(provider.send('state_getReadProof', [[]])).rejects.toMatchObject({code: -32601})
  })

  test('Uids resolves a registered hotkey to its uid, as the pallet does', async () => {
    const bob = await loadHotkey({uri: '//Bob'})
    provider = offlineChain()
    writeSubnet(provider, {netuid: 4, hotkeys: [bob.address, alice.address]})
    connection = await connectOffline(provider)
    const subnet = await readSubnet(connection, 4, await connection.readHead())
    expect(await readUid(connection, subnet, alice.address)).toBe(1)
    expect(await readUid(connection, subnet, bob.address)).toBe(0)
    expect(await readUid(connection, subnet, (await loadHotkey({uri: '//Eve'})).address)).toBeNull()
  })
})
