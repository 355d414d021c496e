/**
 * The token issuer's shared core (docs/auth.md): challenge format and checks, token minting, the
 * ports it needs (roles, nonces) and the HTTP handler. The CLI (Node) and the leadpoet-auth Edge
 * Function (Deno) run this same file.
 *
 * Runtime-neutral by rule: Web APIs only (fetch, crypto, TextEncoder, Request/Response), and no
 * relative imports (Deno resolves a file by its real `.ts` name, Node's build by `.js`), so this file
 * imports packages only; supabase/functions/leadpoet-auth/deno.json maps them to npm: for Deno.
 */
import {hexToU8a, u8aToHex, u8aWrapBytes} from '@polkadot/util'
import {
  base58Decode,
  checkAddress,
  checkAddressChecksum,
  cryptoWaitReady,
  decodeAddress,
  encodeAddress,
  sr25519Verify,
} from '@polkadot/util-crypto'
import {importJWK, SignJWT, type JWK} from 'jose'

// ---------------------------------------------------------------------------------------------
// Errors

/** Why the issuer refused, with the HTTP status the Edge Function answers with. */
export const AUTH_ERRORS = {
  INVALID_REQUEST: 400,
  INVALID_CHALLENGE: 400,
  METHOD_NOT_ALLOWED: 405,
  REQUEST_TOO_LARGE: 413,
  CHALLENGE_EXPIRED: 401,
  BAD_SIGNATURE: 401,
  CHALLENGE_REPLAYED: 401,
  HOTKEY_REVOKED: 403,
  NOT_REGISTERED: 403,
  INVALID_METAGRAPH: 502,
  ROLE_LOOKUP_FAILED: 503,
  NONCE_REGISTRY_FAILED: 503,
  ISSUER_MISCONFIGURED: 503,
} as const
export type AuthErrorCode = keyof typeof AUTH_ERRORS

export class AuthError extends Error {
  constructor(
    readonly code: AuthErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message)
    this.name = 'AuthError'
  }

  get status(): number {
    return AUTH_ERRORS[this.code]
  }
}

// ---------------------------------------------------------------------------------------------
// Roles and claims

/** The same roles as src/identity.ts APP_ROLES (a test keeps the two equal). */
export const AUTH_ROLES = ['miner', 'validator', 'operator'] as const
export type AuthRole = (typeof AUTH_ROLES)[number]

/** What a token says about its holder; `uid` is the metagraph uid (null for an operator). */
export interface AccessClaims {
  hotkey: string
  app_role: AuthRole
  uid: number | null
}

/** Bittensor addresses use the generic Substrate SS58 prefix; the metagraph lists them so. */
const SS58_PREFIX = 42

/**
 * An SS58 account address's prefix and 32-byte public key, or null: valid checksum, a 32-byte account
 * id, and spelt exactly as the encoder spells it (the canonical form, so one key has one address).
 * The database's leadpoet.ss58_decode gives the same answers (test/fixtures/ss58-addresses.json).
 */
export function decodeSs58Account(address: string): {prefix: number; publicKey: Uint8Array} | null {
  if (address.length > 64) return null
  let decoded: Uint8Array
  try {
    decoded = base58Decode(address)
  } catch {
    return null
  }
  if (decoded.length === 0) return null
  let prefix: number
  try {
    prefix = checkAddressChecksum(decoded)[3]
  } catch {
    return null
  }
  if (!checkAddress(address, prefix)[0]) return null
  const publicKey = decodeAddress(address, false, prefix)
  if (publicKey.length !== 32 || encodeAddress(publicKey, prefix) !== address) return null
  return {prefix, publicKey}
}

/** A hotkey as the database accepts it: a canonical SS58 account address with Bittensor's prefix. */
export function isHotkeyAddress(text: string): boolean {
  return decodeSs58Account(text)?.prefix === SS58_PREFIX
}

// ---------------------------------------------------------------------------------------------
// The challenge: `leadpoet-auth:{hotkey}:{timestamp}:{nonce}`, signed with the hotkey (sr25519)

