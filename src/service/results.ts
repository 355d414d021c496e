import {z} from 'zod'

/**
 * The JSON the database functions return, as typed results. Parsing them here catches a drift between
 * the SQL and the code at the boundary instead of deep inside a command.
 */
const timestamp = z.string()
const count = z.number().int().nonnegative()

export const ChainClock = z.object({
  block: count,
  epoch: count,
  epoch_start_block: count,
  next_epoch_block: count,
  next_epoch_at: timestamp,
  blocks_per_epoch: count,
  block_seconds: z.number().positive(),
  anchor_block: count,
  anchor_seen_at: timestamp,
})
export type ChainClock = z.infer<typeof ChainClock>

export const ConsensusSettings = z.object({
  quorum: count,
  majority: count,
  eligibility_threshold: z.number(),
  lease_seconds: count,
  max_live_leases_per_validator: count,
  blocks_per_epoch: count,
  block_seconds: z.number(),
  max_batch_size: count,
  quorum_timeout_blocks: count,
  min_decided_per_epoch: count,
  max_abandoned_share: z.number(),
  probation_epochs: count,
  unpulled_expiry_blocks: count.nullable(),
  ss58_prefix: count,
  max_pending_per_miner: count,
  /** share of each validator's pulled items that are golden (known-answer) leads */
  golden_rate: z.number(),
  min_golden_accuracy: z.number(),
  /** golden votes in an epoch under which the golden accuracy rule does not apply */
  min_golden_votes: count,
  updated_at: timestamp,
})
export type ConsensusSettings = z.infer<typeof ConsensusSettings>
export type SettingsChanges = Partial<Omit<ConsensusSettings, 'updated_at'>>

/** Why the database refuses one prospect at enqueue (the rest of the batch is queued). */
export const ENQUEUE_REFUSALS = [
  'unknown_field',
  'too_large',
  'malformed_email',
  'suspicious_email',
  'duplicate_email',
  'quota_exceeded',
] as const

export const EnqueueResult = z.object({
  enqueued: count,
  refused: count,
  /** the queued prospects' ids, in input order */
  prospect_ids: z.array(z.string().uuid()),
  results: z.array(
    z.object({
      /** 1-based position in the batch */
      index: count,
      outcome: z.enum(['queued', ...ENQUEUE_REFUSALS]),
      prospect_id: z.string().uuid().optional(),
      message: z.string().optional(),
      /** duplicate_email: whether the copy it matches is an accepted lead or a waiting prospect */
      matches: z.enum(['accepted', 'pending']).optional(),
    }),
  ),
})
export type EnqueueResult = z.infer<typeof EnqueueResult>

export const PulledProspect = z.object({
  prospect_id: z.string().uuid(),
  lead_id: z.string().uuid(),
  prospect: z.record(z.string(), z.unknown()),
  queued_at: timestamp,
  lease_expires_block: count,
})
export type PulledProspect = z.infer<typeof PulledProspect>

export const PullResult = z.object({
  prospects: z.array(PulledProspect),
  lease_expires_block: count,
  lease_expires_at: timestamp,
  live_leases: count,
  lease_cap: count,
  block: count,
})
export type PullResult = z.infer<typeof PullResult>

export interface RejectionReason {
  check: string
  message: string
  fields?: string[]
}

export interface Assessment {
  prospect_id: string
  is_valid: boolean
  score: number
  rejection_reasons?: RejectionReason[]
}

export const VOTE_OUTCOMES = [
  'recorded',
  'unchanged',
  'conflicting_vote',
  'not_pulled',
  'lease_expired',
  'lease_released',
  'already_decided',
  'self_vote',
] as const
export const DECISIONS = ['accepted', 'rejected'] as const
export const DECISION_REASONS = [
  'majority_valid',
  'majority_invalid',
  'duplicate_email',
  'quorum_timeout',
  'unpulled_expiry',
] as const
/** `expired`: nobody pulled it within the optional unpulled_expiry_blocks; neither accepted nor rejected. */
export const CONSENSUS_STATUSES = ['pending', 'accepted', 'rejected', 'expired'] as const

