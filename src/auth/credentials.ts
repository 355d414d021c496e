import {decodeJwt} from 'jose'
import {EXIT, LeadpoetError} from '../errors.js'
import type {ChallengeSigner} from './core.js'
import {
  type CachedToken,
  defaultIssuerUrl,
  findCachedToken,
  login,
  normaliseSupabaseUrl,
  projectTokens,
  refreshDue,
  refreshMargin,
} from './token-cache.js'

/**
 * Which token a command sends to a Supabase project: one rule (docs/auth.md, "Which token a
 * command sends"), first match wins.
 * 1. LEADPOET_TOKEN, when set: sent as it is. A hotkey named as well must be the token's.
 * 2. A named hotkey (--hotkey or the config's `hotkey`, else the wallet's): that hotkey's cached
 *    token, renewed by the wallet (when it is that hotkey's) through the issuer recorded with the token.
 * 3. Nothing named: the service-role key in SUPABASE_KEY acts as itself (the operator); else the
 *    project's one cached identity; several: refused, listing them.
 * No token to be had: NOT_AUTHENTICATED (exit 4), "run `leadpoet auth login`".
 */
export interface CredentialOptions {
  configDir: string
  /** the project URL (--db) */
  supabaseUrl: string
  /** SUPABASE_KEY */
  apiKey: string
  /** LEADPOET_TOKEN */
  explicitToken?: string
  /** --hotkey, LEADPOET_HOTKEY or the config's `hotkey` */
  hotkey?: string
  /** the wallet hotkey (flags or config), as a signer */
  wallet?: ChallengeSigner
  /** the issuer configured now (LEADPOET_ISSUER_URL, the config's `issuer`): for logins without a recorded one */
  issuerUrl?: string
  fetch?: typeof fetch
  now?: () => Date
}

export interface Credentials {
  /** whom the requests act as: a hotkey, or `service_role` */
  caller: string
  /** the bearer token for the next request (renewed when due) */
  bearer(): Promise<string>
}

/** Picks the credential by the rule above and checks a token can be had, before any request. */
export async function apiCredentials(options: CredentialOptions): Promise<Credentials> {
  const named = options.hotkey || options.wallet?.address
  if (options.explicitToken) return explicitToken(options.explicitToken, named)
  if (named) {
    const signer = options.wallet?.address === named ? options.wallet : undefined
    const credentials = hotkeyCredentials(options, named, signer)
    await credentials.bearer()
    return credentials
  }
  if (isServiceRoleKey(options.apiKey)) return {caller: 'service_role', bearer: async () => options.apiKey}

  const now = options.now?.() ?? new Date()
  const tokens = await projectTokens(options.configDir, options.supabaseUrl)
  const valid = tokens.filter((t) => Date.parse(t.expires_at) > now.getTime())
  if (valid.length > 1) {
    throw new LeadpoetError(
      'AMBIGUOUS_IDENTITY',
      `${valid.length} hotkeys are logged in to ${normaliseSupabaseUrl(options.supabaseUrl)}: ` +
        `${valid.map((t) => `${t.hotkey} (${t.app_role})`).join(', ')}; ` +
        'name one with --wallet.name/--wallet.hotkey or --hotkey',
      EXIT.usage,
      {hotkeys: valid.map((t) => ({hotkey: t.hotkey, app_role: t.app_role}))},
    )
  }
  const only = valid[0] ?? tokens[0]
  if (!only) throw notAuthenticated(options.supabaseUrl, 'no hotkey is logged in to')
  const credentials = hotkeyCredentials(options, only.hotkey, undefined)
  await credentials.bearer()
  return credentials
}

function explicitToken(token: string, named: string | undefined): Credentials {
  let hotkey: unknown
  try {
    hotkey = decodeJwt(token).hotkey
  } catch {
    throw new LeadpoetError('INVALID_TOKEN', 'LEADPOET_TOKEN is not a JWT', EXIT.usage)
  }
  if (named && typeof hotkey === 'string' && hotkey !== named) {
    throw new LeadpoetError(
      'TOKEN_FOR_ANOTHER_HOTKEY',
      `LEADPOET_TOKEN is hotkey ${hotkey}'s, but ${named} is named (wallet or --hotkey): name none, or unset LEADPOET_TOKEN`,
      EXIT.usage,
    )
  }
  return {caller: typeof hotkey === 'string' ? hotkey : 'LEADPOET_TOKEN', bearer: async () => token}
}

/** One hotkey's cached token, kept in memory while fresh and renewed once (not per request) when due. */
function hotkeyCredentials(options: CredentialOptions, hotkey: string, signer?: ChallengeSigner): Credentials {
  const now = () => options.now?.() ?? new Date()
  const fresh = (token: CachedToken | undefined) => token !== undefined && !refreshDue(token, now())
  // The token in use and when it is due by this machine's clock: a token just issued is due a
  // lifetime less the margin from now, whatever the issuer's clock says (a skewed clock would
  // otherwise renew at every request).
  let current: {token: CachedToken; dueAt: number} | undefined
  let renewal: Promise<{token: CachedToken; dueAt: number}> | undefined

  const renew = async (): Promise<{token: CachedToken; dueAt: number}> => {
    const cached = await findCachedToken(options.configDir, options.supabaseUrl, hotkey)
    const dueAt = (token: CachedToken) => Date.parse(token.expires_at) - refreshMargin(token)
    if (fresh(cached)) return {token: cached!, dueAt: dueAt(cached!)}
    const valid = cached && Date.parse(cached.expires_at) > now().getTime() ? cached : undefined
    if (!signer) {
      if (valid) return {token: valid, dueAt: now().getTime()}
      throw notAuthenticated(
        options.supabaseUrl,
        cached ? `the token of ${hotkey} expired at ${cached.expires_at} for` : `hotkey ${hotkey} is not logged in to`,
        cached ? ' (or name its wallet, so that commands renew it)' : '',
      )
    }
    try {
      const token = await login({
        configDir: options.configDir,
        supabaseUrl: options.supabaseUrl,
        signer,
        issuerUrl: cached?.issuer_url ?? options.issuerUrl ?? defaultIssuerUrl(options.supabaseUrl),
        apiKey: options.apiKey,
        fetch: options.fetch,
        now: options.now,
      })
      const lifetime = Date.parse(token.expires_at) - Date.parse(token.issued_at)
      return {token, dueAt: now().getTime() + lifetime - refreshMargin(token)}
    } catch (error) {
      // A token that is due but still valid serves until the issuer answers again.
      if (valid) return {token: valid, dueAt: now().getTime()}
      throw error
    }
  }

  return {
    caller: hotkey,
    async bearer() {
      if (!current || now().getTime() >= current.dueAt) {
        renewal ??= renew().finally(() => (renewal = undefined))
        current = await renewal
      }
      return current.token.access_token
    },
  }
}

function notAuthenticated(supabaseUrl: string, what: string, more = ''): LeadpoetError {
  const url = normaliseSupabaseUrl(supabaseUrl)
  return new LeadpoetError(
    'NOT_AUTHENTICATED',
    `${what} ${url}: run \`leadpoet auth login --db ${url} --wallet.name W --wallet.hotkey H\`${more}`,
    EXIT.unauthorised,
  )
}

/** The project's service-role key: a JWT with role service_role, or a new-style secret key. */
export function isServiceRoleKey(key: string): boolean {
  if (key.startsWith('sb_secret_')) return true
  try {
    return decodeJwt(key).role === 'service_role'
  } catch {
    return false
  }
}
