import {randomBytes} from 'node:crypto'
import {chmod, mkdir, readFile, rename, rm, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {z} from 'zod'
import {EXIT, LeadpoetError} from '../errors.js'
import {AUTH_ROLES, signChallenge, type ChallengeSigner, type IssuedToken} from './core.js'
import {exitCodeForStatus} from './errors.js'

/** The client side of hotkey authentication: get a token from the issuer, keep it, refresh it. */

export const TOKEN_CACHE_FILE = 'auth-tokens.json'
/** Tokens are renewed this long before they expire (at most half their lifetime). */
export const REFRESH_MARGIN_SECONDS = 300
/** The Edge Function's path under a Supabase project URL. */
export const ISSUER_FUNCTION_PATH = '/functions/v1/leadpoet-auth'

const IssuedTokenSchema = z.object({
  access_token: z.string().min(1),
  token_type: z.literal('bearer'),
  jti: z.string().min(1),
  hotkey: z.string().min(1),
  app_role: z.enum(AUTH_ROLES),
  uid: z.number().int().nullable(),
  issued_at: z.iso.datetime(),
  expires_at: z.iso.datetime(),
  expires_in: z.number().int().positive(),
})

const CachedTokenSchema = IssuedTokenSchema.extend({supabase_url: z.string()})
export type CachedToken = z.infer<typeof CachedTokenSchema>

const CacheFileSchema = z.object({version: z.literal(1), tokens: z.array(CachedTokenSchema)})

export function tokenCachePath(configDir: string): string {
  return path.join(configDir, TOKEN_CACHE_FILE)
}

/** One spelling per project, so `https://x.supabase.co/` and `https://x.supabase.co` share tokens. */
export function normaliseSupabaseUrl(url: string): string {
  const parsed = new URL(url)
  return `${parsed.origin}${parsed.pathname.replace(/\/+$/, '')}`
}

export function defaultIssuerUrl(supabaseUrl: string): string {
  return `${normaliseSupabaseUrl(supabaseUrl)}${ISSUER_FUNCTION_PATH}`
}

/** Every cached token; a missing or unreadable cache is an empty one (the next login rewrites it). */
export async function readTokenCache(configDir: string): Promise<CachedToken[]> {
  let text: string
  try {
    text = await readFile(tokenCachePath(configDir), 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw error
  }
  try {
    const parsed = CacheFileSchema.safeParse(JSON.parse(text))
    return parsed.success ? parsed.data.tokens : []
  } catch {
    return []
  }
}

/**
 * Keeps `token` for (project, hotkey), replacing the previous one and dropping expired ones. The
 * file holds bearer credentials: mode 0600 in a 0700 directory, written whole (temporary file and
 * rename), so a reader never sees half a file and nobody else can read it.
 */
export async function saveToken(
  configDir: string,
  supabaseUrl: string,
  token: IssuedToken,
  now = new Date(),
): Promise<CachedToken> {
  const cached: CachedToken = {...token, supabase_url: normaliseSupabaseUrl(supabaseUrl)}
  const kept = (await readTokenCache(configDir)).filter(
    (t) =>
      !(t.supabase_url === cached.supabase_url && t.hotkey === cached.hotkey) &&
      Date.parse(t.expires_at) > now.getTime(),
  )
  await mkdir(configDir, {recursive: true, mode: 0o700})
  const file = tokenCachePath(configDir)
  const temporary = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`
  try {
    await writeFile(temporary, JSON.stringify({version: 1, tokens: [...kept, cached]}, null, 2), {
      mode: 0o600,
      flag: 'wx',
    })
    await chmod(temporary, 0o600) // whatever the umask
    await rename(temporary, file)
  } catch (error) {
    await rm(temporary, {force: true})
    throw error
  }
  return cached
}

/** The cached token for (project, hotkey); without a hotkey, the project's most recent login. */
export async function findCachedToken(
  configDir: string,
  supabaseUrl: string,
  hotkey?: string,
): Promise<CachedToken | undefined> {
  const url = normaliseSupabaseUrl(supabaseUrl)
  const candidates = (await readTokenCache(configDir)).filter(
    (t) => t.supabase_url === url && (hotkey === undefined || t.hotkey === hotkey),
  )
  return candidates.sort((a, b) => Date.parse(b.issued_at) - Date.parse(a.issued_at))[0]
}

/** True once the token is within its refresh margin of expiring (or past it). */
export function refreshDue(token: Pick<IssuedToken, 'issued_at' | 'expires_at'>, now: Date): boolean {
  const expires = Date.parse(token.expires_at)
  const margin = Math.min(REFRESH_MARGIN_SECONDS * 1000, (expires - Date.parse(token.issued_at)) / 2)
  return now.getTime() >= expires - margin
}

export interface IssuerClientOptions {
  /** the issuer's URL (default: the project's leadpoet-auth Edge Function) */
  issuerUrl?: string
  /** the project's anon key, sent as `apikey` when given */
  apiKey?: string
  fetch?: typeof fetch
  now?: () => Date
}

/** Signs a fresh challenge and trades it for a token at the issuer. */
export async function requestToken(
  supabaseUrl: string,
  signer: ChallengeSigner,
  options: IssuerClientOptions = {},
): Promise<IssuedToken> {
  const issuerUrl = options.issuerUrl ?? defaultIssuerUrl(supabaseUrl)
  const signed = await signChallenge(signer, {now: options.now?.()})
  let response: Response
  try {
    response = await (options.fetch ?? fetch)(issuerUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(options.apiKey ? {apikey: options.apiKey, authorization: `Bearer ${options.apiKey}`} : {}),
      },
      body: JSON.stringify(signed),
    })
  } catch (error) {
    throw new LeadpoetError(
      'ISSUER_UNREACHABLE',
      `cannot reach the token issuer at ${issuerUrl}: ${(error as Error).message}`,
      EXIT.error,
    )
  }
  const body = (await response.json().catch(() => undefined)) as {error?: {code?: string; message?: string}} | undefined
  if (!response.ok) {
    const code = typeof body?.error?.code === 'string' ? body.error.code : 'ISSUER_ERROR'
    throw new LeadpoetError(
      code,
      `the issuer refused: ${body?.error?.message ?? `HTTP ${response.status}`}`,
      exitCodeForStatus(response.status),
      {status: response.status},
    )
  }
  const token = IssuedTokenSchema.safeParse(body)
  if (!token.success || token.data.hotkey !== signer.address) {
    throw new LeadpoetError(
      'UNEXPECTED_RESPONSE',
      `the issuer at ${issuerUrl} answered with something that is not this hotkey's token`,
      EXIT.error,
    )
  }
  return token.data
}