export const SubmitResult = z.object({
  epoch: count,
  results: z.array(
    z.object({
      prospect_id: z.string().uuid(),
      outcome: z.enum(VOTE_OUTCOMES),
      decision: z.enum(DECISIONS).optional(),
      decision_reason: z.enum(DECISION_REASONS).optional(),
    }),
  ),
  recorded: count,
  unchanged: count,
  refused: count,
  accepted: count,
  rejected: count,
})
export type SubmitResult = z.infer<typeof SubmitResult>

/** An epoch's probation: who is refused at pull, and whether the safety rule lifted it. */
export const ProbationStatus = z.object({epoch: count, on_probation: count, candidates: count, lifted: z.boolean()})
export type ProbationStatus = z.infer<typeof ProbationStatus>

export const SweepResult = z.object({
  block: count,
  epoch: count,
  expired_leases: count,
  reopened_prospects: count,
  /** prospects decided by the quorum timeout (counted from their first lease) in this sweep */
  timed_out: count,
  accepted: count,
  rejected: count,
  /** prospects nobody pulled within unpulled_expiry_blocks (when that setting is on) */
  expired_unpulled: count,
  pending: z.object({
    total: count,
    /** never pulled: no quorum timeout runs for these */
    waiting_for_first_pull: count,
    waiting_for_validators: count,
    waiting_for_votes: count,
    oldest_first_pull_wait_blocks: count.nullable(),
  }),
  probation: ProbationStatus,
})
export type SweepResult = z.infer<typeof SweepResult>

export const ELIGIBILITY_RULES = [
  'too_few_decided',
  'agreement_below_threshold',
  'too_many_abandoned',
  'min_golden_accuracy',
] as const

/** passed or failed once the validator has min_golden_votes golden votes in the epoch; not_applied under that */
export const GOLDEN_RULE_OUTCOMES = ['passed', 'failed', 'not_applied'] as const

export const ValidatorEligibility = z.object({
  validator_hotkey: z.string(),
  /** votes on prospects decided in the epoch with a full quorum: the only ones that count */
  decided_leads: count,
  matching_votes: count,
  /** votes on prospects the quorum timeout decided with fewer votes: they count neither way */
  timeout_votes: count,
  agreement: z.number(),
  leases: count,
  voted: count,
  released: count,
  /** pulled, never voted, never released */
  lapsed: count,
  abandoned_share: z.number().nullable(),
  eligible: z.boolean(),
  failed_rules: z.array(z.enum(ELIGIBILITY_RULES)),
  /** Golden (known-answer) votes in the epoch. Null to a validator reading its open epoch: counted
   * live they would tell it which items were golden. */
  golden_votes: count.nullable(),
  golden_correct: count.nullable(),
  /** null with no golden votes (or hidden) */
  golden_accuracy: z.number().nullable(),
  golden_rule: z.enum(GOLDEN_RULE_OUTCOMES).nullable(),
})
export type ValidatorEligibility = z.infer<typeof ValidatorEligibility>

export const EligibilityReport = z.object({
  epoch: count,
  closed: z.boolean(),
  rules: z.object({
    eligibility_threshold: z.number(),
    min_decided_per_epoch: count,
    max_abandoned_share: z.number(),
    min_golden_accuracy: z.number(),
    min_golden_votes: count,
  }),
  validators: z.array(ValidatorEligibility),
})
export type EligibilityReport = z.infer<typeof EligibilityReport>

export const MinerWeight = z.object({miner_hotkey: z.string(), accepted_leads: count, share: z.number()})
export type MinerWeight = z.infer<typeof MinerWeight>

export const MinerWeightsReport = z.object({
  epoch: count,
  closed: z.boolean(),
  accepted_leads: count,
  miners: z.array(MinerWeight),
})
export type MinerWeightsReport = z.infer<typeof MinerWeightsReport>

export const EpochClosure = z.object({
  epoch: count,
  already_closed: z.boolean(),
  closed_at: timestamp,
  closed_by: z.string(),
  decided_leads: count,
  accepted_leads: count,
  eligibility: z.array(ValidatorEligibility),
  weights: z.array(MinerWeight),
  /** validators refused at pull in the next epoch(s) because of this one */
  probation: z.array(
    z.object({epoch: count, validator_hotkey: z.string(), failed_rules: z.array(z.enum(ELIGIBILITY_RULES))}),
  ),
})
export type EpochClosure = z.infer<typeof EpochClosure>

