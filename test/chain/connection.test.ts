import {createHash} from 'node:crypto'
import {createServer, type Server, type Socket} from 'node:net'
import {afterEach, describe, expect, test} from 'vitest'
import {connectChain, withChain} from '../../src/chain/connection.js'
import {CHAIN_ERROR} from '../../src/chain/error-codes.js'
import {NETWORK_ENDPOINTS, resolveNetwork} from '../../src/chain/network.js'
import {LeadpoetError} from '../../src/errors.js'
import {connectOffline, offlineChain} from './helpers.js'

const servers: Server[] = []
const sockets = new Set<Socket>()
afterEach(async () => {
  for (const socket of sockets) socket.destroy()
  sockets.clear()
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))))
})

/** A TCP server on 127.0.0.1 that does `onConnection` with each socket and never answers otherwise. */
async function listen(onConnection: (socket: Socket) => void = () => undefined): Promise<number> {
  const server = createServer((socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => undefined)
    onConnection(socket)
  })
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  if (typeof address !== 'object' || address === null) throw new Error('no port')
  return address.port
}

/** Completes the WebSocket opening handshake (RFC 6455), then stays silent: a half-open node. */
function acceptWebSocketThenIgnore(socket: Socket): void {
  let request = ''
  socket.on('data', (chunk) => {
    if (request.includes('\r\n\r\n')) return // frames after the handshake are ignored
    request += chunk.toString('latin1')
    if (!request.includes('\r\n\r\n')) return
    const key = /sec-websocket-key:\s*(\S+)/i.exec(request)?.[1] ?? ''
    const accept = createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64')
    socket.write(
      `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`,
    )
  })
}

async function failure(promise: Promise<unknown>): Promise<LeadpoetError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(LeadpoetError)
  return error as LeadpoetError
}

describe('networks', () => {
  test('btcli names map to their endpoints; URLs pass through; anything else is refused', () => {
    expect(resolveNetwork('finney')).toEqual({name: 'finney', endpoint: 'wss://entrypoint-finney.opentensor.ai:443'})
    expect(resolveNetwork('test')).toEqual({name: 'test', endpoint: 'wss://test.finney.opentensor.ai:443'})
    expect(resolveNetwork('local')).toEqual({name: 'local', endpoint: NETWORK_ENDPOINTS.local})
    expect(resolveNetwork('wss://node.example:9944')).toEqual({name: 'custom', endpoint: 'wss://node.example:9944'})
    for (const bad of ['mainnet', 'http://127.0.0.1:9944', '', 'toString']) {
      expect(() => resolveNetwork(bad)).toThrow(expect.objectContaining({code: CHAIN_ERROR.networkUnknown}))
    }
  })
})

describe('connection failures end in an error within the deadline', () => {
  test('connection refused', async () => {
    const port = await listen()
    await new Promise((resolve) => servers.pop()!.close(resolve)) // free the port: nothing listens there now
    const started = Date.now()
    const error = await failure(connectChain({network: `ws://127.0.0.1:${port}`, deadlines: {connectMs: 20_000}}))
    expect(error.code).toBe(CHAIN_ERROR.chainUnreachable)
    expect(error.exitCode).not.toBe(0)
    expect(error.message).toContain(`ws://127.0.0.1:${port}`)
    // refused is detected at once, not by waiting for the deadline
    expect(Date.now() - started).toBeLessThan(15_000)
  })

  test('a server that accepts TCP but never answers the WebSocket handshake', async () => {
    const port = await listen()
    const started = Date.now()
    const error = await failure(connectChain({network: `ws://127.0.0.1:${port}`, deadlines: {connectMs: 1_500}}))
    expect(error.code).toBe(CHAIN_ERROR.chainUnreachable)
    expect(error.message).toContain('no answer within 1.5 s')
    expect(Date.now() - started).toBeLessThan(15_000)
  })

  test('a half-open node: WebSocket open, no JSON-RPC answers', async () => {
    const port = await listen(acceptWebSocketThenIgnore)
    const error = await failure(
      connectChain({network: `ws://127.0.0.1:${port}`, deadlines: {connectMs: 1_500, callMs: 1_000}}),
    )
    expect(error.code).toBe(CHAIN_ERROR.chainUnreachable)
    expect(error.message).toContain('half-open')
  })

  test('a node that goes silent after connecting: each call times out', async () => {
    const provider = offlineChain()
    const connection = await connectOffline(provider, {deadlines: {callMs: 1_000}})
    try {
      provider.becomeUnresponsive()
      const started = Date.now()
      const error = await failure(connection.readHead())
      expect(error.code).toBe(CHAIN_ERROR.chainTimeout)
      expect(error.message).toContain('did not answer chain_getHeader within 1 s')
      expect(Date.now() - started).toBeLessThan(15_000)
    } finally {
      await connection.close()
    }
  })

  test('a dropped connection fails the call in flight at once', async () => {
    const provider = offlineChain()
    const connection = await connectOffline(provider, {deadlines: {callMs: 60_000}})
    try {
      provider.becomeUnresponsive()
      const pending = failure(connection.readHead())
      await provider.disconnect()
      const started = Date.now()
      const error = await pending
      expect(error.code).toBe(CHAIN_ERROR.chainUnreachable)
      expect(Date.now() - started).toBeLessThan(15_000)
    } finally {
      await connection.close()
    }
  })

  test('withChain closes the connection after the work, also when it throws', async () => {
    const provider = offlineChain()
    await expect(
      withChain({network: 'local', provider}, async (connection) => {
        expect(connection.api.isConnected).toBe(true)
        throw new Error('work failed')
      }),
    ).rejects.toThrow('work failed')
    expect(provider.isConnected).toBe(false)
  })

  test('invalid deadlines are refused', async () => {
    await expect(
      connectChain({network: 'local', provider: offlineChain(), deadlines: {callMs: 0}}),
    ).rejects.toMatchObject({exitCode: 2})
  })
})