export const CHALLENGE_PREFIX = 'leadpoet-auth'
/** How far a challenge's timestamp may be from the issuer's clock, either way. */
export const MAX_CLOCK_SKEW_SECONDS = 300
const NONCE_PATTERN = /^[A-Za-z0-9_-]{16,128}$/
const SIGNATURE_PATTERN = /^0x[0-9a-fA-F]{128}$/

export interface Challenge {
  hotkey: string
  /** Unix seconds */
  timestamp: number
  nonce: string
}

/** What a client sends the issuer. */
export interface SignedChallenge {
  challenge: string
  /** 0x-prefixed hex of the 64-byte sr25519 signature of the challenge's UTF-8 bytes */
  signature: string
}

/** Anything that can sign with a hotkey: a loaded wallet hotkey (src/auth/signer.ts), a dev key. */
export interface ChallengeSigner {
  readonly address: string
  sign(message: Uint8Array): Uint8Array | Promise<Uint8Array>
}

export function formatChallenge(challenge: Challenge): string {
  return `${CHALLENGE_PREFIX}:${challenge.hotkey}:${challenge.timestamp}:${challenge.nonce}`
}

export function parseChallenge(text: string): Challenge {
  const parts = text.length <= 320 ? text.split(':') : []
  const [prefix, hotkey, timestamp, nonce] = parts
  if (parts.length !== 4 || prefix !== CHALLENGE_PREFIX) {
    throw new AuthError('INVALID_CHALLENGE', `the challenge must read ${CHALLENGE_PREFIX}:{hotkey}:{timestamp}:{nonce}`)
  }
  if (!isHotkeyAddress(hotkey!)) {
    throw new AuthError('INVALID_CHALLENGE', 'the challenge hotkey is not an SS58 address (prefix 42)')
  }
  if (!/^\d{1,12}$/.test(timestamp!)) {
    throw new AuthError('INVALID_CHALLENGE', 'the challenge timestamp must be whole Unix seconds')
  }
  if (!NONCE_PATTERN.test(nonce!)) {
    throw new AuthError(
      'INVALID_CHALLENGE',
      'the challenge nonce must be 16 to 128 characters of A-Z, a-z, 0-9, _ and -',
    )
  }
  return {hotkey: hotkey!, timestamp: Number(timestamp), nonce: nonce!}
}

/** 128 random bits as 32 hex characters. */
export function randomNonce(): string {
  return u8aToHex(crypto.getRandomValues(new Uint8Array(16)), -1, false)
}

export async function signChallenge(
  signer: ChallengeSigner,
  options: {now?: Date; nonce?: string} = {},
): Promise<SignedChallenge> {
  const challenge = formatChallenge({
    hotkey: signer.address,
    timestamp: Math.floor((options.now ?? new Date()).getTime() / 1000),
    nonce: options.nonce ?? randomNonce(),
  })
  const signature = await signer.sign(new TextEncoder().encode(challenge))
  return {challenge, signature: u8aToHex(signature)}
}

/**
 * True when `signature` is the hotkey's sr25519 signature of the challenge: of its raw bytes (as
 * Keyring and bittensor's Python `keypair.sign` sign), or wrapped in <Bytes>…</Bytes> (as browser
 * wallets' signRaw does). Only sr25519: a hotkey is an sr25519 key.
 */
export async function verifyChallengeSignature(challenge: string, hotkey: string, signature: string): Promise<boolean> {
  if (!SIGNATURE_PATTERN.test(signature)) return false
  await cryptoWaitReady()
  const message = new TextEncoder().encode(challenge)
  const publicKey = decodeAddress(hotkey)
  const bytes = hexToU8a(signature)
  // The verifier throws on bytes that are no sr25519 signature at all (no Schnorrkel marker).
  const verifies = (signed: Uint8Array) => {
    try {
      return sr25519Verify(signed, bytes, publicKey)
    } catch {
      return false
    }
  }
  return verifies(message) || verifies(u8aWrapBytes(message))
}

// ---------------------------------------------------------------------------------------------
// Tokens: HS256 with the project's JWT secret, or ES256 with a signing key (JWK)

export type TokenSigningKey = {alg: 'HS256'; secret: string} | {alg: 'ES256'; privateJwk: JWK}

