import {chmod, mkdir, mkdtemp, rm, writeFile} from 'node:fs/promises'
import http from 'node:http'
import type {AddressInfo} from 'node:net'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {Keyring} from '@polkadot/keyring'
import {cryptoWaitReady, mnemonicGenerate} from '@polkadot/util-crypto'
import {createClient, type SupabaseClient} from '@supabase/supabase-js'
import {SignJWT} from 'jose'
import type {ChallengeSigner, MetagraphDocument} from '../../src/auth/index.js'
import {JWT_SECRET} from '../support/postgrest.js'

/** sr25519 development keys (//Alice, ...) as challenge signers. */
export async function devSigner(uri: string): Promise<ChallengeSigner> {
  await cryptoWaitReady()
  const pair = new Keyring({type: 'sr25519', ss58Format: 42}).addFromUri(uri)
  return {address: pair.address, sign: (message) => pair.sign(message)}
}

/** A fresh directory, removed by the returned function. */
export async function tempDir(prefix: string): Promise<{dir: string; remove: () => Promise<void>}> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix))
  return {dir, remove: () => rm(dir, {recursive: true, force: true})}
}

export async function writeMetagraphFile(dir: string, document: MetagraphDocument): Promise<string> {
  const file = path.join(dir, 'metagraph.json')
  await writeFile(file, JSON.stringify(document))
  return file
}

/** A btcli wallet hotkey file (unencrypted, as btcli writes it) with a new mnemonic; returns its address. */
export async function writeWalletHotkey(walletPath: string, wallet: string, hotkey: string): Promise<string> {
  await cryptoWaitReady()
  const phrase = mnemonicGenerate()
  const pair = new Keyring({type: 'sr25519', ss58Format: 42}).addFromMnemonic(phrase)
  const dir = path.join(walletPath, wallet, 'hotkeys')
  await mkdir(dir, {recursive: true})
  const file = path.join(dir, hotkey)
  await writeFile(file, JSON.stringify({secretPhrase: phrase, ss58Address: pair.address}))
  await chmod(file, 0o600)
  return pair.address
}

/** The project's service-role key: a JWT with role service_role, signed with the project secret. */
export function serviceRoleKey(): Promise<string> {
  return new SignJWT({role: 'service_role'})
    .setProtectedHeader({alg: 'HS256', typ: 'JWT'})
    .setIssuedAt()
    .setExpirationTime('2h')
    .sign(new TextEncoder().encode(JWT_SECRET))
}

export interface HttpServer {
  url: string
  close(): Promise<void>
}

/**
 * A Web handler (Request -> Response, as Deno.serve takes it) behind a real HTTP server on a free
 * loopback port; requests to any other path than `only` get 404.
 */
export async function serveHandler(
  handler: (request: Request) => Promise<Response>,
  only?: string,
): Promise<HttpServer> {
  const serve = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    try {
      const chunks: Buffer[] = []
      for await (const chunk of req) chunks.push(chunk as Buffer)
      if (only && req.url !== only) {
        res.writeHead(404).end()
        return
      }
      const headers = new Headers()
      for (const [name, value] of Object.entries(req.headers)) if (typeof value === 'string') headers.set(name, value)
      const hasBody = req.method !== 'GET' && req.method !== 'HEAD'
      const response = await handler(
        new Request(`http://127.0.0.1${req.url}`, {
          method: req.method,
          headers,
          body: hasBody ? Buffer.concat(chunks) : undefined,
        }),
      )
      res.writeHead(response.status, Object.fromEntries(response.headers))
      res.end(Buffer.from(await response.arrayBuffer()))
    } catch (error) {
      res.writeHead(500).end(String(error))
    }
  }
  const server = http.createServer((req, res) => void serve(req, res))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const {port} = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

/** supabase-js on the bare PostgREST (it always prefixes /rest/v1, as Supabase's gateway serves it). */
export function apiClient(postgrestUrl: string, token: string): SupabaseClient {
  return createClient(postgrestUrl, token, {
    global: {
      fetch: (input, init) => fetch(String(input instanceof Request ? input.url : input).replace('/rest/v1', ''), init),
    },
    auth: {persistSession: false, autoRefreshToken: false, detectSessionInUrl: false},
  })
}

/** One raw RPC call, as any HTTP client (or attacker) would make it. */
export async function rawRpc(
  postgrestUrl: string,
  fn: string,
  args: unknown,
  token?: string,
): Promise<{status: number; body: any}> {
  const response = await fetch(`${postgrestUrl}/rpc/${fn}`, {
    method: 'POST',
    headers: {'content-type': 'application/json', ...(token ? {authorization: `Bearer ${token}`} : {})},
    body: JSON.stringify(args),
  })
  const text = await response.text()
  return {status: response.status, body: text ? JSON.parse(text) : null}
}

/** POSTs a body to the issuer; returns its status and JSON. */
export async function postToIssuer(issuerUrl: string, body: unknown): Promise<{status: number; body: any}> {
  const response = await fetch(issuerUrl, {
    method: 'POST',
    headers: {'content-type': 'application/json'},
    body: typeof body === 'string' ? body : JSON.stringify(body),
  })
  return {status: response.status, body: await response.json()}
}
