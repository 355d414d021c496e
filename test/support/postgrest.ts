import {spawn, type ChildProcess} from 'node:child_process'
import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {createClient, type SupabaseClient} from '@supabase/supabase-js'
import {SignJWT} from 'jose'
import {freePort, postgrestBinary} from '../../src/dev/processes.js'
import {requestClaims, type Identity} from '../../src/identity.js'
import {databaseUrl} from './postgres.js'

// PostgREST 13 (hosted Supabase) refuses secrets under 32 characters.
export const JWT_SECRET = 'leadpoet-test-secret-0123456789abcdef-not-for-production'

export interface PostgrestServer {
  url: string
  clientFor(
    identity: Identity | 'anon',
    options?: {secret?: string; expiresIn?: string | number; extraClaims?: Record<string, unknown>},
  ): Promise<SupabaseClient>
  tokenFor(identity: Identity, options?: {secret?: string; expiresIn?: string | number}): Promise<string>
  stop(): Promise<void>
}

/** The real PostgREST binary in front of a test database, on a free loopback port. */
export async function startPostgrest(databaseName: string): Promise<PostgrestServer> {
  const dir = await mkdtemp(path.join(tmpdir(), 'leadpoet-postgrest-'))
  const url = new URL(databaseUrl(databaseName))
  url.username = 'authenticator'
  url.password = ''
  let lastError: unknown
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort()
    const config = path.join(dir, 'postgrest.conf')
    await writeFile(
      config,
      [
        `db-uri = "${url.toString()}"`,
        'db-schemas = "public"',
        'db-anon-role = "anon"',
        'db-pool = 10',
        `jwt-secret = "${JWT_SECRET}"`,
        'server-host = "127.0.0.1"',
        `server-port = ${port}`,
        'log-level = "crit"',
      ].join('\n'),
    )
    const child = spawn(postgrestBinary(), [config], {stdio: ['ignore', 'ignore', 'pipe']})
    let stderr = ''
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    const base = `http://127.0.0.1:${port}`
    try {
      await waitReady(base, child)
      return server(base, child, dir)
    } catch (error) {
      lastError = new Error(`${(error as Error).message}\n${stderr}`)
      child.kill('SIGKILL')
    }
  }
  await rm(dir, {recursive: true, force: true})
  throw lastError
}

async function waitReady(base: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 30_000
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`postgrest exited with ${child.exitCode}`)
    try {
      const response = await fetch(base + '/')
      if (response.status < 500) return
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error('postgrest did not become ready in 30 s')
}

function server(base: string, child: ChildProcess, dir: string): PostgrestServer {
  // supabase-js always prefixes /rest/v1 (Supabase's gateway); bare PostgREST serves at /.
  const stripGatewayPrefix: typeof fetch = (input, init) => {
    const target = typeof input === 'string' ? input : input instanceof URL ? input.toString() : input.url
    return fetch(target.replace('/rest/v1', ''), init)
  }
  const tokenFor = async (
    identity: Identity,
    options: {secret?: string; expiresIn?: string | number; extraClaims?: Record<string, unknown>} = {},
  ) =>
    new SignJWT({...requestClaims(identity), ...options.extraClaims})
      .setProtectedHeader({alg: 'HS256', typ: 'JWT'})
      .setIssuedAt()
      .setExpirationTime(options.expiresIn ?? '1h')
      .sign(new TextEncoder().encode(options.secret ?? JWT_SECRET))
  return {
    url: base,
    tokenFor,
    async clientFor(identity, options = {}) {
      // The anon key of a Supabase project is itself a JWT with role anon.
      const token =
        identity === 'anon'
          ? await new SignJWT({role: 'anon'})
              .setProtectedHeader({alg: 'HS256'})
              .setExpirationTime('1h')
              .sign(new TextEncoder().encode(JWT_SECRET))
          : await tokenFor(identity, options)
      return createClient(base, token, {
        global: {fetch: stripGatewayPrefix},
        auth: {persistSession: false, autoRefreshToken: false, detectSessionInUrl: false},
      })
    },
    async stop() {
      const exited = new Promise((resolve) => child.once('exit', resolve))
      child.kill('SIGTERM')
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))])
      if (child.exitCode === null) child.kill('SIGKILL')
      await rm(dir, {recursive: true, force: true})
    },
  }
}
