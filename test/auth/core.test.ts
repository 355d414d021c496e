import {readFile} from 'node:fs/promises'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {PGlite} from '@electric-sql/pglite'
import {Keyring} from '@polkadot/keyring'
import {u8aToHex, u8aWrapBytes} from '@polkadot/util'
import {exportJWK, generateKeyPair, jwtVerify, decodeProtectedHeader} from 'jose'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {
  type AuthError,
  AUTH_ROLES,
  authRpcOverAdapter,
  chainRoleResolver,
  createTokenIssuer,
  fileRoleResolver,
  formatChallenge,
  issuerHandlerFromEnv,
  parseChallenge,
  parseMetagraphDocument,
  rpcNonceRegistry,
  signChallenge,
  signingKeyFrom,
  urlRoleResolver,
  verifyChallengeSignature,
  type ChallengeSigner,
  type NonceRegistry,
  type RoleResolver,
  type TokenSigningKey,
} from '../../src/auth/index.js'
import {migrate, rollback} from '../../src/db/migrations.js'
import {createPostgresPool, pgliteClient, postgresClient, type SqlClient} from '../../src/db/sql-client.js'
import {APP_ROLES} from '../../src/identity.js'
import {SqlRpcAdapter} from '../../src/adapters/sql-adapter.js'
import {offlineChain, writeSubnet} from '../chain/helpers.js'
import {createTestDatabase, type TestDatabase} from '../support/postgres.js'
import {operatorIdentity} from '../support/world.js'
import {devSigner, serveHandler, tempDir, writeMetagraphFile} from './support.js'

const SECRET = 'core-test-secret-0123456789abcdef-0123456789'
const HS256: TokenSigningKey = {alg: 'HS256', secret: SECRET}
// The database's clock is the real one (nonce expiry is judged by it): the issuer's starts there too.
const NOW = new Date(Math.floor(Date.now() / 1000) * 1000)
const NOW_SECONDS = NOW.getTime() / 1000

const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: unknown) => error as AuthError,
  )

let alice: ChallengeSigner // validator, uid 0
let bob: ChallengeSigner // miner, uid 1
let eve: ChallengeSigner // not registered
let dave: ChallengeSigner // operator, not registered
let files: {dir: string; remove: () => Promise<void>}
let metagraphFile: string
let database: TestDatabase
let sql: SqlClient
let nonces: NonceRegistry

beforeAll(async () => {
  alice = await devSigner('//Alice')
  bob = await devSigner('//Bob')
  eve = await devSigner('//Eve')
  dave = await devSigner('//Dave')
  files = await tempDir('leadpoet-auth-core-')
  metagraphFile = await writeMetagraphFile(files.dir, {
    [alice.address]: {uid: 0, validator_permit: true},
    [bob.address]: {uid: 1, validator_permit: false},
  })
  database = await createTestDatabase('leadpoet_auth_core')
  sql = postgresClient(createPostgresPool(database.url, 8))
  await migrate(sql)
  nonces = rpcNonceRegistry(authRpcOverAdapter(new SqlRpcAdapter(sql, operatorIdentity, false)))
})
afterAll(async () => {
  await sql?.close()
  await database?.drop()
  await files?.remove()
})

function issuer(options: {now?: Date; roles?: RoleResolver; signingKey?: TokenSigningKey; ttlSeconds?: number} = {}) {
  return createTokenIssuer({
    signingKey: options.signingKey ?? HS256,
    roles: options.roles ?? fileRoleResolver(metagraphFile),
    nonces,
    operators: [dave.address],
    ttlSeconds: options.ttlSeconds,
    now: () => options.now ?? NOW,
  })
}

const nonceRows = async (hotkey: string) =>
  (await sql.query<{n: number}>('select count(*)::int as n from leadpoet.auth_nonces where hotkey = $1', [hotkey]))[0]!
    .n

