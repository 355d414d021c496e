import {createSocket} from 'node:dgram'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {validateLeads, type LeadAssessment} from '../../src/validation/index.js'
import {loopbackConfig} from './support/config.js'
import {startDnsServer, type LoopbackDns} from './support/dns-server.js'
import {makeNetworkLead} from './support/leads.js'

// The website check has its own suite; here only the email domain's DNS matters.
const mxOnly = {checks: {website_reachable: {enabled: false}}}

let dns: LoopbackDns
beforeAll(async () => {
  dns = await startDnsServer({
    'northwind-robotics.com': {
      mx: [
        {exchange: 'mx2.northwind-robotics.com', priority: 20},
        {exchange: 'mx1.northwind-robotics.com', priority: 10},
      ],
    },
    'address-only.com': {a: ['192.0.2.10']},
    'ipv6-only.com': {aaaa: ['2001:db8::10']},
    'no-mail.com': {},
    'null-mx.com': {mx: 'null'},
    'broken-dns.com': 'servfail',
    'silent-dns.com': 'drop',
  })
})
afterAll(async () => {
  await dns.close()
})

function mxCheck(assessment: LeadAssessment | undefined) {
  return assessment?.checks.find((check) => check.check === 'email_mx')
}

describe('email_mx against a loopback DNS server', () => {
  it.each([
    [
      'MX records',
      'northwind-robotics.com',
      'pass',
      'northwind-robotics.com has MX mx1.northwind-robotics.com, mx2.northwind-robotics.com',
    ],
    ['no MX but an A record (RFC 5321 fallback)', 'address-only.com', 'pass', 'has no MX but has an address'],
    ['no MX but an AAAA record', 'ipv6-only.com', 'pass', 'has no MX but has an address'],
    [
      'neither MX nor addresses',
      'no-mail.com',
      'fail',
      'no-mail.com has no MX, and no-mail.com has no A or AAAA records',
    ],
    ['a null MX (RFC 7505)', 'null-mx.com', 'fail', 'publishes a null MX'],
    ['a domain that does not exist', 'vanished-company.com', 'fail', 'vanished-company.com does not exist (NXDOMAIN)'],
  ] as const)(
    'given a domain with %s, when validated, then email_mx says %s',
    async (_what, domain, status, message) => {
      const [assessment] = await validateLeads([makeNetworkLead(domain, 80)], {
        config: loopbackConfig(dns.server, mxOnly),
      })
      expect(mxCheck(assessment)?.status).toBe(status)
      expect(mxCheck(assessment)?.message).toContain(message)
      expect(assessment?.verdict).toBe('vote')
      expect(assessment?.is_valid).toBe(status === 'pass')
      expect(dns.queries).toContainEqual({name: domain, type: 'MX'})
    },
  )

  it('given a DNS server answering SERVFAIL, when validated, then email_mx is unknown and the validator abstains', async () => {
    const [assessment] = await validateLeads([makeNetworkLead('broken-dns.com', 80)], {
      config: loopbackConfig(dns.server, mxOnly),
    })
    expect(mxCheck(assessment)?.status).toBe('unknown')
    expect(mxCheck(assessment)?.message).toBe('MX lookup of broken-dns.com failed (ESERVFAIL)')
    expect(assessment?.verdict).toBe('abstain')
    expect(assessment?.is_valid).toBe(false)
    expect(assessment?.rejection_reasons).toEqual([])
    expect(assessment?.abstain_reasons).toEqual([
      {check: 'email_mx', message: 'MX lookup of broken-dns.com failed (ESERVFAIL)', fields: ['email']},
    ])
  })

  it('given a DNS server that never answers, when validated, then email_mx is unknown (timeout), not a guess', async () => {
    const config = loopbackConfig(dns.server, {...mxOnly, network: {dnsTimeoutMs: 300}})
    const [assessment] = await validateLeads([makeNetworkLead('silent-dns.com', 80)], {config})
    expect(mxCheck(assessment)?.status).toBe('unknown')
    expect(mxCheck(assessment)?.message).toBe('MX lookup of silent-dns.com failed (ETIMEOUT)')
    expect(assessment?.verdict).toBe('abstain')
  })

  it('given no DNS server listening, when validated, then email_mx is unknown', async () => {
    const socket = createSocket('udp4')
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve))
    const closedPort = socket.address().port
    await new Promise<void>((resolve) => socket.close(() => resolve()))
    const config = loopbackConfig(`127.0.0.1:${closedPort}`, {...mxOnly, network: {dnsTimeoutMs: 300}})
    const [assessment] = await validateLeads([makeNetworkLead('northwind-robotics.com', 80)], {config})
    expect(mxCheck(assessment)?.status).toBe('unknown')
    expect(mxCheck(assessment)?.message).toMatch(
      /^MX lookup of northwind-robotics\.com failed \((ECONNREFUSED|ETIMEOUT)\)$/,
    )
  })

  it.each([
    ['fail', 'vote', false],
    ['pass', 'vote', true],
  ] as const)(
    'given unknownPolicy %s, when DNS fails, then the validator votes %s with is_valid %s',
    async (policy, verdict, isValid) => {
      const config = loopbackConfig(dns.server, {...mxOnly, unknownPolicy: policy})
      const [assessment] = await validateLeads([makeNetworkLead('broken-dns.com', 80)], {config})
      expect(assessment?.verdict).toBe(verdict)
      expect(assessment?.is_valid).toBe(isValid)
      expect(assessment?.rejection_reasons.map((reason) => reason.check)).toEqual(policy === 'fail' ? ['email_mx'] : [])
      // An unknown never earns the check's weight, whatever the policy: 17 of 19 passed.
      expect(assessment?.score).toBe(0.89)
    },
  )

  it('given email_mx made soft, when DNS fails, then the validator votes valid with a lower score', async () => {
    const config = loopbackConfig(dns.server, {checks: {website_reachable: {enabled: false}, email_mx: {soft: true}}})
    const [assessment] = await validateLeads([makeNetworkLead('broken-dns.com', 80)], {config})
    expect(assessment?.verdict).toBe('vote')
    expect(assessment?.is_valid).toBe(true)
    expect(assessment?.score).toBe(0.89)
  })

  it('given a lead that already failed offline, when validated, then no DNS question is asked for it', async () => {
    const before = dns.queries.length
    const [assessment] = await validateLeads([makeNetworkLead('no-mail.com', 80, {email: 'info@no-mail.com'})], {
      config: loopbackConfig(dns.server, mxOnly),
    })
    expect(dns.queries.length).toBe(before)
    expect(mxCheck(assessment)).toMatchObject({
      status: 'skipped',
      message: 'not run: the lead already failed name_in_email, role_mailbox',
    })
  })
})
