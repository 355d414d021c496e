import type {LeadValidator} from '../validation/index.js'
import type {ConsensusService} from './consensus.js'
import {z} from 'zod'
import {DECISIONS, type Assessment, type SubmitResult} from './results.js'

/** One pulled prospect, what the checks said, and what became of the vote. */
export const ValidatorVerdict = z.object({
  prospect_id: z.string().uuid(),
  verdict: z.enum(['vote', 'abstain']),
  is_valid: z.boolean(),
  score: z.number(),
  failed_checks: z.array(z.string()),
  unknown_checks: z.array(z.string()),
  /** the vote's outcome (recorded, unchanged, refused...), `released` for an abstention, `not_submitted` with --no-submit */
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

/**
 * The validator's main job: pull a batch, check every lead, vote where the checks reached a verdict,
 * and give back the leases where they could not (so another validator can try now). With
 * `submit: false` it only looks: nothing is voted and every lease is given back.
 */
export async function runValidatorBatch(
  service: ConsensusService,
  validator: LeadValidator,
  options: {limit: number; submit: boolean},
): Promise<ValidatorRunResult> {
  const pulled = await service.pull(options.limit)
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

  const assessments = await validator.validate(pulled.prospects.map((p) => p.prospect))
  const votes: Assessment[] = []
  const giveBack: string[] = []
  for (const [index, prospect] of pulled.prospects.entries()) {
    const assessment = assessments[index]!
    result.verdicts.push({
      prospect_id: prospect.prospect_id,
      verdict: assessment.verdict,
      is_valid: assessment.is_valid,
      score: assessment.score,
      failed_checks: assessment.checks.filter((c) => c.status === 'fail').map((c) => c.check),
      unknown_checks: assessment.checks.filter((c) => c.status === 'unknown').map((c) => c.check),
      outcome: options.submit ? 'released' : 'not_submitted',
    })
    if (options.submit && assessment.verdict === 'vote') {
      votes.push({
        prospect_id: prospect.prospect_id,
        is_valid: assessment.is_valid,
        score: assessment.score,
        rejection_reasons: assessment.rejection_reasons,
      })
    } else {
      giveBack.push(prospect.prospect_id)
    }
  }
  result.abstained = result.verdicts.filter((v) => v.verdict === 'abstain').length

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