describe('the challenge', () => {
  it('reads leadpoet-auth:{hotkey}:{timestamp}:{nonce} and back', () => {
    const challenge = {hotkey: alice.address, timestamp: 1_764_072_000, nonce: 'a'.repeat(32)}
    expect(formatChallenge(challenge)).toBe(`leadpoet-auth:${alice.address}:1764072000:${'a'.repeat(32)}`)
    expect(parseChallenge(formatChallenge(challenge))).toEqual(challenge)
  })

  it.each([
    ['another prefix', (h: string) => `leadpoet-login:${h}:1764072000:${'n'.repeat(32)}`],
    ['a fifth part', (h: string) => `leadpoet-auth:${h}:1764072000:${'n'.repeat(32)}:extra`],
    ['a hotkey that is not SS58', () => `leadpoet-auth:validator-1:1764072000:${'n'.repeat(32)}`],
    [
      'a Polkadot (prefix 0) address',
      () => `leadpoet-auth:15oF4uVJwmo4TdGW7VfQxNLavjCXviqxT9S1MgbjMNHr6Sp5:1764072000:${'n'.repeat(32)}`,
    ],
    ['an SQL-looking hotkey', () => `leadpoet-auth:x' or '1'='1:1764072000:${'n'.repeat(32)}`],
    ['a fractional timestamp', (h: string) => `leadpoet-auth:${h}:1764072000.5:${'n'.repeat(32)}`],
    ['a negative timestamp', (h: string) => `leadpoet-auth:${h}:-1764072000:${'n'.repeat(32)}`],
    ['a short nonce', (h: string) => `leadpoet-auth:${h}:1764072000:short`],
    ['an SQL-looking nonce', (h: string) => `leadpoet-auth:${h}:1764072000:';drop table leads;--`],
    ['an oversized nonce', (h: string) => `leadpoet-auth:${h}:1764072000:${'n'.repeat(100_000)}`],
  ])('refuses %s', (_name, make) => {
    expect(() => parseChallenge(make(alice.address))).toThrow(expect.objectContaining({code: 'INVALID_CHALLENGE'}))
  })
})

describe('the signature', () => {
  it("accepts the hotkey's sr25519 signature of the raw challenge and of the <Bytes>-wrapped one", async () => {
    const {challenge, signature} = await signChallenge(alice, {now: NOW})
    expect(await verifyChallengeSignature(challenge, alice.address, signature)).toBe(true)
    const wrapped = u8aToHex(await alice.sign(u8aWrapBytes(new TextEncoder().encode(challenge))))
    expect(await verifyChallengeSignature(challenge, alice.address, wrapped)).toBe(true)
  })

  it("refuses another key's signature, a signature of another text, a malformed one, and an ed25519 key's", async () => {
    const {challenge, signature} = await signChallenge(alice, {now: NOW})
    const byEve = u8aToHex(await eve.sign(new TextEncoder().encode(challenge)))
    expect(await verifyChallengeSignature(challenge, alice.address, byEve)).toBe(false)
    // Another text: the last character changed (to '1' where it was '0': the nonce is random).
    const altered = challenge.slice(0, -1) + (challenge.endsWith('0') ? '1' : '0')
    expect(await verifyChallengeSignature(altered, alice.address, signature)).toBe(false)
    expect(await verifyChallengeSignature(challenge, alice.address, '0x1234')).toBe(false)
    const ed25519 = new Keyring({type: 'ed25519', ss58Format: 42}).addFromUri('//Alice')
    const edChallenge = formatChallenge({hotkey: ed25519.address, timestamp: NOW_SECONDS, nonce: 'e'.repeat(32)})
    expect(
      await verifyChallengeSignature(
        edChallenge,
        ed25519.address,
        u8aToHex(ed25519.sign(new TextEncoder().encode(edChallenge))),
      ),
    ).toBe(false)
  })
})

