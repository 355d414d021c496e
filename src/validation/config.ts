/**
 * Validation settings: defaults, the strict schema a JSON file or the CLI's flags must satisfy, and
 * how layers (defaults < file < flags) combine. Every validator that shares a config reaches the
 * same verdicts, so nothing here may depend on the machine or the clock.
 */
import {readFile} from 'node:fs/promises'
import {isIP} from 'node:net'
import {z} from 'zod'
import {EXIT, LeadpoetError} from '../errors.js'
import {CHECK_NAMES, type CheckName} from './types.js'

export type UnknownPolicy = 'abstain' | 'fail' | 'pass'

export interface CheckSettings {
  enabled: boolean
  soft: boolean
  weight: number
}

export interface ValidationLists {
  /** Local parts of general-purpose mailboxes (compared with separators and trailing digits removed). */
  roleMailboxes: string[]
  /** Registrable domains of resold-data brokers; a source_url on one of them (or a subdomain) fails. */
  sourceDenylist: string[]
  /** Added to the disposable-domain list the package ships. */
  extraDisposableDomains: string[]
  /** Added to the free-mail list the package ships. */
  extraFreeMailDomains: string[]
}

export interface NetworkSettings {
  /** DNS servers ("1.1.1.1", "127.0.0.1:5353", "[::1]:53"); the system's when absent. */
  dnsServers?: string[]
  dnsTimeoutMs: number
  dnsTries: number
  dnsConcurrency: number
  httpTimeoutMs: number
  httpConcurrency: number
  maxRedirects: number
  /** How long a definite network answer (pass or fail) is reused within a run. */
  cacheTtlMs: number
  /** How long an unknown (timeout, server failure) is reused: shorter, so a later batch retries. */
  unknownCacheTtlMs: number
  cacheMaxEntries: number
  /**
   * Let the website check connect to loopback, private and link-local addresses. Off by default:
   * leads are untrusted input and must not make validators probe their own networks. Tests turn it on.
   */
  allowPrivateAddresses: boolean
  userAgent: string
}

/**
 * The validator's own network, checked before a batch is judged: a resolver that answers NXDOMAIN
 * for everything (or times out) would otherwise turn into invalid votes (or abstentions) on good leads.
 */
export interface HealthSettings {
  /** Off only where no network check runs anyway; on by default. */
  enabled: boolean
  /** Names that must resolve (A or AAAA): long-lived, widely used domains. */
  mustResolve: string[]
  /** An http(s) URL that must answer (any status), or none. */
  httpProbe?: string
  /** How long a health result is reused before it is checked again. */
  cacheTtlMs: number
}

export interface ValidationConfig {
  /** What a hard check that could not tell does to the verdict. */
  unknownPolicy: UnknownPolicy
  /** Leads validated at once. */
  concurrency: number
  checks: Record<CheckName, CheckSettings>
  lists: ValidationLists
  network: NetworkSettings
  health: HealthSettings
}

const DEFAULT_WEIGHTS: Record<CheckName, number> = {
  required: 3,
  email_syntax: 2,
  name_in_email: 1,
  role_mailbox: 1,
  disposable_domain: 2,
  free_mail_domain: 1,
  domain_match: 2,
  linkedin_urls: 1,
  source_denylist: 2,
  duplicate: 2,
  email_mx: 2,
  website_reachable: 2,
}

export const DEFAULT_ROLE_MAILBOXES = [
  'info',
  'sales',
  'contact',
  'contactus',
  'support',
  'hello',
  'hi',
  'team',
  'admin',
  'administrator',
  'office',
  'help',
  'helpdesk',
  'hr',
  'jobs',
  'careers',
  'recruiting',
  'recruitment',
  'hiring',
  'marketing',
  'billing',
  'accounts',
  'accounting',
  'finance',
  'invoices',
  'enquiries',
  'enquiry',
  'inquiries',
  'inquiry',
  'press',
  'media',
  'pr',
  'news',
  'newsletter',
  'noreply',
  'no-reply',
  'donotreply',
  'do-not-reply',
  'webmaster',
  'postmaster',
  'hostmaster',
  'abuse',
  'security',
  'privacy',
  'legal',
  'compliance',
  'service',
  'services',
  'customerservice',
  'customer-service',
  'customercare',
  'care',
  'feedback',
  'general',
  'mail',
  'email',
  'orders',
  'bookings',
  'reservations',
  'reception',
  'frontdesk',
  'partners',
  'partnerships',
  'events',
  'community',
  'social',
  'operations',
  'ops',
  'it',
  'all',
  'everyone',
  'staff',
  'business',
  'bizdev',
]