export const ClearResult = z.object({
  current_epoch: count,
  cleared_epochs: z.array(count),
  deleted_votes: count,
  deleted_leases: count,
  unclosed_epochs_kept: z.array(count),
})
export type ClearResult = z.infer<typeof ClearResult>

export const ProspectConsensus = z.object({
  prospect_id: z.string().uuid(),
  /** null for a validator, before and after the decision (no cherry-picking by miner; golden leads have none) */
  miner_hotkey: z.string().nullable(),
  queued_at: timestamp,
  consensus_status: z.enum(CONSENSUS_STATUSES).nullable(),
  decision_reason: z.enum(DECISION_REASONS).nullable(),
  consensus_epoch: count.nullable(),
  consensus_timestamp: timestamp.nullable(),
  /** null for a validator before the decision */
  holders: count.nullable(),
  votes_visible: z.boolean(),
  votes: z.array(
    z.object({
      validator_hotkey: z.string(),
      is_valid: z.boolean(),
      score: z.number(),
      rejection_reasons: z.array(z.unknown()),
      validation_timestamp: timestamp,
    }),
  ),
})
export type ProspectConsensus = z.infer<typeof ProspectConsensus>

/** Why a validator gives a lease back; releases count against its participation. */
export const RELEASE_REASONS = ['cannot_judge', 'network_unhealthy', 'shutting_down'] as const
export type ReleaseReason = (typeof RELEASE_REASONS)[number]

export const ReleaseResult = z.object({
  released: count,
  reason: z.enum(RELEASE_REASONS),
  results: z.array(z.object({prospect_id: z.string().uuid(), outcome: z.enum(['released', 'not_held'])})),
})
export type ReleaseResult = z.infer<typeof ReleaseResult>

export const ProspectListing = z.object({
  prospects: z.array(
    z.object({
      prospect_id: z.string().uuid(),
      miner_hotkey: z.string(),
      queued_at: timestamp,
      consensus_status: z.enum(CONSENSUS_STATUSES).nullable(),
      decision_reason: z.enum(DECISION_REASONS).nullable(),
      consensus_epoch: count.nullable(),
      holders: count,
      business: z.string().nullable(),
      email: z.string().nullable(),
    }),
  ),
})
export type ProspectListing = z.infer<typeof ProspectListing>

/** Golden-lead scores: known-answer prospects, so the seed's false positive and negative rates are measured. */
export const GoldenScores = z.object({
  golden_votes: count,
  true_positive: count,
  false_positive: count,
  true_negative: count,
  false_negative: count,
  accuracy: z.number().nullable(),
  /** FP / (FP + TN) */
  false_positive_rate: z.number().nullable(),
  /** FN / (FN + TP) */
  false_negative_rate: z.number().nullable(),
})
export type GoldenScores = z.infer<typeof GoldenScores>

export const WEIGHT_COMMIT_STATUSES = ['submitted', 'committed', 'revealed', 'expired'] as const

/** The queue now: not an epoch's figure. */
export const QueueStatus = z.object({
  pending: count,
  /** pending and never leased */
  never_pulled: count,
  oldest_pending_seconds: z.number().nullable(),
  last_decision_at: timestamp.nullable(),
  seconds_since_last_decision: z.number().nullable(),
})
export type QueueStatus = z.infer<typeof QueueStatus>

export const ValidatorStats = z.object({
  validator_hotkey: z.string(),
  leases: count,
  voted: count,
  released: count,
  lapsed: count,
  share_of_work: z.number().nullable(),
  decided_leads: count,
  timeout_votes: count,
  agreement: z.number().nullable(),
  abandoned_share: z.number().nullable(),
  eligible: z.boolean(),
  failed_rules: z.array(z.enum(ELIGIBILITY_RULES)),
  /** ineligible in this epoch and not in the one before */
  newly_ineligible: z.boolean(),
  /** null: no golden scores for it in this epoch */
  golden: GoldenScores.nullable(),
  /** its weight commit for this epoch (made during the next one); null: none known (plain set_weights is not recorded) */
  weights: z
    .object({status: z.enum(WEIGHT_COMMIT_STATUSES), chain_epoch: count, closed_reason: z.string().nullable()})
    .nullable(),
})
export type ValidatorStats = z.infer<typeof ValidatorStats>

