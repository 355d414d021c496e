import http from 'node:http'
import type {AddressInfo} from 'node:net'

/**
 * What a Supabase project's gateway does for us: `/rest/v1/*` to PostgREST (prefix stripped) and
 * `/functions/v1/<name>` to an Edge Function handler, on one loopback origin, so the CLI can be
 * given it as `--db http://127.0.0.1:PORT` like a project URL.
 */
export async function startGateway(options: {
  postgrestUrl: string
  functions: Record<string, (request: Request) => Promise<Response>>
}): Promise<{url: string; close(): Promise<void>}> {
  const route = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    try {
      const chunks: Buffer[] = []
      for await (const chunk of req) chunks.push(chunk as Buffer)
      const headers = new Headers()
      for (const [name, value] of Object.entries(req.headers))
        if (typeof value === 'string' && name !== 'host') headers.set(name, value)
      const body = req.method === 'GET' || req.method === 'HEAD' ? undefined : Buffer.concat(chunks)
      const url = req.url ?? '/'
      const fn = url.match(/^\/functions\/v1\/([^/?]+)/)?.[1]
      let response: Response
      if (url.startsWith('/rest/v1')) {
        response = await fetch(options.postgrestUrl + url.slice('/rest/v1'.length), {method: req.method, headers, body})
      } else if (fn && options.functions[fn]) {
        response = await options.functions[fn](
          new Request(`http://127.0.0.1${url}`, {method: req.method, headers, body}),
        )
      } else {
        response = new Response('not found', {status: 404})
      }
      const out = Buffer.from(await response.arrayBuffer())
      const outHeaders = Object.fromEntries(
        [...response.headers].filter(
          ([name]) => !['content-encoding', 'content-length', 'transfer-encoding'].includes(name),
        ),
      )
      res.writeHead(response.status, outHeaders)
      res.end(out)
    } catch (error) {
      res.writeHead(502).end(String(error))
    }
  }
  const server = http.createServer((req, res) => void route(req, res))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const {port} = server.address() as AddressInfo
  return {url: `http://127.0.0.1:${port}`, close: () => new Promise<void>((resolve) => server.close(() => resolve()))}
}
