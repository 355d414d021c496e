import {z} from 'zod'
import {EXIT, LeadpoetError} from '../errors.js'
import {toJsonDocument} from '../json-document.js'
import {
  describeUnhealthy,
  type CheckReason,
  type LeadAssessment,
  type LeadValidator,
  type NetworkHealth,
  NETWORK_CHECKS,
} from '../validation/index.js'
import type {ConsensusService} from './consensus.js'
import {DECISIONS, type Assessment, type PullResult, type SubmitResult} from './results.js'

/** Why a check did not pass, with the message a person reads ("stripe.com does not exist (NXDOMAIN)"). */
export const Reason = z.object({check: z.string(), message: z.string(), fields: z.array(z.string()).optional()})
export type Reason = z.infer<typeof Reason>

/** One pulled prospect, what the checks said, and what became of the vote. */
export const ValidatorVerdict = z.object({
  prospect_id: z.string().uuid(),
  verdict: z.enum(['vote', 'abstain']),
  is_valid: z.boolean(),
  score: z.number(),
  /** the vote's reasons: the hard checks that failed (empty for a valid lead) */
  reasons: z.array(Reason),
  /** the checks that could not tell, which made the validator abstain */
  abstain_reasons: z.array(Reason),
  /** the vote's outcome (recorded, unchanged, refused...), or `released` for an abstention */
  outcome: z.string(),
  decision: z.enum(DECISIONS).optional(),
})
export type ValidatorVerdict = z.infer<typeof ValidatorVerdict>

export const ValidatorRunResult = z.object({
  pulled: z.number().int(),
  voted: z.number().int(),
  abstained: z.number().int(),
  released: z.number().int(),
  recorded: z.number().int(),
  refused: z.number().int(),
  accepted: z.number().int(),
  rejected: z.number().int(),
  lease_expires_at: z.string().nullable(),
  verdicts: z.array(ValidatorVerdict),
})
export type ValidatorRunResult = z.infer<typeof ValidatorRunResult>

/** What the local checks said about one lead, with every check's own answer. */
export const LocalChecks = z.object({
  verdict: z.enum(['vote', 'abstain']),
  is_valid: z.boolean(),
  score: z.number(),
  reasons: z.array(Reason),
  abstain_reasons: z.array(Reason),
  results: z.array(
    z.object({
      check: z.string(),
      status: z.enum(['pass', 'fail', 'unknown', 'skipped']),
      message: z.string(),
      fields: z.array(z.string()),
      soft: z.boolean(),
      weight: z.number(),
    }),
  ),
})
export type LocalChecks = z.infer<typeof LocalChecks>

/**
 * One line of `pull --export`: a leased prospect, its lease, and the local checks' verdict. `submit`
 * reads the same line once `is_valid`, `score` and `reasons` are added.
 */
export const ExportedProspect = z.object({
  prospect_id: z.string().uuid(),
  lease_expires_block: z.number().int(),
  lease_expires_at: z.string(),
  prospect: z.record(z.string(), z.unknown()),
  checks: LocalChecks,
})
export type ExportedProspect = z.infer<typeof ExportedProspect>

export const ExportResult = z.object({
  exported: z.number().int(),
  lease_expires_at: z.string().nullable(),
  prospects: z.array(ExportedProspect),
})
export type ExportResult = z.infer<typeof ExportResult>

/** What `pull --export --json` prints: the batch went to the file, this says where and until when. */
export const ExportSummary = z.object({
  exported: z.number().int(),
  lease_expires_at: z.string().nullable(),
  file: z.string(),
})
export type ExportSummary = z.infer<typeof ExportSummary>

export const NetworkHealthDocument = z.object({
  healthy: z.boolean(),
  checked_at: z.string(),
  probes: z.array(
    z.object({
      probe: z.enum(['resolves', 'nxdomain', 'http']),
      target: z.string(),
      ok: z.boolean(),
      message: z.string(),
    }),
  ),
})

const reason = ({check, message, fields}: CheckReason): Reason => ({check, message, fields})

export function localChecks(assessment: LeadAssessment): LocalChecks {
  return {
    verdict: assessment.verdict,
    is_valid: assessment.is_valid,
    score: assessment.score,
    reasons: assessment.rejection_reasons.map(reason),
    abstain_reasons: assessment.abstain_reasons.map(reason),
    results: assessment.checks.map(({check, status, message, fields, soft, weight}) => ({
      check,
      status,
      message,
      fields,
      soft,
      weight,
    })),
  }
}

/** NETWORK_UNHEALTHY: nothing was voted, saying what failed. */
function networkUnhealthy(health: NetworkHealth, released: number): LeadpoetError {
  const given = released > 0 ? ` (${released} leases given back)` : ''
  return new LeadpoetError(
    'NETWORK_UNHEALTHY',
    `this machine's network cannot be trusted to judge leads, so nothing was voted${given}: ${describeUnhealthy(health)}`,
    EXIT.error,
    {health: toJsonDocument(health), released},
  )
}

