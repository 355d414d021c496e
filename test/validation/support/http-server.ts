/**
 * An HTTP server on 127.0.0.1 that plays many websites at once: it routes on the Host header, which
 * the validator sends as the lead's host name while the loopback DNS server points it here.
 */
import {createServer, type IncomingMessage, type ServerResponse} from 'node:http'
import type {AddressInfo} from 'node:net'

export type SiteHandler = (request: IncomingMessage, response: ServerResponse) => void

export interface LoopbackHttp {
  port: number
  requests: Array<{method: string; host: string; path: string}>
  /** Most requests the server held unanswered at once. */
  maxInFlight: number
  close(): Promise<void>
}

/** Answers `status` (with a Location header when given) after `delayMs`. */
export function answer(
  status: number,
  options: {location?: string; delayMs?: number; methods?: string[]} = {},
): SiteHandler {
  return (request, response) => {
    const send = () => {
      if (options.methods && !options.methods.includes(request.method ?? '')) {
        response.writeHead(405, {allow: options.methods.join(', ')}).end()
        return
      }
      response.writeHead(status, options.location ? {location: options.location} : {})
      response.end(request.method === 'HEAD' ? undefined : `<html><body>status ${status}</body></html>`)
    }
    if (options.delayMs) setTimeout(send, options.delayMs)
    else send()
  }
}

/** Never answers: the request hangs until the client gives up. */
export const hang: SiteHandler = () => {}

/** Hosts not in `sites` get `fallback` (404 by default). */
export async function startHttpServer(
  sites: Record<string, SiteHandler>,
  options: {delayMs?: number; fallback?: SiteHandler} = {},
): Promise<LoopbackHttp> {
  let inFlight = 0
  const state: LoopbackHttp = {port: 0, requests: [], maxInFlight: 0, close: async () => {}}
  const server = createServer((request, response) => {
    const host = (request.headers.host ?? '').replace(/:\d+$/, '').toLowerCase()
    state.requests.push({method: request.method ?? '', host, path: request.url ?? ''})
    inFlight++
    state.maxInFlight = Math.max(state.maxInFlight, inFlight)
    response.once('close', () => inFlight--)
    const handler = sites[host] ?? options.fallback ?? answer(404)
    if (options.delayMs) setTimeout(() => handler(request, response), options.delayMs)
    else handler(request, response)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  state.port = (server.address() as AddressInfo).port
  state.close = async () => {
    server.closeAllConnections()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  }
  return state
}
