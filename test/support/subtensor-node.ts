import type {AddressInfo} from 'node:net'
import {WebSocketServer, type WebSocket} from 'ws'
import type {OfflineChainProvider} from './offline-chain.js'

/**
 * The offline subtensor node (real finney metadata, storage set by the test) behind a real
 * WebSocket JSON-RPC endpoint on 127.0.0.1, so a spawned `leadpoet` connects to it exactly as to a
 * node: `--subtensor.network ws://127.0.0.1:PORT`.
 */
export interface SubtensorNode {
  url: string
  close(): Promise<void>
}

// Subscription methods and the notification type polkadot.js expects for each.
const SUBSCRIPTIONS: Record<string, string> = {
  chain_subscribeNewHeads: 'chain_newHead',
  chain_subscribeNewHead: 'chain_newHead',
  chain_subscribeFinalizedHeads: 'chain_finalizedHead',
  chain_subscribeFinalisedHeads: 'chain_finalizedHead',
  chain_subscribeAllHeads: 'chain_allHead',
  state_subscribeRuntimeVersion: 'state_runtimeVersion',
  state_subscribeStorage: 'state_storage',
  author_submitAndWatchExtrinsic: 'author_extrinsicUpdate',
}

export async function startSubtensorNode(provider: OfflineChainProvider): Promise<SubtensorNode> {
  await provider.connect()
  const server = new WebSocketServer({host: '127.0.0.1', port: 0})
  await new Promise<void>((resolve) => server.once('listening', () => resolve()))
  server.on('connection', (socket: WebSocket) => {
    const answer = async (data: Buffer) => {
      const request = JSON.parse(data.toString('utf8')) as {id: number; method: string; params: unknown[]}
      const reply = (body: Record<string, unknown>) =>
        socket.readyState === socket.OPEN && socket.send(JSON.stringify({jsonrpc: '2.0', ...body}))
      try {
        const type = SUBSCRIPTIONS[request.method]
        if (type) {
          // The node may notify before subscribe() has returned the id: hold those until it has.
          let id: string | number | undefined = undefined
          const early: unknown[] = []
          const notify = (result: unknown) => reply({method: type, params: {subscription: id, result}})
          id = await provider.subscribe(type, request.method, request.params, (error, result) => {
            if (error) return
            if (id === undefined) early.push(result)
            else notify(result)
          })
          reply({id: request.id, result: id})
          for (const result of early) notify(result)
        } else if (/_unsubscribe/.test(request.method)) {
          reply({id: request.id, result: await provider.unsubscribe('', request.method, String(request.params[0]))})
        } else {
          reply({id: request.id, result: await provider.send(request.method, request.params)})
        }
      } catch (error) {
        const e = error as {code?: number; message?: string}
        reply({id: request.id, error: {code: e.code ?? -32000, message: e.message ?? String(error)}})
      }
    }
    socket.on('message', (data: Buffer) => void answer(data))
  })
  const {port} = server.address() as AddressInfo
  return {
    url: `ws://127.0.0.1:${port}`,
    close: async () => {
      for (const client of server.clients) client.terminate()
      await new Promise<void>((resolve) => server.close(() => resolve()))
      await provider.disconnect()
    },
  }
}
