import {describe, expect, it, vi} from 'vitest'
import {LEAD_LIMITS, parseLead} from '../../src/lead.js'
import {
  createLeadValidator,
  resolveValidationConfig,
  validateLeads,
  type KnownEmailLookup,
} from '../../src/validation/index.js'
import {makeLead} from './support/leads.js'

const offline = resolveValidationConfig({
  source: 'test',
  value: {checks: {email_mx: {enabled: false}, website_reachable: {enabled: false}}},
})

function duplicateCheck(assessment: {checks: Array<{check: string; status: string; message: string}>} | undefined) {
  return assessment?.checks.find((check) => check.check === 'duplicate')
}

const alice = makeLead({
  first: 'Alice',
  last: 'Nguyen',
  email: 'alice.nguyen@northwind-robotics.com',
  linkedin: 'https://www.linkedin.com/in/alice-nguyen',
})
const bob = makeLead({
  first: 'Bob',
  last: 'Okafor',
  email: 'bob.okafor@northwind-robotics.com',
  linkedin: 'https://www.linkedin.com/in/bob-okafor',
})

describe('duplicate check', () => {
  it('given no lookup, when a batch of distinct leads is validated, then each passes and says stored leads were not checked', async () => {
    const assessments = await validateLeads([alice, bob], {config: offline})
    expect(assessments.map(duplicateCheck)).toEqual([
      expect.objectContaining({
        status: 'pass',
        message: 'not repeated in this batch; stored leads not checked (no lookup given)',
      }),
      expect.objectContaining({
        status: 'pass',
        message: 'not repeated in this batch; stored leads not checked (no lookup given)',
      }),
    ])
  })

  it('given the same email twice in a batch, differing in case and spaces, when validated, then both copies fail', async () => {
    const twin = {...alice, email: '  Alice.Nguyen@Northwind-Robotics.com '}
    const assessments = await validateLeads([alice, bob, twin], {config: offline})
    expect(assessments.map((assessment) => assessment.is_valid)).toEqual([false, true, false])
    expect(duplicateCheck(assessments[0])?.message).toBe(
      'alice.nguyen@northwind-robotics.com appears 2 times in this batch',
    )
    expect(duplicateCheck(assessments[2])?.message).toBe(
      'alice.nguyen@northwind-robotics.com appears 2 times in this batch',
    )
  })

  it('given a lookup, when validated, then it is asked once with the batch mailbox keys, unique and sorted', async () => {
    const lookup = vi.fn<KnownEmailLookup>(async () => new Set(['bob.okafor@northwind-robotics.com']))
    const assessments = await validateLeads(
      [bob, {...alice, email: ' ALICE.nguyen@northwind-robotics.com'}, {business: 'malformed'}],
      {
        config: offline,
        knownEmails: lookup,
      },
    )
    expect(lookup).toHaveBeenCalledTimes(1)
    expect(lookup).toHaveBeenCalledWith(['alice.nguyen@northwind-robotics.com', 'bob.okafor@northwind-robotics.com'])
    expect(duplicateCheck(assessments[0])).toMatchObject({
      status: 'fail',
      message: 'bob.okafor@northwind-robotics.com is already a stored lead',
    })
    expect(duplicateCheck(assessments[1])).toMatchObject({
      status: 'pass',
      message: 'not repeated in this batch nor among stored leads',
    })
  })

  it('given two spellings of one mailbox in a batch (+tag, NFD accent, zero-width space, gmail dots), when validated, then both copies fail under one key', async () => {
    const jose = makeLead({first: 'José', last: 'Ruiz', email: 'jose.ruiz@gmail.com'})
    const twins = [
      {...alice, email: 'Alice.Nguyen+leads@northwind-robotics.com'},
      {...bob, email: 'bo\u200Bb.okafor@northwind-robotics.com'},
      {...jose, email: 'jo.se.ruiz@googlemail.com'},
    ]
    const assessments = await validateLeads([alice, bob, jose, ...twins], {config: offline})
    expect(assessments.map((assessment) => duplicateCheck(assessment)?.message)).toEqual([
      'alice.nguyen@northwind-robotics.com appears 2 times in this batch',
      'bob.okafor@northwind-robotics.com appears 2 times in this batch',
      'joseruiz@gmail.com appears 2 times in this batch',
      'alice.nguyen@northwind-robotics.com appears 2 times in this batch',
      'bob.okafor@northwind-robotics.com appears 2 times in this batch',
      'joseruiz@gmail.com appears 2 times in this batch',
    ])
  })

  it('given an email with a Cyrillic letter among Latin ones, when validated, then the duplicate check fails it as suspicious', async () => {
    const [assessment] = await validateLeads([{...alice, email: 'alice.nguyen@northwind-r\u043Ebotics.com'}], {
      config: offline,
    })
    expect(duplicateCheck(assessment)).toMatchObject({
      status: 'fail',
      message: expect.stringMatching(
        /^suspicious_email: the domain label "northwind-r\u043Ebotics" mixes scripts in a way that can imitate/,
      ),
    })
    expect(assessment?.is_valid).toBe(false)
  })

  it('given a lookup answering with another spelling of the mailbox, when validated, then the lead is a stored duplicate', async () => {
    const [assessment] = await validateLeads([{...alice, email: 'alice.nguyen@northwind-robotics.com'}], {
      config: offline,
      knownEmails: async () => new Set(['"Alice.Nguyen+old"@Northwind-Robotics.com']),
    })
    expect(duplicateCheck(assessment)).toMatchObject({
      status: 'fail',
      message: 'alice.nguyen@northwind-robotics.com is already a stored lead',
    })
  })

  it('given a lookup answering in capitals, when validated, then the comparison still matches', async () => {
    const [assessment] = await validateLeads([alice], {
      config: offline,
      knownEmails: async () => new Set(['ALICE.NGUYEN@NORTHWIND-ROBOTICS.COM']),
    })
    expect(duplicateCheck(assessment)?.status).toBe('fail')
  })

  it('given a lookup that fails, when validated, then the duplicate check is unknown and the validator abstains', async () => {
    const [assessment] = await validateLeads([alice], {
      config: offline,
      knownEmails: async () => {
        throw new Error('connection to database lost')
      },
    })
    expect(duplicateCheck(assessment)).toMatchObject({
      status: 'unknown',
      message: 'could not look up stored leads: connection to database lost',
    })
    expect(assessment?.verdict).toBe('abstain')
    expect(assessment?.abstain_reasons).toEqual([
      {check: 'duplicate', message: 'could not look up stored leads: connection to database lost', fields: ['email']},
    ])
  })

  it('given a failed lookup and a lead that fails offline anyway, when validated, then the validator still votes invalid', async () => {
    const [assessment] = await validateLeads([{...alice, email: 'info@northwind-robotics.com'}], {
      config: offline,
      knownEmails: async () => Promise.reject(new Error('timeout')),
    })
    expect(assessment?.verdict).toBe('vote')
    expect(assessment?.is_valid).toBe(false)
    expect(assessment?.rejection_reasons.map((reason) => reason.check)).toEqual(['name_in_email', 'role_mailbox'])
  })

  it('given the duplicate check turned off, when validated, then the lookup is never called', async () => {
    const lookup = vi.fn<KnownEmailLookup>(async () => new Set())
    const config = resolveValidationConfig({
      source: 'test',
      value: {checks: {email_mx: {enabled: false}, website_reachable: {enabled: false}, duplicate: {enabled: false}}},
    })
    await validateLeads([alice], {config, knownEmails: lookup})
    expect(lookup).not.toHaveBeenCalled()
  })
})