describe('the issuer', () => {
  it('accepts a challenge up to 300 s old or ahead of its clock and refuses 301 s', async () => {
    for (const offset of [-300, 300]) {
      const signed = await signChallenge(alice, {now: new Date(NOW.getTime() + offset * 1000)})
      expect((await issuer().issueForChallenge(signed)).app_role).toBe('validator')
    }
    for (const offset of [-301, 301]) {
      const signed = await signChallenge(alice, {now: new Date(NOW.getTime() + offset * 1000)})
      const error = await failure(issuer().issueForChallenge(signed))
      expect(error).toMatchObject({code: 'CHALLENGE_EXPIRED', status: 401})
    }
  })

  it("fails closed when the issuer's clock is far behind the database's: no token, no nonce recorded", async () => {
    const behind = new Date(NOW.getTime() - 700_000)
    const signed = await signChallenge(alice, {now: behind})
    expect(await failure(issuer({now: behind}).issueForChallenge(signed))).toMatchObject({
      code: 'CHALLENGE_EXPIRED',
      message: expect.stringMatching(/database/),
    })
    expect(
      await sql.query('select 1 from leadpoet.auth_nonces where nonce = $1', [parseChallenge(signed.challenge).nonce]),
    ).toEqual([])
  })

  it('refuses a challenge signed by another key, before recording its nonce', async () => {
    const nonce = 'forged-nonce-0123456789'
    const challenge = formatChallenge({hotkey: alice.address, timestamp: NOW_SECONDS, nonce})
    const signature = u8aToHex(await eve.sign(new TextEncoder().encode(challenge)))
    expect(await failure(issuer().issueForChallenge({challenge, signature}))).toMatchObject({
      code: 'BAD_SIGNATURE',
      status: 401,
    })
    expect(await sql.query('select 1 from leadpoet.auth_nonces where nonce = $1', [nonce])).toEqual([])
  })

  it('gives one token per challenge: a reuse is refused, also by another issuer instance and under concurrency', async () => {
    const signed = await signChallenge(bob, {now: NOW})
    expect(await issuer().issueForChallenge(signed)).toMatchObject({hotkey: bob.address, app_role: 'miner', uid: 1})
    expect(await failure(issuer().issueForChallenge(signed))).toMatchObject({code: 'CHALLENGE_REPLAYED', status: 401})

    const racing = await signChallenge(bob, {now: NOW})
    const outcomes = await Promise.all(
      Array.from({length: 8}, () =>
        issuer()
          .issueForChallenge(racing)
          .then(
            () => 'token',
            (e: AuthError) => e.code,
          ),
      ),
    )
    expect(outcomes.filter((o) => o === 'token')).toHaveLength(1)
    expect(outcomes.filter((o) => o === 'CHALLENGE_REPLAYED')).toHaveLength(7)
  })

  it('spends the nonce before the role lookup, so a refused challenge cannot be replayed once the hotkey registers', async () => {
    const signed = await signChallenge(eve, {now: NOW})
    expect(await failure(issuer().issueForChallenge(signed))).toMatchObject({code: 'NOT_REGISTERED', status: 403})
    const registered: RoleResolver = {resolve: async () => ({role: 'miner', uid: 9})}
    expect(await failure(issuer({roles: registered}).issueForChallenge(signed))).toMatchObject({
      code: 'CHALLENGE_REPLAYED',
    })
  })

  it('keeps the nonce past the challenge window, and clears expired nonces as it goes', async () => {
    const signed = await signChallenge(alice, {now: NOW})
    await issuer().issueForChallenge(signed)
    const [row] = await sql.query<{expires_at: Date}>('select expires_at from leadpoet.auth_nonces where nonce = $1', [
      parseChallenge(signed.challenge).nonce,
    ])
    expect(row!.expires_at.getTime()).toBe(NOW.getTime() + 600_000)

    await sql.query(
      `insert into leadpoet.auth_nonces (hotkey, nonce, expires_at) values ($1, 'stale-nonce-0123456789', now() - interval '1 second')`,
      [eve.address],
    )
    await issuer({now: new Date()}).issueForChallenge(await signChallenge(alice))
    expect(await sql.query(`select 1 from leadpoet.auth_nonces where nonce = 'stale-nonce-0123456789'`)).toEqual([])
  })

  it('refuses a revoked hotkey without recording its nonce', async () => {
    const carol = await devSigner('//Carol')
    await sql.query(
      `insert into leadpoet.token_revocations (subject_kind, subject, revoked_by) values ('hotkey', $1, 'test')`,
      [carol.address],
    )
    const signed = await signChallenge(carol, {now: NOW})
    expect(await failure(issuer().issueForChallenge(signed))).toMatchObject({code: 'HOTKEY_REVOKED', status: 403})
    expect(await nonceRows(carol.address)).toBe(0)
  })

  it('grants validator to a permit holder, miner to a registered hotkey, operator to a listed one (registered or not)', async () => {
    const grant = async (signer: ChallengeSigner) => {
      const {hotkey, app_role, uid} = await issuer().issueForChallenge(await signChallenge(signer, {now: NOW}))
      return {hotkey, app_role, uid}
    }
    expect(await grant(alice)).toEqual({hotkey: alice.address, app_role: 'validator', uid: 0})
    expect(await grant(bob)).toEqual({hotkey: bob.address, app_role: 'miner', uid: 1})
    expect(await grant(dave)).toEqual({hotkey: dave.address, app_role: 'operator', uid: null})
    expect(await failure(grant(eve))).toMatchObject({code: 'NOT_REGISTERED'})
  })

  it('reports a role lookup that fails as ROLE_LOOKUP_FAILED (503), not as a refusal', async () => {
    const broken = fileRoleResolver(path.join(files.dir, 'missing.json'))
    expect(
      await failure(issuer({roles: broken}).issueForChallenge(await signChallenge(alice, {now: NOW}))),
    ).toMatchObject({
      code: 'ROLE_LOOKUP_FAILED',
      status: 503,
    })
  })

  it('mints HS256 tokens the project secret verifies, with the claims PostgREST and the functions read', async () => {
    const token = await issuer().issueForChallenge(await signChallenge(alice, {now: NOW}))
    const {payload, protectedHeader} = await jwtVerify(token.access_token, new TextEncoder().encode(SECRET), {
      currentDate: NOW,
    })
    expect(protectedHeader).toEqual({alg: 'HS256', typ: 'JWT'})
    expect(payload).toEqual({
      role: 'authenticated',
      aud: 'authenticated',
      iss: 'leadpoet-auth',
      app_role: 'validator',
      hotkey: alice.address,
      uid: 0,
      iat: NOW_SECONDS,
      exp: NOW_SECONDS + 3600,
      jti: token.jti,
    })
    expect(token).toMatchObject({
      token_type: 'bearer',
      expires_in: 3600,
      issued_at: NOW.toISOString(),
      expires_at: new Date(NOW.getTime() + 3_600_000).toISOString(),
    })
    await expect(jwtVerify(token.access_token, new TextEncoder().encode(`${SECRET}-other`))).rejects.toThrow()
  })

  it('mints ES256 tokens with the signing key, verified by its public key and naming its kid', async () => {
    const {privateKey, publicKey} = await generateKeyPair('ES256', {extractable: true})
    const jwk = {...(await exportJWK(privateKey)), kid: 'leadpoet-test-key'}
    const signingKey = signingKeyFrom({jwk: JSON.stringify(jwk), secret: SECRET})
    expect(signingKey.alg).toBe('ES256')
    const token = await issuer({signingKey, ttlSeconds: 600}).issueForChallenge(await signChallenge(bob, {now: NOW}))
    expect(decodeProtectedHeader(token.access_token)).toEqual({alg: 'ES256', typ: 'JWT', kid: 'leadpoet-test-key'})
    const {payload} = await jwtVerify(token.access_token, publicKey, {
      currentDate: NOW,
      audience: 'authenticated',
      issuer: 'leadpoet-auth',
    })
    expect(payload).toMatchObject({
      role: 'authenticated',
      app_role: 'miner',
      hotkey: bob.address,
      uid: 1,
      exp: NOW_SECONDS + 600,
    })
    const other = await generateKeyPair('ES256')
    await expect(jwtVerify(token.access_token, other.publicKey)).rejects.toThrow()
  })

  it('refuses signing keys and lifetimes that would not work', async () => {
    expect(() => signingKeyFrom({secret: 'too-short'})).toThrow(expect.objectContaining({code: 'ISSUER_MISCONFIGURED'}))
    expect(() => signingKeyFrom({jwk: '{"kty":"oct","k":"abc"}'})).toThrow(/EC P-256/)
    expect(() => signingKeyFrom({jwk: 'not json'})).toThrow(/not a JSON Web Key/)
    expect(() => signingKeyFrom({})).toThrow(/no signing key/)
    expect(() => issuer({ttlSeconds: 59})).toThrow(/lifetime/)
    expect(() => issuer({ttlSeconds: 86_401})).toThrow(/lifetime/)
  })

  it("mints for the operator's hotkey and role without a challenge, and checks what it is given", async () => {
    const token = await issuer().issueFor({hotkey: eve.address, app_role: 'validator', uid: 7})
    expect(token).toMatchObject({hotkey: eve.address, app_role: 'validator', uid: 7})
    expect(await failure(issuer().issueFor({hotkey: "x' or 1=1 --", app_role: 'operator', uid: null}))).toMatchObject({
      code: 'INVALID_REQUEST',
    })
    expect(
      await failure(issuer().issueFor({hotkey: eve.address, app_role: 'admin' as never, uid: null})),
    ).toMatchObject({code: 'INVALID_REQUEST'})
    expect(await failure(issuer().issueFor({hotkey: eve.address, app_role: 'miner', uid: 70_000}))).toMatchObject({
      code: 'INVALID_REQUEST',
    })
  })
})

