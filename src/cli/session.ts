import {createClient} from '@supabase/supabase-js'
// Chain and auth code (@polkadot/*, ~150 MB and a second of start-up) is loaded only when a wallet is
// used, so commands without one (the per-minute sweep, --hotkey on a direct database) start fast.
import type {Hotkey} from '../chain/index.js'
import {migrate} from '../db/migrations.js'
import {describeTarget, openSqlClient, type DatabaseTarget} from '../db/open.js'
import {EXIT, LeadpoetError} from '../errors.js'
import {DATABASE_OWNER, parseHotkey, type AppRole, type Identity} from '../identity.js'
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
  if (flags.hotkey) return {hotkey: parseHotkey(flags.hotkey, '--hotkey'), role}
  if (config.hotkey) return {hotkey: parseHotkey(config.hotkey, "the config file's hotkey"), role}
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

/**
 * A Supabase project through its API. SUPABASE_KEY is the project's anon key (or the service-role
 * key, which acts as the operator); the caller is whoever the access token says: the token from
 * `leadpoet auth login`, renewed with the wallet when due, else LEADPOET_TOKEN.
 */
export function openSupabase(
  target: Extract<DatabaseTarget, {kind: 'supabase'}>,
  options: {configDir: string; role: AppRole; wallet?: Hotkey; hotkey?: string},
): ConsensusSession {
  const key = process.env.SUPABASE_KEY
  if (!key)
    throw new LeadpoetError(
      'NO_API_KEY',
      "set SUPABASE_KEY to the project's anon key (or the service-role key for the operator)",
      EXIT.usage,
    )
  const {wallet} = options
  const accessToken = async (): Promise<string | null> => {
    const {cachedAccessToken, hotkeySigner} = await import('../auth/index.js')
    return (
      (await cachedAccessToken({
        configDir: options.configDir,
        supabaseUrl: target.url,
        hotkey: wallet?.address ?? options.hotkey,
        signer: wallet ? hotkeySigner(wallet) : undefined,
        apiKey: key,
      })) ??
      process.env.LEADPOET_TOKEN ??
      null
    )
  }
  const client = createClient(target.url, key, {
    auth: {persistSession: false, autoRefreshToken: false, detectSessionInUrl: false},
    accessToken,
    // A request that gets no answer fails after two minutes instead of hanging a cron run.
    global: {fetch: (input, init) => fetch(input, {...init, signal: init?.signal ?? AbortSignal.timeout(120_000)})},
  })
  return {
    service: new ConsensusService(new SupabaseRpcAdapter(client)),
    identity: {hotkey: wallet?.address ?? options.hotkey ?? 'token', role: options.role},
    database: describeTarget(target),
    close: async () => {},
  }
}
