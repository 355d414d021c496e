import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {createLeadValidator, type LeadAssessment} from '../../src/validation/index.js'
import {loopbackConfig} from './support/config.js'
import {startDnsServer, type LoopbackDns} from './support/dns-server.js'
import {answer, startHttpServer, type LoopbackHttp} from './support/http-server.js'
import {makeNetworkLead} from './support/leads.js'

// A run over many companies: caching, bounded concurrency and determinism across order.
const HEALTHY = Array.from({length: 12}, (_, i) => `company-${i}.com`)

let dns: LoopbackDns
let web: LoopbackHttp
let slowDns: LoopbackDns
let slowWeb: LoopbackHttp

function zone(name: string) {
  const apex = name.replace(/^www\./, '')
  if (apex === 'dns-trouble.com') return 'servfail' as const
  if (HEALTHY.includes(apex) || apex === 'broken-site.com' || apex === 'busy-site.com')
    return {mx: [{exchange: `mx.${apex}`, priority: 10}], a: ['127.0.0.1']}
  return undefined
}

beforeAll(async () => {
  const sites = {
    ...Object.fromEntries(HEALTHY.map((domain) => [`www.${domain}`, answer(200)])),
    'www.broken-site.com': answer(500),
    'www.busy-site.com': answer(503),
  }
  ;[dns, web, slowDns, slowWeb] = await Promise.all([
    startDnsServer(zone),
    startHttpServer(sites),
    startDnsServer(zone, {delayMs: 100}),
    startHttpServer(sites, {delayMs: 100}),
  ])
})
afterAll(async () => {
  await Promise.all([dns.close(), web.close(), slowDns.close(), slowWeb.close()])
})

const people = [
  ['Maria', 'Gonzalez'],
  ['Wei', 'Zhang'],
  ['Aisha', 'Bello'],
  ['Lars', 'Eriksen'],
  ['Priya', 'Raman'],
] as const

function person(domain: string, port: number, index: number) {
  const [first, last] = people[index % people.length]!
  return makeNetworkLead(domain, port, {
    first,
    last,
    email: `${first.toLowerCase()}.${last.toLowerCase()}${index >= people.length ? index : ''}@${domain}`,
    linkedin: `https://www.linkedin.com/in/${first.toLowerCase()}-${last.toLowerCase()}-${index}`,
  })
}

function queriesFor(server: LoopbackDns, domain: string) {
  return server.queries.filter((query) => query.name === domain || query.name === `www.${domain}`).length
}

