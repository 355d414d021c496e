import {readdir, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {afterAll, afterEach, beforeAll, describe, expect, it, vi} from 'vitest'
import {readTokenCache, type CachedToken} from '../../src/auth/index.js'
import {createPostgresPool, postgresClient, type SqlClient} from '../../src/db/sql-client.js'
import {denoBinary} from '../../src/dev/processes.js'
import {SUPABASE_DIR} from '../../src/db/migrations.js'
import {startStack, type Stack} from '../../src/dev/stack.js'
import {runCli, type CliRun} from '../support/cli.js'
import {createTestDatabase, type TestDatabase} from '../support/postgres.js'
import {makeLead} from '../validation/support/leads.js'
import {tempDir, writeMetagraphFile, writeWalletHotkey} from '../auth/support.js'

// The tier runs the Edge Function under real Deno (npm `deno`); it skips only where Deno is not installed.
const deno = (() => {
  try {
    return {path: denoBinary(), missing: undefined}
  } catch (error) {
    return {path: undefined, missing: (error as Error).message}
  }
})()

const TTL_SECONDS = 60
const WALLETS = ['miner', 'validator-1', 'validator-2', 'validator-3', 'operator'] as const
type WalletName = (typeof WALLETS)[number]

/**
 * The Supabase path as validators run it, on real parts only: PostgreSQL, the PostgREST binary, the
 * leadpoet-auth Edge Function under Deno and the gateway of `leadpoet dev stack`, five btcli wallets,
 * 60 s tokens. The steps run in order, each checking the exit status, the error code and the database.
 */
const TIER = 'the Supabase path through the local stack (PostgREST, Deno, gateway)'
describe.skipIf(!deno.path)(deno.path ? TIER : `${TIER}: skipped, Deno is not installed (${deno.missing})`, () => {
  let database: TestDatabase
  let sql: SqlClient
  let stack: Stack
  let files: {dir: string; remove: () => Promise<void>}
  let env: Record<string, string>
  let configDir: string
  const hotkeys = {} as Record<WalletName, string>

  const wallet = (name: WalletName) => [
    '--wallet.name',
    name,
    '--wallet.hotkey',
    'default',
    '--wallet.path',
    path.join(files.dir, 'wallets'),
  ]
  const cli = (args: string[], more: Record<string, string> = {}) => runCli(args, {...env, ...more})
  const errorOf = (run: CliRun) => (run.json() as {error: {code: string; message: string; details?: unknown}}).error
  const cachedToken = async (name: WalletName): Promise<CachedToken> =>
    (await readTokenCache(configDir)).find((t) => t.hotkey === hotkeys[name])!
  const count = async (query: string, params: unknown[] = []) =>
    (await sql.query<{n: number}>(`select count(*)::int as n from ${query}`, params))[0]!.n
  const noChecksOnTheNetwork = ['--check-off', 'email_mx', '--check-off', 'website_reachable']

  /** One error line with its code (progress lines aside), no stack, no supabase-js realtime noise. */
  function expectOneLineError(run: CliRun, code: string) {
    const errors = run.stderr.split('\n').filter((line) => /error/i.test(line))
    expect(errors).toHaveLength(1)
    expect(errors[0]).toMatch(new RegExp(`^Error \\[${code}\\] `))
    expect(run.stderr + run.stdout).not.toMatch(/Realtime|\n\s+at |\.ts:\d+|\.js:\d+/)
  }

  beforeAll(async () => {
    database = await createTestDatabase('leadpoet_stack')
    files = await tempDir('leadpoet-stack-tier-')
    for (const name of WALLETS)
      hotkeys[name] = await writeWalletHotkey(path.join(files.dir, 'wallets'), name, 'default')
    const metagraphFile = await writeMetagraphFile(files.dir, {
      [hotkeys.miner]: {uid: 1, validator_permit: false},
      [hotkeys['validator-1']]: {uid: 2, validator_permit: true},
      [hotkeys['validator-2']]: {uid: 3, validator_permit: true},
      [hotkeys['validator-3']]: {uid: 4, validator_permit: true},
    })
    stack = await startStack({
      databaseUrl: database.url,
      port: 0,
      metagraphFile,
      operators: [hotkeys.operator],
      tokenTtlSeconds: TTL_SECONDS,
    })
    sql = postgresClient(createPostgresPool(database.url, 2))
    configDir = path.join(files.dir, 'config', 'leadpoet')
    env = {
      XDG_CONFIG_HOME: path.join(files.dir, 'config'),
      XDG_DATA_HOME: path.join(files.dir, 'data'),
      LEADPOET_DB: stack.url,
      SUPABASE_KEY: stack.anonKey,
      LEADPOET_TOKEN: '',
      LEADPOET_ISSUER_URL: '',
      LEADPOET_HOTKEY: '',
      LEADPOET_CONFIG: '',
      BT_WALLET_NAME: '',
      BT_WALLET_HOTKEY: '',
      BT_WALLET_PATH: '',
    }
  }, 300_000)

  afterAll(async () => {
    await stack?.stop()
    await sql?.close()
    await database?.drop()
    await files?.remove()
  })

  afterEach(() => {
    vi.useRealTimers()
  })

  it('logs in a miner, three validators and an operator, each seen by the database as the issuer meant', async () => {
    const roles: Record<WalletName, string> = {
      miner: 'miner',
      'validator-1': 'validator',
      'validator-2': 'validator',
      'validator-3': 'validator',
      operator: 'operator',
    }
    for (const name of WALLETS) {
      const run = await cli(['auth', 'login', ...wallet(name), '--json'])
      expect(run.code, run.stderr).toBe(0)
      expect(run.json()).toMatchObject({
        hotkey: hotkeys[name],
        app_role: roles[name],
        issuer_url: stack.issuerUrl,
        database: {role: 'authenticated', hotkey: hotkeys[name], app_role: roles[name]},
      })
      expect(Date.parse(run.json().expires_at) - Date.parse(run.json().issued_at)).toBe(TTL_SECONDS * 1000)
    }
    expect(await count('leadpoet.auth_nonces where hotkey = any($1)', [Object.values(hotkeys)])).toBe(5)
    expect((await readTokenCache(configDir)).map((t) => t.issuer_url)).toEqual(Array(5).fill(stack.issuerUrl))
  })

  it('queues the miner’s prospect under its hotkey', async () => {
    const file = path.join(files.dir, 'leads.json')
    await writeFile(file, JSON.stringify([makeLead()]))
    const run = await cli(['prospects', 'add', file, ...wallet('miner'), '--json'])
    expect(run.code, run.stderr).toBe(0)
    expect(run.json()).toMatchObject({enqueued: 1})
    expect(await sql.query('select miner_hotkey, consensus_status from public.prospect_queue')).toEqual([
      {miner_hotkey: hotkeys.miner, consensus_status: 'pending'},
    ])
  })

  it('lets three validators pull and vote; the third vote decides', async () => {
    for (const [i, name] of (['validator-1', 'validator-2', 'validator-3'] as const).entries()) {
      const run = await cli(['pull', ...wallet(name), ...noChecksOnTheNetwork, '--json'])
      expect(run.code, run.stderr).toBe(0)
      expect(run.json()).toMatchObject({pulled: 1, voted: 1, recorded: 1, accepted: i === 2 ? 1 : 0})
    }
    expect(
      await sql.query('select validator_hotkey from public.validation_tracking order by validator_hotkey'),
    ).toEqual(
      [hotkeys['validator-1'], hotkeys['validator-2'], hotkeys['validator-3']]
        .sort()
        .map((h) => ({validator_hotkey: h})),
    )
    expect(await sql.query('select consensus_status from public.prospect_queue')).toEqual([
      {consensus_status: 'accepted'},
    ])
    expect(await count('public.leads where miner_hotkey = $1', [hotkeys.miner])).toBe(1)
  })

  it('sends the named hotkey’s token; with five logged in and none named it refuses, listing them; LEADPOET_TOKEN wins', async () => {
    for (const name of WALLETS) expect((await cli(['auth', 'login', ...wallet(name)])).code).toBe(0) // none expired
    const stats = await cli(['stats', ...wallet('operator'), '--json'])
    expect(stats.code, stats.stderr).toBe(0)
    expect(stats.json().decisions).toMatchObject({decided: 1, accepted: 1})

    const unnamed = await cli(['stats', '--json'])
    expect(unnamed.code).toBe(2)
    expect(errorOf(unnamed).code).toBe('AMBIGUOUS_IDENTITY')
    for (const name of WALLETS) expect(errorOf(unnamed).message).toContain(hotkeys[name])

    const explicit = await cli(['stats', '--json'], {LEADPOET_TOKEN: (await cachedToken('operator')).access_token})
    expect(explicit.code, explicit.stderr).toBe(0)
    const wrongRole = await cli(['stats', '--json'], {LEADPOET_TOKEN: (await cachedToken('validator-1')).access_token})
    expect(wrongRole.code).toBe(4)
    expect(errorOf(wrongRole)).toMatchObject({code: 'FORBIDDEN', message: expect.stringMatching(/caller is validator/)})
  })

  it('stops a revoked token (jti) at its next request, and a new login works', async () => {
    expect((await cli(['auth', 'login', ...wallet('validator-1')])).code).toBe(0) // a fresh 60 s token
    const {jti} = await cachedToken('validator-1')
    const revoke = await cli(['auth', 'revoke', jti, '--reason', 'leaked', ...wallet('operator'), '--json'])
    expect(revoke.code, revoke.stderr).toBe(0)
    expect(await sql.query('select subject_kind, subject, revoked_by from leadpoet.token_revocations')).toEqual([
      {subject_kind: 'jti', subject: jti, revoked_by: hotkeys.operator},
    ])

    const refused = await cli(['pull', ...wallet('validator-1'), ...noChecksOnTheNetwork])
    expect(refused.code).toBe(4)
    expect(refused.stderr).toContain(`[TOKEN_REVOKED] token ${jti} is revoked: log in again for a new one`)
    expectOneLineError(refused, 'TOKEN_REVOKED')

    expect((await cli(['auth', 'login', ...wallet('validator-1')])).code).toBe(0)
    expect((await cachedToken('validator-1')).jti).not.toBe(jti)
    const again = await cli(['pull', ...wallet('validator-1'), ...noChecksOnTheNetwork, '--json'])
    expect(again.code, again.stderr).toBe(5) // works: nothing left to pull
  })

  it('stops every token of a revoked hotkey and its logins (HOTKEY_REVOKED) until the revocation is lifted', async () => {
    const target = hotkeys['validator-2']
    expect((await cli(['auth', 'login', ...wallet('validator-2')])).code).toBe(0)
    const revoke = await cli(['auth', 'revoke', target, ...wallet('operator'), '--json'])
    expect(revoke.code, revoke.stderr).toBe(0)
    expect(await count(`leadpoet.token_revocations where subject_kind = 'hotkey' and subject = $1`, [target])).toBe(1)

    const refused = await cli(['pull', ...wallet('validator-2'), ...noChecksOnTheNetwork])
    expect(refused.code).toBe(4)
    expect(refused.stderr).toContain(
      `[HOTKEY_REVOKED] hotkey ${target} is revoked: its tokens and its logins are refused until the operator lifts the revocation`,
    )
    expectOneLineError(refused, 'HOTKEY_REVOKED')
    const nonces = await count('leadpoet.auth_nonces where hotkey = $1', [target])
    const login = await cli(['auth', 'login', ...wallet('validator-2'), '--json'])
    expect(login.code).toBe(4)
    expect(errorOf(login).code).toBe('HOTKEY_REVOKED')
    expect(await count('leadpoet.auth_nonces where hotkey = $1', [target])).toBe(nonces) // nothing recorded

    const lift = await cli(['auth', 'revoke', target, '--lift', ...wallet('operator'), '--json'])
    expect(lift.json()).toEqual({kind: 'hotkey', subject: target, lifted: true})
    expect(await count(`leadpoet.token_revocations where subject_kind = 'hotkey'`)).toBe(0)
    expect((await cli(['auth', 'login', ...wallet('validator-2')])).code).toBe(0)
    expect((await cli(['pull', ...wallet('validator-2'), ...noChecksOnTheNetwork])).code).toBe(5)
  })

  it('renews a 60 s token through the recorded issuer when it is due or expired; without the wallet an expired one is NOT_AUTHENTICATED', async () => {
    expect((await cli(['auth', 'login', ...wallet('validator-3')])).code).toBe(0)
    const first = await cachedToken('validator-3')
    const nonces = await count('leadpoet.auth_nonces where hotkey = $1', [hotkeys['validator-3']])

    // The client's clock moves; the issuer, PostgREST and the database keep theirs.
    vi.useFakeTimers({toFake: ['Date'], now: Date.parse(first.issued_at) + (TTL_SECONDS / 2 + 5) * 1000})
    const due = await cli(['pull', ...wallet('validator-3'), ...noChecksOnTheNetwork])
    expect(due.code, due.stderr).toBe(5)
    const renewed = await cachedToken('validator-3')
    expect(renewed.jti).not.toBe(first.jti)
    expect(await count('leadpoet.auth_nonces where hotkey = $1', [hotkeys['validator-3']])).toBe(nonces + 1)

    vi.setSystemTime(Date.parse(renewed.expires_at) + 5000)
    const byHotkey = await cli(['pull', '--hotkey', hotkeys['validator-3'], ...noChecksOnTheNetwork, '--json'])
    expect(byHotkey.code).toBe(4)
    expect(errorOf(byHotkey)).toMatchObject({
      code: 'NOT_AUTHENTICATED',
      message: expect.stringMatching(/expired at .*run `leadpoet auth login/),
    })
    const expired = await cli(['pull', ...wallet('validator-3'), ...noChecksOnTheNetwork])
    expect(expired.code, expired.stderr).toBe(5)
    expect((await cachedToken('validator-3')).jti).not.toBe(renewed.jti)
  })

  it('says the issuer is unreachable, in one line with its code, when it is down and the token has expired', async () => {
    expect((await cli(['auth', 'login', ...wallet('validator-3')])).code).toBe(0)
    const token = await cachedToken('validator-3')
    await stack.edgeFunction.stop()
    try {
      const fresh = await cli(['pull', ...wallet('validator-3'), ...noChecksOnTheNetwork])
      expect(fresh.code, fresh.stderr).toBe(5) // a token not yet due needs no issuer

      vi.useFakeTimers({toFake: ['Date'], now: Date.parse(token.expires_at) + 5000})
      const nonces = await count('leadpoet.auth_nonces')
      const pull = await cli(['pull', ...wallet('validator-3'), ...noChecksOnTheNetwork])
      expect(pull.code).toBe(1)
      expect(pull.stderr).toMatch(
        /\[ISSUER_UNREACHABLE\] the token issuer at .*\/functions\/v1\/leadpoet-auth is not answering/,
      )
      expectOneLineError(pull, 'ISSUER_UNREACHABLE')
      const json = await cli(['pull', ...wallet('validator-3'), ...noChecksOnTheNetwork, '--json'])
      expect(json.code).toBe(1)
      expect(errorOf(json).code).toBe('ISSUER_UNREACHABLE')
      expect(JSON.stringify(errorOf(json).details ?? null)).not.toMatch(/\n|\bat |\.ts:|\.js:/)
      expect(json.stderr).not.toMatch(/Realtime/)
      expect(await count('leadpoet.auth_nonces')).toBe(nonces)
      expect((await cachedToken('validator-3')).jti).toBe(token.jti)
    } finally {
      vi.useRealTimers()
      await stack.edgeFunction.start()
    }
  })

  it('says the database API is unreachable when PostgREST is down, and login cannot record its challenge', async () => {
    expect((await cli(['auth', 'login', ...wallet('validator-3')])).code).toBe(0)
    const tokens = await readTokenCache(configDir)
    await stack.postgrest.stop()
    try {
      const pull = await cli(['pull', ...wallet('validator-3'), ...noChecksOnTheNetwork])
      expect(pull.code).toBe(1)
      expect(pull.stderr).toMatch(
        /\[DATABASE_UNREACHABLE\] the project's gateway at http:\/\/127\.0\.0\.1:\d+ answered POST \/rest\/v1\/rpc\/\w+/,
      )
      expect(pull.stderr).toMatch(/ with HTTP 502, .*: the database API behind it is not answering/)
      expectOneLineError(pull, 'DATABASE_UNREACHABLE')
      const login = await cli(['auth', 'login', ...wallet('validator-3'), '--json'])
      expect(login.code).toBe(1)
      expect(errorOf(login).code).toBe('NONCE_REGISTRY_FAILED')
      expect(await readTokenCache(configDir)).toEqual(tokens)
    } finally {
      await stack.postgrest.start()
    }
    expect((await cli(['pull', ...wallet('validator-3'), ...noChecksOnTheNetwork])).code).toBe(5)
  })

  it('fails login with TOKEN_NOT_ACCEPTED, keeping nothing, when the issuer signs with another secret than PostgREST checks', async () => {
    const before = await cachedToken('validator-3')
    await stack.edgeFunction.start({env: {LEADPOET_JWT_SECRET: 'another-secret-the-api-does-not-know-0123456789'}})
    try {
      const login = await cli(['auth', 'login', ...wallet('validator-3'), '--json'])
      expect(login.code).toBe(1)
      expect(errorOf(login)).toMatchObject({
        code: 'TOKEN_NOT_ACCEPTED',
        message: expect.stringMatching(/refuses the token the issuer just gave \(PGRST301: .*LEADPOET_JWT_SECRET/),
      })
      expect(await cachedToken('validator-3')).toEqual(before)
    } finally {
      await stack.edgeFunction.start()
    }
    expect((await cli(['auth', 'login', ...wallet('validator-3')])).code).toBe(0)
  })

  it('writes no deno.lock (nor anything else) into the function’s folder', async () => {
    expect((await readdir(path.join(SUPABASE_DIR, 'functions', 'leadpoet-auth'))).sort()).toEqual([
      'deno.json',
      'index.ts',
    ])
  })
})
