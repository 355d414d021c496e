import {describe, expect, it} from 'vitest'
import {LEAD_LIMITS, parseLead} from '../../src/lead.js'
import {makeLead} from './support/leads.js'

function issuesOf(input: unknown) {
  const result = parseLead(input)
  if (result.ok) throw new Error(`expected the lead to be refused, got ${JSON.stringify(result.lead).slice(0, 200)}`)
  return result.issues
}

describe('parseLead', () => {
  it('given a complete lead, when parsed, then it is accepted with its fields trimmed', () => {
    const result = parseLead(makeLead({business: '  Northwind Robotics '}))
    expect(result.ok).toBe(true)
    if (!result.ok) return
    expect(result.lead.business).toBe('Northwind Robotics')
  })

  it("given the seed's optional company fields and licence attestation, when parsed, then they are accepted", () => {
    const result = parseLead(
      makeLead({
        ownership_type: 'private',
        company_type: 'LLC',
        number_of_locations: 3,
        socials: {twitter: 'https://twitter.com/northwind'},
        license_doc_hash: 'a3f1c0de',
        license_doc_url: 'https://northwind.example/licence.pdf',
      }),
    )
    expect(result.ok).toBe(true)
  })

  it('given fields the schema does not know, when parsed, then the lead is refused naming them', () => {
    expect(issuesOf(makeLead({miner_hotkey: '5F3sa2TJ', tags: ['b2b']}))).toEqual([
      {field: 'miner_hotkey', message: 'is not a lead field'},
      {field: 'tags', message: 'is not a lead field'},
    ])
  })

  it('given first and last but no full_name, when parsed, then full_name is first + last; a given full_name is kept', () => {
    const derived = parseLead(makeLead())
    const given = parseLead(makeLead({full_name: 'María José González'}))
    expect(derived.ok && derived.lead.full_name).toBe('Maria González')
    expect(given.ok && given.lead.full_name).toBe('María José González')
  })

  it('given only the required fields, when parsed, then the optional ones may be absent', () => {
    const {
      description,
      phone_numbers,
      founded_year,
      company_linkedin,
      employee_count,
      country,
      state,
      city,
      ...required
    } = makeLead()
    expect(parseLead(required).ok).toBe(true)
  })

  const required = [
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
  ]
  it.each(required)('given a lead without %s, when parsed, then that field is reported as required', (field) => {
    expect(issuesOf(makeLead({[field]: undefined}))).toContainEqual({field, message: 'is required'})
  })

  it.each([
    ['email', 'maria.gonzalez', 'must contain exactly one @'],
    ['email', 'maria@gonzalez@northwind.com', 'must contain exactly one @'],
    ['email', '@northwind.com', 'must contain exactly one @'],
    ['website', 'www.northwind-robotics.com', 'http(s) URL'],
    ['website', 'ftp://northwind-robotics.com', 'http(s) URL'],
    ['website', 'javascript:alert(1)', 'http(s) URL'],
    ['linkedin', 'https://admin:secret@linkedin.com/in/maria', 'no credentials'],
    ['source_type', 'scraped', 'must be one of public_registry'],
    ['founded_year', '2014', 'must be a year'],
    ['founded_year', 2014.5, 'whole year'],
    ['founded_year', 3014, '2100 or earlier'],
    ['employee_count', -5, 'head count or a band'],
    ['phone_numbers', '+1 415 555 0134', 'expected array'],
    ['first', 42, 'must be text'],
    ['last', '   ', 'must not be empty'],
    ['business', ['Northwind'], 'must be text'],
  ])('given %s = %j, when parsed, then it is refused (%s)', (field, value, message) => {
    const issues = issuesOf(makeLead({[field]: value}))
    expect(issues.find((issue) => issue.field === field)?.message).toContain(message)
  })

  it('given a 1 MB string, when parsed, then it is refused for its size without echoing it', () => {
    const issues = issuesOf(makeLead({business: 'N'.repeat(1_000_000)}))
    expect(issues).toEqual([{field: 'business', message: `must be at most ${LEAD_LIMITS.shortText} characters`}])
  })

  it('given too many phone numbers, when parsed, then the list is refused', () => {
    const issues = issuesOf(makeLead({phone_numbers: Array.from({length: 11}, (_, i) => `+1 415 555 01${10 + i}`)}))
    expect(issues.map((issue) => issue.field)).toEqual(['phone_numbers'])
  })

  it.each([
    ['a script tag', 'role', '<script>alert(1)</script>', 'HTML or script markup'],
    ['an HTML tag', 'business', 'Northwind <b>Robotics</b>', 'HTML or script markup'],
    ['an HTML comment', 'industry', 'Tech <!-- x -->', 'HTML or script markup'],
    ['a lone surrogate', 'first', 'Mar\uD800ia', 'invalid Unicode'],
    ['a replacement character', 'last', 'Gonz\uFFFDlez', 'not valid UTF-8'],
    ['a NUL byte', 'city', 'San\u0000Francisco', 'control characters'],
    ['a bidi override', 'business', 'Northwind \u202Escitobor', 'control characters'],
    ['a newline in a one-line field', 'role', 'VP\nEngineering', 'control characters'],
  ])('given %s in a field, when parsed, then the field is refused', (_what, field, value, message) => {
    const issues = issuesOf(makeLead({[field]: value}))
    expect(issues.find((issue) => issue.field === field)?.message).toContain(message)
  })

  it('given a newline in the description, when parsed, then it is accepted (the description is multi-line)', () => {
    expect(parseLead(makeLead({description: 'Robots.\nWarehouses.'})).ok).toBe(true)
  })

  it('given an ampersand or a comparison in text, when parsed, then it is not mistaken for markup', () => {
    expect(parseLead(makeLead({business: 'Smith & Sons', description: 'Teams of < 50 people'})).ok).toBe(true)
  })

  it.each([
    ['null', null],
    ['undefined', undefined],
    ['a number', 42],
    ['a string', 'lead'],
    ['an array', [makeLead()]],
  ])('given %s instead of an object, when parsed, then it is refused as a whole', (_what, input) => {
    expect(issuesOf(input)).toEqual([{field: '(lead)', message: 'must be an object'}])
  })

  it('given megabytes in an unknown field, when parsed, then the lead is refused rather than carried', () => {
    expect(issuesOf(makeLead({notes: 'x'.repeat(100_000)}))).toEqual([{field: 'notes', message: 'is not a lead field'}])
  })
})