describe('role resolution', () => {
  it('reads {hotkey: {uid, validator_permit}} and refuses anything else', () => {
    expect(() => parseMetagraphDocument([])).toThrow(expect.objectContaining({code: 'INVALID_METAGRAPH'}))
    expect(() => parseMetagraphDocument({x: {uid: -1, validator_permit: true}})).toThrow(/uid: 0-65535/)
    expect(() => parseMetagraphDocument({x: {uid: 1, validator_permit: 'yes'}})).toThrow(/validator_permit/)
    const document = parseMetagraphDocument({[alice.address]: {uid: 3, validator_permit: false}})
    expect(Object.getPrototypeOf(document)).toBeNull()
  })

  it('resolves nothing for names of Object methods (the document has no prototype)', async () => {
    const roles = fileRoleResolver(metagraphFile)
    expect(await roles.resolve('constructor')).toBeUndefined()
    expect(await roles.resolve('__proto__')).toBeUndefined()
  })

  it('reads the published metagraph over HTTP, keeps it for its max age, then reads it again', async () => {
    let document: Record<string, unknown> = {[alice.address]: {uid: 0, validator_permit: true}}
    let reads = 0
    const server = await serveHandler(async () => {
      reads++
      return Response.json(document)
    })
    try {
      let clock = NOW.getTime()
      const roles = urlRoleResolver({
        url: `${server.url}/metagraph.json`,
        maxAgeSeconds: 60,
        now: () => new Date(clock),
      })
      expect(await roles.resolve(alice.address)).toEqual({role: 'validator', uid: 0})
      document = {[alice.address]: {uid: 0, validator_permit: false}}
      clock += 59_000
      expect(await roles.resolve(alice.address)).toEqual({role: 'validator', uid: 0})
      clock += 1_000
      expect(await roles.resolve(alice.address)).toEqual({role: 'miner', uid: 0})
      expect(reads).toBe(2)
      const unreachable = urlRoleResolver({url: `${server.url.replace(/:\d+$/, ':1')}/metagraph.json`})
      expect(await failure(unreachable.resolve(alice.address))).toMatchObject({code: 'ROLE_LOOKUP_FAILED'})
    } finally {
      await server.close()
    }
  })

  it("reads roles from the chain's metagraph (an offline node with finney's runtime metadata)", async () => {
    const provider = offlineChain({now: () => Date.now()})
    writeSubnet(provider, {netuid: 71, hotkeys: [alice.address, bob.address], permits: [true, false]})
    const roles = chainRoleResolver({
      network: 'local',
      netuid: 71,
      provider,
      deadlines: {connectMs: 20_000, callMs: 10_000},
    })
    expect(await roles.resolve(alice.address)).toEqual({role: 'validator', uid: 0})
    const callsAfterFirstLookup = provider.calls.length
    expect(await roles.resolve(bob.address)).toEqual({role: 'miner', uid: 1})
    expect(await roles.resolve(eve.address)).toBeUndefined()
    expect(provider.calls).toHaveLength(callsAfterFirstLookup) // read once per resolver
  })
})

