import {chmod, stat, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {SignJWT} from 'jose'
import {
  apiCredentials,
  authRpcOverAdapter,
  createTokenIssuer,
  fileRoleResolver,
  findCachedToken,
  ISSUER_FUNCTION_PATH,
  issuerRequestHandler,
  isServiceRoleKey,
  login,
  readTokenCache,
  requestToken,
  rpcNonceRegistry,
  saveToken,
  tokenCachePath,
  type ChallengeSigner,
} from '../../src/auth/index.js'
import {migrate} from '../../src/db/migrations.js'
import {createPostgresPool, postgresClient, type SqlClient} from '../../src/db/sql-client.js'
import {freePort} from '../../src/dev/processes.js'
import {LeadpoetError} from '../../src/errors.js'
import {SqlRpcAdapter} from '../../src/adapters/sql-adapter.js'
import {createTestDatabase, type TestDatabase} from '../support/postgres.js'
import {operatorIdentity} from '../support/world.js'
import {devSigner, serveHandler, tempDir, writeMetagraphFile, type HttpServer} from './support.js'

const SECRET = 'token-cache-test-secret-0123456789abcdef'
const projectKey = (role: string) =>
  new SignJWT({role}).setProtectedHeader({alg: 'HS256'}).sign(new TextEncoder().encode(SECRET))
let ANON_KEY: string
let SERVICE_KEY: string

describe('the token cache (auth login)', () => {
  let database: TestDatabase
  let sql: SqlClient
  let files: {dir: string; remove: () => Promise<void>}
  let issuer: HttpServer
  let handler: (request: Request) => Promise<Response>
  let alice: ChallengeSigner
  let bob: ChallengeSigner
  let eve: ChallengeSigner
  // The issuer and the client share one clock, moved forward by the tests (the database's own clock,
  // which judges nonce expiry, runs behind it: nonces stay valid).
  let clock = Date.now()
  const now = () => new Date(clock)
  let configCount = 0
  const freshConfigDir = () => path.join(files.dir, `config-${++configCount}`)

  beforeAll(async () => {
    alice = await devSigner('//Alice')
    bob = await devSigner('//Bob')
    eve = await devSigner('//Eve')
    files = await tempDir('leadpoet-auth-cache-')
    database = await createTestDatabase('leadpoet_auth_cache')
    sql = postgresClient(createPostgresPool(database.url, 4))
    await migrate(sql)
    const metagraph = await writeMetagraphFile(files.dir, {
      [alice.address]: {uid: 0, validator_permit: true},
      [bob.address]: {uid: 1, validator_permit: false},
    })
    ANON_KEY = await projectKey('anon')
    SERVICE_KEY = await projectKey('service_role')
    handler = issuerRequestHandler(
      createTokenIssuer({
        signingKey: {alg: 'HS256', secret: SECRET},
        roles: fileRoleResolver(metagraph),
        nonces: rpcNonceRegistry(authRpcOverAdapter(new SqlRpcAdapter(sql, operatorIdentity, false))),
        now,
      }),
    )
    issuer = await serveHandler(handler, ISSUER_FUNCTION_PATH) // where a Supabase project serves the function
  })
  afterAll(async () => {
    await issuer?.close()
    await sql?.close()
    await database?.drop()
    await files?.remove()
  })

  it('keeps the token in the config directory, readable by its owner only, with the issuer that gave it', async () => {
    const configDir = freshConfigDir()
    const token = await login({configDir, supabaseUrl: `${issuer.url}/`, signer: alice, now})
    expect(token).toMatchObject({
      hotkey: alice.address,
      app_role: 'validator',
      uid: 0,
      supabase_url: issuer.url,
      issuer_url: `${issuer.url}${ISSUER_FUNCTION_PATH}`,
    })
    expect((await stat(tokenCachePath(configDir))).mode & 0o777).toBe(0o600)
    expect((await stat(configDir)).mode & 0o777).toBe(0o700)
    expect((await findCachedToken(configDir, issuer.url, alice.address))?.access_token).toBe(token.access_token)
  })

  it('given a token due for refresh, when the wallet is at hand it is renewed once; without it the token serves while valid, then NOT_AUTHENTICATED', async () => {
    const configDir = freshConfigDir()
    const start = clock
    const first = await login({configDir, supabaseUrl: issuer.url, signer: bob, now})
    const at = (seconds: number) => {
      clock = start + seconds * 1000
    }
    const base = {configDir, supabaseUrl: issuer.url, apiKey: ANON_KEY, now}

    at(3_299) // 5 min 1 s before expiry: not due yet
    expect(await (await apiCredentials({...base, wallet: bob})).bearer()).toBe(first.access_token)
    at(3_301) // within 5 min of expiry
    expect(await (await apiCredentials({...base, hotkey: bob.address})).bearer()).toBe(first.access_token)
    const renewing = await apiCredentials({...base, wallet: bob})
    const renewed = await renewing.bearer()
    expect(renewed).not.toBe(first.access_token)
    expect(await Promise.all([renewing.bearer(), renewing.bearer()])).toEqual([renewed, renewed]) // no second login
    expect((await findCachedToken(configDir, issuer.url, bob.address))?.access_token).toBe(renewed)
    expect(await readTokenCache(configDir)).toHaveLength(1) // replaced, not added

    at(3_301 + 3_600) // the renewed one has expired too, and there is no wallet to renew it with
    const expired = await apiCredentials({...base, hotkey: bob.address}).catch((e: unknown) => e)
    expect(expired).toMatchObject({code: 'NOT_AUTHENTICATED', exitCode: 4})
    expect((expired as Error).message).toMatch(/expired at .*run `leadpoet auth login/)
  })

  it('renews through the issuer recorded at login, not the project path, whatever is configured later', async () => {
    const configDir = freshConfigDir()
    const elsewhere = await serveHandler(handler) // an issuer at a URL of its own, answering on any path
    const project = `http://127.0.0.1:${await freePort()}` // nothing listens there: a renewal at the project's path would fail
    try {
      const start = clock
      const first = await login({
        configDir,
        supabaseUrl: project,
        signer: bob,
        issuerUrl: `${elsewhere.url}/issue`,
        now,
      })
      expect(first.issuer_url).toBe(`${elsewhere.url}/issue`)
      clock = start + 3_700_000 // expired
      const credentials = await apiCredentials({
        configDir,
        supabaseUrl: project,
        apiKey: ANON_KEY,
        wallet: bob,
        issuerUrl: `${project}/another-issuer`,
        now,
      })
      expect(await credentials.bearer()).not.toBe(first.access_token)
      expect((await findCachedToken(configDir, project, bob.address))?.issuer_url).toBe(`${elsewhere.url}/issue`)
    } finally {
      await elsewhere.close()
    }
  })

  it('serves the still-valid token when the issuer cannot be reached, and fails with ISSUER_UNREACHABLE when none is left', async () => {
    const configDir = freshConfigDir()
    const start = clock
    const unreachable = `http://127.0.0.1:${await freePort()}${ISSUER_FUNCTION_PATH}`
    const token = await login({configDir, supabaseUrl: issuer.url, signer: alice, now})
    await saveToken(configDir, issuer.url, token, {issuerUrl: unreachable, now: now()})
    const base = {configDir, supabaseUrl: issuer.url, apiKey: ANON_KEY, wallet: alice, now}
    clock = start + 3_400_000
    expect(await (await apiCredentials(base)).bearer()).toBe(token.access_token)
    clock = start + 3_700_000
    const error = await apiCredentials(base).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(LeadpoetError)
    expect(error).toMatchObject({code: 'ISSUER_UNREACHABLE', exitCode: 1})
    expect((error as Error).message).toMatch(
      /cannot reach the token issuer at http:\/\/127\.0\.0\.1:\d+\/.*ECONNREFUSED/,
    )
  })

  describe('which token a command sends', () => {
    it('given several logged-in hotkeys and none named, then it refuses, listing them (exit 2)', async () => {
      const configDir = freshConfigDir()
      await login({configDir, supabaseUrl: issuer.url, signer: alice, now})
      await login({configDir, supabaseUrl: issuer.url, signer: bob, now})
      expect(await readTokenCache(configDir)).toHaveLength(2)
      const error = await apiCredentials({configDir, supabaseUrl: issuer.url, apiKey: ANON_KEY, now}).catch(
        (e: unknown) => e,
      )
      expect(error).toMatchObject({code: 'AMBIGUOUS_IDENTITY', exitCode: 2})
      expect((error as Error).message).toContain(`${alice.address} (validator)`)
      expect((error as Error).message).toContain(`${bob.address} (miner)`)
    })

    it("given a named hotkey, then that hotkey's token is sent, whoever logged in last", async () => {
      const configDir = freshConfigDir()
      const aliceToken = await login({configDir, supabaseUrl: issuer.url, signer: alice, now})
      clock += 1000
      await login({configDir, supabaseUrl: issuer.url, signer: bob, now})
      const credentials = await apiCredentials({
        configDir,
        supabaseUrl: issuer.url,
        apiKey: ANON_KEY,
        hotkey: alice.address,
        now,
      })
      expect(credentials.caller).toBe(alice.address)
      expect(await credentials.bearer()).toBe(aliceToken.access_token)
    })

    it('given one logged-in hotkey and none named, then its token is sent; another project has none (NOT_AUTHENTICATED, exit 4)', async () => {
      const configDir = freshConfigDir()
      const token = await login({configDir, supabaseUrl: issuer.url, signer: alice, now})
      expect(await (await apiCredentials({configDir, supabaseUrl: issuer.url, apiKey: ANON_KEY, now})).bearer()).toBe(
        token.access_token,
      )
      const none = await apiCredentials({
        configDir,
        supabaseUrl: 'https://another.supabase.co',
        apiKey: ANON_KEY,
        now,
      }).catch((e: unknown) => e)
      expect(none).toMatchObject({code: 'NOT_AUTHENTICATED', exitCode: 4})
      expect((none as Error).message).toMatch(
        /no hotkey is logged in to https:\/\/another\.supabase\.co: run `leadpoet auth login/,
      )
    })

    it('given LEADPOET_TOKEN, then it wins over the cache; naming another hotkey beside it is refused (exit 2)', async () => {
      const configDir = freshConfigDir()
      await login({configDir, supabaseUrl: issuer.url, signer: alice, now})
      await login({configDir, supabaseUrl: issuer.url, signer: bob, now})
      const explicit = (await requestToken(issuer.url, alice, {now})).access_token
      const base = {configDir, supabaseUrl: issuer.url, apiKey: ANON_KEY, explicitToken: explicit, now}
      const credentials = await apiCredentials(base)
      expect(credentials.caller).toBe(alice.address)
      expect(await credentials.bearer()).toBe(explicit)
      expect(await (await apiCredentials({...base, hotkey: alice.address})).bearer()).toBe(explicit)
      expect(await apiCredentials({...base, wallet: bob}).catch((e: unknown) => e)).toMatchObject({
        code: 'TOKEN_FOR_ANOTHER_HOTKEY',
        exitCode: 2,
      })
    })

    it('given the service-role key and nothing named, then the key acts as itself, logged-in hotkeys or not', async () => {
      const configDir = freshConfigDir()
      await login({configDir, supabaseUrl: issuer.url, signer: alice, now})
      await login({configDir, supabaseUrl: issuer.url, signer: bob, now})
      const credentials = await apiCredentials({configDir, supabaseUrl: issuer.url, apiKey: SERVICE_KEY, now})
      expect(credentials.caller).toBe('service_role')
      expect(await credentials.bearer()).toBe(SERVICE_KEY)
      expect(isServiceRoleKey(ANON_KEY)).toBe(false)
      expect(isServiceRoleKey('sb_secret_abc')).toBe(true)
    })
  })

  it('rewrites a cache file others could read with mode 0600, and treats a corrupt one as empty', async () => {
    const configDir = freshConfigDir()
    await login({configDir, supabaseUrl: issuer.url, signer: alice, now})
    await chmod(tokenCachePath(configDir), 0o644)
    await login({configDir, supabaseUrl: issuer.url, signer: alice, now})
    expect((await stat(tokenCachePath(configDir))).mode & 0o777).toBe(0o600)
    await writeFile(tokenCachePath(configDir), '{not json')
    expect(await readTokenCache(configDir)).toEqual([])
  })

  it("reports the issuer's refusal with its code and exit status 4, and caches nothing", async () => {
    const configDir = freshConfigDir()
    const error = await login({configDir, supabaseUrl: issuer.url, signer: eve, now}).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(LeadpoetError)
    expect(error).toMatchObject({code: 'NOT_REGISTERED', exitCode: 4})
    expect(await readTokenCache(configDir)).toEqual([])
  })

  it.each([
    {
      status: 502,
      type: 'application/json',
      body: '{"message":"the upstream is not answering"}',
      code: 'ISSUER_UNREACHABLE',
      message: /is not answering \(its gateway answered HTTP 502/,
    },
    {
      status: 404,
      type: 'text/html',
      body: '<html>Not Found</html>',
      code: 'ISSUER_ERROR',
      message: /did not answer as the leadpoet-auth issuer \(HTTP 404 .*is the function deployed there\?/,
    },
    {
      status: 500,
      type: 'application/json',
      body: '{"error":{"code":"ISSUER_ERROR","message":"the issuer failed; try again later"}}',
      code: 'ISSUER_ERROR',
      message: /the issuer failed/,
    },
  ])(
    'given an answer HTTP $status ($type) that is no token, then the error is $code, exit 1, in one line with no stack',
    async ({status, type, body, code, message}) => {
      const server = await serveHandler(async () => new Response(body, {status, headers: {'content-type': type}}))
      try {
        const error = (await requestToken(server.url, alice, {issuerUrl: server.url, now}).catch(
          (e: unknown) => e,
        )) as LeadpoetError
        expect(error).toMatchObject({code, exitCode: 1})
        expect(error.message).toMatch(message)
        expect(error.message).not.toContain('\n')
        expect(JSON.stringify(error.details ?? {})).not.toMatch(/\bat .*\.[jt]s:\d+/)
      } finally {
        await server.close()
      }
    },
  )

  it("refuses an issuer's answer that is not the signer's token", async () => {
    const other = await requestToken(issuer.url, alice, {now})
    const impostor = await serveHandler(async () => Response.json(other))
    try {
      const error = await requestToken(impostor.url, bob, {issuerUrl: impostor.url, now}).catch((e: unknown) => e)
      expect(error).toMatchObject({code: 'UNEXPECTED_RESPONSE'})
    } finally {
      await impostor.close()
    }
  })
})