export const DEFAULT_SOURCE_DENYLIST = [
  'zoominfo.com',
  'apollo.io',
  'lusha.com',
  'rocketreach.co',
  'seamless.ai',
  'hunter.io',
  'clearbit.com',
  'leadiq.com',
  'uplead.com',
  'contactout.com',
  'signalhire.com',
  'kaspr.io',
  'snov.io',
  'adapt.io',
  'cognism.com',
  'datanyze.com',
  'lead411.com',
  'salesintel.io',
  'swordfish.ai',
  'getprospect.com',
  'anymailfinder.com',
  'voilanorbert.com',
  'skrapp.io',
  'findthatlead.com',
  'leadfuze.com',
  'aeroleads.com',
  'contactdb.com',
  'datagma.com',
]

export const DEFAULT_VALIDATION_CONFIG: ValidationConfig = deepFreeze({
  unknownPolicy: 'abstain',
  concurrency: 64,
  checks: Object.fromEntries(
    CHECK_NAMES.map((name) => [name, {enabled: true, soft: false, weight: DEFAULT_WEIGHTS[name]}]),
  ) as Record<CheckName, CheckSettings>,
  lists: {
    roleMailboxes: DEFAULT_ROLE_MAILBOXES,
    sourceDenylist: DEFAULT_SOURCE_DENYLIST,
    extraDisposableDomains: [],
    extraFreeMailDomains: [],
  },
  network: {
    dnsTimeoutMs: 5_000,
    dnsTries: 2,
    dnsConcurrency: 64,
    httpTimeoutMs: 8_000,
    httpConcurrency: 32,
    maxRedirects: 5,
    cacheTtlMs: 15 * 60_000,
    unknownCacheTtlMs: 60_000,
    cacheMaxEntries: 50_000,
    allowPrivateAddresses: false,
    userAgent: 'leadpoet-validator/0.1 (+lead validation; HEAD only where allowed)',
  },
  health: {
    enabled: true,
    mustResolve: ['iana.org', 'wikipedia.org', 'google.com'],
    cacheTtlMs: 60_000,
  },
})

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const inner of Object.values(value)) deepFreeze(inner)
    Object.freeze(value)
  }
  return value
}

const DOMAIN = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$/

const domainList = z.array(
  z.string().trim().toLowerCase().regex(DOMAIN, {message: 'must be a bare domain such as "example.com"'}),
)

const int = (min: number, max: number) =>
  z
    .number()
    .int({message: 'must be a whole number'})
    .min(min, {message: `must be at least ${min}`})
    .max(max, {
      message: `must be at most ${max}`,
    })

function isDnsServer(value: string): boolean {
  const bracketed = /^\[([^\]]+)\](?::(\d{1,5}))?$/.exec(value)
  if (bracketed) return isIP(bracketed[1] ?? '') === 6 && validPort(bracketed[2])
  if (isIP(value) !== 0) return true
  const hostPort = /^([^:]+):(\d{1,5})$/.exec(value)
  return hostPort !== null && isIP(hostPort[1] ?? '') === 4 && validPort(hostPort[2])
}

function validPort(port: string | undefined): boolean {
  return port === undefined || (Number(port) >= 1 && Number(port) <= 65_535)
}

const checkSettingsInput = z.strictObject({
  enabled: z.boolean(),
  soft: z.boolean(),
  weight: z.number().min(0, {message: 'must be at least 0'}).max(100, {message: 'must be at most 100'}),
})

/** One layer of configuration, as a JSON file or the CLI's flags give it: every key optional, none unknown. */
export const validationConfigInputSchema = z.strictObject({
  $schema: z.string().optional(),
  unknownPolicy: z.enum(['abstain', 'fail', 'pass']).optional(),
  concurrency: int(1, 256).optional(),
  checks: z
    .strictObject(
      Object.fromEntries(CHECK_NAMES.map((name) => [name, checkSettingsInput.partial().optional()])) as Record<
        CheckName,
        z.ZodOptional<ReturnType<typeof checkSettingsInput.partial>>
      >,
    )
    .superRefine((checks, ctx) => {
      // Every other check needs a well-formed lead, so this one is always on and always hard.
      if (checks.required?.enabled === false)
        ctx.addIssue({
          code: 'custom',
          path: ['required', 'enabled'],
          message: 'the required-fields check cannot be turned off',
        })
      if (checks.required?.soft === true)
        ctx.addIssue({code: 'custom', path: ['required', 'soft'], message: 'the required-fields check cannot be soft'})
    })
    .optional(),
  lists: z
    .strictObject({
      roleMailboxes: z
        .array(
          z
            .string()
            .trim()
            .toLowerCase()
            .regex(/^[a-z0-9._+-]{1,64}$/, {message: 'must be a mailbox local part such as "info"'}),
        )
        .optional(),
      sourceDenylist: domainList.optional(),
      extraDisposableDomains: domainList.optional(),
      extraFreeMailDomains: domainList.optional(),
    })
    .optional(),
  network: z
    .strictObject({
      dnsServers: z
        .array(z.string().trim().refine(isDnsServer, {message: 'must be an IP address, optionally with a port'}))
        .min(1, {message: 'must list at least one server'})
        .optional(),
      dnsTimeoutMs: int(1, 120_000).optional(),
      dnsTries: int(1, 10).optional(),
      dnsConcurrency: int(1, 1024).optional(),
      httpTimeoutMs: int(1, 120_000).optional(),
      httpConcurrency: int(1, 1024).optional(),
      maxRedirects: int(0, 20).optional(),
      cacheTtlMs: int(0, 7 * 24 * 3_600_000).optional(),
      unknownCacheTtlMs: int(0, 7 * 24 * 3_600_000).optional(),
      cacheMaxEntries: int(1, 10_000_000).optional(),
      allowPrivateAddresses: z.boolean().optional(),
      userAgent: z.string().trim().min(1).max(200).optional(),
    })
    .optional(),
  health: z
    .strictObject({
      enabled: z.boolean().optional(),
      mustResolve: domainList.min(1, {message: 'must list at least one name'}).optional(),
      httpProbe: z
        .string()
        .trim()
        .refine((value) => /^https?:$/.test(URL.parse(value)?.protocol ?? ''), {message: 'must be an http(s) URL'})
        .optional(),
      cacheTtlMs: int(0, 3_600_000).optional(),
    })
    .optional(),
})