/** Refuses to judge on a network that fails its health check (cached briefly). */
export async function requireHealthyNetwork(validator: LeadValidator): Promise<NetworkHealth> {
  const health = await validator.networkHealth()
  if (!health.healthy) throw networkUnhealthy(health, 0)
  return health
}

/**
 * Pulls a batch and judges it, on a network checked before and, where a network check failed or
 * could not tell, checked again afterwards: a network that broke during the batch would otherwise
 * turn into invalid votes or abstentions. Then every lease is given back and NETWORK_UNHEALTHY raised.
 */
async function pullAndJudge(
  service: ConsensusService,
  validator: LeadValidator,
  limit: number,
): Promise<{pulled: PullResult; assessments: LeadAssessment[]}> {
  await requireHealthyNetwork(validator)
  const pulled = await service.pull(limit)
  if (pulled.prospects.length === 0) return {pulled, assessments: []}
  const ids = pulled.prospects.map((p) => p.prospect_id)
  let assessments: LeadAssessment[]
  try {
    assessments = await validator.validate(pulled.prospects.map((p) => p.prospect))
  } catch (error) {
    await service.release(ids).catch(() => undefined)
    throw error
  }
  const networkSaidNo = assessments.some((a) =>
    a.checks.some((c) => NETWORK_CHECKS.has(c.check) && (c.status === 'fail' || c.status === 'unknown')),
  )
  if (networkSaidNo) {
    const health = await validator.networkHealth({fresh: true})
    if (!health.healthy) throw networkUnhealthy(health, (await service.release(ids)).released)
  }
  return {pulled, assessments}
}

/**
 * The validator's main job: pull a batch, check every lead, vote where the checks reached a verdict,
 * and give back the leases where they could not (so another validator can try now).
 */
export async function runValidatorBatch(
  service: ConsensusService,
  validator: LeadValidator,
  options: {limit: number},
): Promise<ValidatorRunResult> {
  const {pulled, assessments} = await pullAndJudge(service, validator, options.limit)
  const result: ValidatorRunResult = {
    pulled: pulled.prospects.length,
    voted: 0,
    abstained: 0,
    released: 0,
    recorded: 0,
    refused: 0,
    accepted: 0,
    rejected: 0,
    lease_expires_at: pulled.prospects.length ? pulled.lease_expires_at : null,
    verdicts: [],
  }
  if (pulled.prospects.length === 0) return result

  const votes: Assessment[] = []
  const giveBack: string[] = []
  for (const [index, prospect] of pulled.prospects.entries()) {
    const assessment = assessments[index]!
    const checks = localChecks(assessment)
    result.verdicts.push({
      prospect_id: prospect.prospect_id,
      verdict: assessment.verdict,
      is_valid: assessment.is_valid,
      score: assessment.score,
      reasons: checks.reasons,
      abstain_reasons: checks.abstain_reasons,
      outcome: 'released',
    })
    if (assessment.verdict === 'vote') {
      votes.push({
        prospect_id: prospect.prospect_id,
        is_valid: assessment.is_valid,
        score: assessment.score,
        rejection_reasons: checks.reasons,
      })
    } else {
      giveBack.push(prospect.prospect_id)
    }
  }
  result.abstained = giveBack.length

  if (votes.length > 0) {
    const submitted: SubmitResult = await service.submit(votes)
    const byId = new Map(submitted.results.map((r) => [r.prospect_id, r]))
    for (const verdict of result.verdicts) {
      const outcome = byId.get(verdict.prospect_id)
      if (!outcome) continue
      verdict.outcome = outcome.outcome
      if (outcome.decision) verdict.decision = outcome.decision
    }
    result.voted = votes.length
    result.recorded = submitted.recorded
    result.refused = submitted.refused
    result.accepted = submitted.accepted
    result.rejected = submitted.rejected
  }
  if (giveBack.length > 0) result.released = (await service.release(giveBack)).released
  return result
}

/**
 * `pull --export`: leases a batch and judges it like `pull`, but votes nothing and keeps every lease
 * live, so the batch can be judged elsewhere and voted with `submit` before the leases lapse.
 */
export async function exportValidatorBatch(
  service: ConsensusService,
  validator: LeadValidator,
  options: {limit: number},
): Promise<ExportResult> {
  const {pulled, assessments} = await pullAndJudge(service, validator, options.limit)
  if (pulled.prospects.length === 0) return {exported: 0, lease_expires_at: null, prospects: []}
  // Leases this validator already held come back first, each with its own expiry block.
  const {block_seconds: blockSeconds} = await service.settings()
  const batchExpiry = Date.parse(pulled.lease_expires_at)
  const prospects = pulled.prospects.map((p, index) => ({
    prospect_id: p.prospect_id,
    lease_expires_block: p.lease_expires_block,
    lease_expires_at: new Date(
      batchExpiry - (pulled.lease_expires_block - p.lease_expires_block) * blockSeconds * 1000,
    ).toISOString(),
    prospect: p.prospect,
    checks: localChecks(assessments[index]!),
  }))
  return {exported: prospects.length, lease_expires_at: pulled.lease_expires_at, prospects}
}