describe('the nonce registry', () => {
  it('works the same on the embedded database (PGlite)', async () => {
    const lite = pgliteClient(new PGlite())
    try {
      await migrate(lite)
      const registry = rpcNonceRegistry(authRpcOverAdapter(new SqlRpcAdapter(lite, operatorIdentity, false)))
      const expires = new Date(Date.now() + 600_000)
      expect(await registry.claim(alice.address, 'lite-nonce-0123456789', expires)).toBe('claimed')
      expect(await registry.claim(alice.address, 'lite-nonce-0123456789', expires)).toBe('replayed')
      expect(await registry.claim(bob.address, 'lite-nonce-0123456789', expires)).toBe('claimed')
    } finally {
      await lite.close()
    }
  })

  it('is the operator’s: other roles are refused', async () => {
    const asValidator = rpcNonceRegistry(
      authRpcOverAdapter(new SqlRpcAdapter(sql, {hotkey: alice.address, role: 'validator'}, false)),
    )
    await expect(
      asValidator.claim(alice.address, 'validator-nonce-0123456789', new Date(Date.now() + 60_000)),
    ).rejects.toMatchObject({code: 'FORBIDDEN'})
  })
})

describe('the pre-request check', () => {
  it('costs two primary-key probes, however many revocations there are', async () => {
    await sql.exec(`
      insert into leadpoet.token_revocations (subject_kind, subject, revoked_by)
      select case when i % 2 = 0 then 'jti' else 'hotkey' end, 'bulk-' || i, 'test' from generate_series(1, 20000) i;
      analyze leadpoet.token_revocations;`)
    try {
      const scans = await sql.transaction(async (tx) => {
        await tx.query(`select set_config('role', 'authenticated', true), set_config('request.jwt.claims', $1, true)`, [
          JSON.stringify({
            role: 'authenticated',
            app_role: 'validator',
            hotkey: alice.address,
            jti: crypto.randomUUID(),
          }),
        ])
        await tx.query('select leadpoet_hooks.pre_request()')
        await tx.query('reset role')
        const [row] = await tx.query<{seq_scan: string; idx_scan: string}>(
          `select seq_scan, idx_scan from pg_catalog.pg_stat_xact_user_tables where relid = 'leadpoet.token_revocations'::regclass`,
        )
        return {seq_scan: Number(row!.seq_scan), idx_scan: Number(row!.idx_scan)}
      })
      expect(scans).toEqual({seq_scan: 0, idx_scan: 2})
    } finally {
      await sql.exec(`delete from leadpoet.token_revocations where subject like 'bulk-%'`)
    }
  })

  it("is PostgREST's pre-request function for this database only, and the rollback removes it", async () => {
    const own = await createTestDatabase('leadpoet_auth_rollback')
    const session = postgresClient(createPostgresPool(own.url, 2))
    const setting = () =>
      session.query<{setconfig: string[]}>(`
        select s.setconfig from pg_catalog.pg_db_role_setting s
         where s.setrole = 'authenticator'::regrole and s.setdatabase = (select oid from pg_catalog.pg_database where datname = current_database())`)
    try {
      await migrate(session)
      expect(await setting()).toEqual([{setconfig: ['pgrst.db_pre_request=leadpoet_hooks.pre_request']}])
      await rollback(session)
      expect(await setting()).toEqual([])
      expect(await session.query(`select 1 from pg_catalog.pg_namespace where nspname = 'leadpoet_hooks'`)).toEqual([])
    } finally {
      await session.close()
      await own.drop()
    }
  })
})