/** PostgREST (and so hosted Supabase) refuses HS256 secrets shorter than this. */
const MIN_SECRET_LENGTH = 32

/** The signing key from its configured text: an ES256 private JWK (JSON) wins over an HS256 secret. */
export function signingKeyFrom(config: {secret?: string; jwk?: string}): TokenSigningKey {
  if (config.jwk) {
    let jwk: JWK
    try {
      jwk = JSON.parse(config.jwk) as JWK
    } catch {
      throw new AuthError('ISSUER_MISCONFIGURED', 'the signing key is not a JSON Web Key')
    }
    if (jwk.kty !== 'EC' || jwk.crv !== 'P-256' || typeof jwk.d !== 'string') {
      throw new AuthError(
        'ISSUER_MISCONFIGURED',
        'the signing key must be a private EC P-256 JWK (kty EC, crv P-256, with d) for ES256',
      )
    }
    return {alg: 'ES256', privateJwk: jwk}
  }
  if (config.secret) {
    if (config.secret.length < MIN_SECRET_LENGTH) {
      throw new AuthError('ISSUER_MISCONFIGURED', `the JWT secret must be at least ${MIN_SECRET_LENGTH} characters`)
    }
    return {alg: 'HS256', secret: config.secret}
  }
  throw new AuthError(
    'ISSUER_MISCONFIGURED',
    'no signing key: set the JWT secret (HS256) or an ES256 signing key (JWK)',
  )
}

export const DEFAULT_TOKEN_TTL_SECONDS = 3600
export const MAX_TOKEN_TTL_SECONDS = 86_400

/** What the issuer hands out (and `leadpoet auth login` caches). */
export interface IssuedToken extends AccessClaims {
  access_token: string
  token_type: 'bearer'
  jti: string
  issued_at: string
  expires_at: string
  expires_in: number
}

/**
 * A JWT PostgREST accepts as the `authenticated` role; the database functions read `hotkey` and
 * `app_role` from it, and the pre-request check `jti` and `hotkey`.
 */
export async function mintAccessToken(
  key: TokenSigningKey,
  claims: AccessClaims,
  options: {now: Date; ttlSeconds: number},
): Promise<IssuedToken> {
  const issuedAt = Math.floor(options.now.getTime() / 1000)
  const expiresAt = issuedAt + options.ttlSeconds
  const jti = crypto.randomUUID()
  const jwt = new SignJWT({role: 'authenticated', app_role: claims.app_role, hotkey: claims.hotkey, uid: claims.uid})
    .setIssuer(CHALLENGE_PREFIX)
    .setAudience('authenticated')
    .setIssuedAt(issuedAt)
    .setExpirationTime(expiresAt)
    .setJti(jti)
  const token =
    key.alg === 'HS256'
      ? await jwt.setProtectedHeader({alg: 'HS256', typ: 'JWT'}).sign(new TextEncoder().encode(key.secret))
      : await jwt
          .setProtectedHeader({alg: 'ES256', typ: 'JWT', ...(key.privateJwk.kid ? {kid: key.privateJwk.kid} : {})})
          .sign(await importJWK(key.privateJwk, 'ES256'))
  return {
    ...claims,
    access_token: token,
    token_type: 'bearer',
    jti,
    issued_at: new Date(issuedAt * 1000).toISOString(),
    expires_at: new Date(expiresAt * 1000).toISOString(),
    expires_in: options.ttlSeconds,
  }
}

// ---------------------------------------------------------------------------------------------
// Port: roles on the metagraph

export interface RoleGrant {
  role: 'validator' | 'miner'
  uid: number
}

/** hotkey -> its role on the subnet (validator = holds a validator permit, miner = registered), or none. */
export interface RoleResolver {
  resolve(hotkey: string): Promise<RoleGrant | undefined>
}

/** The metagraph as the resolvers read it: {hotkey: {uid, validator_permit}}. */
export type MetagraphDocument = Readonly<Record<string, {uid: number; validator_permit: boolean}>>

