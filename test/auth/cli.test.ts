import {stat} from 'node:fs/promises'
import path from 'node:path'
import {jwtVerify, SignJWT} from 'jose'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {
  authRpcOverAdapter,
  createTokenIssuer,
  fileRoleResolver,
  ISSUER_FUNCTION_PATH,
  issuerRequestHandler,
  readTokenCache,
  rpcNonceRegistry,
  signChallenge,
  tokenCachePath,
  type ChallengeSigner,
} from '../../src/auth/index.js'
import {SqlRpcAdapter} from '../../src/adapters/sql-adapter.js'
import {runCli} from '../support/cli.js'
import {startGateway, type Gateway} from '../../src/dev/gateway.js'
import {databaseUrl} from '../support/postgres.js'
import {JWT_SECRET} from '../support/postgrest.js'
import {createWorld, operatorIdentity, type World} from '../support/world.js'
import {devSigner, serveHandler, tempDir, writeMetagraphFile, writeWalletHotkey, type HttpServer} from './support.js'

// The built CLI (bin/run.js over dist/), as an operator or a validator runs it.
describe('leadpoet auth', () => {
  let world: World
  let dbUrl: string
  let files: {dir: string; remove: () => Promise<void>}
  let metagraphFile: string
  let issuer: HttpServer
  let gateway: Gateway
  let anonKey: string
  let walletAddress: string
  let secondAddress: string
  let alice: ChallengeSigner
  let env: Record<string, string>

  beforeAll(async () => {
    world = await createWorld('postgrest')
    const [{name}] = (await world.sql.query<{name: string}>('select current_database() as name')) as [{name: string}]
    dbUrl = databaseUrl(name)
    files = await tempDir('leadpoet-auth-cli-')
    alice = await devSigner('//Alice')
    walletAddress = await writeWalletHotkey(path.join(files.dir, 'wallets'), 'validator', 'default')
    secondAddress = await writeWalletHotkey(path.join(files.dir, 'wallets'), 'second', 'default')
    metagraphFile = await writeMetagraphFile(files.dir, {
      [alice.address]: {uid: 0, validator_permit: true},
      [walletAddress]: {uid: 5, validator_permit: true},
      [secondAddress]: {uid: 6, validator_permit: false},
    })
    // The project's issuer, where a Supabase project serves the Edge Function.
    issuer = await serveHandler(
      issuerRequestHandler(
        createTokenIssuer({
          signingKey: {alg: 'HS256', secret: JWT_SECRET},
          roles: fileRoleResolver(metagraphFile),
          nonces: rpcNonceRegistry(authRpcOverAdapter(new SqlRpcAdapter(world.sql, operatorIdentity, false))),
        }),
      ),
    )
    // A project origin: PostgREST and the issuer behind one gateway, as Supabase serves them.
    gateway = await startGateway({
      routes: {rest: world.postgrest!.url, functions: {'leadpoet-auth': issuer.url}},
    })
    anonKey = await new SignJWT({role: 'anon'})
      .setProtectedHeader({alg: 'HS256'})
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode(JWT_SECRET))
    env = {
      XDG_CONFIG_HOME: path.join(files.dir, 'config'),
      XDG_DATA_HOME: path.join(files.dir, 'data'),
      LEADPOET_DB: '',
      LEADPOET_JWT_SECRET: '',
      LEADPOET_JWT_SIGNING_KEY: '',
      LEADPOET_OPERATOR_HOTKEYS: '',
    }
  })
  afterAll(async () => {
    await gateway?.close()
    await issuer?.close()
    await world?.close()
    await files?.remove()
  })

  describe('issue', () => {
    it('mints a token for a hotkey and role that the project secret verifies, printing the token alone', async () => {
      const run = await runCli(['auth', 'issue', '--hotkey', alice.address, '--role', 'operator', '--ttl', '600'], {
        ...env,
        LEADPOET_JWT_SECRET: JWT_SECRET,
      })
      expect(run.code).toBe(0)
      const {payload} = await jwtVerify(run.stdout.trim(), new TextEncoder().encode(JWT_SECRET))
      expect(payload).toMatchObject({role: 'authenticated', app_role: 'operator', hotkey: alice.address, uid: null})
      expect(payload.exp! - payload.iat!).toBe(600)
    })

    it('needs a signing key from the environment, and says which variables', async () => {
      const run = await runCli(['auth', 'issue', '--hotkey', alice.address, '--role', 'miner', '--json'], env)
      expect(run.code).toBe(2)
      expect(run.json().error).toMatchObject({
        code: 'NO_SIGNING_KEY',
        message: expect.stringMatching(/LEADPOET_JWT_SECRET or LEADPOET_JWT_SIGNING_KEY/),
      })
    })

    it('checks a signed challenge against the metagraph, records its nonce in --db, and refuses its replay (exit 4)', async () => {
      const signed = await signChallenge(alice)
      const args = [
        'auth',
        'issue',
        '--challenge',
        signed.challenge,
        '--signature',
        signed.signature,
        '--metagraph',
        metagraphFile,
        '--db',
        dbUrl,
        '--json',
      ]
      const first = await runCli(args, {...env, LEADPOET_JWT_SECRET: JWT_SECRET})
      expect(first.code, first.stderr + first.stdout).toBe(0)
      expect(first.json()).toMatchObject({hotkey: alice.address, app_role: 'validator', uid: 0, token_type: 'bearer'})
      const replay = await runCli(args, {...env, LEADPOET_JWT_SECRET: JWT_SECRET})
      expect(replay.code).toBe(4)
      expect(replay.json().error.code).toBe('CHALLENGE_REPLAYED')
    })
  })

  describe('revoke', () => {
    it('revokes a hotkey or a token id in --db, lifts a revocation with --lift, and refuses anything else (exit 2)', async () => {
      const hotkey = await runCli(
        ['auth', 'revoke', alice.address, '--reason', 'key leaked', '--db', dbUrl, '--json'],
        env,
      )
      expect(hotkey.code, hotkey.stderr).toBe(0)
      expect(hotkey.json()).toMatchObject({
        kind: 'hotkey',
        subject: alice.address,
        reason: 'key leaked',
        already_revoked: false,
      })
      const jti = '0B8F9C1E-6A55-4C1E-9A53-8F1D2F0F6A01'
      expect((await runCli(['auth', 'revoke', jti, '--db', dbUrl, '--json'], env)).json()).toMatchObject({
        kind: 'jti',
        subject: jti.toLowerCase(),
      })
      expect(await world.sql.query('select subject_kind, subject from leadpoet.token_revocations order by 1')).toEqual([
        {subject_kind: 'hotkey', subject: alice.address},
        {subject_kind: 'jti', subject: jti.toLowerCase()},
      ])

      const lift = await runCli(['auth', 'revoke', alice.address, '--lift', '--db', dbUrl], env)
      expect(lift.code).toBe(0)
      expect(lift.stdout).toMatch(/Lifted the revocation of hotkey/)
      expect(await world.sql.query(`select 1 from leadpoet.token_revocations where subject_kind = 'hotkey'`)).toEqual(
        [],
      )

      const junk = await runCli(['auth', 'revoke', "x'; drop table public.leads; --", '--db', dbUrl, '--json'], env)
      expect(junk.code).toBe(2)
      expect(junk.json().error.code).toBe('INVALID_INPUT')
    })
  })

  describe('login', () => {
    const walletFlags = () => [
      '--wallet.name',
      'validator',
      '--wallet.hotkey',
      'default',
      '--wallet.path',
      path.join(files.dir, 'wallets'),
    ]

    it("signs with the btcli wallet's hotkey, shows what the database sees, and caches the token (0600)", async () => {
      const run = await runCli(['auth', 'login', '--db', gateway.url, ...walletFlags(), '--json'], {
        ...env,
        SUPABASE_KEY: anonKey,
      })
      expect(run.code, run.stderr + run.stdout).toBe(0)
      const cache = tokenCachePath(path.join(env.XDG_CONFIG_HOME!, 'leadpoet'))
      expect(run.json()).toMatchObject({
        hotkey: walletAddress,
        app_role: 'validator',
        uid: 5,
        supabase_url: gateway.url,
        issuer_url: `${gateway.url}${ISSUER_FUNCTION_PATH}`,
        database: {role: 'authenticated', hotkey: walletAddress, app_role: 'validator'},
        cache,
      })
      expect(run.stdout).not.toMatch(/eyJ/) // the token itself is never printed
      expect((await stat(cache)).mode & 0o777).toBe(0o600)
      const [token] = await readTokenCache(path.dirname(cache))
      expect(token).toMatchObject({hotkey: walletAddress, issuer_url: `${gateway.url}${ISSUER_FUNCTION_PATH}`})
    })

    it('then every command reaches the project through its API with the cached token, as the wallet hotkey', async () => {
      const projectEnv = {...env, SUPABASE_KEY: anonKey, LEADPOET_TOKEN: ''}
      const miner = await devSigner('//Ferdie')
      const {prospect_ids} = await (
        await world.as({hotkey: miner.address, role: 'miner'})
      ).enqueue([{email: 'gw@example.com'}])

      // The lead lacks its required fields: the validator votes it invalid, as its wallet hotkey. (The
      // network checks are off, so the network health check asks no public resolver.)
      const offline = ['--check-off', 'email_mx', '--check-off', 'website_reachable']
      const pulled = await runCli(['pull', '--db', gateway.url, ...walletFlags(), ...offline, '--json'], projectEnv)
      expect(pulled.code, pulled.stderr).toBe(0)
      expect(pulled.json()).toMatchObject({
        pulled: 1,
        voted: 1,
        recorded: 1,
        verdicts: [{is_valid: false, reasons: [expect.objectContaining({check: 'required'})]}],
      })
      const votes = await world.sql.query<{validator_hotkey: string; is_valid: boolean}>(
        'select validator_hotkey, is_valid from public.validation_tracking where prospect_id = $1',
        [prospect_ids[0]],
      )
      expect(votes).toEqual([{validator_hotkey: walletAddress, is_valid: false}])

      // The token's role is the only role: a validator token cannot sweep. Named by nothing, the
      // project's one logged-in hotkey is the caller.
      const sweep = await runCli(['consensus', 'sweep', '--db', gateway.url, '--json'], projectEnv)
      expect(sweep.code).toBe(4)
      expect(sweep.json().error.code).toBe('FORBIDDEN')
      expect(sweep.json().error.message).toMatch(/the caller is validator/)
    })

    it('refuses to guess among several logged-in hotkeys, listing them (exit 2)', async () => {
      const configHome = path.join(files.dir, 'config-two')
      const twoEnv = {...env, XDG_CONFIG_HOME: configHome, SUPABASE_KEY: anonKey, LEADPOET_TOKEN: ''}
      const second = [
        '--wallet.name',
        'second',
        '--wallet.hotkey',
        'default',
        '--wallet.path',
        path.join(files.dir, 'wallets'),
      ]
      for (const flags of [walletFlags(), second]) {
        const login = await runCli(['auth', 'login', '--db', gateway.url, ...flags], twoEnv)
        expect(login.code, login.stderr).toBe(0)
      }
      const stats = await runCli(['stats', '--db', gateway.url, '--json'], twoEnv)
      expect(stats.code).toBe(2)
      expect(stats.json().error.code).toBe('AMBIGUOUS_IDENTITY')
      expect(stats.json().error.message).toContain(`${walletAddress} (validator)`)
      expect(stats.json().error.message).toContain(`${secondAddress} (miner)`)
    })

    it('gives NOT_AUTHENTICATED (exit 4) with no token, instead of falling back to the anon key', async () => {
      const run = await runCli(['stats', '--db', gateway.url, '--json'], {
        ...env,
        XDG_CONFIG_HOME: path.join(files.dir, 'config-empty'),
        SUPABASE_KEY: anonKey,
        LEADPOET_TOKEN: '',
      })
      expect(run.code).toBe(4)
      expect(run.json().error).toMatchObject({
        code: 'NOT_AUTHENTICATED',
        message: expect.stringMatching(/run `leadpoet auth login/),
      })
    })

    it('says a bare PostgREST URL is not a project URL, and what answered instead (exit 2)', async () => {
      const run = await runCli(['stats', '--db', world.postgrest!.url, '--json'], {
        ...env,
        SUPABASE_KEY: anonKey,
        LEADPOET_TOKEN: await world.postgrest!.tokenFor(operatorIdentity),
      })
      expect(run.code).toBe(2)
      expect(run.json().error.code).toBe('NOT_A_SUPABASE_URL')
      const {message} = run.json().error as {message: string}
      expect(message).toContain(
        `${world.postgrest!.url} is a bare PostgREST (POST /rest/v1/rpc/consensus_stats answered HTTP 404, server postgrest/12.0.2`,
      )
      expect(message).toContain('a Supabase project URL serves the database API (PostgREST) under /rest/v1')
      expect(run.json().error.details).toBeUndefined()
    })

    it('needs a Supabase project URL, a wallet and SUPABASE_KEY (exit 2)', async () => {
      expect((await runCli(['auth', 'login', '--db', dbUrl, '--json'], env)).json().error.code).toBe(
        'NEEDS_SUPABASE_URL',
      )
      expect((await runCli(['auth', 'login', '--db', gateway.url, '--json'], env)).json().error.code).toBe('NO_WALLET')
      expect(
        (
          await runCli(['auth', 'login', '--db', gateway.url, ...walletFlags(), '--json'], {...env, SUPABASE_KEY: ''})
        ).json().error.code,
      ).toBe('NO_API_KEY')
    })
  })
})
