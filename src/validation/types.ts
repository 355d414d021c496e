/** Vocabulary shared by the checks, the pipeline and its callers. */

/** Every check, in the order the pipeline runs and reports them. */
export const CHECK_NAMES = [
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
  'email_mx',
  'website_reachable',
] as const

export type CheckName = (typeof CHECK_NAMES)[number]

/** The checks that need the network; they only run once the offline checks leave the lead valid. */
export const NETWORK_CHECKS: ReadonlySet<CheckName> = new Set<CheckName>(['email_mx', 'website_reachable'])

/**
 * pass / fail: the check reached a verdict. unknown: it could not (a network or database failure),
 * which is never turned silently into pass or fail. skipped: not run, because the lead was malformed
 * or had already failed offline (the message says which).
 */
export type CheckStatus = 'pass' | 'fail' | 'unknown' | 'skipped'

/** Why a check did not pass: the shape of `rejection_reasons` in the vote contract. */
export interface CheckReason {
  check: CheckName
  message: string
  /** Lead fields the check looked at. */
  fields: string[]
}

export interface CheckResult extends CheckReason {
  status: CheckStatus
  /** A soft check lowers the score when it does not pass but never makes the lead invalid. */
  soft: boolean
  weight: number
}

/** What a single check computes, before the pipeline adds its configured softness and weight. */
export interface CheckOutcome {
  status: Exclude<CheckStatus, 'skipped'>
  message: string
}

/** vote: the validator has a verdict to cast. abstain: it does not, so the caller releases the lease. */
export type Verdict = 'vote' | 'abstain'

export interface LeadAssessment {
  verdict: Verdict
  /** Every hard check passed (false when abstaining). */
  is_valid: boolean
  /** Weight of the passed checks over the weight of all enabled checks, in [0, 1], two decimals. */
  score: number
  /** Hard checks that failed (and, under unknownPolicy "fail", hard checks that could not tell). */
  rejection_reasons: CheckReason[]
  /** Hard checks that could not tell, when that made the verdict abstain; empty otherwise. */
  abstain_reasons: CheckReason[]
  /** Every enabled check, in CHECK_NAMES order. */
  checks: CheckResult[]
}

/**
 * Port to the database: given canonical mailbox keys (src/mailbox-key.ts), resolves to the emails
 * (or keys) of those already in `leads`; the pipeline keys whatever comes back.
 * A rejection is reported as an unknown duplicate check, never as "not a duplicate".
 */
export type KnownEmailLookup = (emails: string[]) => Promise<ReadonlySet<string>>
