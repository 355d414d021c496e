import {createServer, type Server} from 'node:http'
import type {AddressInfo} from 'node:net'
import {PROMETHEUS_CONTENT_TYPE} from '../service/prometheus.js'

export interface MetricsServer {
  /** http://host:port/metrics */
  url: string
  close(): Promise<void>
}

/**
 * Serves GET /metrics: each scrape reads the database once (`exposition`) and answers with what it
 * read, or 503 with the error when the database cannot be read (the scrape fails, `up` says so).
 */
export async function serveMetrics(options: {
  host: string
  port: number
  exposition: () => Promise<string>
  onError?: (error: Error) => void
}): Promise<MetricsServer> {
  const server: Server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname
    if (path !== '/metrics') {
      response
        .writeHead(404, {'content-type': 'text/plain; charset=utf-8'})
        .end('not found: the metrics are at /metrics\n')
      return
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, {allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8'}).end()
      return
    }
    options.exposition().then(
      (body) =>
        response
          .writeHead(200, {'content-type': PROMETHEUS_CONTENT_TYPE})
          .end(request.method === 'HEAD' ? undefined : body),
      (error: Error) => {
        options.onError?.(error)
        response.writeHead(503, {'content-type': 'text/plain; charset=utf-8'}).end(`${error.message}\n`)
      },
    )
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port, options.host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const {port} = server.address() as AddressInfo
  const host = options.host.includes(':') ? `[${options.host}]` : options.host
  return {
    url: `http://${host}:${port}/metrics`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections()
        server.close((error) => (error ? reject(error) : resolve()))
      }),
  }
}