export type ValidationConfigInput = z.input<typeof validationConfigInputSchema>
type ParsedInput = z.output<typeof validationConfigInputSchema>

function invalidConfig(source: string, error: z.ZodError): LeadpoetError {
  const issues = error.issues.map((issue) => {
    const path = issue.path.map(String)
    // An unknown key is reported on its parent; name the key itself.
    if (issue.code === 'unrecognized_keys' && issue.keys[0] !== undefined) path.push(issue.keys[0])
    return {key: path.length === 0 ? '(config)' : path.join('.'), message: issue.message}
  })
  const first = issues[0] ?? {key: '(config)', message: 'invalid'}
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : ''
  return new LeadpoetError(
    'INVALID_CONFIG',
    `invalid validation config in ${source}: ${first.key}: ${first.message}${more}`,
    EXIT.usage,
    {source, key: first.key, issues},
  )
}

function parseLayer(layer: unknown, source: string): ParsedInput {
  const result = validationConfigInputSchema.safeParse(layer)
  if (!result.success) throw invalidConfig(source, result.error)
  return result.data
}

function applyLayer(config: ValidationConfig, layer: ParsedInput): ValidationConfig {
  const checks = {...config.checks}
  for (const name of CHECK_NAMES) {
    const change = layer.checks?.[name]
    if (change) checks[name] = {...checks[name], ...definedOnly(change)}
  }
  return {
    unknownPolicy: layer.unknownPolicy ?? config.unknownPolicy,
    concurrency: layer.concurrency ?? config.concurrency,
    checks,
    lists: {...config.lists, ...definedOnly(layer.lists ?? {})},
    network: {...config.network, ...definedOnly(layer.network ?? {})},
    health: {...config.health, ...definedOnly(layer.health ?? {})},
  }
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, inner]) => inner !== undefined)) as Partial<T>
}

/**
 * Combines layers over the defaults, later layers winning key by key (lists are replaced whole).
 * Each layer is validated strictly; the first invalid one is refused with INVALID_CONFIG naming the key.
 */
export function resolveValidationConfig(
  ...layers: Array<{source: string; value: unknown} | undefined>
): ValidationConfig {
  let config: ValidationConfig = DEFAULT_VALIDATION_CONFIG
  for (const layer of layers) {
    if (layer === undefined) continue
    config = applyLayer(config, parseLayer(layer.value, layer.source))
  }
  return config
}

/**
 * Reads a JSON config file (when `path` is given) and applies `overrides` (what the CLI builds from
 * its flags) on top. Throws CONFIG_UNREADABLE for a file that cannot be read and INVALID_CONFIG for
 * malformed JSON or an invalid or unknown key.
 */
export async function loadValidationConfig(path?: string, overrides?: unknown): Promise<ValidationConfig> {
  let fileLayer: {source: string; value: unknown} | undefined
  if (path !== undefined) {
    let raw: string
    try {
      raw = await readFile(path, 'utf8')
    } catch (error) {
      throw new LeadpoetError(
        'CONFIG_UNREADABLE',
        `cannot read validation config ${path}: ${(error as Error).message}`,
        EXIT.usage,
        {
          source: path,
        },
      )
    }
    let value: unknown
    try {
      value = JSON.parse(raw)
    } catch (error) {
      throw new LeadpoetError(
        'INVALID_CONFIG',
        `validation config ${path} is not valid JSON: ${(error as Error).message}`,
        EXIT.usage,
        {
          source: path,
          key: '(config)',
        },
      )
    }
    fileLayer = {source: path, value}
  }
  return resolveValidationConfig(fileLayer, overrides === undefined ? undefined : {source: 'options', value: overrides})
}
