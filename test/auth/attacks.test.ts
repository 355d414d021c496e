import {readFile} from 'node:fs/promises'
import {decodeJwt, SignJWT} from 'jose'
import {afterAll, beforeAll, beforeEach, describe, expect, it} from 'vitest'
import {issuerHandlerFromEnv, signChallenge, type ChallengeSigner, type IssuedToken} from '../../src/auth/index.js'
import type {LeadpoetError} from '../../src/errors.js'
import {ConsensusService} from '../../src/service/consensus.js'
import {SupabaseRpcAdapter} from '../../src/adapters/supabase-adapter.js'
import {JWT_SECRET} from '../support/postgrest.js'
import {createWorld, type World} from '../support/world.js'
import {
  apiClient,
  devSigner,
  postToIssuer,
  rawRpc,
  serveHandler,
  serviceRoleKey,
  tempDir,
  writeMetagraphFile,
  type HttpServer,
} from './support.js'

// Attacks on hotkey authentication, each through the real PostgREST (and the issuer behind a real
// HTTP server, configured exactly as the Edge Function is), with tokens minted by the issuer. Each
// must be refused and leave the database as it was. docs/auth.md lists them with what proves each.
describe('hotkey authentication through the real PostgREST', () => {
  let world: World
  let postgrestUrl: string
  let issuer: HttpServer
  let metagraph: HttpServer
  let files: {dir: string; remove: () => Promise<void>}
  let serviceKey: string
  let alice: ChallengeSigner // validator, uid 0
  let bob: ChallengeSigner // validator, uid 1
  let charlie: ChallengeSigner // miner, uid 2
  let dave: ChallengeSigner // operator
  let eve: ChallengeSigner // not registered

  beforeAll(async () => {
    world = await createWorld('postgrest')
    postgrestUrl = world.postgrest!.url
    alice = await devSigner('//Alice')
    bob = await devSigner('//Bob')
    charlie = await devSigner('//Charlie')
    dave = await devSigner('//Dave')
    eve = await devSigner('//Eve')
    files = await tempDir('leadpoet-auth-attacks-')
    const file = await writeMetagraphFile(files.dir, {
      [alice.address]: {uid: 0, validator_permit: true},
      [bob.address]: {uid: 1, validator_permit: true},
      [charlie.address]: {uid: 2, validator_permit: false},
    })
    metagraph = await serveHandler(
      async () => new Response(await readFile(file), {headers: {'content-type': 'application/json'}}),
    )
    serviceKey = await serviceRoleKey()
    issuer = await serveHandler(
      issuerHandlerFromEnv({
        LEADPOET_JWT_SECRET: JWT_SECRET,
        LEADPOET_REST_URL: postgrestUrl,
        SUPABASE_SERVICE_ROLE_KEY: serviceKey,
        LEADPOET_METAGRAPH_URL: `${metagraph.url}/metagraph.json`,
        LEADPOET_OPERATOR_HOTKEYS: dave.address,
      }),
    )
  })
  afterAll(async () => {
    await issuer?.close()
    await metagraph?.close()
    await world?.close()
    await files?.remove()
  })
  beforeEach(async () => {
    await world.reset()
    await world.sql.exec('truncate leadpoet.auth_nonces, leadpoet.token_revocations')
  })

  async function login(signer: ChallengeSigner): Promise<IssuedToken> {
    const {status, body} = await postToIssuer(issuer.url, await signChallenge(signer))
    expect(status, JSON.stringify(body)).toBe(200)
    return body as IssuedToken
  }
  const serviceWith = (token: string) => new ConsensusService(new SupabaseRpcAdapter(apiClient(postgrestUrl, token)))
  const codeOf = (promise: Promise<unknown>) =>
    promise.then(
      () => 'ok',
      (error: {code: string}) => error.code,
    )

  /** Every row of every table of ours, hashed per table: "nothing written" is "the same fingerprint". */
  async function fingerprint(): Promise<Record<string, string>> {
    const tables = await world.sql.query<{name: string}>(`
      select c.oid::regclass::text as name from pg_catalog.pg_class c
       where c.relkind = 'r' and c.relnamespace in ('public'::regnamespace, 'leadpoet'::regnamespace) order by 1`)
    const union = tables
      .map(
        (t) =>
          `select '${t.name}' as name, md5(coalesce(string_agg(x::text, '|' order by x::text), '')) as hash from ${t.name} x`,
      )
      .join(' union all ')
    const rows = await world.sql.query<{name: string; hash: string}>(union)
    return Object.fromEntries(rows.map((r) => [r.name, r.hash]))
  }
  async function expectNothingWritten(run: () => Promise<void>): Promise<void> {
    const before = await fingerprint()
    await run()
    expect(await fingerprint()).toEqual(before)
  }

  it("gives each hotkey a token for its metagraph role, and the token does that role's work only", async () => {
    const [validatorToken, minerToken, operatorToken] = await Promise.all([login(alice), login(charlie), login(dave)])
    expect(decodeJwt(validatorToken.access_token)).toMatchObject({
      role: 'authenticated',
      app_role: 'validator',
      hotkey: alice.address,
      uid: 0,
    })
    expect(decodeJwt(minerToken.access_token)).toMatchObject({app_role: 'miner', hotkey: charlie.address, uid: 2})
    expect(decodeJwt(operatorToken.access_token)).toMatchObject({app_role: 'operator', hotkey: dave.address, uid: null})

    const miner = serviceWith(minerToken.access_token)
    const validator = serviceWith(validatorToken.access_token)
    const operator = serviceWith(operatorToken.access_token)
    const {prospect_ids} = await miner.enqueue([{email: 'lead@example.com'}])
    const [row] = await world.sql.query<{miner_hotkey: string}>('select miner_hotkey from public.prospect_queue')
    expect(row!.miner_hotkey).toBe(charlie.address)
    expect((await validator.pull(1)).prospects.map((p) => p.prospect_id)).toEqual(prospect_ids)
    expect(
      (await validator.submit([{prospect_id: prospect_ids[0]!, is_valid: true, score: 0.9}])).results[0],
    ).toMatchObject({outcome: 'recorded'})
    expect(await codeOf(operator.sweep())).toBe('ok')

    await expectNothingWritten(async () => {
      expect(await codeOf(miner.pull(1))).toBe('FORBIDDEN')
      expect(await codeOf(validator.enqueue([{email: 'x@example.com'}]))).toBe('FORBIDDEN')
      expect(await codeOf(validator.sweep())).toBe('FORBIDDEN')
      expect(await codeOf(operator.pull(1))).toBe('FORBIDDEN')
    })
  })

  describe('forged and altered tokens', () => {
    it("refuses an unsigned token (alg: none) claiming the operator's role", async () => {
      const encode = (part: unknown) => Buffer.from(JSON.stringify(part)).toString('base64url')
      const now = Math.floor(Date.now() / 1000)
      const unsigned = `${encode({alg: 'none', typ: 'JWT'})}.${encode({role: 'authenticated', app_role: 'operator', hotkey: eve.address, exp: now + 600})}.`
      await expectNothingWritten(async () => {
        const response = await rawRpc(postgrestUrl, 'sweep_consensus', {}, unsigned)
        expect(response.status).toBe(401)
        expect(response.body.code).toMatch(/^PGRST30/)
        expect(await codeOf(serviceWith(unsigned).updateSettings({quorum: 1, majority: 1}))).toBe('NOT_AUTHENTICATED')
      })
    })

    it('refuses an issued token whose claims were edited after signing (a miner making itself operator)', async () => {
      const [header, payload, signature] = (await login(charlie)).access_token.split('.')
      const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString())
      const edited = `${header}.${Buffer.from(JSON.stringify({...claims, app_role: 'operator'})).toString('base64url')}.${signature}`
      await expectNothingWritten(async () => {
        expect(await codeOf(serviceWith(edited).sweep())).toBe('NOT_AUTHENTICATED')
        expect(await codeOf(serviceWith(edited).enqueue([{email: 'x@example.com'}]))).toBe('NOT_AUTHENTICATED')
      })
    })
  })

  describe('challenges', () => {
    it('refuses a replayed challenge: its second use gets no token and writes nothing', async () => {
      const signed = await signChallenge(alice)
      expect((await postToIssuer(issuer.url, signed)).status).toBe(200)
      await expectNothingWritten(async () => {
        const replay = await postToIssuer(issuer.url, signed)
        expect(replay).toEqual({status: 401, body: {error: {code: 'CHALLENGE_REPLAYED', message: expect.any(String)}}})
      })
    })

    it('gives exactly one token when one challenge is sent many times at once', async () => {
      const signed = await signChallenge(bob)
      const statuses = await Promise.all(
        Array.from({length: 10}, () => postToIssuer(issuer.url, signed).then((r) => r.status)),
      )
      expect(statuses.filter((s) => s === 200)).toHaveLength(1)
      expect(statuses.filter((s) => s === 401)).toHaveLength(9)
      expect(await world.sql.query('select hotkey from leadpoet.auth_nonces')).toEqual([{hotkey: bob.address}])
    })

    it('refuses a challenge naming one hotkey and signed by another key, writing nothing', async () => {
      const genuine = await signChallenge(alice)
      const byEve = await signChallenge({address: alice.address, sign: (message) => eve.sign(message)})
      await expectNothingWritten(async () => {
        expect(await postToIssuer(issuer.url, byEve)).toMatchObject({
          status: 401,
          body: {error: {code: 'BAD_SIGNATURE'}},
        })
        // Eve's signature on Alice's genuine challenge text, too.
        const stolen = {challenge: genuine.challenge, signature: byEve.signature}
        expect(await postToIssuer(issuer.url, stolen)).toMatchObject({
          status: 401,
          body: {error: {code: 'BAD_SIGNATURE'}},
        })
      })
    })

    it('refuses a challenge more than 300 s old or ahead, writing nothing', async () => {
      await expectNothingWritten(async () => {
        for (const offset of [-301_000, 301_000]) {
          const signed = await signChallenge(alice, {now: new Date(Date.now() + offset)})
          expect(await postToIssuer(issuer.url, signed)).toMatchObject({
            status: 401,
            body: {error: {code: 'CHALLENGE_EXPIRED'}},
          })
        }
      })
    })

    it('refuses a hotkey that is not on the metagraph: its nonce is spent, nothing else is written', async () => {
      const signed = await signChallenge(eve)
      const before = await fingerprint()
      expect(await postToIssuer(issuer.url, signed)).toMatchObject({
        status: 403,
        body: {error: {code: 'NOT_REGISTERED'}},
      })
      const after = await fingerprint()
      expect({...after, 'leadpoet.auth_nonces': undefined}).toEqual({...before, 'leadpoet.auth_nonces': undefined})
      expect(await world.sql.query('select hotkey from leadpoet.auth_nonces')).toEqual([{hotkey: eve.address}])
    })
  })

  describe('revocation', () => {
    it("stops a revoked token (jti) at its next request; the hotkey's other tokens keep working", async () => {
      const [first, second] = [await login(alice), await login(alice)]
      expect(await codeOf(serviceWith(first.access_token).clock())).toBe('ok')
      const operatorToken = (await login(dave)).access_token
      const revoked = await rawRpc(
        postgrestUrl,
        'auth_revoke',
        {p_kind: 'jti', p_subject: first.jti, p_reason: 'leaked'},
        operatorToken,
      )
      expect(revoked).toMatchObject({
        status: 200,
        body: {kind: 'jti', subject: first.jti, revoked_by: dave.address, already_revoked: false},
      })

      await expectNothingWritten(async () => {
        const refused = await rawRpc(postgrestUrl, 'pull_prospects_for_validator', {p_limit: 1}, first.access_token)
        expect(refused.status).toBe(401)
        expect(refused.body).toMatchObject({
          code: 'LP498',
          message: `token ${first.jti} is revoked: log in again for a new one`,
        })
        expect(await codeOf(serviceWith(first.access_token).clock())).toBe('TOKEN_REVOKED')
      })
      expect(await codeOf(serviceWith(second.access_token).clock())).toBe('ok')
      expect(await codeOf(serviceWith(operatorToken).clock())).toBe('ok')
    })

    it('stops every token of a revoked hotkey at once and refuses its logins until the revocation is lifted', async () => {
      const token = await login(bob)
      const operatorToken = (await login(dave)).access_token
      expect(
        (await rawRpc(postgrestUrl, 'auth_revoke', {p_kind: 'hotkey', p_subject: bob.address}, operatorToken)).status,
      ).toBe(200)
      await expectNothingWritten(async () => {
        const refused = await rawRpc(postgrestUrl, 'pull_prospects_for_validator', {p_limit: 1}, token.access_token)
        expect(refused.status).toBe(401)
        // Worded by what was revoked: logging in again does not help a revoked hotkey.
        expect(refused.body).toMatchObject({
          code: 'LP497',
          message: `hotkey ${bob.address} is revoked: its tokens and its logins are refused until the operator lifts the revocation`,
        })
        expect(await codeOf(serviceWith(token.access_token).pull(1))).toBe('HOTKEY_REVOKED')
        expect(await postToIssuer(issuer.url, await signChallenge(bob))).toMatchObject({
          status: 403,
          body: {error: {code: 'HOTKEY_REVOKED'}},
        })
      })
      const lifted = await rawRpc(
        postgrestUrl,
        'auth_lift_revocation',
        {p_kind: 'hotkey', p_subject: bob.address},
        operatorToken,
      )
      expect(lifted.body).toEqual({kind: 'hotkey', subject: bob.address, lifted: true})
      expect(await codeOf(serviceWith(token.access_token).pull(1))).toBe('ok')
      expect(await codeOf(serviceWith((await login(bob)).access_token).pull(1))).toBe('ok')
    })

    it('lets the anon key and the service-role key through the pre-request check unchanged', async () => {
      // Even a revocation naming the service role's stand-in hotkey does not touch the service role.
      await world.sql.query(
        `insert into leadpoet.token_revocations (subject_kind, subject, revoked_by) values ('hotkey', 'service_role', 'test')`,
      )
      expect((await rawRpc(postgrestUrl, 'consensus_clock', {}, serviceKey)).status).toBe(200)
      const anon = await rawRpc(postgrestUrl, 'consensus_clock', {})
      expect(anon).toMatchObject({status: 401, body: {code: '42501'}})
    })

    it('keeps the auth functions for the operator: anon, miners and validators are refused and nothing is written', async () => {
      const validatorToken = (await login(alice)).access_token
      const minerToken = (await login(charlie)).access_token
      const calls: [string, Record<string, unknown>][] = [
        ['auth_revoke', {p_kind: 'hotkey', p_subject: bob.address}],
        ['auth_lift_revocation', {p_kind: 'hotkey', p_subject: alice.address}],
        [
          'auth_claim_nonce',
          {p_hotkey: alice.address, p_nonce: 'n'.repeat(32), p_expires_at: new Date(Date.now() + 60_000).toISOString()},
        ],
      ]
      await expectNothingWritten(async () => {
        for (const [fn, args] of calls) {
          expect((await rawRpc(postgrestUrl, fn, args)).body.code, `anon ${fn}`).toBe('42501')
          expect((await rawRpc(postgrestUrl, fn, args, validatorToken)).body.code, `validator ${fn}`).toBe('LP403')
          expect((await rawRpc(postgrestUrl, fn, args, minerToken)).body.code, `miner ${fn}`).toBe('LP403')
        }
      })
    })
  })

  it('denies anon and issued validator tokens direct reads and writes on every table and view', async () => {
    const validatorToken = (await login(alice)).access_token
    const relations = await world.sql.query<{schema: string; name: string; column: string}>(`
      select n.nspname as schema, c.relname as name,
             (select a.attname from pg_catalog.pg_attribute a where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped order by a.attnum limit 1) as column
        from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
       where n.nspname in ('public', 'leadpoet', 'leadpoet_hooks') and c.relkind in ('r', 'v', 'm', 'p')
       order by 1, 2`)
    expect(relations.map((r) => `${r.schema}.${r.name}`)).toEqual(
      expect.arrayContaining(['leadpoet.auth_nonces', 'leadpoet.token_revocations', 'public.leads']),
    )
    await expectNothingWritten(async () => {
      for (const token of [undefined, validatorToken]) {
        const who = token ? 'validator' : 'anon'
        for (const {schema, name, column} of relations) {
          const headers = {
            'content-type': 'application/json',
            'accept-profile': schema,
            'content-profile': schema,
            ...(token ? {authorization: `Bearer ${token}`} : {}),
          }
          const url = `${postgrestUrl}/${name}`
          const filtered = `${url}?${column}=not.is.null`
          const attempts = [
            ['select', fetch(url, {headers})],
            ['insert', fetch(url, {method: 'POST', headers, body: JSON.stringify({[column]: null})})],
            ['update', fetch(filtered, {method: 'PATCH', headers, body: JSON.stringify({[column]: null})})],
            ['delete', fetch(filtered, {method: 'DELETE', headers})],
          ] as const
          for (const [verb, attempt] of attempts) {
            const response = await attempt
            const body = (await response.json()) as {code?: string}
            // public: no privilege (a write to the aggregate view fails even earlier); other schemas: not exposed at all.
            const refusals = schema === 'public' ? ['42501', '55000'] : ['PGRST106']
            expect(refusals, `${who} ${verb} ${schema}.${name}: ${response.status} ${JSON.stringify(body)}`).toContain(
              body.code,
            )
          }
        }
      }
    })
  })

  describe('hostile strings', () => {
    const SQL_LOOKING = [
      "'); delete from public.leads; --",
      "x' or '1'='1",
      '"; drop schema leadpoet cascade; --',
      '$$; select pg_sleep(10); $$',
    ]
    const OVERSIZED = 'x'.repeat(200_000)

    it('refuses SQL-looking and oversized strings in every parameter of every function, for every role, changing nothing', async () => {
      const tokens = {
        operator: (await login(dave)).access_token,
        validator: (await login(alice)).access_token,
        miner: (await login(charlie)).access_token,
      }
      const functions = await world.sql.query<{name: string; args: string[]; types: string[]; required: number}>(`
        select p.proname as name, p.proargnames as args,
               array(select pg_catalog.format_type(t, null) from unnest(p.proargtypes) t) as types,
               p.pronargs - p.pronargdefaults as required
          from pg_catalog.pg_proc p
         where p.pronamespace = 'public'::regnamespace and p.proargnames is not null
         order by 1`)
      expect(functions.map((f) => f.name)).toEqual(
        expect.arrayContaining([
          'enqueue_prospects',
          'submit_assessments',
          'list_prospects',
          'auth_revoke',
          'auth_claim_nonce',
        ]),
      )

      // Every parameter arrives over HTTP as JSON text, whatever its SQL type (uuid, bigint, ...).
      const poisons = (type: string): unknown[] =>
        type !== 'jsonb'
          ? [...SQL_LOOKING, OVERSIZED]
          : // Structurally valid payloads are data, stored as sent: the next test covers those.
            [...SQL_LOOKING, OVERSIZED, SQL_LOOKING, Object.fromEntries(SQL_LOOKING.map((s) => [s, s])), [OVERSIZED]]
      await expectNothingWritten(async () => {
        for (const fn of functions) {
          for (const [position, type] of fn.types.entries()) {
            for (const poison of poisons(type)) {
              // Required parameters are sent (null), defaulted ones left to their defaults.
              const args: Record<string, unknown> = Object.fromEntries(
                fn.args.slice(0, fn.required).map((name) => [name, null]),
              )
              args[fn.args[position]!] = poison
              for (const [role, token] of Object.entries(tokens)) {
                const {status, body} = await rawRpc(postgrestUrl, fn.name, args, token)
                const label = `${role} ${fn.name}(${fn.args[position]} = ${JSON.stringify(poison).slice(0, 40)}): ${status} ${JSON.stringify(body).slice(0, 200)}`
                expect(status, label).toBeLessThan(500)
                if (status >= 400) expect(body.code, label).toMatch(/^(LP4\d\d|42501|22\w{3}|PGRST\d+)$/)
              }
            }
          }
        }
      })
      expect(
        await world.sql.query(`select count(*)::int as n from pg_catalog.pg_namespace where nspname = 'leadpoet'`),
      ).toEqual([{n: 1}])
    })

    it('keeps SQL-looking text inside prospects and votes as inert data, byte for byte', async () => {
      const miner = serviceWith((await login(charlie)).access_token)
      const validator = serviceWith((await login(alice)).access_token)
      // (an SQL-looking email is refused as malformed_email before it is stored; the other fields are free text)
      const prospect = {
        email: 'inert@example.com',
        business: SQL_LOOKING[0],
        full_name: SQL_LOOKING[1],
        role: SQL_LOOKING[2],
        website: SQL_LOOKING[3],
      }
      const {prospect_ids} = await miner.enqueue([prospect])
      await validator.pull(1)
      const reasons = SQL_LOOKING.map((text) => ({check: text, message: text}))
      await validator.submit([{prospect_id: prospect_ids[0]!, is_valid: false, score: 0.1, rejection_reasons: reasons}])
      expect(await world.sql.query('select prospect from public.prospect_queue')).toEqual([{prospect}])
      expect(await world.sql.query('select rejection_reasons from public.validation_tracking')).toEqual([
        {rejection_reasons: reasons},
      ])
      expect(await world.sql.query(`select count(*)::int as n from public.leads`)).toEqual([{n: 0}])
    })

    it('refuses SQL-looking, oversized and malformed requests to the issuer, writing nothing', async () => {
      const signed = await signChallenge(alice)
      const send = (body: string, init: RequestInit = {}) =>
        fetch(issuer.url, {method: 'POST', headers: {'content-type': 'application/json'}, body, ...init}).then(
          async (r) => ({
            status: r.status,
            code: ((await r.json()) as {error: {code: string}}).error.code,
          }),
        )
      await expectNothingWritten(async () => {
        expect(await send(JSON.stringify({challenge: SQL_LOOKING[0], signature: signed.signature}))).toEqual({
          status: 400,
          code: 'INVALID_CHALLENGE',
        })
        expect(
          await send(
            JSON.stringify({
              challenge: signed.challenge.replace(/[^:]+$/, SQL_LOOKING[1]!),
              signature: signed.signature,
            }),
          ),
        ).toEqual({status: 400, code: 'INVALID_CHALLENGE'})
        expect(await send(JSON.stringify({challenge: signed.challenge, signature: SQL_LOOKING[0]}))).toEqual({
          status: 400,
          code: 'INVALID_REQUEST',
        })
        expect(
          await send(
            JSON.stringify({challenge: `${signed.challenge}${'x'.repeat(3000)}`, signature: signed.signature}),
          ),
        ).toEqual({status: 400, code: 'INVALID_CHALLENGE'})
        expect(await send(JSON.stringify({...signed, role: 'operator'}))).toEqual({
          status: 400,
          code: 'INVALID_REQUEST',
        })
        expect(await send(JSON.stringify({...signed, challenge: OVERSIZED}))).toEqual({
          status: 413,
          code: 'REQUEST_TOO_LARGE',
        })
        expect(await send('not json')).toEqual({status: 400, code: 'INVALID_REQUEST'})
        expect(await send(JSON.stringify([signed]))).toEqual({status: 400, code: 'INVALID_REQUEST'})
        expect(await fetch(issuer.url).then((r) => r.status)).toBe(405)
      })
      expect((await postToIssuer(issuer.url, signed)).status).toBe(200) // the genuine challenge was never spent
    })

    it('keeps SQL-looking and oversized claims inert, had the signing key leaked', async () => {
      const sign = (claims: Record<string, unknown>) =>
        new SignJWT({role: 'authenticated', ...claims})
          .setProtectedHeader({alg: 'HS256'})
          .setExpirationTime('10m')
          .sign(new TextEncoder().encode(JWT_SECRET))
      await world.sql.query(
        `insert into leadpoet.token_revocations (subject_kind, subject, revoked_by) values ('jti', 'some-revoked-jti', 'test')`,
      )
      await expectNothingWritten(async () => {
        const sqlJti = await sign({app_role: 'validator', hotkey: alice.address, jti: "some-revoked-jti' or '1'='1"})
        expect(await codeOf(serviceWith(sqlJti).clock())).toBe('ok') // no revocation matches: the claim is a value, not SQL
        const bigHotkey = await sign({app_role: 'operator', hotkey: 'h'.repeat(20_000)})
        expect((await rawRpc(postgrestUrl, 'sweep_consensus', {}, bigHotkey)).body.code).toBe('LP401')
        const sqlRole = await sign({app_role: "operator' or '1'='1", hotkey: alice.address})
        expect(await codeOf(serviceWith(sqlRole).sweep())).toBe('FORBIDDEN')
      })
      // A hotkey claim that is not an SS58 address is no identity at all: refused, nothing stored.
      await expectNothingWritten(async () => {
        const sqlHotkey = await sign({app_role: 'miner', hotkey: SQL_LOOKING[0]})
        const refused = await serviceWith(sqlHotkey)
          .enqueue([{email: 'a@example.com'}])
          .then(
            () => null,
            (error: LeadpoetError) => error,
          )
        expect(refused).toMatchObject({code: 'NOT_AUTHENTICATED'})
      })
      expect(await world.sql.query('select miner_hotkey from public.prospect_queue')).toEqual([])
    })
  })
})