describe('a validation run against loopback DNS and HTTP', () => {
  it('given five people at one company, when validated, then each DNS question and the website are asked once', async () => {
    const validator = createLeadValidator({config: loopbackConfig(dns.server)})
    const leads = people.map((_, i) => person('company-0.com', web.port, i))
    const assessments = await validator.validate(leads)
    expect(assessments.every((assessment) => assessment.is_valid)).toBe(true)
    // MX for the domain, then A and AAAA for the website host: three questions in all.
    expect(dns.queries.filter((query) => query.name === 'company-0.com')).toEqual([{name: 'company-0.com', type: 'MX'}])
    expect(queriesFor(dns, 'company-0.com')).toBe(3)
    expect(web.requests.filter((request) => request.host === 'www.company-0.com')).toHaveLength(1)
    expect(validator.cacheStats().mx).toMatchObject({misses: 1, hits: 4})
  })

  it('given a second batch on the same validator, when validated, then it is answered from the cache', async () => {
    const validator = createLeadValidator({config: loopbackConfig(dns.server)})
    const leads = HEALTHY.slice(1, 4).map((domain, i) => person(domain, web.port, i))
    const first = await validator.validate(leads)
    const queries = dns.queries.length
    const requests = web.requests.length
    const second = await validator.validate(leads)
    expect(second).toEqual(first)
    expect(dns.queries.length).toBe(queries)
    expect(web.requests.length).toBe(requests)
    expect(validator.cacheStats().websites).toMatchObject({misses: 3, hits: 3})
  })

  it('given the cache TTLs, when the clock passes them, then answers are asked again; unknowns expire sooner', async () => {
    let now = 1_000_000
    const validator = createLeadValidator({
      config: loopbackConfig(dns.server, {network: {cacheTtlMs: 60_000, unknownCacheTtlMs: 5_000}}),
      now: () => now,
    })
    const good = person('company-5.com', web.port, 0)
    const trouble = makeNetworkLead('dns-trouble.com', web.port)
    const mxQueries = (domain: string) =>
      dns.queries.filter((query) => query.name === domain && query.type === 'MX').length
    const before = {good: mxQueries('company-5.com'), trouble: mxQueries('dns-trouble.com')}

    await validator.validate([good, trouble])
    now += 10_000 // past the unknown TTL only
    const [, stillUnknown] = await validator.validate([good, trouble])
    expect(stillUnknown?.verdict).toBe('abstain')
    expect(mxQueries('company-5.com') - before.good).toBe(1)
    expect(mxQueries('dns-trouble.com') - before.trouble).toBe(2)

    now += 60_000 // past both
    await validator.validate([good, trouble])
    expect(mxQueries('company-5.com') - before.good).toBe(2)
    expect(mxQueries('dns-trouble.com') - before.trouble).toBe(3)
  })

  it('given a limit on DNS concurrency, when many companies are validated, then the DNS server never sees more at once', async () => {
    const validator = createLeadValidator({
      config: loopbackConfig(slowDns.server, {concurrency: 12, network: {dnsConcurrency: 3}}),
    })
    const assessments = await validator.validate(HEALTHY.map((domain, i) => person(domain, web.port, i)))
    expect(assessments.every((assessment) => assessment.is_valid)).toBe(true)
    expect(slowDns.maxInFlight).toBeLessThanOrEqual(3)
    expect(slowDns.maxInFlight).toBeGreaterThan(1)
  })

  it('given a limit on HTTP concurrency, when many companies are validated, then the web server never sees more at once', async () => {
    const validator = createLeadValidator({
      config: loopbackConfig(dns.server, {concurrency: 12, network: {httpConcurrency: 2}}),
    })
    const assessments = await validator.validate(HEALTHY.map((domain, i) => person(domain, slowWeb.port, i)))
    expect(assessments.every((assessment) => assessment.is_valid)).toBe(true)
    expect(slowWeb.maxInFlight).toBeLessThanOrEqual(2)
    expect(slowWeb.maxInFlight).toBeGreaterThan(1)
  })

  it('given lead concurrency 1, when many companies are validated, then one lead is checked at a time', async () => {
    const server = await startDnsServer(zone, {delayMs: 50})
    try {
      const validator = createLeadValidator({config: loopbackConfig(server.server, {concurrency: 1})})
      await validator.validate(HEALTHY.slice(0, 4).map((domain, i) => person(domain, web.port, i)))
      // One lead asks MX, A and AAAA at once, never more.
      expect(server.maxInFlight).toBeLessThanOrEqual(3)
      expect(server.queries).toHaveLength(12)
    } finally {
      await server.close()
    }
  })

  it('given the same batch in three orders on fresh validators, when validated, then every lead gets the same assessment', async () => {
    const batch = [
      ...HEALTHY.slice(6, 10).map((domain, i) => person(domain, web.port, i)),
      makeNetworkLead('broken-site.com', web.port),
      makeNetworkLead('busy-site.com', web.port),
      makeNetworkLead('dns-trouble.com', web.port),
      makeNetworkLead('vanished-company.com', web.port),
      person('company-6.com', web.port, 0), // the same email as the first lead: both copies fail
      makeNetworkLead('company-7.com', web.port, {email: 'sales@company-7.com'}),
      {business: 'no fields'},
    ]
    const order = batch.map((_, i) => i)
    const orders = [order, [...order].reverse(), order.map((_, i) => order[(i * 5) % order.length]!)]
    const runs: LeadAssessment[][] = []
    for (const permutation of orders) {
      const validator = createLeadValidator({config: loopbackConfig(dns.server)})
      const assessed = await validator.validate(permutation.map((i) => batch[i]))
      const byLead: LeadAssessment[] = []
      permutation.forEach((leadIndex, position) => {
        byLead[leadIndex] = assessed[position]!
      })
      runs.push(byLead)
    }
    expect(runs[1]).toEqual(runs[0])
    expect(runs[2]).toEqual(runs[0])
    expect(runs[0]!.map((assessment) => `${assessment.verdict}:${assessment.is_valid}`)).toEqual([
      'vote:false', // duplicate of the ninth lead
      'vote:true',
      'vote:true',
      'vote:true',
      'vote:false', // website 500
      'abstain:false', // website 503
      'abstain:false', // DNS SERVFAIL
      'vote:false', // NXDOMAIN
      'vote:false', // duplicate of the first lead
      'vote:false', // role mailbox
      'vote:false', // malformed
    ])
  })
})
