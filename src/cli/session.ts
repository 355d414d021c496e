// Chain and auth code (@polkadot/*, ~150 MB and a second of start-up) is loaded only when a wallet is
// used or a Supabase project is the target, so commands without either (the per-minute sweep,
// --hotkey on a direct database) start fast.
import type {Hotkey} from '../chain/index.js'
import {migrate} from '../db/migrations.js'
import {describeTarget, openSqlClient, type DatabaseTarget} from '../db/open.js'
import {EXIT, LeadpoetError} from '../errors.js'
import {DATABASE_OWNER, type AppRole, type Identity} from '../identity.js'
import {ConsensusService} from '../service/consensus.js'
import {SqlRpcAdapter} from '../adapters/sql-adapter.js'
import {SupabaseRpcAdapter} from '../adapters/supabase-adapter.js'
import type {ConfigFile} from './config.js'

export interface WalletChoice {
  'wallet.name'?: string
  'wallet.hotkey'?: string
  'wallet.path'?: string
  hotkey?: string
}

/** The wallet hotkey from flags, else the config file; undefined when neither names one. */
export async function loadWalletHotkey(
  flags: WalletChoice,
  config: ConfigFile,
  warn: (text: string) => void,
): Promise<Hotkey | undefined> {
  const wallet = flags['wallet.name'] ?? config.wallet?.name
  if (!wallet) return undefined
  const {loadHotkey} = await import('../chain/wallet.js')
  return loadHotkey(
    {
      wallet,
      hotkey: flags['wallet.hotkey'] ?? config.wallet?.hotkey ?? 'default',
      walletPath: flags['wallet.path'] ?? config.wallet?.path,
    },
    {onWarning: (w) => warn(w.message)},
  )
}

/**
 * Who the caller is on a direct database (the Supabase API takes it from the JWT instead): --hotkey,
 * else the wallet's address; the operator may go without either.
 */
export async function resolveIdentity(
  role: AppRole,
  flags: WalletChoice,
  config: ConfigFile,
  warn: (text: string) => void,
): Promise<Identity> {
  const given = flags.hotkey
    ? {text: flags.hotkey, source: '--hotkey'}
    : config.hotkey
      ? {text: config.hotkey, source: "the config file's hotkey"}
      : undefined
  if (given) {
    const {parseHotkey} = await import('../hotkey-address.js')
    return {hotkey: parseHotkey(given.text, given.source), role}
  }
  const wallet = await loadWalletHotkey(flags, config, warn)
  if (wallet) return {hotkey: wallet.address, role}
  if (role === 'operator') return DATABASE_OWNER
  throw new LeadpoetError(
    'NO_IDENTITY',
    `acting as a ${role} needs a hotkey: pass --wallet.name and --wallet.hotkey (btcli's wallet), or --hotkey`,
    EXIT.usage,
  )
}

export interface ConsensusSession {
  service: ConsensusService
  identity: Identity
  database: string
  close(): Promise<void>
}

/**
 * The service for one command run on a direct database: the caller's claims come from `identity`;
 * the embedded database is migrated on first use (it is the tool's own).
 */
export async function openConsensus(
  target: Exclude<DatabaseTarget, {kind: 'supabase'}>,
  identity: Identity,
): Promise<ConsensusSession> {
  const sql = await openSqlClient(target)
  try {
    if (target.kind === 'embedded') await migrate(sql)
  } catch (error) {
    await sql.close()
    throw error
  }
  const adapter = new SqlRpcAdapter(sql, identity)
  return {
    service: new ConsensusService(adapter),
    identity,
    database: describeTarget(target),
    close: () => adapter.close(),
  }
}

/** The issuer configured now: LEADPOET_ISSUER_URL, else the config file's `issuer`. */
export function configuredIssuer(config: ConfigFile): string | undefined {
  return process.env.LEADPOET_ISSUER_URL || config.issuer
}

/** SUPABASE_KEY: the project's anon key (or the service-role key, which acts as the operator). */
export function supabaseKey(): string {
  const key = process.env.SUPABASE_KEY
  if (!key)
    throw new LeadpoetError(
      'NO_API_KEY',
      "set SUPABASE_KEY to the project's anon key (or the service-role key for the operator)",
      EXIT.usage,
    )
  return key
}

/**
 * A Supabase project through its API, as the caller the token rule picks (src/auth/credentials.ts,
 * docs/auth.md): LEADPOET_TOKEN, else the named hotkey's cached token (renewed by its wallet through
 * the issuer recorded with it), else the service-role key, else the project's one logged-in hotkey.
 */
export async function openSupabase(
  target: Extract<DatabaseTarget, {kind: 'supabase'}>,
  options: {configDir: string; role: AppRole; wallet?: Hotkey; hotkey?: string; issuerUrl?: string},
): Promise<ConsensusSession> {
  const apiKey = supabaseKey()
  const [{apiCredentials, hotkeySigner}, {supabaseApiClient}] = await Promise.all([
    import('../auth/index.js'),
    import('../adapters/supabase-api.js'),
  ])
  const credentials = await apiCredentials({
    configDir: options.configDir,
    supabaseUrl: target.url,
    apiKey,
    explicitToken: process.env.LEADPOET_TOKEN || undefined,
    hotkey: options.hotkey,
    wallet: options.wallet ? hotkeySigner(options.wallet) : undefined,
    issuerUrl: options.issuerUrl,
  })
  const client = supabaseApiClient({url: target.url, apiKey, bearer: () => credentials.bearer()})
  return {
    service: new ConsensusService(new SupabaseRpcAdapter(client)),
    identity: {hotkey: credentials.caller, role: options.role},
    database: describeTarget(target),
    close: async () => {},
  }
}