export const ConsensusStats = z.object({
  epoch: count,
  closed: z.boolean(),
  /** when close_epoch took the figures below; null for an open epoch (live figures) */
  snapshot_at: timestamp.nullable(),
  decisions: z.object({
    decided: count,
    accepted: count,
    rejected: count,
    duplicate_emails: count,
    quorum_timeouts: count,
    expired_unpulled: count,
    /** decided with a full quorum of votes */
    full_quorum: count,
    /** full-quorum decisions where every vote went the same way; null when the votes were cleared before any snapshot */
    unanimous: count.nullable(),
    unanimity: z.number().nullable(),
    /** votes matching the decision over all votes on full-quorum decisions */
    agreement: z.number().nullable(),
    seconds_to_consensus_avg: z.number().nullable(),
    seconds_to_consensus_p50: z.number().nullable(),
    seconds_to_consensus_p95: z.number().nullable(),
  }),
  work: z.object({
    validators: count,
    leases: count,
    /** Gini coefficient of leases across validators: 0 even, towards 1 concentrated */
    gini: z.number().nullable(),
  }),
  /** the consensus scored on golden leads; null when the epoch has none */
  consensus_golden: GoldenScores.nullable(),
  validators: z.array(ValidatorStats),
  queue: QueueStatus,
  probation: ProbationStatus,
})
export type ConsensusStats = z.infer<typeof ConsensusStats>

/** What `leadpoet metrics` exports, in one read. */
export const ConsensusMetrics = z.object({
  current_epoch: count,
  last_closed_epoch: count.nullable(),
  queue: QueueStatus,
  /** every prospect decided (or expired) since the start, by status and reason */
  decisions_total: z.array(
    z.object({status: z.enum(['accepted', 'rejected', 'expired']), reason: z.enum(DECISION_REASONS).nullable(), count}),
  ),
  /** commits expired unrevealed (WEIGHTS_COMMIT_EXPIRED), for every hotkey that ever committed */
  weight_commits_expired_total: z.array(z.object({validator_hotkey: z.string(), count})),
  last_closed: ConsensusStats.nullable(),
  /** the newest closed epoch whose weight window (the next epoch) is over, and its eligible validators */
  weights_due: z
    .object({
      epoch: count,
      validators: z.array(z.object({validator_hotkey: z.string(), weights_known: z.boolean()})),
    })
    .nullable(),
})
export type ConsensusMetrics = z.infer<typeof ConsensusMetrics>

export const GoldenLead = z.object({
  golden_id: z.string().uuid(),
  prospect: z.record(z.string(), z.unknown()),
  /** the expected verdict */
  is_valid: z.boolean(),
  note: z.string().nullable(),
  added_at: timestamp,
  added_by: z.string(),
  retired_at: timestamp.nullable(),
  retired_by: z.string().nullable(),
  /** validators it was served to (each at most once) */
  served: count,
  votes: count,
  correct_votes: count,
  /** full-quorum consensus decisions on it, and how many matched the expected verdict */
  consensus_decisions: count,
  consensus_correct: count,
})
export type GoldenLead = z.infer<typeof GoldenLead>

export const GoldenListing = z.object({golden: z.array(GoldenLead), golden_rate: z.number()})
export type GoldenListing = z.infer<typeof GoldenListing>

export const GoldenAddResult = z.object({added: count, golden_ids: z.array(z.string().uuid())})
export type GoldenAddResult = z.infer<typeof GoldenAddResult>

export const GoldenRetireResult = z.object({
  retired: count,
  results: z.array(z.object({golden_id: z.string().uuid(), outcome: z.enum(['retired', 'already_retired'])})),
})
export type GoldenRetireResult = z.infer<typeof GoldenRetireResult>

/** One known-answer lead as the operator writes it: the lead and the verdict it must get. */
export interface GoldenLeadInput {
  prospect: Record<string, unknown>
  is_valid: boolean
  note?: string
}
