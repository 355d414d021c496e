import {readFile} from 'node:fs/promises'
import http from 'node:http'
import type {AddressInfo} from 'node:net'
import {EXIT, LeadpoetError} from '../errors.js'

/** Where the gateway sends each path, as a Supabase project's gateway does. */
export interface GatewayRoutes {
  /** PostgREST: `/rest/v1/*` goes here, the prefix stripped */
  rest: string
  /** Edge Functions by name: `/functions/v1/<name>[/*]` goes to the URL, the prefix stripped */
  functions: Record<string, string>
  /** files served on GET, read at each request (e.g. the metagraph document at a Storage path) */
  files?: Record<string, string>
}

export interface Gateway {
  url: string
  port: number
  close(): Promise<void>
}

// Hop-by-hop and body-framing headers: fetch sets its own, and decodes the body it returns.
const REQUEST_HEADERS_DROPPED = new Set(['host', 'connection', 'keep-alive', 'transfer-encoding', 'content-length'])
const RESPONSE_HEADERS_DROPPED = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'content-length',
  'content-encoding',
])

/**
 * One loopback origin for the local stack (`leadpoet dev stack`): the database API and the token
 * issuer on the paths a Supabase project serves them, so the CLI takes it as a project URL. An
 * upstream that does not answer gets 502 with a JSON `message` (no `code`: it is not PostgREST's answer).
 */
export async function startGateway(options: {routes: GatewayRoutes; port?: number}): Promise<Gateway> {
  const {routes} = options
  const answer = (res: http.ServerResponse, status: number, message: string) => {
    res.writeHead(status, {'content-type': 'application/json'}).end(JSON.stringify({message}))
  }

  const route = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://gateway')
    const fn = /^\/functions\/v1\/([^/]+)(\/.*)?$/.exec(url.pathname)
    let upstream: string | undefined
    if (url.pathname === '/rest/v1' || url.pathname.startsWith('/rest/v1/')) {
      upstream = `${routes.rest}${url.pathname.slice('/rest/v1'.length) || '/'}${url.search}`
    } else if (fn && routes.functions[fn[1]!]) {
      upstream = `${routes.functions[fn[1]!]}${fn[2] ?? '/'}${url.search}`
    } else if (routes.files?.[url.pathname] && (req.method === 'GET' || req.method === 'HEAD')) {
      const file = routes.files[url.pathname]!
      try {
        const body = await readFile(file)
        res.writeHead(200, {'content-type': 'application/json', 'cache-control': 'max-age=0'}).end(body)
      } catch {
        answer(res, 404, `${url.pathname}: the file ${file} cannot be read`)
      }
      return
    }
    if (!upstream) {
      answer(res, 404, `no route for ${url.pathname}: this gateway serves /rest/v1 and /functions/v1/<name>`)
      return
    }
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const headers = new Headers()
    for (const [name, value] of Object.entries(req.headers)) {
      if (REQUEST_HEADERS_DROPPED.has(name) || value === undefined) continue
      for (const item of Array.isArray(value) ? value : [value]) headers.append(name, item)
    }
    let response: Response
    try {
      response = await fetch(upstream, {
        method: req.method,
        headers,
        body: req.method === 'GET' || req.method === 'HEAD' ? undefined : Buffer.concat(chunks),
        redirect: 'manual',
      })
    } catch (error) {
      const cause = (error as {cause?: {code?: string}}).cause?.code ?? (error as Error).message
      answer(res, 502, `the upstream ${new URL(upstream).origin} is not answering (${cause})`)
      return
    }
    const out: Record<string, string> = {}
    response.headers.forEach((value, name) => {
      if (!RESPONSE_HEADERS_DROPPED.has(name)) out[name] = value
    })
    res.writeHead(response.status, out)
    res.end(Buffer.from(await response.arrayBuffer()))
  }

  const server = http.createServer((req, res) => {
    route(req, res).catch((error: unknown) => {
      if (!res.headersSent) answer(res, 502, `gateway failure: ${(error as Error).message}`)
      else res.destroy()
    })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'EADDRINUSE'
          ? new LeadpoetError(
              'PORT_IN_USE',
              `port ${options.port} on 127.0.0.1 is in use: pick another with --port`,
              EXIT.usage,
            )
          : error,
      ),
    )
    server.listen(options.port ?? 0, '127.0.0.1', resolve)
  })
  const {port} = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}