export function parseMetagraphDocument(json: unknown): MetagraphDocument {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new AuthError('INVALID_METAGRAPH', 'the metagraph must be a JSON object of {hotkey: {uid, validator_permit}}')
  }
  // No prototype: a hotkey named like an Object method must not resolve to one.
  const document = Object.create(null) as Record<string, {uid: number; validator_permit: boolean}>
  for (const [hotkey, entry] of Object.entries(json)) {
    const {uid, validator_permit} = (entry ?? {}) as {uid?: unknown; validator_permit?: unknown}
    if (
      !Number.isInteger(uid) ||
      (uid as number) < 0 ||
      (uid as number) > 0xffff ||
      typeof validator_permit !== 'boolean'
    ) {
      throw new AuthError(
        'INVALID_METAGRAPH',
        `metagraph entry ${JSON.stringify(hotkey.slice(0, 64))} must be {uid: 0-65535, validator_permit: boolean}`,
      )
    }
    document[hotkey] = {uid: uid as number, validator_permit}
  }
  return document
}

export function grantIn(document: MetagraphDocument, hotkey: string): RoleGrant | undefined {
  const entry = Object.hasOwn(document, hotkey) ? document[hotkey] : undefined
  if (!entry) return undefined
  return {role: entry.validator_permit ? 'validator' : 'miner', uid: entry.uid}
}

export function documentRoleResolver(document: MetagraphDocument): RoleResolver {
  return {resolve: async (hotkey) => grantIn(document, hotkey)}
}

/**
 * The metagraph document published at a URL (the Edge Function's source: an operator's cron
 * writes it with `leadpoet auth metagraph`), re-read when older than `maxAgeSeconds`.
 */
export function urlRoleResolver(options: {
  url: string
  maxAgeSeconds?: number
  fetch?: typeof fetch
  now?: () => Date
}): RoleResolver {
  const get = options.fetch ?? fetch
  const now = options.now ?? (() => new Date())
  const maxAgeMs = (options.maxAgeSeconds ?? 60) * 1000
  let cached: {document: MetagraphDocument; readAt: number} | undefined
  return {
    async resolve(hotkey) {
      if (!cached || now().getTime() - cached.readAt >= maxAgeMs) {
        let json: unknown
        try {
          const response = await get(options.url, {headers: {accept: 'application/json'}})
          if (!response.ok) throw new Error(`HTTP ${response.status}`)
          json = await response.json()
        } catch (error) {
          throw new AuthError('ROLE_LOOKUP_FAILED', `cannot read the metagraph: ${(error as Error).message}`)
        }
        cached = {document: parseMetagraphDocument(json), readAt: now().getTime()}
      }
      return grantIn(cached.document, hotkey)
    },
  }
}

// ---------------------------------------------------------------------------------------------
// Port: used nonces, shared by every issuer instance (the database: auth_claim_nonce)

export const NONCE_CLAIMS = ['claimed', 'replayed', 'revoked', 'expired'] as const
export type NonceClaim = (typeof NONCE_CLAIMS)[number]

export interface NonceRegistry {
  /**
   * Records the nonce atomically: 'claimed' once, 'replayed' after. Without recording: 'revoked'
   * when the hotkey is, 'expired' when `expiresAt` is already past by the registry's clock.
   */
  claim(hotkey: string, nonce: string, expiresAt: Date): Promise<NonceClaim>
}

/** The database functions of this feature (supabase/migrations/20261125000400_auth.sql). */
export type AuthFunction = 'auth_claim_nonce' | 'auth_revoke' | 'auth_lift_revocation' | 'auth_whoami'

/** Calls one of them as the operator and returns its JSON result. */
export type AuthRpc = (fn: AuthFunction, args: Record<string, unknown>) => Promise<unknown>

/** A database error as PostgREST reports it (the shape src/store/errors.ts maps). */
export class RpcError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly details?: string,
    readonly hint?: string,
  ) {
    super(message)
    this.name = 'RpcError'
  }
}