export interface LoginOptions extends IssuerClientOptions {
  configDir: string
  supabaseUrl: string
  signer: ChallengeSigner
}

/** `leadpoet auth login`: a new token for the signer's hotkey, cached for the project. */
export async function login(options: LoginOptions): Promise<CachedToken> {
  const token = await requestToken(options.supabaseUrl, options.signer, options)
  return saveToken(options.configDir, options.supabaseUrl, token, options.now?.())
}

export interface CachedAccessTokenOptions extends IssuerClientOptions {
  /** the oclif config dir (this.config.configDir) */
  configDir: string
  /** the Supabase project URL (`--db https://…`) */
  supabaseUrl: string
  /** whose token; default: the project's most recent login (the signer's address when a signer is given) */
  hotkey?: string
  /** the wallet hotkey (hotkeySigner): lets an expiring token be renewed by a new login */
  signer?: ChallengeSigner
}

/**
 * The access token to send to the project: the cached one while it is not yet due for refresh;
 * a new one (logging in again, cached) when it is due and a signer is at hand; the cached one while
 * it is still valid if the renewal cannot happen or fails; otherwise undefined (log in first).
 */
export async function cachedAccessToken(options: CachedAccessTokenOptions): Promise<string | undefined> {
  const now = options.now?.() ?? new Date()
  const hotkey = options.hotkey ?? options.signer?.address
  const cached = await findCachedToken(options.configDir, options.supabaseUrl, hotkey)
  if (cached && !refreshDue(cached, now)) return cached.access_token
  const stillValid = cached && Date.parse(cached.expires_at) > now.getTime() ? cached.access_token : undefined
  if (!options.signer || (hotkey !== undefined && options.signer.address !== hotkey)) return stillValid
  try {
    return (await login({...options, signer: options.signer})).access_token
  } catch (error) {
    if (stillValid) return stillValid
    throw error
  }
}
