import {Metadata, TypeRegistry} from '@polkadot/types'
import type {GenericExtrinsic} from '@polkadot/types'
import {u8aConcat, u8aToHex, u8aToU8a} from '@polkadot/util'
import {blake2AsU8a, signatureVerify} from '@polkadot/util-crypto'
import {afterEach, beforeAll, describe, expect, test} from 'vitest'
import type {ChainConnection} from '../../src/chain/connection.js'
import {weightsCommitHash} from '../../src/chain/commit-hash.js'
import {MORTAL_ERA_PERIOD, signWeightsExtrinsic, type WeightsCall} from '../../src/chain/submit.js'
import {type Hotkey, loadHotkey} from '../../src/chain/wallet.js'
import {connectOffline, finneyMetadata, offlineChain} from './helpers.js'

// An independent decoder: a fresh registry over the fixture metadata, not the API's.
const registry = new TypeRegistry()
registry.setMetadata(new Metadata(registry, finneyMetadata()), undefined, undefined, true)

let connection: ChainConnection | undefined
let alice: Hotkey
beforeAll(async () => {
  alice = await loadHotkey({uri: '//Alice'})
})
afterEach(async () => {
  await connection?.close()
  connection = undefined
})

/**
 * The signed payload rebuilt byte by byte: call, then the explicit extension data exactly as it
 * sits in the extrinsic (era, nonce, tip, metadata-hash mode), then the implicit data (spec
 * version, transaction version, genesis hash, era birth block hash, no metadata hash).
 */
function signedPayload(
  extrinsic: GenericExtrinsic,
  chain: {specVersion: number; transactionVersion: number; genesisHash: string; birthHash: string},
): Uint8Array {
  const bytes = extrinsic.toU8a(true)
  const call = extrinsic.method.toU8a()
  const header = 1 + 33 + 65 // version byte, MultiAddress::Id, MultiSignature::Sr25519
  const explicit = bytes.subarray(header, bytes.length - call.length)
  const u32 = (n: number): Uint8Array => {
    const out = new Uint8Array(4)
    new DataView(out.buffer).setUint32(0, n, true)
    return out
  }
  const payload = u8aConcat(
    call,
    explicit,
    u32(chain.specVersion),
    u32(chain.transactionVersion),
    u8aToU8a(chain.genesisHash),
    u8aToU8a(chain.birthHash),
    new Uint8Array([0]),
  )
  return payload.length > 256 ? blake2AsU8a(payload) : payload
}

async function signAndDecode(call: WeightsCall): Promise<{
  decoded: GenericExtrinsic
  hex: string
  chain: {specVersion: number; transactionVersion: number; genesisHash: string; birthHash: string}
}> {
  const provider = offlineChain({headNumber: 20_000})
  connection = await connectOffline(provider)
  const signed = await signWeightsExtrinsic(connection, alice, call)
  const hex = signed.toHex()
  const decoded = registry.createType('Extrinsic', hex)
  const birth = decoded.era.asMortalEra.birth(provider.head.number)
  return {
    decoded,
    hex,
    chain: {
      specVersion: 393,
      transactionVersion: 1,
      genesisHash: provider.blockHashOf(0)!,
      birthHash: provider.blockHashOf(birth)!,
    },
  }
}

describe('weights extrinsics against the finney metadata', () => {
  const commitHash = weightsCommitHash({
    hotkey: '5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY',
    netuid: 71,
    uids: [1, 4],
    values: [65535, 321],
    salt: [1, 2, 3, 4, 5, 6, 7, 8],
    versionKey: 843_000,
  })
  const cases: Array<{call: WeightsCall; index: number; method: string; args: Record<string, unknown>}> = [
    {
      call: {call: 'set_weights', netuid: 71, uids: [1, 4, 9], weights: [65535, 321, 7], versionKey: 843_000},
      index: 0,
      method: 'setWeights',
      args: {netuid: 71, dests: [1, 4, 9], weights: [65535, 321, 7], versionKey: 843_000},
    },
    {
      call: {call: 'commit_weights', netuid: 71, commitHash},
      index: 96,
      method: 'commitWeights',
      args: {netuid: 71, commitHash},
    },
    {
      call: {
        call: 'reveal_weights',
        netuid: 71,
        uids: [1, 4],
        weights: [65535, 321],
        salt: [1, 2, 3, 4, 5, 6, 7, 8],
        versionKey: 843_000,
      },
      index: 97,
      method: 'revealWeights',
      args: {netuid: 71, uids: [1, 4], values: [65535, 321], salt: [1, 2, 3, 4, 5, 6, 7, 8], versionKey: 843_000},
    },
  ]

  test.each(cases)(
    '$call.call: decodes to SubtensorModule call #$index with its arguments, signed by the hotkey',
    async ({call, index, method, args}) => {
      const {decoded, chain} = await signAndDecode(call)
      expect(decoded.isSigned).toBe(true)
      expect([...decoded.method.callIndex]).toEqual([7, index])
      const meta = registry.findMetaCall(decoded.method.callIndex)
      expect(meta.section).toBe('subtensorModule')
      expect(meta.method).toBe(method)
      const decodedArgs = Object.fromEntries(
        decoded.method.meta.args.map((arg, i) => [arg.name.toString(), decoded.method.args[i]!.toJSON()]),
      )
      expect(decodedArgs).toEqual(args)

      expect(decoded.signer.toString()).toBe(alice.address)
      expect(decoded.nonce.toNumber()).toBe(0)
      expect(decoded.era.isMortalEra).toBe(true)
      expect(decoded.era.asMortalEra.period.toNumber()).toBe(MORTAL_ERA_PERIOD)

      const payload = signedPayload(decoded, chain)
      expect(signatureVerify(payload, decoded.signature.toU8a(), alice.address).isValid).toBe(true)
      // the same signature does not cover a different genesis (another chain)
      const otherChain = signedPayload(decoded, {...chain, genesisHash: u8aToHex(new Uint8Array(32).fill(1))})
      expect(signatureVerify(otherChain, decoded.signature.toU8a(), alice.address).isValid).toBe(false)
    },
  )

  test('changing one byte of the signed call invalidates the signature', async () => {
    const {decoded, hex, chain} = await signAndDecode(cases[0]!.call)
    const bytes = u8aToU8a(hex)
    bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 0x01 // last byte of version_key
    const tampered = registry.createType('Extrinsic', bytes)
    expect(tampered.method.args[3]!.toString()).not.toBe(decoded.method.args[3]!.toString())
    expect(signatureVerify(signedPayload(tampered, chain), tampered.signature.toU8a(), alice.address).isValid).toBe(
      false,
    )
  })
})
