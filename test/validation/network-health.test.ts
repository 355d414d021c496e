import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {
  createLeadValidator,
  DEFAULT_VALIDATION_CONFIG,
  resolveValidationConfig,
  type ValidationConfigInput,
} from '../../src/validation/index.js'
import {loopbackConfig} from './support/config.js'
import {startDnsServer, type DnsBehaviour, type LoopbackDns} from './support/dns-server.js'
import {answer, startHttpServer, type LoopbackHttp} from './support/http-server.js'

// The validator's own network, checked against loopback DNS servers that behave as broken resolvers
// do: NXDOMAIN for everything, an address for everything (NXDOMAIN hijacking), or no answer at all.

const HEALTH_NAMES = ['health-one.example', 'health-two.example']
const health = (overrides: ValidationConfigInput['health'] = {}): ValidationConfigInput => ({
  health: {mustResolve: HEALTH_NAMES, ...overrides},
})

let healthy: LoopbackDns
let nxdomainEverything: LoopbackDns
let hijacking: LoopbackDns
let silent: LoopbackDns
let web: LoopbackHttp
beforeAll(async () => {
  const zone: Record<string, DnsBehaviour> = {
    'health-one.example': {a: ['127.0.0.1']},
    'health-two.example': {aaaa: ['::1']},
    'probe.example': {a: ['127.0.0.1']},
  }
  healthy = await startDnsServer(zone) // every other name: NXDOMAIN, as a real resolver says
  nxdomainEverything = await startDnsServer(() => 'nxdomain')
  hijacking = await startDnsServer(() => ({a: ['198.51.100.7']}))
  silent = await startDnsServer(() => 'drop')
  web = await startHttpServer({'probe.example': answer(204)})
})
afterAll(async () => {
  for (const server of [healthy, nxdomainEverything, hijacking, silent]) await server?.close()
  await web?.close()
})

describe('the network health check', () => {
  it('given a resolver that answers the names and NXDOMAIN for the rest, then the network is healthy', async () => {
    const validator = createLeadValidator({config: loopbackConfig(healthy.server, health())})
    const result = await validator.networkHealth()
    expect(result.healthy).toBe(true)
    expect(result.probes.map((p) => [p.probe, p.ok])).toEqual([
      ['resolves', true],
      ['resolves', true],
      ['nxdomain', true],
    ])
    // The name that must not exist is a fresh random label under .invalid (RFC 2606).
    expect(result.probes[2]!.target).toMatch(/^leadpoet-health-[0-9a-f]{12}\.invalid$/)
    expect(healthy.queries.some((q) => q.name === result.probes[2]!.target)).toBe(true)
  })

  it('given a resolver that answers NXDOMAIN for every name, then it is unhealthy, naming the names that did not resolve', async () => {
    const result = await createLeadValidator({
      config: loopbackConfig(nxdomainEverything.server, health()),
    }).networkHealth()
    expect(result.healthy).toBe(false)
    expect(result.probes.filter((p) => !p.ok).map((p) => p.message)).toEqual([
      'health-one.example did not resolve: health-one.example does not exist (NXDOMAIN)',
      'health-two.example did not resolve: health-two.example does not exist (NXDOMAIN)',
    ])
  })

  it('given a resolver that hijacks NXDOMAIN, then it is unhealthy, because a name under .invalid resolved', async () => {
    const result = await createLeadValidator({config: loopbackConfig(hijacking.server, health())}).networkHealth()
    expect(result.healthy).toBe(false)
    const failed = result.probes.filter((p) => !p.ok)
    expect(failed).toHaveLength(1)
    expect(failed[0]).toMatchObject({probe: 'nxdomain', message: expect.stringContaining('resolved to 198.51.100.7')})
  })

  it('given a resolver that never answers, then it is unhealthy, every probe timing out', async () => {
    const result = await createLeadValidator({
      config: loopbackConfig(silent.server, {...health(), network: {dnsTimeoutMs: 200, dnsTries: 1}}),
    }).networkHealth()
    expect(result.healthy).toBe(false)
    expect(result.probes.every((p) => !p.ok && p.message.includes('ETIMEOUT'))).toBe(true)
  })

  it('given an HTTP probe, then it must answer: any status passes, a refused connection fails', async () => {
    const answered = await createLeadValidator({
      config: loopbackConfig(healthy.server, health({httpProbe: `http://probe.example:${web.port}/`})),
    }).networkHealth()
    expect(answered.healthy).toBe(true)
    expect(answered.probes.at(-1)).toMatchObject({probe: 'http', ok: true, message: expect.stringContaining('204')})

    const refused = await createLeadValidator({
      config: loopbackConfig(healthy.server, health({httpProbe: 'http://probe.example:1/'})),
    }).networkHealth()
    expect(refused.healthy).toBe(false)
    expect(refused.probes.at(-1)).toMatchObject({
      probe: 'http',
      ok: false,
      message: expect.stringContaining('ECONNREFUSED'),
    })
  })

  it('given a result younger than cacheTtlMs, then it is reused; older, or asked fresh, then the network is asked again', async () => {
    let now = 1_000_000
    const validator = createLeadValidator({
      config: loopbackConfig(healthy.server, health({cacheTtlMs: 30_000})),
      now: () => now,
    })
    const asked = () => healthy.queries.filter((q) => q.name === 'health-one.example').length
    const before = asked()
    const first = await validator.networkHealth()
    expect(await validator.networkHealth()).toBe(first)
    expect(asked()).toBe(before + 2) // A and AAAA, once
    now += 30_001
    await validator.networkHealth()
    expect(asked()).toBe(before + 4)
    await validator.networkHealth({fresh: true})
    expect(asked()).toBe(before + 6)
  })

  it('given no network check enabled, or the check turned off, then nothing is asked and the network counts as healthy', async () => {
    const before = nxdomainEverything.queries.length
    const offline = createLeadValidator({
      config: loopbackConfig(nxdomainEverything.server, {
        ...health(),
        checks: {email_mx: {enabled: false}, website_reachable: {enabled: false}},
      }),
    })
    expect(await offline.networkHealth()).toMatchObject({healthy: true, probes: []})
    const off = createLeadValidator({config: loopbackConfig(nxdomainEverything.server, health({enabled: false}))})
    expect(await off.networkHealth()).toMatchObject({healthy: true, probes: []})
    expect(nxdomainEverything.queries.length).toBe(before)
  })
})

describe('the health settings', () => {
  it('given nothing, then a few long-lived names must resolve and results live a minute', () => {
    expect(DEFAULT_VALIDATION_CONFIG.health).toEqual({
      enabled: true,
      mustResolve: ['iana.org', 'wikipedia.org', 'google.com'],
      cacheTtlMs: 60_000,
    })
  })

  it.each([
    ['no names', {mustResolve: []}, 'health.mustResolve'],
    ['a URL that is not http(s)', {httpProbe: 'ftp://example.com/'}, 'health.httpProbe'],
    ['an unknown key', {probe: true}, 'health.probe'],
  ])('given %s, then the setting is refused by name', (_what, value, key) => {
    expect(() => resolveValidationConfig({source: 'test', value: {health: value}})).toThrow(
      expect.objectContaining({code: 'INVALID_CONFIG', details: expect.objectContaining({key})}),
    )
  })
})
