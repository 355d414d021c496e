import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {LeadpoetError} from '../../src/errors.js'
import {
  DEFAULT_VALIDATION_CONFIG,
  loadValidationConfig,
  resolveValidationConfig,
  validateLeads,
} from '../../src/validation/index.js'
import {makeLead} from './support/leads.js'

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'leadpoet-validation-config-'))
})
afterAll(async () => {
  await rm(dir, {recursive: true, force: true})
})

async function configFile(content: string): Promise<string> {
  const path = join(dir, `config-${Math.random().toString(36).slice(2)}.json`)
  await writeFile(path, content)
  return path
}

function refusal(run: () => unknown): LeadpoetError {
  try {
    run()
  } catch (error) {
    if (error instanceof LeadpoetError) return error
    throw error
  }
  throw new Error('expected the config to be refused')
}

async function asyncRefusal(run: () => Promise<unknown>): Promise<LeadpoetError> {
  const error = await run().then(
    () => undefined,
    (caught: unknown) => caught,
  )
  if (error instanceof LeadpoetError) return error
  throw new Error(`expected a LeadpoetError, got ${String(error)}`)
}

const offlineChecks = {email_mx: {enabled: false}, website_reachable: {enabled: false}}

describe('validation config', () => {
  it('given no file and no overrides, when loaded, then the defaults apply: every check on and hard, abstain on unknowns', async () => {
    const config = await loadValidationConfig()
    expect(config).toEqual(DEFAULT_VALIDATION_CONFIG)
    expect(config.unknownPolicy).toBe('abstain')
    expect(Object.values(config.checks).every((check) => check.enabled && !check.soft)).toBe(true)
    expect(config.lists.roleMailboxes).toContain('info')
    expect(config.lists.sourceDenylist).toContain('zoominfo.com')
  })

  it('given a file and flag overrides, when loaded, then flags win key by key over the file, which wins over the defaults', async () => {
    const path = await configFile(
      JSON.stringify({
        unknownPolicy: 'fail',
        checks: {name_in_email: {soft: true, weight: 0.5}},
        network: {httpTimeoutMs: 2500, dnsTimeoutMs: 1000},
        lists: {sourceDenylist: ['databroker.example']},
      }),
    )
    const config = await loadValidationConfig(path, {
      network: {httpTimeoutMs: 4000},
      checks: {name_in_email: {weight: 3}},
    })
    expect(config.unknownPolicy).toBe('fail')
    expect(config.checks.name_in_email).toEqual({enabled: true, soft: true, weight: 3})
    expect(config.network.httpTimeoutMs).toBe(4000)
    expect(config.network.dnsTimeoutMs).toBe(1000)
    expect(config.network.maxRedirects).toBe(DEFAULT_VALIDATION_CONFIG.network.maxRedirects)
    expect(config.lists.sourceDenylist).toEqual(['databroker.example'])
    expect(config.lists.roleMailboxes).toEqual(DEFAULT_VALIDATION_CONFIG.lists.roleMailboxes)
  })

  it.each([
    ['an unknown top-level key', {retries: 3}, 'retries'],
    ['an unknown check', {checks: {phone_format: {enabled: false}}}, 'checks.phone_format'],
    ['an unknown check setting', {checks: {email_mx: {hard: true}}}, 'checks.email_mx.hard'],
    ['a weight of the wrong type', {checks: {email_mx: {weight: 'high'}}}, 'checks.email_mx.weight'],
    ['a negative weight', {checks: {duplicate: {weight: -1}}}, 'checks.duplicate.weight'],
    ['an unknown policy', {unknownPolicy: 'guess'}, 'unknownPolicy'],
    ['a zero timeout', {network: {httpTimeoutMs: 0}}, 'network.httpTimeoutMs'],
    ['a fractional concurrency', {concurrency: 2.5}, 'concurrency'],
    ['a DNS server name instead of an address', {network: {dnsServers: ['dns.google']}}, 'network.dnsServers.0'],
    ['a URL in the denylist', {lists: {sourceDenylist: ['https://zoominfo.com/']}}, 'lists.sourceDenylist.0'],
    ['turning the required check off', {checks: {required: {enabled: false}}}, 'checks.required.enabled'],
    ['making the required check soft', {checks: {required: {soft: true}}}, 'checks.required.soft'],
    ['not an object', ['abstain'], '(config)'],
  ])('given %s, when resolved, then it is refused with INVALID_CONFIG naming the key', (_what, value, key) => {
    const error = refusal(() => resolveValidationConfig({source: 'flags', value}))
    expect(error.code).toBe('INVALID_CONFIG')
    expect(error.message).toContain(`flags: ${key}`)
    expect((error.details as {key: string}).key).toBe(key)
  })

  it('given DNS servers with and without ports, when resolved, then they are accepted', () => {
    const config = resolveValidationConfig({
      source: 'flags',
      value: {network: {dnsServers: ['1.1.1.1', '127.0.0.1:5353', '[::1]:53', '2606:4700::1111']}},
    })
    expect(config.network.dnsServers).toHaveLength(4)
  })

  it('given list entries in capitals with spaces, when resolved, then they are normalised', () => {
    const config = resolveValidationConfig({
      source: 'flags',
      value: {lists: {extraFreeMailDomains: [' Mail.Example.ORG ']}},
    })
    expect(config.lists.extraFreeMailDomains).toEqual(['mail.example.org'])
  })

  it('given a file with an invalid key, when loaded, then the error names the file and the key', async () => {
    const path = await configFile(JSON.stringify({network: {maxRedirects: 99}}))
    const error = await asyncRefusal(() => loadValidationConfig(path))
    expect(error.code).toBe('INVALID_CONFIG')
    expect(error.message).toContain(`${path}: network.maxRedirects: must be at most 20`)
  })

  it('given a file that is not JSON, when loaded, then INVALID_CONFIG says so', async () => {
    const path = await configFile('{"unknownPolicy": "abstain",}')
    const error = await asyncRefusal(() => loadValidationConfig(path))
    expect(error.code).toBe('INVALID_CONFIG')
    expect(error.message).toContain('is not valid JSON')
  })

  it('given a missing file, when loaded, then CONFIG_UNREADABLE names it', async () => {
    const path = join(dir, 'missing.json')
    const error = await asyncRefusal(() => loadValidationConfig(path))
    expect(error.code).toBe('CONFIG_UNREADABLE')
    expect(error.message).toContain(path)
  })

  it('given a check turned off, when a lead is validated, then that check is absent and cannot reject it', async () => {
    const config = resolveValidationConfig({
      source: 'flags',
      value: {checks: {...offlineChecks, free_mail_domain: {enabled: false}, domain_match: {enabled: false}}},
    })
    const [assessment] = await validateLeads([makeLead({email: 'maria.gonzalez@gmail.com'})], {config})
    expect(assessment?.checks.map((check) => check.check)).not.toContain('free_mail_domain')
    expect(assessment?.is_valid).toBe(true)
  })

  it('given a soft check that fails, when a lead is validated, then the lead stays valid and only the score drops', async () => {
    const config = resolveValidationConfig({
      source: 'flags',
      value: {checks: {...offlineChecks, name_in_email: {soft: true, weight: 10}}},
    })
    const [assessment] = await validateLeads([makeLead({email: 'm.g@northwind-robotics.com'})], {config})
    expect(assessment?.is_valid).toBe(true)
    expect(assessment?.rejection_reasons).toEqual([])
    // Enabled weights: 3+2+10+1+2+1+2+1+2+2 = 26, of which 10 did not pass.
    expect(assessment?.score).toBe(0.62)
  })

  it('given a replaced role list, when a lead is validated, then the new list decides', async () => {
    const config = resolveValidationConfig({
      source: 'flags',
      value: {checks: offlineChecks, lists: {roleMailboxes: ['maria.gonzalez']}},
    })
    const [listed, unlisted] = await validateLeads(
      [makeLead(), makeLead({email: 'info@northwind-robotics.com', first: 'Info', last: 'Desk'})],
      {config},
    )
    expect(listed?.rejection_reasons.map((reason) => reason.check)).toEqual(['role_mailbox'])
    expect(unlisted?.is_valid).toBe(true)
  })

  it('given extra disposable and free-mail domains, when a lead uses one, then it fails', async () => {
    const config = resolveValidationConfig({
      source: 'flags',
      value: {checks: offlineChecks, lists: {extraDisposableDomains: ['northwind-robotics.com']}},
    })
    const [assessment] = await validateLeads([makeLead()], {config})
    expect(assessment?.rejection_reasons.map((reason) => reason.check)).toEqual(['disposable_domain'])
  })
})