/** The functions through PostgREST (`restUrl`: the project's /rest/v1) with the service-role key. */
export function postgrestAuthRpc(options: {restUrl: string; apiKey: string; fetch?: typeof fetch}): AuthRpc {
  const post = options.fetch ?? fetch
  const base = options.restUrl.replace(/\/+$/, '')
  return async (fn, args) => {
    const response = await post(`${base}/rpc/${fn}`, {
      method: 'POST',
      headers: {'content-type': 'application/json', apikey: options.apiKey, authorization: `Bearer ${options.apiKey}`},
      body: JSON.stringify(args),
    })
    const text = await response.text()
    const body = text ? (JSON.parse(text) as unknown) : null
    if (!response.ok) {
      const error = (body ?? {}) as {code?: string; message?: string; details?: string; hint?: string}
      throw new RpcError(
        error.code ?? `HTTP${response.status}`,
        error.message ?? `HTTP ${response.status}`,
        error.details,
        error.hint,
      )
    }
    return body
  }
}

export function rpcNonceRegistry(rpc: AuthRpc): NonceRegistry {
  return {
    async claim(hotkey, nonce, expiresAt) {
      const result = (await rpc('auth_claim_nonce', {
        p_hotkey: hotkey,
        p_nonce: nonce,
        p_expires_at: expiresAt.toISOString(),
      })) as {outcome?: unknown}
      if (!(NONCE_CLAIMS as readonly unknown[]).includes(result?.outcome))
        throw new Error(`auth_claim_nonce returned ${JSON.stringify(result)}`)
      return result.outcome as NonceClaim
    },
  }
}

// ---------------------------------------------------------------------------------------------
// The issuer

export interface TokenIssuerOptions {
  signingKey: TokenSigningKey
  roles: RoleResolver
  nonces: NonceRegistry
  /** Hotkeys that get the operator role (they need not be on the metagraph). */
  operators?: readonly string[]
  ttlSeconds?: number
  now?: () => Date
}

export interface TokenIssuer {
  /** Checks a signed challenge and mints a token for the hotkey's role. */
  issueForChallenge(signed: SignedChallenge): Promise<IssuedToken>
  /** Mints without a challenge: for the operator, who holds the signing key anyway. */
  issueFor(claims: AccessClaims): Promise<IssuedToken>
}

export function createTokenIssuer(options: TokenIssuerOptions): TokenIssuer {
  const now = options.now ?? (() => new Date())
  const ttlSeconds = options.ttlSeconds ?? DEFAULT_TOKEN_TTL_SECONDS
  if (!Number.isInteger(ttlSeconds) || ttlSeconds < 60 || ttlSeconds > MAX_TOKEN_TTL_SECONDS) {
    throw new AuthError('ISSUER_MISCONFIGURED', `the token lifetime must be 60 to ${MAX_TOKEN_TTL_SECONDS} seconds`)
  }
  const operators = new Set(options.operators ?? [])
  for (const operator of operators) {
    if (!isHotkeyAddress(operator))
      throw new AuthError(
        'ISSUER_MISCONFIGURED',
        `operator hotkey ${JSON.stringify(operator.slice(0, 64))} is not an SS58 address`,
      )
  }
  const mint = (claims: AccessClaims) => mintAccessToken(options.signingKey, claims, {now: now(), ttlSeconds})

  return {
    async issueForChallenge(signed) {
      const challenge = parseChallenge(signed.challenge)
      const skew = Math.floor(now().getTime() / 1000) - challenge.timestamp
      if (Math.abs(skew) > MAX_CLOCK_SKEW_SECONDS) {
        throw new AuthError(
          'CHALLENGE_EXPIRED',
          `the challenge timestamp is ${Math.abs(skew)} s ${skew > 0 ? 'old' : 'in the future'}; ` +
            `it must be within ${MAX_CLOCK_SKEW_SECONDS} s of the issuer's clock`,
        )
      }
      if (!(await verifyChallengeSignature(signed.challenge, challenge.hotkey, signed.signature))) {
        throw new AuthError(
          'BAD_SIGNATURE',
          "the signature is not the challenge hotkey's sr25519 signature of the challenge",
        )
      }
      // Claimed before the role is looked up: a signed challenge buys at most one attempt, so one
      // captured while its hotkey was not (yet) registered cannot be replayed once it is. The row is
      // kept a second window past the challenge's own, for an issuer and database whose clocks differ.
      const expiresAt = new Date((challenge.timestamp + 2 * MAX_CLOCK_SKEW_SECONDS) * 1000)
      let claim: NonceClaim
      try {
        claim = await options.nonces.claim(challenge.hotkey, challenge.nonce, expiresAt)
      } catch (error) {
        throw new AuthError('NONCE_REGISTRY_FAILED', `cannot record the challenge nonce: ${(error as Error).message}`)
      }
      if (claim === 'replayed')
        throw new AuthError('CHALLENGE_REPLAYED', 'this challenge was already used: sign a new one')
      if (claim === 'revoked') throw new AuthError('HOTKEY_REVOKED', `hotkey ${challenge.hotkey} is revoked`)
      if (claim === 'expired') {
        throw new AuthError(
          'CHALLENGE_EXPIRED',
          "the challenge is out of the database's window: the issuer's clock is off by more than 5 minutes",
        )
      }

      if (operators.has(challenge.hotkey)) return mint({hotkey: challenge.hotkey, app_role: 'operator', uid: null})
      let grant: RoleGrant | undefined
      try {
        grant = await options.roles.resolve(challenge.hotkey)
      } catch (error) {
        if (error instanceof AuthError) throw error
        throw new AuthError(
          'ROLE_LOOKUP_FAILED',
          `cannot look the hotkey up on the metagraph: ${(error as Error).message}`,
        )
      }
      if (!grant) throw new AuthError('NOT_REGISTERED', `hotkey ${challenge.hotkey} is not registered on the subnet`)
      return mint({hotkey: challenge.hotkey, app_role: grant.role, uid: grant.uid})
    },

    async issueFor(claims) {
      if (!(AUTH_ROLES as readonly string[]).includes(claims.app_role)) {
        throw new AuthError('INVALID_REQUEST', `role must be one of ${AUTH_ROLES.join(', ')}`)
      }
      if (!isHotkeyAddress(claims.hotkey))
        throw new AuthError('INVALID_REQUEST', 'the hotkey must be an SS58 address (prefix 42)')
      if (claims.uid !== null && (!Number.isInteger(claims.uid) || claims.uid < 0 || claims.uid > 0xffff)) {
        throw new AuthError('INVALID_REQUEST', 'uid must be 0 to 65535')
      }
      return mint(claims)
    },
  }
}

