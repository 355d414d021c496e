import {afterAll, beforeAll, beforeEach, describe, expect, it} from 'vitest'
import {RPC_FUNCTIONS} from '../../src/adapters/rpc-adapter.js'
import {SupabaseRpcAdapter} from '../../src/adapters/supabase-adapter.js'
import {LEAD_FIELDS} from '../../src/lead.js'
import {ConsensusService} from '../../src/service/consensus.js'
import {createWorld, hotkeyOf, miner, validator, type World} from '../support/world.js'
import {refusalOf} from '../support/refusal.js'

// What a registered miner or validator can try inside its own role, through the real PostgREST,
// with the database checked after each attempt: nothing is written where a request is refused.

const lead = (n: number | string, extra: Record<string, unknown> = {}) => ({
  email: `p${n}@anti-gaming.example`,
  ...extra,
})

describe('anti-gaming through PostgREST', () => {
  let world: World

  beforeAll(async () => {
    world = await createWorld('postgrest')
  })
  afterAll(async () => {
    await world?.close()
  })
  beforeEach(async () => {
    await world.reset()
    await world.sql.exec('truncate leadpoet.hotkey_owners, leadpoet.miner_queue_rounds')
  })

  const queued = () =>
    world.sql.query<{n: number}>('select count(*)::int as n from public.prospect_queue').then((r) => r[0]!.n)

  describe('fair turns for every miner', () => {
    it("given a 10,000-prospect flood from one miner, then another miner's single prospect is pulled within the first two batches", async () => {
      await world.operator.updateSettings({max_pending_per_miner: 10_000})
      const flooder = await world.as(miner('flooder'))
      for (let start = 0; start < 10_000; start += 500) {
        await flooder.enqueue(Array.from({length: 500}, (_, i) => lead(`flood-${start + i}`)))
      }
      const v = await world.as(validator(1))
      const work = async () => {
        const {prospects} = await v.pull(50)
        await v.submit(prospects.map((p) => ({prospect_id: p.prospect_id, is_valid: false, score: 0})))
        return prospects.map((p) => p.prospect_id)
      }
      // The validators are already at work in the flood when the honest prospect arrives.
      await work()
      const honest = await world.as(miner('honest'))
      const [id] = (await honest.enqueue([lead('honest')])).prospect_ids
      expect([...(await work()), ...(await work())]).toContain(id)
      // A fresh validator, from the start of the queue, meets it within its first two batches too.
      const fresh = await world.as(validator(2))
      const first = (await fresh.pull(50)).prospects
      await fresh.submit(first.map((p) => ({prospect_id: p.prospect_id, is_valid: false, score: 0})))
      expect([...first, ...(await fresh.pull(50)).prospects].map((p) => p.prospect_id)).toContain(id)
    })

    it('given a miner at its quota, then the rows past it are refused one by one and the rest is queued', async () => {
      await world.operator.updateSettings({max_pending_per_miner: 3})
      const m = await world.as(miner(1))
      const first = await m.enqueue([lead(1), lead(2)])
      expect(first).toMatchObject({enqueued: 2, refused: 0})
      const second = await m.enqueue([lead(3), lead(4), lead(5)])
      expect(second.results.map((r) => r.outcome)).toEqual(['queued', 'quota_exceeded', 'quota_exceeded'])
      expect(second.results[1]?.message).toContain('max_pending_per_miner 3')
      expect(await queued()).toBe(3)
      // The cap is per miner: another miner still queues.
      expect((await (await world.as(miner(2))).enqueue([lead(6)])).enqueued).toBe(1)
    })

    it('given unknown fields or oversized ones, then those prospects are refused by name and nothing of them is stored', async () => {
      const m = await world.as(miner(1))
      const result = await m.enqueue([
        lead(1),
        lead(2, {miner_hotkey: 'someone-else', tags: ['x']}),
        lead(3, {description: 'd'.repeat(3000)}),
        // Nine fields of 1,900 bytes: each within 2 KiB, together over 16 KiB.
        lead(
          4,
          Object.fromEntries(
            LEAD_FIELDS.filter((f) => f !== 'email')
              .slice(0, 9)
              .map((f) => [f, 'x'.repeat(1900)]),
          ),
        ),
        lead(5),
      ])
      expect(result.results.map((r) => [r.outcome, r.message ?? ''])).toEqual([
        ['queued', ''],
        ['unknown_field', 'unknown field miner_hotkey, tags'],
        ['too_large', 'field description is over 2 KiB'],
        ['too_large', expect.stringContaining('over 16 KiB')],
        ['queued', ''],
      ])
      const rows = await world.sql.query<{email: string}>(
        `select prospect->>'email' as email from public.prospect_queue order by queue_seq`,
      )
      expect(rows.map((r) => r.email)).toEqual([lead(1).email, lead(5).email])
    })

    it("given the lead schema, then the database's list of fields is the same", async () => {
      const [{fields}] = (await world.sql.query<{fields: string[]}>('select leadpoet.prospect_fields() as fields')) as [
        {fields: string[]},
      ]
      expect([...fields].sort()).toEqual([...LEAD_FIELDS].sort())
    })
  })

  describe('one lead per real mailbox', () => {
    /** Three validators vote valid on everything they pull. */
    async function acceptAll(): Promise<void> {
      for (const n of [1, 2, 3]) {
        const v = await world.as(validator(n))
        const {prospects} = await v.pull(50)
        if (prospects.length)
          await v.submit(prospects.map((p) => ({prospect_id: p.prospect_id, is_valid: true, score: 1})))
      }
    }

    it('given an accepted lead, then every other spelling of its mailbox is refused at enqueue, naming the accepted copy', async () => {
      await (await world.as(miner(1))).enqueue([{email: 'jane.doe@example.com'}, {email: 'jane@bücher.de'}])
      await acceptAll()
      const variants = [
        'jane.doe+1@example.com',
        '"jane.doe"@example.com',
        'Jane.DOE@Example.COM',
        'jane\u200b.doe@example.com',
        ' jane.doe@example.com ',
        '\uff2a\uff21\uff2e\uff25.\uff24\uff2f\uff25@example.com',
        'jane@xn--bcher-kva.de',
        'jane@BÜCHER.de',
      ]
      const result = await (await world.as(miner(2))).enqueue(variants.map((email) => ({email})))
      expect(result.results.map((r) => [r.outcome, r.matches])).toEqual(
        variants.map(() => ['duplicate_email', 'accepted']),
      )
      // A Cyrillic а in place of the Latin a: no mailbox of its own, refused as suspicious.
      const spoof = await (await world.as(miner(2))).enqueue([{email: 'j\u0430ne.doe@example.com'}])
      expect(spoof.results[0]).toMatchObject({outcome: 'suspicious_email'})
      expect(await queued()).toBe(2)
      expect(await world.sql.query('select count(*)::int as n from public.leads')).toEqual([{n: 2}])
    })

    it("given a waiting prospect, then another miner's copy is refused (first queued wins), and is welcome again once the first is rejected", async () => {
      const first = await world.as(miner(1))
      const second = await world.as(miner(2))
      await first.enqueue([{email: 'x@first-wins.example'}])
      const copy = await second.enqueue([
        {email: 'X@First-Wins.example'},
        {email: 'y@first-wins.example'},
        {email: 'Y@first-wins.example'},
      ])
      expect(copy.results.map((r) => [r.outcome, r.matches ?? null])).toEqual([
        ['duplicate_email', 'pending'],
        ['queued', null],
        ['duplicate_email', 'pending'], // earlier in the same batch
      ])
      for (const n of [1, 2, 3]) {
        const v = await world.as(validator(n))
        const {prospects} = await v.pull(50)
        await v.submit(prospects.map((p) => ({prospect_id: p.prospect_id, is_valid: false, score: 0})))
      }
      expect((await second.enqueue([{email: 'X@First-Wins.example'}])).results[0]?.outcome).toBe('queued')
      const owners = await world.sql.query<{miner_hotkey: string; status: string}>(
        `select miner_hotkey, consensus_status as status from public.prospect_queue where mailbox_key = 'x@first-wins.example' order by queue_seq`,
      )
      expect(owners).toEqual([
        {miner_hotkey: miner(1).hotkey, status: 'rejected'},
        {miner_hotkey: miner(2).hotkey, status: 'pending'},
      ])
    })

    it('given two waiting copies of one mailbox decided at once, then exactly one becomes a lead', async () => {
      // Copies that predate the enqueue check (inserted directly, as the old flow did).
      await world.sql.exec(`insert into public.prospect_queue (miner_hotkey, prospect) values
        ('${miner(1).hotkey}', '{"email": "race@mailbox.example"}'),
        ('${miner(2).hotkey}', '{"email": "RACE+tag@mailbox.example"}')`)
      const validators = await Promise.all([1, 2, 3].map((n) => world.as(validator(n))))
      for (const v of validators) expect((await v.pull(2)).prospects).toHaveLength(2)
      const [a, b] = (await world.operator.listProspects()).prospects.map((p) => p.prospect_id)
      // Two validators vote on both; then the third votes on both at once, in two concurrent calls.
      for (const v of validators.slice(0, 2))
        await v.submit([a!, b!].map((id) => ({prospect_id: id, is_valid: true, score: 1})))
      await Promise.all([a!, b!].map((id) => validators[2]!.submit([{prospect_id: id, is_valid: true, score: 1}])))
      const decided = await world.sql.query<{status: string; reason: string}>(
        `select consensus_status as status, decision_reason as reason from public.prospect_queue order by status`,
      )
      expect(decided).toEqual([
        {status: 'accepted', reason: 'majority_valid'},
        {status: 'rejected', reason: 'duplicate_email'},
      ])
      expect(await world.sql.query('select mailbox_key from public.leads')).toEqual([
        {mailbox_key: 'race@mailbox.example'},
      ])
    })

    it("given the validators' duplicate check, then any spelling of a lead's mailbox is known", async () => {
      await (await world.as(miner(1))).enqueue([{email: 'known.one@gmail.com'}])
      await acceptAll()
      const known = await (
        await world.as(validator(4))
      ).knownLeadEmails(['Known.One+x@googlemail.com', 'other@gmail.com'])
      expect([...known]).toEqual(['knownone@gmail.com'])
    })
  })

  describe('no cherry-picking', () => {
    it('given a pulled prospect, then a validator sees neither its miner nor its holders before the decision, and after it the holders but never the miner', async () => {
      const m = await world.as(miner(1))
      const [id] = (await m.enqueue([lead(1)])).prospect_ids
      const validators = await Promise.all([1, 2, 3].map((n) => world.as(validator(n))))
      await validators[0]!.pull(1)
      const before = await validators[0]!.prospect(id!)
      expect(before).toMatchObject({miner_hotkey: null, holders: null, consensus_status: 'pending'})
      expect((await world.operator.prospect(id!)).miner_hotkey).toBe(miner(1).hotkey)
      for (const v of validators.slice(1)) await v.pull(1)
      for (const v of validators) await v.submit([{prospect_id: id!, is_valid: true, score: 1}])
      // Never the miner, even decided: a golden lead has none, and a validator must not tell them apart.
      expect(await validators[0]!.prospect(id!)).toMatchObject({miner_hotkey: null, holders: 3})
      expect((await world.operator.prospect(id!)).miner_hotkey).toBe(miner(1).hotkey)
    })

    it('given a release, then it needs a known reason and counts against the validator', async () => {
      const m = await world.as(miner(1))
      await m.enqueue([lead(1), lead(2)])
      const v = await world.as(validator(1))
      const {prospects} = await v.pull(2)
      const ids = prospects.map((p) => p.prospect_id)
      expect((await refusalOf(v.release(ids, 'no reason' as 'cannot_judge'))).code).toBe('INVALID_INPUT')
      expect(await v.release(ids, 'network_unhealthy')).toMatchObject({released: 2, reason: 'network_unhealthy'})
      const [row] = (await world.operator.eligibility()).validators
      expect(row).toMatchObject({
        leases: 2,
        released: 2,
        abandoned_share: 1,
        failed_rules: expect.arrayContaining(['too_many_abandoned']),
      })
    })
  })

  describe('no self-votes', () => {
    it('given one hotkey as miner and validator, then it is never handed its own prospect, and a vote on one is refused', async () => {
      const both = hotkeyOf('miner-and-validator')
      const asMiner = await world.as({hotkey: both, role: 'miner'})
      const asValidator = await world.as({hotkey: both, role: 'validator'})
      const [own] = (await asMiner.enqueue([lead('own')])).prospect_ids
      await (await world.as(miner(2))).enqueue([lead('other')])
      expect((await asValidator.pull(10)).prospects.map((p) => p.prospect.email)).toEqual([lead('other').email])
      const vote = await asValidator.submit([{prospect_id: own!, is_valid: true, score: 1}])
      expect(vote.results).toEqual([{prospect_id: own, outcome: 'self_vote'}])
      expect(await world.sql.query('select count(*)::int as n from public.validation_tracking')).toEqual([{n: 0}])
    })

    it("given hotkeys under one coldkey, then they count as one owner: no pull of each other's prospects, no vote on them", async () => {
      const coldkey = hotkeyOf('one-coldkey')
      const minerKey = miner(1).hotkey
      const siblingValidator = validator(1)
      const m = await world.as(miner(1))
      const sibling = await world.as(siblingValidator)
      const stranger = await world.as(validator(2))
      // Pulled before the owners were known: the lease is there, the vote must still be refused.
      const [early] = (await m.enqueue([lead('early')])).prospect_ids
      expect((await sibling.pull(1)).prospects).toHaveLength(1)
      expect(
        await world.operator.recordHotkeyOwners({[minerKey]: coldkey, [siblingValidator.hotkey]: coldkey}),
      ).toEqual({
        recorded: 2,
      })
      const [later] = (await m.enqueue([lead('later')])).prospect_ids
      expect((await sibling.pull(5)).prospects.map((p) => p.prospect_id)).not.toContain(later)
      expect((await stranger.pull(5)).prospects.map((p) => p.prospect_id)).toEqual([early, later])
      expect((await sibling.submit([{prospect_id: early!, is_valid: true, score: 1}])).results[0]?.outcome).toBe(
        'self_vote',
      )
      // Owners are the operator's to record, and must be addresses.
      expect((await refusalOf(sibling.recordHotkeyOwners({[minerKey]: coldkey}))).code).toBe('FORBIDDEN')
      expect((await refusalOf(world.operator.recordHotkeyOwners({[minerKey]: 'not-an-address'}))).code).toBe(
        'INVALID_INPUT',
      )
    })
  })

  describe('identities are canonical', () => {
    it('given a token whose hotkey is another spelling of an address, then it is no identity at all', async () => {
      const alice = validator(1).hotkey
      for (const spelling of [`${alice} `, alice.toLowerCase(), `x${alice.slice(1)}`, '']) {
        // A token signed with the project's secret (as a careless issuer might mint it).
        const client = await world.postgrest!.clientFor({hotkey: spelling, role: 'validator'})
        const refused = await refusalOf(new ConsensusService(new SupabaseRpcAdapter(client)).pull(1))
        expect([spelling, refused.code]).toEqual([spelling, 'NOT_AUTHENTICATED'])
      }
      expect(await world.sql.query('select count(*)::int as n from leadpoet.validator_queue_positions')).toEqual([
        {n: 0},
      ])
    })
  })

  describe('bounded API cost', () => {
    it('given the API roles, then each has a statement timeout in this database, and every API function runs without JIT', async () => {
      const timeouts = await world.sql.query<{role: string; config: string[]}>(
        `select r.rolname as role, s.setconfig as config
           from pg_db_role_setting s join pg_roles r on r.oid = s.setrole
          where s.setdatabase = (select oid from pg_database where datname = current_database())
            and r.rolname in ('anon', 'authenticated') order by 1`,
      )
      expect(timeouts.map((t) => [t.role, t.config.find((c) => c.startsWith('statement_timeout='))])).toEqual([
        ['anon', 'statement_timeout=3s'],
        ['authenticated', 'statement_timeout=8s'],
      ])
      const withoutJitOff = await world.sql.query<{name: string}>(
        `select p.proname as name from pg_proc p
          where p.pronamespace = 'public'::regnamespace and not ('jit=off' = any (coalesce(p.proconfig, '{}')))`,
      )
      expect(withoutJitOff).toEqual([])
      expect(RPC_FUNCTIONS.length).toBeGreaterThan(20)
    })

    it('given a listing of more than 1,000 rows, then it is refused', async () => {
      expect((await refusalOf(world.operator.listProspects({limit: 10_000}))).code).toBe('INVALID_INPUT')
    })
  })

  describe('guards that hold', () => {
    it('given closed epochs, then an anchor whose seen_at is long past cannot move the clock by years', async () => {
      await world.enterEpoch(20)
      await world.operator.closeEpoch(19)
      const before = await world.operator.clock()
      const refused = await refusalOf(world.operator.setChainAnchor(before.block, new Date('2001-01-01T00:00:00Z')))
      expect(refused.code).toBe('INVALID_INPUT')
      expect(refused.message).toContain('more than three epochs away')
      expect((await world.operator.clock()).epoch).toBe(before.epoch)
    })
  })
})
