import {existsSync, readFileSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {ApiPromise, WsProvider} from '@polkadot/api'
import type {SubmittableExtrinsic} from '@polkadot/api/types'
import type {KeyringPair} from '@polkadot/keyring/types'
import type {Codec} from '@polkadot/types/types'
import {bnToU8a, u8aToHex} from '@polkadot/util'
import {xxhashAsHex} from '@polkadot/util-crypto'

/**
 * A real Subtensor runtime for tests: the spec-218 runtime wasm of opentensor/subtensor's raonet
 * chain spec, run by @acala-network/chopsticks on 127.0.0.1. Blocks are built on demand: one per
 * submitted extrinsic, or by `advanceTo` (which jumps the block number when it must go far: the
 * runtime's epochs and rate limits are counted in block numbers, so a jump is what waiting would be).
 */

const WORKTREE = fileURLToPath(new URL('../..', import.meta.url))

/** The chain spec: `LEADPOET_RAONET_SPEC`, else `../shared/fixtures/subtensor/raonet.json` beside the repository. */
export function raonetSpecPath(): string {
  return process.env.LEADPOET_RAONET_SPEC ?? path.resolve(WORKTREE, '../shared/fixtures/subtensor/raonet.json')
}

export function raonetSpecPresent(): boolean {
  return existsSync(raonetSpecPath())
}

export interface SubtensorRuntime {
  url: string
  /** a client of the test's own, for setup calls and storage reads */
  api: ApiPromise
  /** `api.tx[section][method](...args)` */
  tx(section: string, method: string, ...args: unknown[]): SubmittableExtrinsic<'promise'>
  /** `api.query[section][item](...keys)` at the head */
  read(section: string, item: string, ...keys: unknown[]): Promise<Codec>
  head(): Promise<number>
  /** builds blocks until the head is `block` */
  advanceTo(block: number): Promise<void>
  /** signs, submits and waits for the block; a dispatch error is returned by its name */
  send(tx: SubmittableExtrinsic<'promise'>, signer: KeyringPair): Promise<{block: number; error: string | null}>
  /** `sudo.sudo(call)` signed by the sudo key; fails the test on a dispatch error */
  sudo(call: SubmittableExtrinsic<'promise'>): Promise<void>
  close(): Promise<void>
}

/** This runtime's slot: blocks advance its clock by 3 s each. */
const SLOT_MS = 3_000

/**
 * Boots the chain with `sudo` as its sudo key (the genesis key is not a dev key) and rich in balance,
 * its clock (`Timestamp.Now`) ten minutes ahead of the wall clock (a built block advances it by one
 * slot, 3 s, whatever the wall clock did), so the CLI, which refuses a stale head, takes it as live for
 * the whole file.
 */
export async function startRaonet(sudo: KeyringPair): Promise<SubtensorRuntime> {
  // chopsticks logs every block, and every refusal a test provokes on purpose
  process.env.LOG_LEVEL ??= 'fatal'
  // imported by name so the type checker never loads it: chopsticks augments @polkadot/api's types
  // for the whole program (api-augment), which is not the Subtensor runtime's shape
  const packageName: string = '@acala-network/chopsticks'
  const {setupWithServer} = (await import(packageName)) as {
    setupWithServer: (options: Record<string, unknown>) => Promise<{addr: string; close: () => Promise<void>}>
  }
  const spec = JSON.parse(readFileSync(raonetSpecPath(), 'utf8')) as {genesis: {raw: {top: Record<string, string>}}}
  const now = Math.ceil((Date.now() + 10 * 60_000) / SLOT_MS) * SLOT_MS
  spec.genesis.raw.top[xxhashAsHex('Timestamp', 128) + xxhashAsHex('Now', 128).slice(2)] = u8aToHex(
    bnToU8a(BigInt(now), {bitLength: 64}),
  )
  const chopsticks = await setupWithServer({
    genesis: spec,
    port: 0,
    host: '127.0.0.1',
    'build-block-mode': 'Instant',
    'runtime-log-level': 0,
    'import-storage': {
      Sudo: {Key: sudo.address},
      System: {Account: [[[sudo.address], {providers: 1, data: {free: 10n ** 18n}}]]},
    },
  })
  const url = `ws://${chopsticks.addr}`
  const api = await ApiPromise.create({
    provider: new WsProvider(url),
    noInitWarn: true,
    // spec 218's own transaction extensions, both empty
    signedExtensions: {
      SubtensorSignedExtension: {extrinsic: {}, payload: {}},
      CommitmentsSignedExtension: {extrinsic: {}, payload: {}},
    },
  })
  const head = async (): Promise<number> => (await api.rpc.chain.getHeader()).number.toNumber()

  // Nonces are counted here: right after "in block" the node may still answer the previous one.
  const nonces = new Map<string, number>()
  const send: SubtensorRuntime['send'] = async (tx, signer) => {
    const nonce = nonces.get(signer.address) ?? (await api.rpc.system.accountNextIndex(signer.address)).toNumber()
    nonces.set(signer.address, nonce + 1)
    return new Promise((resolve, reject) => {
      tx.signAndSend(signer, {nonce}, (result) => {
        const status = result.status
        if (!status.isInBlock && !status.isFinalized) return
        const blockHash = status.isInBlock ? status.asInBlock : status.asFinalized
        let error: string | null = null
        if (result.dispatchError) {
          error = result.dispatchError.isModule
            ? api.registry.findMetaError(result.dispatchError.asModule).name
            : result.dispatchError.type
        }
        api.rpc.chain.getHeader(blockHash).then((header) => resolve({block: header.number.toNumber(), error}), reject)
      }).catch((failure: unknown) => {
        nonces.delete(signer.address)
        reject(failure instanceof Error ? failure : new Error(String(failure)))
      })
    })
  }

  const section = <T>(root: Record<string, Record<string, T> | undefined>, name: string, member: string): T => {
    const found = root[name]?.[member]
    if (!found) throw new Error(`the runtime has no ${name}.${member}`)
    return found
  }
  return {
    url,
    api,
    tx: (name, method, ...args) =>
      section<(...values: unknown[]) => SubmittableExtrinsic<'promise'>>(api.tx, name, method)(...args),
    read: (name, item, ...keys) => section<(...values: unknown[]) => Promise<Codec>>(api.query, name, item)(...keys),
    head,
    async advanceTo(block) {
      const current = await head()
      if (block <= current) return
      // the CLI signs with its own nonces: start from the chain's again after blocks it may have filled
      nonces.clear()
      if (block === current + 1) await api.rpc('dev_newBlock', {count: 1})
      else await api.rpc('dev_newBlock', {unsafeBlockHeight: block})
    },
    send,
    async sudo(call) {
      const {error} = await send(
        section<(inner: unknown) => SubmittableExtrinsic<'promise'>>(api.tx, 'sudo', 'sudo')(call),
        sudo,
      )
      if (error) throw new Error(`sudo(${call.method.section}.${call.method.method}) failed: ${error}`)
      const events = (await api.query.system!.events!()) as unknown as Array<{
        event: {section: string; method: string; data: Codec[]}
      }>
      const sudid = events.find(({event}) => event.section === 'sudo' && event.method === 'Sudid')
      const outcome = sudid?.event.data[0]?.toJSON() as {err?: unknown} | undefined
      if (outcome?.err !== undefined)
        throw new Error(
          `sudo(${call.method.section}.${call.method.method}) failed inside: ${JSON.stringify(outcome.err)}`,
        )
    },
    async close() {
      await api.disconnect().catch(() => undefined)
      await chopsticks.close()
    },
  }
}