describe('verdict and score', () => {
  it('given every check passing, when validated, then the vote contract is is_valid true, score 1, no reasons', async () => {
    const [assessment] = await validateLeads([alice], {config: offline})
    expect(assessment).toMatchObject({
      verdict: 'vote',
      is_valid: true,
      score: 1,
      rejection_reasons: [],
      abstain_reasons: [],
    })
  })

  it('given failing checks, when validated, then score is the passed weight over the enabled weight, to two decimals', async () => {
    // free_mail_domain (1) and domain_match (2) fail out of 3+2+1+1+2+1+2+1+2+2 = 17.
    const [assessment] = await validateLeads([{...alice, email: 'alice.nguyen@gmail.com'}], {config: offline})
    expect(assessment?.score).toBe(0.82)
    expect(Number.isInteger(assessment!.score * 100)).toBe(true)
  })

  it('given all weights zero, when validated, then the score is 1 for a valid lead and 0 for an invalid one', async () => {
    const zero = Object.fromEntries(
      [
        'required',
        'email_syntax',
        'name_in_email',
        'role_mailbox',
        'disposable_domain',
        'free_mail_domain',
        'domain_match',
        'linkedin_urls',
        'source_denylist',
        'duplicate',
      ].map((name) => [name, {weight: 0}]),
    )
    const config = resolveValidationConfig({
      source: 'test',
      value: {checks: {...zero, email_mx: {enabled: false}, website_reachable: {enabled: false}}},
    })
    const assessments = await validateLeads([alice, {...bob, email: 'info@northwind-robotics.com'}], {config})
    expect(assessments.map((assessment) => assessment.score)).toEqual([1, 0])
  })
})

