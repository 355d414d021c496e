import {Flags} from '@oclif/core'
import {z} from 'zod'
import {
  authRpcOverAdapter,
  DatabaseIdentity,
  defaultIssuerUrl,
  hotkeySigner,
  proveToken,
  requestToken,
  saveToken,
  tokenCachePath,
  toAuthLeadpoetError,
} from '../../auth/index.js'
import {supabaseApiClient} from '../../adapters/supabase-api.js'
import {SupabaseRpcAdapter} from '../../adapters/supabase-adapter.js'
import {LeadpoetCommand} from '../../cli/base-command.js'
import {configuredIssuer, loadWalletHotkey, supabaseKey} from '../../cli/session.js'
import {EXIT, LeadpoetError} from '../../errors.js'

export const AuthLoginResult = z.object({
  hotkey: z.string(),
  app_role: z.string(),
  uid: z.number().int().nullable(),
  jti: z.string(),
  issued_at: z.string(),
  expires_at: z.string(),
  supabase_url: z.string(),
  issuer_url: z.string(),
  /** what the database sees of a request with this token (auth_whoami) */
  database: DatabaseIdentity.pick({role: true, hotkey: true, app_role: true}),
  cache: z.string(),
})
export type AuthLoginResult = z.infer<typeof AuthLoginResult>

export default class AuthLogin extends LeadpoetCommand {
  static override resultSchema = AuthLoginResult
  static override summary = "Prove your hotkey to the project's token issuer and keep the short-lived token it gives."
  static override description =
    "Signs a one-time challenge with the wallet's hotkey; the issuer checks it and the hotkey's role on " +
    'the metagraph (validator: validator permit; miner: registered) and returns a token for that role ' +
    'only. Login then makes one call through the project API with the token and shows the role and ' +
    'hotkey the database sees; a token the API refuses is not kept. The token is cached (mode 0600) in ' +
    'the config directory with the issuer that gave it, and renewed there before it expires by commands ' +
    'that have the wallet at hand.\n' +
    'Exit status: 0 logged in, 4 refused (bad signature, replayed challenge, not registered, revoked), 2 ' +
    'bad usage, 1 the issuer or the API failed (TOKEN_NOT_ACCEPTED: the API checks another secret).'
  static override examples = [
    '<%= config.bin %> auth login --db https://PROJECT.supabase.co --wallet.name validator --wallet.hotkey default',
  ]
  static override flags = {
    issuer: Flags.string({
      description: "the issuer's URL [default: the config's `issuer`, else the project's leadpoet-auth Edge Function]",
      env: 'LEADPOET_ISSUER_URL',
    }),
  }

  async run(): Promise<AuthLoginResult> {
    const {flags} = await this.parse(AuthLogin)
    const target = this.databaseTarget(flags)
    if (target.kind !== 'supabase') {
      throw new LeadpoetError(
        'NEEDS_SUPABASE_URL',
        'tokens are for a Supabase project: pass its https:// URL with --db (a direct database takes --hotkey instead)',
        EXIT.usage,
      )
    }
    const hotkey = await loadWalletHotkey(flags, this.appConfig, (text) => this.warnLine(text))
    if (!hotkey)
      throw new LeadpoetError(
        'NO_WALLET',
        'logging in needs the hotkey to sign with: pass --wallet.name and --wallet.hotkey',
        EXIT.usage,
      )
    const apiKey = supabaseKey()
    const issuerUrl = flags.issuer || configuredIssuer(this.appConfig) || defaultIssuerUrl(target.url)
    const issued = await requestToken(target.url, hotkeySigner(hotkey), {issuerUrl, apiKey}).catch((error: unknown) =>
      Promise.reject(toAuthLeadpoetError(error)),
    )
    const api = new SupabaseRpcAdapter(
      supabaseApiClient({url: target.url, apiKey, bearer: async () => issued.access_token}),
    )
    const seen = await proveToken(authRpcOverAdapter(api), issued)
    const token = await saveToken(this.config.configDir, target.url, issued, {issuerUrl})
    const cache = tokenCachePath(this.config.configDir)
    const uid = token.uid === null ? '' : ` (uid ${token.uid})`
    this.log(
      `Logged in to ${token.supabase_url} as ${token.app_role} ${token.hotkey}${uid}: the database sees role ` +
        `${seen.role}, hotkey ${seen.hotkey}, app_role ${seen.app_role}. The token expires at ${token.expires_at}, ` +
        `is kept in ${cache} and renewed at ${issuerUrl}.`,
    )
    return {
      hotkey: token.hotkey,
      app_role: token.app_role,
      uid: token.uid,
      jti: token.jti,
      issued_at: token.issued_at,
      expires_at: token.expires_at,
      supabase_url: token.supabase_url,
      issuer_url: issuerUrl,
      database: {role: seen.role, hotkey: seen.hotkey, app_role: seen.app_role},
      cache,
    }
  }
}