describe('configuration from the environment (the Edge Function)', () => {
  it('answers every request with 503 ISSUER_MISCONFIGURED naming the missing variable, never a secret', async () => {
    const request = () => new Request('http://issuer/', {method: 'POST', body: '{}'})
    const cases: [Record<string, string>, RegExp][] = [
      [{}, /no signing key/],
      [{LEADPOET_JWT_SECRET: SECRET}, /SUPABASE_URL is not set/],
      [{LEADPOET_JWT_SECRET: SECRET, SUPABASE_URL: 'https://x.supabase.co'}, /SUPABASE_SERVICE_ROLE_KEY is not set/],
      [
        {
          LEADPOET_JWT_SECRET: SECRET,
          SUPABASE_URL: 'https://x.supabase.co',
          SUPABASE_SERVICE_ROLE_KEY: 'service-key-value',
        },
        /LEADPOET_METAGRAPH_URL is not set/,
      ],
      [
        {
          LEADPOET_JWT_SECRET: SECRET,
          SUPABASE_URL: 'https://x.supabase.co',
          SUPABASE_SERVICE_ROLE_KEY: 'service-key-value',
          LEADPOET_METAGRAPH_URL: 'https://m/x.json',
          LEADPOET_OPERATOR_HOTKEYS: 'not-an-address',
        },
        /operator hotkey "not-an-address"/,
      ],
      [
        {
          LEADPOET_JWT_SECRET: SECRET,
          SUPABASE_URL: 'https://x.supabase.co',
          SUPABASE_SERVICE_ROLE_KEY: 'service-key-value',
          LEADPOET_METAGRAPH_URL: 'https://m/x.json',
          LEADPOET_TOKEN_TTL_SECONDS: '1h',
        },
        /LEADPOET_TOKEN_TTL_SECONDS must be whole seconds/,
      ],
    ]
    for (const [env, message] of cases) {
      const response = await issuerHandlerFromEnv(env)(request())
      expect(response.status).toBe(503)
      const body = (await response.json()) as {error: {code: string; message: string}}
      expect(body.error.code).toBe('ISSUER_MISCONFIGURED')
      expect(body.error.message).toMatch(message)
      expect(JSON.stringify(body)).not.toContain(SECRET)
      expect(JSON.stringify(body)).not.toContain('service-key-value')
    }
  })
})