describe('bad input', () => {
  it('given a batch mixing good leads with garbage, when validated, then each garbage lead is invalid with its reason and the rest is judged', async () => {
    const circular: Record<string, unknown> = {}
    circular['self'] = circular
    const throwing = makeLead()
    Object.defineProperty(throwing, 'email', {
      enumerable: true,
      get: () => {
        throw new Error('getter exploded')
      },
    })
    const batch: unknown[] = [
      alice,
      null,
      'not a lead',
      42,
      [alice],
      {},
      makeLead({business: 'B'.repeat(1_000_000)}),
      makeLead({role: '<script>fetch("https://evil.example")</script>'}),
      makeLead({first: 'Ali\uDC00ce'}),
      makeLead({last: 'Nguy\uFFFDn'}),
      makeLead({phone_numbers: [12345]}),
      makeLead({extra: circular}),
      throwing,
      bob,
    ]
    const assessments = await validateLeads(batch, {config: offline})
    expect(assessments).toHaveLength(batch.length)
    expect(assessments.map((assessment) => assessment.is_valid)).toEqual([true, ...Array(12).fill(false), true])
    const reasons = assessments.slice(1, -1).map((assessment) => assessment.rejection_reasons[0])
    expect(reasons.every((reason) => reason?.check === 'required')).toBe(true)
    expect(reasons.map((reason) => reason?.fields)).toEqual([
      ['(lead)'],
      ['(lead)'],
      ['(lead)'],
      ['(lead)'],
      [
        'business',
        'first',
        'last',
        'email',
        'role',
        'website',
        'industry',
        'sub_industry',
        'region',
        'linkedin',
        'source_url',
        'source_type',
      ],
      ['business'],
      ['role'],
      ['first'],
      ['last'],
      ['phone_numbers.0'],
      ['extra'],
      ['(lead)'],
    ])
    expect(reasons[5]?.message).toBe(`business must be at most ${LEAD_LIMITS.shortText} characters`)
    expect(reasons[11]?.message).toBe('could not be read: getter exploded')
    for (const assessment of assessments.slice(1, -1)) {
      expect(assessment.verdict).toBe('vote')
      expect(assessment.score).toBe(0)
      expect(assessment.checks.slice(1).every((check) => check.status === 'skipped')).toBe(true)
    }
  })

  it('given a JSON lead carrying __proto__, when parsed, then nothing is polluted and the field is refused', () => {
    const raw: unknown = JSON.parse(`{"__proto__": {"polluted": true}, ${JSON.stringify(alice).slice(1)}`)
    const result = parseLead(raw)
    expect(result).toEqual({ok: false, issues: [{field: '__proto__', message: 'is not a lead field'}]})
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined()
  })

  it('given a large batch of malformed leads, when validated, then it completes and reports each one', async () => {
    const validator = createLeadValidator({config: offline})
    const megabyte = 'x'.repeat(1_000_000)
    const batch = Array.from({length: 200}, (_, i) => makeLead({email: `person${i}`, description: megabyte}))
    const assessments = await validator.validate(batch)
    expect(assessments.filter((assessment) => !assessment.is_valid)).toHaveLength(200)
    expect(assessments[0]?.rejection_reasons[0]?.fields).toEqual(['email', 'description'])
  })
})
