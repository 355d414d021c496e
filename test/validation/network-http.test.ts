import {createServer} from 'node:http'
import type {AddressInfo} from 'node:net'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {validateLeads, type LeadAssessment, type ValidationConfigInput} from '../../src/validation/index.js'
import {loopbackConfig} from './support/config.js'
import {startDnsServer, type LoopbackDns} from './support/dns-server.js'
import {answer, hang, startHttpServer, type LoopbackHttp} from './support/http-server.js'
import {makeNetworkLead} from './support/leads.js'

// Every company domain below resolves (apex and www) to 127.0.0.1, where one server plays all the
// websites by Host header. The validator's real HEAD/GET/redirect code runs unchanged.
const COMPANIES = [
  'northwind-robotics.com',
  'moved-company.com',
  'new-home.com',
  'forbidden-site.com',
  'login-site.com',
  'no-head.com',
  'broken-site.com',
  'missing-page.com',
  'overloaded-site.com',
  'hanging-site.com',
  'slow-site.com',
  'redirect-loop.com',
  'moved-to-nowhere.com',
  'no-www.com',
  'refusing-site.com',
  'relative-redirect.com',
]
const websiteOnly = {checks: {email_mx: {enabled: false}}}

let dns: LoopbackDns
let web: LoopbackHttp
let closedPort: number

function siteUrl(host: string, path = '/'): string {
  return `http://${host}:${web.port}${path}`
}

beforeAll(async () => {
  dns = await startDnsServer((name) => {
    const apex = name.replace(/^www\./, '')
    if (name === 'www.no-www.com') return {}
    return COMPANIES.includes(apex) ? {mx: [{exchange: `mx.${apex}`, priority: 10}], a: ['127.0.0.1']} : undefined
  })
  const closed = createServer()
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
  closedPort = (closed.address() as AddressInfo).port
  await new Promise<void>((resolve) => closed.close(() => resolve()))

  web = await startHttpServer({
    'www.northwind-robotics.com': answer(200),
    'www.moved-company.com': (request, response) => {
      response.writeHead(301, {location: siteUrl('www.new-home.com', '/en')}).end()
    },
    'www.new-home.com': (request, response) => {
      if (request.url === '/en') response.writeHead(302, {location: '/en/index.html'}).end()
      else answer(200)(request, response)
    },
    'www.relative-redirect.com': (request, response) => {
      if (request.url === '/') response.writeHead(308, {location: 'https-less/landing'}).end()
      else answer(200)(request, response)
    },
    'www.forbidden-site.com': answer(403),
    'www.login-site.com': answer(401),
    'www.no-head.com': answer(200, {methods: ['GET']}),
    'www.broken-site.com': answer(500),
    'www.missing-page.com': answer(404),
    'www.overloaded-site.com': answer(503),
    'www.hanging-site.com': hang,
    'www.slow-site.com': answer(200, {delayMs: 300}),
    'www.redirect-loop.com': (request, response) => {
      response
        .writeHead(302, {location: siteUrl('www.redirect-loop.com', `/step${Number(request.url?.slice(5) || 0) + 1}`)})
        .end()
    },
    'www.moved-to-nowhere.com': answer(301, {location: 'http://www.vanished-company.com/'}),
  })
})
afterAll(async () => {
  await web.close()
  await dns.close()
})

function websiteCheck(assessment: LeadAssessment | undefined) {
  return assessment?.checks.find((check) => check.check === 'website_reachable')
}

async function validateSite(
  domain: string,
  overrides: ValidationConfigInput = {},
  leadOverrides: Record<string, unknown> = {},
) {
  const config = loopbackConfig(dns.server, {...websiteOnly, ...overrides})
  const [assessment] = await validateLeads([makeNetworkLead(domain, web.port, leadOverrides)], {config})
  return assessment
}

function requestsTo(host: string) {
  return web.requests.filter((request) => request.host === host).map((request) => `${request.method} ${request.path}`)
}

