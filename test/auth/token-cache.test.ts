import {chmod, stat, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {
  authRpcOverAdapter,
  cachedAccessToken,
  createTokenIssuer,
  fileRoleResolver,
  findCachedToken,
  ISSUER_FUNCTION_PATH,
  issuerRequestHandler,
  login,
  readTokenCache,
  requestToken,
  rpcNonceRegistry,
  tokenCachePath,
  type ChallengeSigner,
} from '../../src/auth/index.js'
import {migrate} from '../../src/db/migrations.js'
import {createPostgresPool, postgresClient, type SqlClient} from '../../src/db/sql-client.js'
import {LeadpoetError} from '../../src/errors.js'
import {SqlRpcAdapter} from '../../src/adapters/sql-adapter.js'
import {createTestDatabase, type TestDatabase} from '../support/postgres.js'
import {operatorIdentity} from '../support/world.js'
import {devSigner, serveHandler, tempDir, writeMetagraphFile, type HttpServer} from './support.js'

const SECRET = 'token-cache-test-secret-0123456789abcdef'

describe('the token cache (auth login)', () => {
  let database: TestDatabase
  let sql: SqlClient
  let files: {dir: string; remove: () => Promise<void>}
  let issuer: HttpServer
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
    const handler = issuerRequestHandler(
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

  it('keeps the token in the config directory, readable by its owner only', async () => {
    const configDir = freshConfigDir()
    const token = await login({configDir, supabaseUrl: `${issuer.url}/`, signer: alice, now})
    expect(token).toMatchObject({hotkey: alice.address, app_role: 'validator', uid: 0, supabase_url: issuer.url})
    expect((await stat(tokenCachePath(configDir))).mode & 0o777).toBe(0o600)
    expect((await stat(configDir)).mode & 0o777).toBe(0o700)
    expect(await cachedAccessToken({configDir, supabaseUrl: issuer.url, now})).toBe(token.access_token)
  })

  it('renews a token due for refresh when the wallet is at hand, else serves it while it is valid, then nothing', async () => {
    const configDir = freshConfigDir()
    const start = clock
    const first = await login({configDir, supabaseUrl: issuer.url, signer: bob, now})
    const at = (seconds: number) => {
      clock = start + seconds * 1000
    }

    at(3_299) // 5 min 1 s before expiry: not due yet
    expect(await cachedAccessToken({configDir, supabaseUrl: issuer.url, signer: bob, now})).toBe(first.access_token)
    at(3_301) // within 5 min of expiry
    expect(await cachedAccessToken({configDir, supabaseUrl: issuer.url, hotkey: bob.address, now})).toBe(
      first.access_token,
    )
    const renewed = await cachedAccessToken({configDir, supabaseUrl: issuer.url, signer: bob, now})
    expect(renewed).not.toBe(first.access_token)
    expect((await findCachedToken(configDir, issuer.url, bob.address))?.access_token).toBe(renewed)
    expect(await readTokenCache(configDir)).toHaveLength(1) // replaced, not added

    at(3_301 + 3_600) // the renewed one has expired too, and there is no wallet to renew it with
    expect(await cachedAccessToken({configDir, supabaseUrl: issuer.url, hotkey: bob.address, now})).toBeUndefined()
  })

  it('serves the still-valid token when the issuer cannot be reached, and fails when none is left', async () => {
    const configDir = freshConfigDir()
    const start = clock
    const token = await login({configDir, supabaseUrl: issuer.url, signer: alice, now})
    const unreachable = `${issuer.url.replace(/:\d+$/, ':1')}${ISSUER_FUNCTION_PATH}`
    clock = start + 3_400_000
    expect(
      await cachedAccessToken({configDir, supabaseUrl: issuer.url, signer: alice, issuerUrl: unreachable, now}),
    ).toBe(token.access_token)
    clock = start + 3_700_000
    const error = await cachedAccessToken({
      configDir,
      supabaseUrl: issuer.url,
      signer: alice,
      issuerUrl: unreachable,
      now,
    }).catch((e: unknown) => e)
    expect(error).toMatchObject({code: 'ISSUER_UNREACHABLE', exitCode: 1})
  })

  it("keeps one token per project and hotkey; without a hotkey it is the project's latest login", async () => {
    const configDir = freshConfigDir()
    await login({configDir, supabaseUrl: issuer.url, signer: alice, now})
    clock += 1000
    const latest = await login({configDir, supabaseUrl: issuer.url, signer: bob, now})
    expect(await readTokenCache(configDir)).toHaveLength(2)
    expect(await cachedAccessToken({configDir, supabaseUrl: issuer.url, now})).toBe(latest.access_token)
    expect(await cachedAccessToken({configDir, supabaseUrl: 'https://another.supabase.co', now})).toBeUndefined()
  })

  it('rewrites a cache file others could read with mode 0600, and treats a corrupt one as empty', async () => {
    const configDir = freshConfigDir()
    await login({configDir, supabaseUrl: issuer.url, signer: alice, now})
    await chmod(tokenCachePath(configDir), 0o644)
    await login({configDir, supabaseUrl: issuer.url, signer: alice, now})
    expect((await stat(tokenCachePath(configDir))).mode & 0o777).toBe(0o600)
    await writeFile(tokenCachePath(configDir), '{not json')
    expect(await readTokenCache(configDir)).toEqual([])
    expect(await cachedAccessToken({configDir, supabaseUrl: issuer.url, now})).toBeUndefined()
  })

  it("reports the issuer's refusal with its code and exit status 4, and caches nothing", async () => {
    const configDir = freshConfigDir()
    const error = await login({configDir, supabaseUrl: issuer.url, signer: eve, now}).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(LeadpoetError)
    expect(error).toMatchObject({code: 'NOT_REGISTERED', exitCode: 4})
    expect(await readTokenCache(configDir)).toEqual([])
  })

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
