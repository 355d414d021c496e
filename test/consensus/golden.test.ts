import {afterAll, beforeAll, beforeEach, describe, expect, it} from 'vitest'
import type {ConsensusService} from '../../src/service/consensus.js'
import type {Assessment, GoldenLeadInput, PulledProspect} from '../../src/service/results.js'
import {createWorld, hotkeyOf, type Backend, type World} from '../support/world.js'
import {refusalOf} from '../support/refusal.js'

const validatorIdentity = (n: number) => ({hotkey: hotkeyOf(`golden-validator-${n}`), role: 'validator' as const})
const minerIdentity = {hotkey: hotkeyOf('golden-miner'), role: 'miner' as const}

/** A known-answer lead that looks like any miner's prospect. */
const goldenLead = (n: number, isValid: boolean): GoldenLeadInput => ({
  prospect: {business: `Gold Co ${n}`, email: `buyer${n}@goldco${n}.example`, role: 'Head of Sales'},
  is_valid: isValid,
})
const realLead = (tag: string, n: number) => ({
  business: `Real Co ${n}`,
  email: `${tag}${n}@realco${n}.example`,
  role: 'Head of Sales',
})

describe.each<Backend>(['postgres', 'pglite', 'postgrest'])('golden leads (%s)', (backend) => {
  let world: World
  let miner: ConsensusService
  let validators: ConsensusService[]

  beforeAll(async () => {
    world = await createWorld(backend)
  })
  afterAll(async () => {
    await world?.close()
  })
  beforeEach(async () => {
    await world.reset()
    miner = await world.as(minerIdentity)
    validators = await Promise.all([1, 2, 3, 4].map((n) => world.as(validatorIdentity(n))))
  })

  /** The ids (of those given) that are golden instances, by the superuser's view. */
  const goldenIds = async (ids: readonly string[]): Promise<Set<string>> =>
    new Set(
      (
        await world.sql.query<{id: string}>(
          'select id::text from public.prospect_queue where golden_lead_id is not null and id = any ($1::uuid[])',
          [ids],
        )
      ).map((r) => r.id),
    )

  const enqueueReal = async (count: number, tag = 'real') =>
    (await miner.enqueue(Array.from({length: count}, (_, i) => realLead(tag, i)))).prospect_ids

  /** The known answer of each golden instance among these ids (real prospects: absent). */
  const goldenAnswers = async (ids: readonly string[]): Promise<Map<string, boolean>> =>
    new Map(
      (
        await world.sql.query<{id: string; expected_valid: boolean}>(
          `select q.id::text, g.expected_valid from public.prospect_queue q
             join leadpoet.golden_leads g on g.id = q.golden_lead_id where q.id = any ($1::uuid[])`,
          [ids],
        )
      ).map((r) => [r.id, r.expected_valid]),
    )

  /** Pulls `batches` batches of `size`, votes the known answer on golden items (valid on the rest),
   * and returns every item, in order. */
  const pullAll = async (v: ConsensusService, batches: number, size: number): Promise<PulledProspect[]> => {
    const items: PulledProspect[] = []
    for (let b = 0; b < batches; b++) {
      const {prospects} = await v.pull(size)
      // Held leases come back first: vote so the next pull takes new items.
      items.push(...prospects.filter((p) => !items.some((i) => i.prospect_id === p.prospect_id)))
      const answers = await goldenAnswers(prospects.map((p) => p.prospect_id))
      await v.submit(
        prospects.map((p) => ({prospect_id: p.prospect_id, is_valid: answers.get(p.prospect_id) ?? true, score: 0.9})),
      )
    }
    return items
  }

  it('given golden leads and a rate of 0.1, when a validator is served 200 items in an epoch, then its first min_golden_votes golden slots fall one in each pair of its first 20 items, then one in each stretch of ten: 28, each a different golden lead', async () => {
    await world.operator.updateSettings({golden_rate: 0.1, min_golden_votes: 10})
    await world.operator.addGoldenLeads(Array.from({length: 50}, (_, i) => goldenLead(i, i % 2 === 0)))
    await enqueueReal(300)

    const items = await pullAll(validators[0]!, 10, 20)

    expect(items).toHaveLength(200)
    const golden = await goldenIds(items.map((i) => i.prospect_id))
    expect(golden.size).toBe(28)
    // Warm-up: five times the rate (0.5), one golden slot in each pair of serve positions [2k, 2k + 1].
    for (let pair = 0; pair < 10; pair++) {
      expect(items.slice(pair * 2, pair * 2 + 2).filter((i) => golden.has(i.prospect_id))).toHaveLength(1)
    }
    // Then the rate: one in each stretch of ten from position 20.
    for (let stretch = 0; stretch < 18; stretch++) {
      const inStretch = items.slice(20 + stretch * 10, 30 + stretch * 10).filter((i) => golden.has(i.prospect_id))
      expect(inStretch).toHaveLength(1)
    }
    const served = await world.sql.query<{n: number; leads: number}>(
      `select count(*)::int as n, count(distinct golden_lead_id)::int as leads from leadpoet.golden_serves
        where validator_hotkey = $1`,
      [validatorIdentity(1).hotkey],
    )
    expect(served).toEqual([{n: 28, leads: 28}])
  })

  it('given a validator served past its warm-up, when the next epoch begins, then its golden slots start over: the warm-up again, at other places', async () => {
    await world.operator.updateSettings({golden_rate: 0.1, min_golden_votes: 4})
    // A fixed secret: the places are then the same from run to run (with a random one, the two
    // epochs' places could coincide, about once in 16,000 runs).
    await world.sql.query("update leadpoet.golden_secret set secret = 'golden-test-secret'")
    await world.operator.addGoldenLeads(Array.from({length: 40}, (_, i) => goldenLead(i, i % 2 === 0)))
    await world.enterEpoch(5)
    await enqueueReal(80)
    const positions = async () => {
      const items = await pullAll(validators[0]!, 2, 20)
      const golden = await goldenIds(items.map((i) => i.prospect_id))
      return items.map((i, n) => (golden.has(i.prospect_id) ? n : -1)).filter((n) => n >= 0)
    }
    const first = await positions()
    await world.enterEpoch(6)
    const second = await positions()
    for (const epoch of [first, second]) {
      // 4 warm-up slots in the first 8 items, then one in each stretch of ten: 7 in 40 items.
      expect(epoch).toHaveLength(7)
      expect(epoch.filter((n) => n < 8)).toHaveLength(4)
    }
    expect(second).not.toEqual(first)
  })

  it("given three golden leads, when one validator pulls far more than the rate asks for, then it is never served one golden lead twice, and the other items are the queue's", async () => {
    await world.operator.updateSettings({golden_rate: 0.5})
    await world.operator.addGoldenLeads([goldenLead(1, true), goldenLead(2, false), goldenLead(3, true)])
    await enqueueReal(60)

    const items = await pullAll(validators[0]!, 6, 10)

    expect(items).toHaveLength(60)
    const golden = await goldenIds(items.map((i) => i.prospect_id))
    expect(golden.size).toBe(3)
    const emails = items.map((i) => i.prospect.email)
    expect(new Set(emails).size).toBe(emails.length)
    // A second validator gets the same three golden leads (the instances already out, first).
    const second = await pullAll(validators[1]!, 1, 10)
    expect(await goldenIds(second.map((i) => i.prospect_id))).toEqual(golden)
  })

  it('given a golden set that is mostly valid, then each validator is still served about as many invalid golden leads as valid ones', async () => {
    await world.operator.updateSettings({golden_rate: 0.5})
    await world.operator.addGoldenLeads(Array.from({length: 25}, (_, i) => goldenLead(i, i >= 5)))
    await enqueueReal(20)
    const items = await pullAll(validators[0]!, 1, 20)
    const answers = [...(await goldenAnswers(items.map((i) => i.prospect_id))).values()]
    expect(answers).toHaveLength(10)
    // An always-valid (or always-invalid) voter scores 50 % on these, not the set's 80 %.
    expect(answers.filter(Boolean)).toHaveLength(5)
  })

  it("given no golden lead left for a validator, then its pulls are the queue's alone and no golden slot is made up later", async () => {
    await world.operator.updateSettings({golden_rate: 0.1})
    await enqueueReal(120)
    const first = await pullAll(validators[0]!, 5, 20)
    expect(first).toHaveLength(100)
    expect((await goldenIds(first.map((i) => i.prospect_id))).size).toBe(0)

    await world.operator.addGoldenLeads(Array.from({length: 10}, (_, i) => goldenLead(i, true)))
    const next = await pullAll(validators[0]!, 1, 10)
    // One slot in the next stretch of ten, not the ten that passed with nothing to serve.
    expect((await goldenIds(next.map((i) => i.prospect_id))).size).toBe(1)
  })

  it('given golden and real items in one pull, then they have the same keys, and the prospect is the golden lead as written', async () => {
    await world.operator.updateSettings({golden_rate: 0.5})
    const [gold] = [goldenLead(7, true)]
    await world.operator.addGoldenLeads([gold])
    await enqueueReal(10)
    const {prospects} = await validators[0]!.pull(10)
    const golden = await goldenIds(prospects.map((p) => p.prospect_id))
    expect(golden.size).toBe(1)
    const goldItem = prospects.find((p) => golden.has(p.prospect_id))!
    const realItem = prospects.find((p) => !golden.has(p.prospect_id))!
    expect(Object.keys(goldItem).sort()).toEqual(Object.keys(realItem).sort())
    expect(Object.keys(goldItem.prospect).sort()).toEqual(Object.keys(realItem.prospect).sort())
    expect(goldItem.prospect).toEqual(gold.prospect)
    expect(goldItem.lease_expires_block).toBe(realItem.lease_expires_block)
    // Its queue time is a real row's of the same batch, not the moment of the pull.
    expect(prospects.map((p) => p.queued_at)).toContain(goldItem.queued_at)
    expect(prospects.filter((p) => p.queued_at === goldItem.queued_at).length).toBeGreaterThan(1)
  })

  /**
   * Four golden leads (two valid, two invalid) and 16 real prospects; three validators each pull 20
   * at a rate of 0.5, so each is served all four golden leads, on the same instances: an honest one,
   * one that always says valid, one that always says invalid.
   */
  const scoredEpoch = async () => {
    await world.enterEpoch(2)
    await world.operator.updateSettings({golden_rate: 0.5, min_golden_votes: 4, min_golden_accuracy: 0.7})
    const {golden_ids} = await world.operator.addGoldenLeads([
      goldenLead(1, true),
      goldenLead(2, true),
      goldenLead(3, false),
      goldenLead(4, false),
    ])
    await enqueueReal(16)
    const expected = new Map<string, boolean>(
      (
        await world.sql.query<{id: string; expected_valid: boolean}>(
          'select id::text, expected_valid from leadpoet.golden_leads',
        )
      ).map((r) => [r.id, r.expected_valid]),
    )
    const instanceGolden = async () =>
      new Map(
        (
          await world.sql.query<{id: string; golden: string}>(
            'select id::text, golden_lead_id::text as golden from public.prospect_queue where golden_lead_id is not null',
          )
        ).map((r) => [r.id, r.golden]),
      )
    const kinds = ['honest', 'valid', 'invalid'] as const
    const submits = []
    const pulls: PulledProspect[][] = []
    for (const [n, kind] of kinds.entries()) {
      const {prospects} = await validators[n]!.pull(20)
      pulls.push(prospects)
      const instances = await instanceGolden()
      const votes: Assessment[] = prospects.map((p) => {
        const golden = instances.get(p.prospect_id)
        const truth = golden === undefined ? true : expected.get(golden)!
        const isValid = kind === 'honest' ? truth : kind === 'valid'
        return {prospect_id: p.prospect_id, is_valid: isValid, score: isValid ? 0.9 : 0.2}
      })
      submits.push(await validators[n]!.submit(votes))
    }
    return {golden_ids, pulls, submits, instances: await instanceGolden()}
  }

  it('given three validators vote on the same golden leads, then each vote and each consensus decision is scored true/false positive/negative', async () => {
    const {instances} = await scoredEpoch()
    expect(instances.size).toBe(4) // one instance per golden lead, judged by all three
    const decided = await world.sql.query<{status: string; n: number}>(
      `select consensus_status as status, count(*)::int as n from public.prospect_queue
        where golden_lead_id is not null group by 1 order by 1`,
    )
    expect(decided).toEqual([
      {status: 'accepted', n: 2},
      {status: 'rejected', n: 2},
    ])

    const scores = await world.sql.query<Record<string, unknown>>(
      'select * from leadpoet.golden_scores(2) order by validator_hotkey nulls first',
    )
    const row = (tp: number, fp: number, tn: number, fn: number, accuracy: string) => ({
      golden_votes: 4,
      true_positive: tp,
      false_positive: fp,
      true_negative: tn,
      false_negative: fn,
      accuracy,
    })
    const byValidator = Object.fromEntries(scores.map((s) => [String(s.validator_hotkey), s]))
    expect(byValidator['null']).toMatchObject(row(2, 0, 2, 0, '1.0000')) // the consensus
    expect(byValidator[validatorIdentity(1).hotkey]).toMatchObject(row(2, 0, 2, 0, '1.0000'))
    expect(byValidator[validatorIdentity(2).hotkey]).toMatchObject(row(2, 2, 0, 0, '0.5000'))
    expect(byValidator[validatorIdentity(3).hotkey]).toMatchObject(row(0, 0, 2, 2, '0.5000'))
    expect(scores).toHaveLength(4)
  })

  it('given golden votes at or over min_golden_votes, then the golden rule applies and a failure is named min_golden_accuracy; under it, it is reported not applied', async () => {
    await scoredEpoch()
    const live = await world.operator.eligibility(2)
    const byHotkey = Object.fromEntries(live.validators.map((v) => [v.validator_hotkey, v]))
    expect(live.rules).toMatchObject({min_golden_accuracy: 0.7, min_golden_votes: 4})
    expect(byHotkey[validatorIdentity(1).hotkey]).toMatchObject({
      golden_votes: 4,
      golden_correct: 4,
      golden_accuracy: 1,
      golden_rule: 'passed',
      eligible: true,
    })
    for (const n of [2, 3]) {
      expect(byHotkey[validatorIdentity(n).hotkey]).toMatchObject({
        golden_votes: 4,
        golden_correct: 2,
        golden_accuracy: 0.5,
        golden_rule: 'failed',
        eligible: false,
      })
      expect(byHotkey[validatorIdentity(n).hotkey]!.failed_rules).toContain('min_golden_accuracy')
    }

    // Live, 2 right of 4 in all is no proof (95 % Wilson upper bound 0.85 >= 0.7), but each of them got
    // both golden leads of one kind wrong (0 of 2: upper bound 0.66), so the live rule stops them.
    await enqueueReal(5, 'more')
    expect((await validators[0]!.pull(5)).prospects.length).toBeGreaterThan(0)
    for (const n of [2, 3]) expect((await refusalOf(validators[n - 1]!.pull(5))).code).toBe('NOT_ELIGIBLE')

    // The closing snapshot keeps the same figures, and ineligibility means probation.
    await world.enterEpoch(3)
    const closure = await world.operator.closeEpoch(2)
    const closed = Object.fromEntries(closure.eligibility.map((v) => [v.validator_hotkey, v]))
    expect(closed[validatorIdentity(2).hotkey]).toMatchObject({golden_rule: 'failed', eligible: false})
    expect(closed[validatorIdentity(2).hotkey]!.failed_rules).toContain('min_golden_accuracy')
    expect(closure.probation.map((p) => p.validator_hotkey).sort()).toEqual(
      [validatorIdentity(2).hotkey, validatorIdentity(3).hotkey].sort(),
    )

    // Under the minimum count the rule does not apply: reported as such, failing nobody.
    await world.operator.updateSettings({min_golden_votes: 5})
    const under = await world.operator.eligibility(2 + 1)
    expect(under.validators).toEqual([]) // nothing in epoch 3 yet
    const recount = await world.sql.query<{validator_hotkey: string; golden_rule: string; failed_rules: string[]}>(
      `select validator_hotkey, golden_rule, failed_rules from leadpoet.live_eligibility(2) order by validator_hotkey`,
    )
    for (const r of recount) {
      expect(r.golden_rule).toBe('not_applied')
      expect(r.failed_rules).not.toContain('min_golden_accuracy')
    }
  })

  it('given a validator whose golden votes prove it fails the golden rule, then it gets no more work in the epoch', async () => {
    await world.operator.updateSettings({golden_rate: 0.5, min_golden_votes: 4, min_golden_accuracy: 0.7})
    await world.operator.addGoldenLeads([1, 2, 3, 4].map((n) => goldenLead(n, n % 2 === 0)))
    await enqueueReal(20)
    const [inverter, honest] = [validators[0]!, validators[1]!]
    for (const v of [inverter, honest]) {
      const {prospects} = await v.pull(8)
      const answers = await goldenAnswers(prospects.map((p) => p.prospect_id))
      expect(answers.size).toBe(4)
      const wrong = v === inverter
      await v.submit(
        prospects.map((p) => ({
          prospect_id: p.prospect_id,
          is_valid: answers.has(p.prospect_id) ? answers.get(p.prospect_id) !== wrong : true,
          score: 0.5,
        })),
      )
    }
    // 0 right of 4: even the 95 % upper bound (0.49) is under 0.7.
    const refused = await refusalOf(inverter.pull(4))
    expect(refused.code).toBe('NOT_ELIGIBLE')
    expect(refused.message).toContain('min_golden_accuracy')
    expect((await honest.pull(4)).prospects.length).toBeGreaterThan(0)
  })

  it('given a validator that says valid to everything, then the live golden rule stops it after min_golden_votes golden votes, by the invalid ones it got all wrong', async () => {
    await world.operator.updateSettings({golden_rate: 0.5, min_golden_votes: 10, min_golden_accuracy: 0.7})
    await world.operator.addGoldenLeads(Array.from({length: 10}, (_, n) => goldenLead(n + 1, n % 2 === 0)))
    await enqueueReal(40)
    const [lazy, honest] = [validators[0]!, validators[1]!]
    for (const v of [lazy, honest]) {
      const {prospects} = await v.pull(20)
      const answers = await goldenAnswers(prospects.map((p) => p.prospect_id))
      expect([...answers.values()].filter((valid) => valid)).toHaveLength(5)
      expect([...answers.values()].filter((valid) => !valid)).toHaveLength(5)
      // The honest one gets one invalid golden lead wrong: 4 of 5 on that kind, 9 of 10 in all.
      const slip = [...answers.entries()].find(([, valid]) => !valid)![0]
      await v.submit(
        prospects.map((p) => ({
          prospect_id: p.prospect_id,
          is_valid: v === lazy ? true : p.prospect_id === slip ? true : (answers.get(p.prospect_id) ?? true),
          score: 0.5,
        })),
      )
    }
    // The lazy one: 5 of 10 right in all (upper bound 0.76, not under 0.7), but 0 of 5 invalid ones
    // (upper bound 0.43).
    const refused = await refusalOf(lazy.pull(4))
    expect(refused.code).toBe('NOT_ELIGIBLE')
    expect(refused.message).toContain('min_golden_accuracy')
    expect((await honest.pull(4)).prospects.length).toBeGreaterThan(0)
  })

  it("given golden leads decided by consensus, then none is a lead, none weights or counts for a miner, and the miners' listing never shows one", async () => {
    const {pulls} = await scoredEpoch()
    const goldenEmails = [1, 2, 3, 4].map((n) => goldenLead(n, true).prospect.email)
    const leads = await world.sql.query<{email: string}>('select email from public.leads')
    expect(leads).toHaveLength(16)
    expect(leads.map((l) => l.email)).not.toEqual(expect.arrayContaining([goldenEmails[0]]))
    for (const email of goldenEmails) expect(leads.map((l) => l.email)).not.toContain(email)

    const weights = await world.operator.minerWeights(2)
    expect(weights.miners).toEqual([{miner_hotkey: minerIdentity.hotkey, accepted_leads: 16, share: 1}])
    const listing = await world.operator.listProspects({limit: 1000})
    expect(listing.prospects).toHaveLength(16)
    expect((await miner.listProspects({limit: 1000})).prospects).toHaveLength(16)

    await world.enterEpoch(3)
    const closure = await world.operator.closeEpoch(2)
    expect(closure).toMatchObject({decided_leads: 16, accepted_leads: 16})

    // A miner's quota and duplicate check ignore golden instances: a golden lead's email is queued.
    await world.operator.updateSettings({max_pending_per_miner: 1})
    const again = await miner.enqueue([{business: 'Gold Co 9', email: 'buyer1@goldco1.example'}])
    expect(again.results[0]).toMatchObject({outcome: 'queued'})
    expect(pulls.flat()).toHaveLength(60)
  })

  it('given a validator voted on golden and real items, then nothing it can call after the vote tells them apart', async () => {
    const {pulls, submits, instances} = await scoredEpoch()
    const honest = validators[0]!
    const golden = pulls[0]!.filter((p) => instances.has(p.prospect_id))
    const real = pulls[0]!.filter((p) => !instances.has(p.prospect_id))
    expect(golden).toHaveLength(4)

    // The submit results of the deciding vote: the same keys and outcomes for both kinds.
    const lastResults = submits[2]!.results
    const resultOf = (id: string) => lastResults.find((r) => r.prospect_id === id)!
    const goldenAccepted = golden.find((p) => resultOf(p.prospect_id).decision === 'accepted')!
    const realAccepted = real.find((p) => resultOf(p.prospect_id).decision === 'accepted')!
    expect(Object.keys(resultOf(goldenAccepted.prospect_id)).sort()).toEqual(
      Object.keys(resultOf(realAccepted.prospect_id)).sort(),
    )
    expect(resultOf(goldenAccepted.prospect_id).decision_reason).toBe('majority_valid')

    // One prospect's state: the same keys, no miner, decided like any other.
    const [g, r] = [await honest.prospect(goldenAccepted.prospect_id), await honest.prospect(realAccepted.prospect_id)]
    expect(Object.keys(g).sort()).toEqual(Object.keys(r).sort())
    expect(g.miner_hotkey).toBeNull()
    expect(r.miner_hotkey).toBeNull()
    expect(g).toMatchObject({consensus_status: 'accepted', decision_reason: 'majority_valid', consensus_epoch: 2})
    expect(g.votes).toHaveLength(3)

    // The duplicate check: an accepted golden lead is a known lead to those who judged it, like a real one.
    const known = await honest.knownLeadEmails([
      goldenAccepted.prospect.email as string,
      realAccepted.prospect.email as string,
    ])
    expect(known.size).toBe(2)
    // Its own eligibility row in the open epoch has no golden figures (they would tell, vote by vote).
    const own = await honest.eligibility(2)
    expect(own.validators).toHaveLength(1)
    expect(own.validators[0]).toMatchObject({golden_votes: null, golden_accuracy: null, golden_rule: null})
    // A validator that never judged it: not known, and it is still servable to it.
    expect((await validators[3]!.knownLeadEmails([goldenAccepted.prospect.email as string])).size).toBe(0)
  })

  it('given a validator or a miner, then adding, listing and retiring golden leads is refused; the operator can retire, and a retired lead is never served', async () => {
    for (const caller of [validators[0]!, miner]) {
      expect((await refusalOf(caller.addGoldenLeads([goldenLead(1, true)]))).code).toBe('FORBIDDEN')
      expect((await refusalOf(caller.listGoldenLeads())).code).toBe('FORBIDDEN')
      expect((await refusalOf(caller.retireGoldenLeads([crypto.randomUUID()]))).code).toBe('FORBIDDEN')
    }
    expect(await world.sql.query('select * from leadpoet.golden_leads')).toEqual([])

    const {golden_ids} = await world.operator.addGoldenLeads([goldenLead(1, true), goldenLead(2, false)])
    const retired = await world.operator.retireGoldenLeads([golden_ids[0]!])
    expect(retired).toEqual({retired: 1, results: [{golden_id: golden_ids[0], outcome: 'retired'}]})
    expect((await world.operator.retireGoldenLeads([golden_ids[0]!])).results[0]!.outcome).toBe('already_retired')
    expect((await refusalOf(world.operator.retireGoldenLeads([crypto.randomUUID()]))).code).toBe('UNKNOWN_GOLDEN_LEAD')
    expect((await world.operator.listGoldenLeads()).golden.map((g) => g.golden_id)).toEqual([golden_ids[1]])
    expect((await world.operator.listGoldenLeads({includeRetired: true})).golden).toHaveLength(2)

    await world.operator.updateSettings({golden_rate: 0.5})
    await enqueueReal(20)
    const items = await pullAll(validators[0]!, 1, 20)
    const golden = await goldenIds(items.map((i) => i.prospect_id))
    expect(golden.size).toBe(1)
    expect(items.find((i) => golden.has(i.prospect_id))!.prospect.email).toBe(goldenLead(2, false).prospect.email)
  })

  it('given a golden file with one bad entry, then nothing is added and the error names the entry', async () => {
    const bad = [
      [goldenLead(1, true), {prospect: {email: 'x@y.example', shoe_size: 42}, is_valid: true}],
      [goldenLead(1, true), {prospect: {email: 'not an email'}, is_valid: false}],
      [goldenLead(1, true), {prospect: {email: 'a@b.example'}, is_valid: 'yes'}],
      [goldenLead(1, true), {prospect: {email: 'a@b.example'}, is_valid: true, extra: 1}],
    ] as unknown as GoldenLeadInput[][]
    for (const leads of bad) {
      const error = await refusalOf(world.operator.addGoldenLeads(leads))
      expect(error.code).toBe('INVALID_INPUT')
      expect(error.message).toContain('golden lead 2')
    }
    expect((await refusalOf(world.operator.addGoldenLeads([]))).code).toBe('INVALID_INPUT')
    expect(await world.sql.query('select * from leadpoet.golden_leads')).toEqual([])
  })
})
