/**
 * The lead validation pipeline: parse, offline checks, duplicates, then network checks, and a
 * verdict that depends only on the lead, the config and the answers received — never on batch
 * order, timing or chance, so independent validators agree.
 */
import {parseLead, type Lead, type LeadIssue} from '../lead.js'
import {mailboxKey} from '../mailbox-key.js'
import {createLimiter} from './concurrency.js'
import {DEFAULT_VALIDATION_CONFIG, type ValidationConfig} from './config.js'
import type {NetworkHealth} from './network/health.js'
import {NetworkChecks, type NetworkCacheStats} from './network/index.js'
import {buildOfflineLists, OFFLINE_CHECKS, type OfflineLists, type OfflineOutcome} from './offline-checks.js'
import {splitEmail} from './text.js'
import {
  CHECK_NAMES,
  NETWORK_CHECKS,
  type CheckName,
  type CheckOutcome,
  type CheckReason,
  type CheckResult,
  type KnownEmailLookup,
  type LeadAssessment,
} from './types.js'

export interface LeadValidatorOptions {
  /** Resolved settings (see loadValidationConfig); the defaults when absent. */
  config?: ValidationConfig
  /** Emails already stored as leads; without it the duplicate check covers the batch only, and says so. */
  knownEmails?: KnownEmailLookup
  /** Clock for cache expiry, in milliseconds; tests inject one. */
  now?: () => number
}

export interface LeadValidator {
  readonly config: ValidationConfig
  /** Assessments in input order. Never rejects because of a lead's content. */
  validate(leads: readonly unknown[]): Promise<LeadAssessment[]>
  /** Hits and misses of the network caches, which live as long as the validator. */
  cacheStats(): NetworkCacheStats
  /**
   * Whether this machine's network can be trusted to judge leads (see network/health.ts); cached
   * for `health.cacheTtlMs` unless `fresh`. Healthy with no probes when no network check is on.
   */
  networkHealth(options?: {fresh?: boolean}): Promise<NetworkHealth>
}

type Outcomes = Partial<Record<CheckName, OfflineOutcome>>

const STATIC_FIELDS: Record<CheckName, string[]> = {
  ...(Object.fromEntries(OFFLINE_CHECKS.map((check) => [check.name, check.fields])) as Record<CheckName, string[]>),
  required: [],
  duplicate: ['email'],
  email_mx: ['email'],
  website_reachable: ['website'],
}

function requiredOutcome(issues: LeadIssue[]): OfflineOutcome {
  return {
    status: 'fail',
    message: issues
      .map((issue) => (issue.field === '(lead)' ? issue.message : `${issue.field} ${issue.message}`))
      .join('; '),
    fields: [...new Set(issues.map((issue) => issue.field))],
  }
}

interface DuplicateContext {
  /** How many leads of the batch have each mailbox key. */
  batchCounts: Map<string, number>
  /** Keys of the emails already stored, null when no lookup was given, an Error when the lookup failed. */
  known: ReadonlySet<string> | null | Error
}

/** The canonical mailbox key (src/mailbox-key.ts, the same key as the database's), or null when refused. */
function keyOf(email: string): string | null {
  const result = mailboxKey(email)
  return 'key' in result ? result.key : null
}

function duplicateOutcome(lead: Lead, context: DuplicateContext): CheckOutcome {
  const result = mailboxKey(lead.email)
  // An email the key refuses names no mailbox that could be told apart from others; enqueue refuses it too.
  if (!('key' in result)) return {status: 'fail', message: `${result.refusal}: ${result.message}`}
  const {key} = result
  const inBatch = context.batchCounts.get(key) ?? 0
  // Every copy fails, not "all but the first": which one came first depends on batch order.
  if (inBatch > 1) return {status: 'fail', message: `${key} appears ${inBatch} times in this batch`}
  if (context.known instanceof Error)
    return {status: 'unknown', message: `could not look up stored leads: ${context.known.message}`}
  if (context.known === null)
    return {status: 'pass', message: 'not repeated in this batch; stored leads not checked (no lookup given)'}
  if (context.known.has(key)) return {status: 'fail', message: `${key} is already a stored lead`}
  return {status: 'pass', message: 'not repeated in this batch nor among stored leads'}
}

async function lookUpKnownEmails(
  lookup: KnownEmailLookup | undefined,
  keys: string[],
): Promise<DuplicateContext['known']> {
  if (lookup === undefined) return null
  if (keys.length === 0) return new Set()
  try {
    const found = await lookup(keys)
    return new Set([...found].flatMap((email) => keyOf(email) ?? []))
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error))
  }
}