// ---------------------------------------------------------------------------------------------
// HTTP: POST {challenge, signature} -> 200 IssuedToken | {error: {code, message}}

export const MAX_REQUEST_BYTES = 4096

export function issuerRequestHandler(issuer: TokenIssuer): (request: Request) => Promise<Response> {
  return async (request) => {
    try {
      if (request.method !== 'POST')
        throw new AuthError('METHOD_NOT_ALLOWED', 'POST a signed challenge: {"challenge": "...", "signature": "0x..."}')
      const signed = parseSignedChallenge(await readBody(request, MAX_REQUEST_BYTES))
      return json(200, await issuer.issueForChallenge(signed))
    } catch (error) {
      if (error instanceof AuthError) return json(error.status, {error: {code: error.code, message: error.message}})
      // Unexpected: logged for the operator, not echoed to the caller.
      console.error('leadpoet-auth: unexpected error', error)
      return json(500, {error: {code: 'ISSUER_ERROR', message: 'the issuer failed; try again later'}})
    }
  }
}

function parseSignedChallenge(text: string): SignedChallenge {
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch {
    throw new AuthError('INVALID_REQUEST', 'the request body must be JSON: {"challenge": "...", "signature": "0x..."}')
  }
  const keys = typeof body === 'object' && body !== null && !Array.isArray(body) ? Object.keys(body).sort() : []
  const {challenge, signature} = body as Partial<SignedChallenge>
  if (keys.join(',') !== 'challenge,signature' || typeof challenge !== 'string' || typeof signature !== 'string') {
    throw new AuthError(
      'INVALID_REQUEST',
      'the request body must be exactly {"challenge": string, "signature": string}',
    )
  }
  if (!SIGNATURE_PATTERN.test(signature))
    throw new AuthError('INVALID_REQUEST', 'the signature must be 0x and 128 hex digits')
  return {challenge, signature}
}