describe('website_reachable against loopback HTTP servers', () => {
  it('given a site answering 200 to HEAD, when validated, then it passes after one HEAD sent with the real Host', async () => {
    const assessment = await validateSite('northwind-robotics.com')
    expect(websiteCheck(assessment)).toMatchObject({
      status: 'pass',
      message: `website answered: ${siteUrl('www.northwind-robotics.com')} → 200`,
    })
    expect(assessment?.is_valid).toBe(true)
    expect(requestsTo('www.northwind-robotics.com')).toEqual(['HEAD /'])
  })

  it('given a 301 to another host then a relative 302, when validated, then the chain is followed to its 200', async () => {
    const assessment = await validateSite('moved-company.com')
    expect(websiteCheck(assessment)?.status).toBe('pass')
    expect(websiteCheck(assessment)?.message).toBe(
      `website answered: ${siteUrl('www.moved-company.com')} → 301 → ${siteUrl('www.new-home.com', '/en')} → 302 → ` +
        `${siteUrl('www.new-home.com', '/en/index.html')} → 200`,
    )
    expect(requestsTo('www.new-home.com')).toEqual(['HEAD /en', 'HEAD /en/index.html'])
  })

  it('given a redirect with a relative Location, when validated, then it resolves against the current URL', async () => {
    const assessment = await validateSite('relative-redirect.com')
    expect(websiteCheck(assessment)?.status).toBe('pass')
    expect(requestsTo('www.relative-redirect.com')).toEqual(['HEAD /', 'HEAD /https-less/landing'])
  })

  it.each([
    ['403', 'forbidden-site.com', '→ 403'],
    ['401', 'login-site.com', '→ 401'],
  ])(
    'given a site answering %s, when validated, then it passes: the site exists and keeps visitors out',
    async (_status, domain, trail) => {
      const check = websiteCheck(await validateSite(domain))
      expect(check?.status).toBe('pass')
      expect(check?.message).toContain(trail)
    },
  )

  it('given a site refusing HEAD with 405, when validated, then it asks again with GET and passes', async () => {
    const check = websiteCheck(await validateSite('no-head.com'))
    expect(check).toMatchObject({
      status: 'pass',
      message: `website answered: ${siteUrl('www.no-head.com')} → HEAD 405, GET → 200`,
    })
    expect(requestsTo('www.no-head.com')).toEqual(['HEAD /', 'GET /'])
  })

  it.each([
    ['500', 'broken-site.com', 'fail', 'website answered with an error'],
    ['404', 'missing-page.com', 'fail', 'website answered with an error'],
    ['503', 'overloaded-site.com', 'unknown', 'website is temporarily unavailable'],
  ] as const)(
    'given a site answering %s, when validated, then the check says %s',
    async (status, domain, outcome, message) => {
      const assessment = await validateSite(domain)
      expect(websiteCheck(assessment)?.status).toBe(outcome)
      expect(websiteCheck(assessment)?.message).toBe(`${message}: ${siteUrl(`www.${domain}`)} → ${status}`)
      expect(assessment?.verdict).toBe(outcome === 'unknown' ? 'abstain' : 'vote')
      expect(assessment?.is_valid).toBe(false)
    },
  )

  it('given a site that never answers, when validated, then the request times out and the check is unknown', async () => {
    const assessment = await validateSite('hanging-site.com', {network: {httpTimeoutMs: 400}})
    expect(websiteCheck(assessment)).toMatchObject({
      status: 'unknown',
      message: `${siteUrl('www.hanging-site.com')} did not answer within 400 ms`,
    })
    expect(assessment?.verdict).toBe('abstain')
    expect(assessment?.abstain_reasons.map((reason) => reason.check)).toEqual(['website_reachable'])
  })

  it('given a slow site that answers within the timeout, when validated, then it passes', async () => {
    const check = websiteCheck(await validateSite('slow-site.com'))
    expect(check?.status).toBe('pass')
  })

  it('given a redirect loop, when validated, then it stops at the limit and counts the 3xx as an answer', async () => {
    const check = websiteCheck(await validateSite('redirect-loop.com', {network: {maxRedirects: 3}}))
    expect(check?.status).toBe('pass')
    expect(check?.message).toContain('stopped after 3')
    expect(requestsTo('www.redirect-loop.com')).toEqual(['HEAD /', 'HEAD /step1', 'HEAD /step2', 'HEAD /step3'])
  })

  it('given a redirect to a host that does not exist, when validated, then the check fails naming the chain', async () => {
    const check = websiteCheck(await validateSite('moved-to-nowhere.com'))
    expect(check?.status).toBe('fail')
    expect(check?.message).toBe(
      `${siteUrl('www.moved-to-nowhere.com')} → 301 → http://www.vanished-company.com/: www.vanished-company.com does not exist (NXDOMAIN)`,
    )
  })

  it('given a website host without addresses, when validated, then the check fails without any request', async () => {
    const check = websiteCheck(await validateSite('no-www.com'))
    expect(check).toMatchObject({status: 'fail', message: 'www.no-www.com has no A or AAAA records'})
    expect(requestsTo('www.no-www.com')).toEqual([])
  })

  it('given a host whose port refuses connections, when validated, then the check fails', async () => {
    const check = websiteCheck(
      await validateSite('refusing-site.com', {}, {website: `http://www.refusing-site.com:${closedPort}/`}),
    )
    expect(check).toMatchObject({status: 'fail', message: `www.refusing-site.com:${closedPort} refused the connection`})
  })

  it('given the default address policy, when a website resolves to loopback, then nothing is requested and the check fails', async () => {
    const before = web.requests.length
    const check = websiteCheck(await validateSite('northwind-robotics.com', {network: {allowPrivateAddresses: false}}))
    expect(check).toMatchObject({
      status: 'fail',
      message: 'www.northwind-robotics.com resolves only to non-public addresses',
    })
    expect(web.requests.length).toBe(before)
  })

  it('given the default address policy, when a website is a loopback IP literal, then nothing is requested and it fails', async () => {
    const before = web.requests.length
    const check = websiteCheck(
      await validateSite(
        'northwind-robotics.com',
        {network: {allowPrivateAddresses: false}, checks: {...websiteOnly.checks, domain_match: {enabled: false}}},
        {website: `http://127.0.0.1:${web.port}/`},
      ),
    )
    expect(check).toMatchObject({status: 'fail', message: '127.0.0.1 is not a public address'})
    expect(web.requests.length).toBe(before)
  })
})
