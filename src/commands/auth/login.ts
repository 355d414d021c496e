import {Flags} from '@oclif/core'
import {z} from 'zod'
import {hotkeySigner, login, tokenCachePath, toAuthLeadpoetError} from '../../auth/index.js'
import {LeadpoetCommand} from '../../cli/base-command.js'
import {loadWalletHotkey} from '../../cli/session.js'
import {EXIT, LeadpoetError} from '../../errors.js'

export const AuthLoginResult = z.object({
  hotkey: z.string(),
  app_role: z.string(),
  uid: z.number().int().nullable(),
  jti: z.string(),
  issued_at: z.string(),
  expires_at: z.string(),
  supabase_url: z.string(),
  cache: z.string(),
})
export type AuthLoginResult = z.infer<typeof AuthLoginResult>

export default class AuthLogin extends LeadpoetCommand {
  static override resultSchema = AuthLoginResult
  static override summary = "Prove your hotkey to the project's token issuer and keep the short-lived token it gives."
  static override description =
    "Signs a one-time challenge with the wallet's hotkey; the issuer checks it and the hotkey's role on " +
    'the metagraph (validator: validator permit; miner: registered) and returns a token for that role ' +
    'only. The token is cached (mode 0600) in the config directory and renewed before it expires by ' +
    'commands that have the wallet at hand.\n' +
    'Exit status: 0 logged in, 4 refused (bad signature, replayed challenge, not registered, revoked), 2 ' +
    'bad usage.'
  static override examples = [
    '<%= config.bin %> auth login --db https://PROJECT.supabase.co --wallet.name validator --wallet.hotkey default',
  ]
  static override flags = {
    issuer: Flags.string({
      description: "the issuer's URL [default: the project's leadpoet-auth Edge Function]",
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
    const token = await login({
      configDir: this.config.configDir,
      supabaseUrl: target.url,
      signer: hotkeySigner(hotkey),
      issuerUrl: flags.issuer,
      apiKey: process.env.SUPABASE_KEY,
    }).catch((error: unknown) => Promise.reject(toAuthLeadpoetError(error)))
    const cache = tokenCachePath(this.config.configDir)
    const uid = token.uid === null ? '' : ` (uid ${token.uid})`
    this.log(
      `Logged in to ${token.supabase_url} as ${token.app_role} ${token.hotkey}${uid}; ` +
        `the token expires at ${token.expires_at} and is kept in ${cache}.`,
    )
    const {hotkey: address, app_role, uid: tokenUid, jti, issued_at, expires_at, supabase_url} = token
    return {hotkey: address, app_role, uid: tokenUid, jti, issued_at, expires_at, supabase_url, cache}
  }
}