function assess(
  outcomes: Outcomes,
  skipMessage: (check: CheckName) => string,
  config: ValidationConfig,
): LeadAssessment {
  const checks: CheckResult[] = []
  for (const check of CHECK_NAMES) {
    const settings = config.checks[check]
    if (!settings.enabled) continue
    const outcome = outcomes[check]
    checks.push({
      check,
      status: outcome?.status ?? 'skipped',
      message: outcome?.message ?? skipMessage(check),
      fields: outcome?.fields ?? STATIC_FIELDS[check],
      soft: settings.soft,
      weight: settings.weight,
    })
  }
  const reason = ({check, message, fields}: CheckResult): CheckReason => ({check, message, fields})
  const hard = checks.filter((result) => !result.soft)
  const failed = hard.filter((result) => result.status === 'fail').map(reason)
  const unknown = hard.filter((result) => result.status === 'unknown').map(reason)

  const totalWeight = checks.reduce((sum, result) => sum + result.weight, 0)
  const passedWeight = checks.reduce((sum, result) => sum + (result.status === 'pass' ? result.weight : 0), 0)
  const score = (isValid: boolean) =>
    totalWeight === 0 ? (isValid ? 1 : 0) : Math.round((passedWeight * 100) / totalWeight) / 100

  // A failed hard check settles the verdict whatever the unknowns would have said.
  if (failed.length > 0) {
    const rejection = config.unknownPolicy === 'fail' ? [...failed, ...unknown] : failed
    return {
      verdict: 'vote',
      is_valid: false,
      score: score(false),
      rejection_reasons: rejection,
      abstain_reasons: [],
      checks,
    }
  }
  if (unknown.length > 0 && config.unknownPolicy === 'abstain')
    return {
      verdict: 'abstain',
      is_valid: false,
      score: score(false),
      rejection_reasons: [],
      abstain_reasons: unknown,
      checks,
    }
  if (unknown.length > 0 && config.unknownPolicy === 'fail')
    return {
      verdict: 'vote',
      is_valid: false,
      score: score(false),
      rejection_reasons: unknown,
      abstain_reasons: [],
      checks,
    }
  return {verdict: 'vote', is_valid: true, score: score(true), rejection_reasons: [], abstain_reasons: [], checks}
}

function offlineOutcomes(lead: Lead, lists: OfflineLists, config: ValidationConfig): Outcomes {
  const outcomes: Outcomes = {required: {status: 'pass', message: 'required fields are present and well-formed'}}
  const input = {lead, email: splitEmail(lead.email), lists}
  for (const check of OFFLINE_CHECKS) {
    if (config.checks[check.name].enabled) outcomes[check.name] = check.run(input)
  }
  return outcomes
}

function hardFailures(outcomes: Outcomes, config: ValidationConfig): CheckName[] {
  return CHECK_NAMES.filter((check) => outcomes[check]?.status === 'fail' && !config.checks[check].soft)
}

export function createLeadValidator(options: LeadValidatorOptions = {}): LeadValidator {
  const config = options.config ?? DEFAULT_VALIDATION_CONFIG
  const lists = buildOfflineLists(config.lists)
  const network = new NetworkChecks(config.network, options.now ?? Date.now)
  const checkEnabled = (check: CheckName) => config.checks[check].enabled

  function emailMx(lead: Lead): Promise<CheckOutcome> {
    const {domain} = splitEmail(lead.email)
    // Reached only when the checks that would catch it are turned off.
    if (domain === '') return Promise.resolve({status: 'fail', message: 'the email domain is not a valid host name'})
    return network.emailMx(domain)
  }

  async function networkOutcomes(lead: Lead): Promise<Outcomes> {
    const [mx, website] = await Promise.all([
      checkEnabled('email_mx') ? emailMx(lead) : undefined,
      checkEnabled('website_reachable') ? network.websiteReachable(lead.website) : undefined,
    ])
    return {...(mx ? {email_mx: mx} : {}), ...(website ? {website_reachable: website} : {})}
  }

  async function validate(leads: readonly unknown[]): Promise<LeadAssessment[]> {
    const parsed = leads.map((input) => parseLead(input))
    const valid = parsed.flatMap((result) => (result.ok ? [result.lead] : []))

    const batchCounts = new Map<string, number>()
    for (const lead of valid) {
      const key = keyOf(lead.email)
      if (key !== null) batchCounts.set(key, (batchCounts.get(key) ?? 0) + 1)
    }
    const known = checkEnabled('duplicate')
      ? await lookUpKnownEmails(options.knownEmails, [...batchCounts.keys()].sort())
      : null
    const duplicates: DuplicateContext = {batchCounts, known}

    const limit = createLimiter(config.concurrency)
    return Promise.all(
      parsed.map(async (result) => {
        if (!result.ok) {
          return assess(
            {required: requiredOutcome(result.issues)},
            () => 'not run: the lead is malformed (see required)',
            config,
          )
        }
        const outcomes = offlineOutcomes(result.lead, lists, config)
        if (checkEnabled('duplicate')) outcomes.duplicate = duplicateOutcome(result.lead, duplicates)
        // A network answer cannot rescue a lead that already failed, so do not spend one on it.
        const failedOffline = hardFailures(outcomes, config)
        if (failedOffline.length === 0 && [...NETWORK_CHECKS].some(checkEnabled)) {
          Object.assign(outcomes, await limit(() => networkOutcomes(result.lead)))
        }
        return assess(outcomes, () => `not run: the lead already failed ${failedOffline.join(', ')}`, config)
      }),
    )
  }

  const clock = options.now ?? Date.now
  const networkHealth = async (request: {fresh?: boolean} = {}): Promise<NetworkHealth> => {
    if (!config.health.enabled || ![...NETWORK_CHECKS].some(checkEnabled))
      return {healthy: true, checkedAt: new Date(clock()).toISOString(), probes: []}
    return network.health(config.health, request)
  }

  return {config, validate, cacheStats: () => network.stats(), networkHealth}
}

/** Validates one batch with a validator of its own; use createLeadValidator to share caches across batches. */
export function validateLeads(
  leads: readonly unknown[],
  options: LeadValidatorOptions = {},
): Promise<LeadAssessment[]> {
  return createLeadValidator(options).validate(leads)
}
