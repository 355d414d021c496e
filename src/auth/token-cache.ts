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

// issuer_url: where the token was had, and so where it is renewed (absent in caches written before it
// was recorded: those renew at the configured or the project's issuer).
const CachedTokenSchema = IssuedTokenSchema.extend({supabase_url: z.string(), issuer_url: z.string().optional()})
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
  options: {issuerUrl?: string; now?: Date} = {},
): Promise<CachedToken> {
  const now = options.now ?? new Date()
  const cached: CachedToken = {
    ...token,
    supabase_url: normaliseSupabaseUrl(supabaseUrl),
    issuer_url: options.issuerUrl ?? defaultIssuerUrl(supabaseUrl),
  }
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

/** The project's cached tokens, one per hotkey, newest login first. */
export async function projectTokens(configDir: string, supabaseUrl: string): Promise<CachedToken[]> {
  const url = normaliseSupabaseUrl(supabaseUrl)
  return (await readTokenCache(configDir))
    .filter((t) => t.supabase_url === url)
    .sort((a, b) => Date.parse(b.issued_at) - Date.parse(a.issued_at))
}

/** The cached token of (project, hotkey). */
export async function findCachedToken(
  configDir: string,
  supabaseUrl: string,
  hotkey: string,
): Promise<CachedToken | undefined> {
  return (await projectTokens(configDir, supabaseUrl)).find((t) => t.hotkey === hotkey)
}

/** True once the token is within its refresh margin of expiring (or past it). */
export function refreshDue(token: Pick<IssuedToken, 'issued_at' | 'expires_at'>, now: Date): boolean {
  return now.getTime() >= Date.parse(token.expires_at) - refreshMargin(token)
}

/** How long before its expiry a token is renewed, in ms: 5 minutes, at most half its lifetime. */
export function refreshMargin(token: Pick<IssuedToken, 'issued_at' | 'expires_at'>): number {
  return Math.min(REFRESH_MARGIN_SECONDS * 1000, (Date.parse(token.expires_at) - Date.parse(token.issued_at)) / 2)
}

export interface IssuerClientOptions {
  /** the issuer's URL (default: the project's leadpoet-auth Edge Function) */
  issuerUrl?: string
  /** the project's anon key, sent as `apikey` when given */
  apiKey?: string
  fetch?: typeof fetch
  now?: () => Date
}

/**
 * Signs a fresh challenge and trades it for a token at the issuer. The issuer's refusals keep their
 * own code (docs/auth.md); an issuer that cannot be reached, or a gateway answering for it that it is
 * down, is ISSUER_UNREACHABLE; anything else that is not the issuer's answer is ISSUER_ERROR.
 */
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
      signal: AbortSignal.timeout(ISSUER_TIMEOUT_MS),
    })
  } catch (error) {
    const cause = (error as {cause?: {code?: string; message?: string}}).cause
    const reason =
      (error as Error).name === 'TimeoutError'
        ? `no answer within ${ISSUER_TIMEOUT_MS / 1000} s`
        : (cause?.code ?? cause?.message ?? (error as Error).message)
    throw new LeadpoetError(
      'ISSUER_UNREACHABLE',
      `cannot reach the token issuer at ${issuerUrl}: ${reason}`,
      EXIT.error,
    )
  }
  const text = await response.text()
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch {
    body = undefined
  }
  if (!response.ok) {
    const refusal = (body as {error?: {code?: unknown; message?: unknown}} | undefined)?.error
    if (typeof refusal?.code === 'string' && typeof refusal.message === 'string') {
      const exitCode = refusal.code === 'ISSUER_ERROR' ? EXIT.error : exitCodeForStatus(response.status)
      throw new LeadpoetError(refusal.code, `the issuer refused: ${refusal.message}`, exitCode, {
        status: response.status,
      })
    }
    const answer = `HTTP ${response.status}${text ? ` ${JSON.stringify(text.replace(/\s+/g, ' ').trim().slice(0, 120))}` : ''}`
    if (response.status === 502 || response.status === 503 || response.status === 504) {
      throw new LeadpoetError(
        'ISSUER_UNREACHABLE',
        `the token issuer at ${issuerUrl} is not answering (its gateway answered ${answer})`,
        EXIT.error,
        {status: response.status},
      )
    }
    throw new LeadpoetError(
      'ISSUER_ERROR',
      `${issuerUrl} did not answer as the leadpoet-auth issuer (${answer}): is the function deployed there?`,
      EXIT.error,
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

/** An issuer that does not answer within this long is unreachable. */
export const ISSUER_TIMEOUT_MS = 30_000

export interface LoginOptions extends IssuerClientOptions {
  configDir: string
  supabaseUrl: string
  signer: ChallengeSigner
}

/** A new token for the signer's hotkey, cached for the project with the issuer that gave it. */
export async function login(options: LoginOptions): Promise<CachedToken> {
  const token = await requestToken(options.supabaseUrl, options.signer, options)
  return saveToken(options.configDir, options.supabaseUrl, token, {issuerUrl: options.issuerUrl, now: options.now?.()})
}