describe('the shared core runs on Deno as it is', () => {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
  const functionDir = path.join(root, 'supabase/functions/leadpoet-auth')

  it('imports only packages the Edge Function maps, at the versions package.json pins, and no Node API', async () => {
    const core = await readFile(path.join(root, 'src/auth/core.ts'), 'utf8')
    const imports = [...core.matchAll(/^import .* from '([^']+)'/gm)].map((m) => m[1]!)
    const denoJson = JSON.parse(await readFile(path.join(functionDir, 'deno.json'), 'utf8')) as {
      imports: Record<string, string>
    }
    const packageJson = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>
    }
    expect(imports.length).toBeGreaterThan(0)
    for (const specifier of imports) {
      expect(specifier, 'no relative imports: Deno resolves files by their .ts name').not.toMatch(/^\.|^node:/)
      expect(denoJson.imports[specifier]).toBe(`npm:${specifier}@${packageJson.dependencies[specifier]}`)
    }
    expect(core).not.toMatch(/\b(process|Buffer|require|__dirname)\b/)
  })

  it('has an entry point that only hands Deno.env and Deno.serve to the core', async () => {
    const entry = await readFile(path.join(functionDir, 'index.ts'), 'utf8')
    expect([...entry.matchAll(/from '([^']+)'/g)].map((m) => m[1])).toEqual(['../../../src/auth/core.ts'])
    expect(entry).toMatch(/Deno\.serve\(issuerHandlerFromEnv\(Deno\.env\.toObject\(\)\)\)/)
  })

  it('knows the same roles as the rest of the tool', () => {
    expect([...AUTH_ROLES]).toEqual([...APP_ROLES])
  })
})