/** The body, refused once it passes `limit` bytes (whatever Content-Length claims). */
async function readBody(request: Request, limit: number): Promise<string> {
  const tooLarge = () => new AuthError('REQUEST_TOO_LARGE', `the request body is over ${limit} bytes`)
  if (Number(request.headers.get('content-length') ?? 0) > limit) throw tooLarge()
  if (!request.body) return ''
  const reader = request.body.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  for (;;) {
    const {done, value} = await reader.read()
    if (done) break
    size += value.byteLength
    if (size > limit) {
      await reader.cancel()
      throw tooLarge()
    }
    chunks.push(value)
  }
  const bytes = new Uint8Array(size)
  let offset = 0
  for (const chunk of chunks) {
    bytes.set(chunk, offset)
    offset += chunk.byteLength
  }
  return new TextDecoder().decode(bytes)
}

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: {'content-type': 'application/json', 'cache-control': 'no-store'},
  })
}

// ---------------------------------------------------------------------------------------------
// Configuration from the environment (the Edge Function's secrets)

/** The variables the Edge Function reads; docs/auth.md describes each. */
export const ISSUER_ENV = {
  jwtSecret: 'LEADPOET_JWT_SECRET',
  signingKey: 'LEADPOET_JWT_SIGNING_KEY',
  supabaseUrl: 'SUPABASE_URL',
  serviceRoleKey: 'SUPABASE_SERVICE_ROLE_KEY',
  restUrl: 'LEADPOET_REST_URL',
  metagraphUrl: 'LEADPOET_METAGRAPH_URL',
  metagraphMaxAge: 'LEADPOET_METAGRAPH_MAX_AGE_SECONDS',
  operators: 'LEADPOET_OPERATOR_HOTKEYS',
  ttl: 'LEADPOET_TOKEN_TTL_SECONDS',
} as const

export function issuerFromEnv(
  env: Readonly<Record<string, string | undefined>>,
  options: {fetch?: typeof fetch; now?: () => Date} = {},
): TokenIssuer {
  const need = (name: string): string => {
    const value = env[name]
    if (!value) throw new AuthError('ISSUER_MISCONFIGURED', `${name} is not set`)
    return value
  }
  const wholeSeconds = (name: string, fallback: number): number => {
    const text = env[name]
    if (!text) return fallback
    if (!/^\d+$/.test(text)) throw new AuthError('ISSUER_MISCONFIGURED', `${name} must be whole seconds`)
    return Number(text)
  }
  const signingKey = signingKeyFrom({secret: env[ISSUER_ENV.jwtSecret], jwk: env[ISSUER_ENV.signingKey]})
  const restUrl = env[ISSUER_ENV.restUrl] || `${need(ISSUER_ENV.supabaseUrl).replace(/\/+$/, '')}/rest/v1`
  return createTokenIssuer({
    signingKey,
    nonces: rpcNonceRegistry(
      postgrestAuthRpc({restUrl, apiKey: need(ISSUER_ENV.serviceRoleKey), fetch: options.fetch}),
    ),
    roles: urlRoleResolver({
      url: need(ISSUER_ENV.metagraphUrl),
      maxAgeSeconds: wholeSeconds(ISSUER_ENV.metagraphMaxAge, 60),
      fetch: options.fetch,
      now: options.now,
    }),
    operators: (env[ISSUER_ENV.operators] ?? '')
      .split(',')
      .map((hotkey) => hotkey.trim())
      .filter(Boolean),
    ttlSeconds: wholeSeconds(ISSUER_ENV.ttl, DEFAULT_TOKEN_TTL_SECONDS),
    now: options.now,
  })
}

/**
 * The Edge Function's whole behaviour. A configuration error answers every request with 503
 * ISSUER_MISCONFIGURED naming the variable (never its value), rather than failing to boot silently.
 */
export function issuerHandlerFromEnv(
  env: Readonly<Record<string, string | undefined>>,
  options: {fetch?: typeof fetch; now?: () => Date} = {},
): (request: Request) => Promise<Response> {
  try {
    return issuerRequestHandler(issuerFromEnv(env, options))
  } catch (error) {
    if (!(error instanceof AuthError)) throw error
    console.error(`leadpoet-auth: ${error.message}`)
    return async () => json(error.status, {error: {code: error.code, message: error.message}})
  }
}
