import {Counter, Gauge, Registry} from 'prom-client'
import type {ConsensusMetrics, ConsensusStats, GoldenScores} from './results.js'

/** The exposition format's content type (text 0.0.4), as served on /metrics. */
export const PROMETHEUS_CONTENT_TYPE = new Registry().contentType

const GOLDEN_OUTCOMES = ['true_positive', 'false_positive', 'true_negative', 'false_negative'] as const

/**
 * The database's metrics document as Prometheus metrics. Base units (seconds, ratios 0-1), `_total`
 * for counters. The `epoch` label is only on gauges of one epoch at a time (the last closed one, or
 * the one whose weights are due), so series stay bounded; `validator` is a hotkey.
 */
export function metricsRegistry(doc: ConsensusMetrics): Registry {
  const registry = new Registry()
  const gauge = (name: string, help: string, labelNames: string[] = []) =>
    new Gauge({name, help, labelNames, registers: [registry]})

  gauge('leadpoet_current_epoch', 'The open epoch on the chain clock.').set(doc.current_epoch)
  if (doc.last_closed_epoch !== null)
    gauge('leadpoet_last_closed_epoch', 'The newest closed epoch.').set(doc.last_closed_epoch)

  const q = doc.queue
  gauge('leadpoet_queue_pending_prospects', 'Prospects waiting for a decision.').set(q.pending)
  gauge('leadpoet_queue_never_pulled_prospects', 'Pending prospects no validator has leased yet.').set(q.never_pulled)
  gauge('leadpoet_queue_oldest_pending_age_seconds', 'Age of the oldest pending prospect (0 when none waits).').set(
    q.oldest_pending_seconds ?? 0,
  )
  gauge(
    'leadpoet_last_decision_timestamp_seconds',
    'Unix time of the last accept or reject decision (0 when none yet).',
  ).set(q.last_decision_at === null ? 0 : Date.parse(q.last_decision_at) / 1000)

  const decisions = new Counter({
    name: 'leadpoet_decisions_total',
    help: 'Prospects decided (accepted, rejected) or expired unpulled since the start, by status and reason.',
    labelNames: ['status', 'reason'],
    registers: [registry],
  })
  for (const d of doc.decisions_total) decisions.inc({status: d.status, reason: d.reason ?? 'unknown'}, d.count)

  const expired = new Counter({
    name: 'leadpoet_weight_commits_expired_total',
    help: 'Weight commits that expired unrevealed (WEIGHTS_COMMIT_EXPIRED), per validator that ever committed.',
    labelNames: ['validator'],
    registers: [registry],
  })
  for (const e of doc.weight_commits_expired_total) expired.inc({validator: e.validator_hotkey}, e.count)

  if (doc.last_closed) epochMetrics(doc.last_closed, gauge)

  if (doc.weights_due) {
    const epoch = String(doc.weights_due.epoch)
    const known = gauge(
      'leadpoet_epoch_validator_weights_known',
      'Eligible validators of the epoch whose weight window is over: 1 when a live weight commit of theirs is known.',
      ['epoch', 'validator'],
    )
    for (const v of doc.weights_due.validators)
      known.set({epoch, validator: v.validator_hotkey}, v.weights_known ? 1 : 0)
    gauge(
      'leadpoet_epoch_validators_without_weights',
      'Eligible validators of the epoch whose weight window is over with no weights known.',
      ['epoch'],
    ).set({epoch}, doc.weights_due.validators.filter((v) => !v.weights_known).length)
  }
  return registry
}

type GaugeFactory = (name: string, help: string, labelNames?: string[]) => Gauge

/** The last closed epoch's stats, each gauge labelled with the epoch. */
function epochMetrics(stats: ConsensusStats, gauge: GaugeFactory): void {
  const epoch = String(stats.epoch)
  const d = stats.decisions
  const settled = gauge('leadpoet_epoch_decisions', 'Prospects the epoch decided or expired, by status.', [
    'epoch',
    'status',
  ])
  settled.set({epoch, status: 'accepted'}, d.accepted)
  settled.set({epoch, status: 'rejected'}, d.rejected)
  settled.set({epoch, status: 'expired'}, d.expired_unpulled)
  gauge('leadpoet_epoch_full_quorum_decisions', 'Decisions taken with a full quorum of votes.', ['epoch']).set(
    {epoch},
    d.full_quorum,
  )
  setIfKnown(
    gauge('leadpoet_epoch_unanimity_ratio', 'Full-quorum decisions with every vote alike.', ['epoch']),
    {epoch},
    d.unanimity,
  )
  setIfKnown(
    gauge('leadpoet_epoch_agreement_ratio', 'Votes matching the decision, over votes on full-quorum decisions.', [
      'epoch',
    ]),
    {epoch},
    d.agreement,
  )
  const latency = gauge(
    'leadpoet_epoch_time_to_consensus_seconds',
    'Time from enqueue to decision over the epoch: mean, median and 95th percentile.',
    ['epoch', 'statistic'],
  )
  setIfKnown(latency, {epoch, statistic: 'mean'}, d.seconds_to_consensus_avg)
  setIfKnown(latency, {epoch, statistic: 'p50'}, d.seconds_to_consensus_p50)
  setIfKnown(latency, {epoch, statistic: 'p95'}, d.seconds_to_consensus_p95)
  setIfKnown(
    gauge('leadpoet_epoch_work_gini_ratio', 'Gini coefficient of leases across validators (0 even, 1 one took all).', [
      'epoch',
    ]),
    {epoch},
    stats.work.gini,
  )
  goldenMetrics(gauge, 'leadpoet_epoch_consensus_golden', 'the consensus', {epoch}, stats.consensus_golden)

  const perValidator = (name: string, help: string, extra: string[] = []) =>
    gauge(`leadpoet_epoch_validator_${name}`, help, ['epoch', 'validator', ...extra])
  const leases = perValidator('leases', 'Leases the validator took in the epoch.')
  const outcomes = perValidator('lease_outcomes', 'What became of its leases: voted, released, lapsed.', ['outcome'])
  const share = perValidator('work_share_ratio', 'Its share of the leases taken in the epoch.')
  const agreement = perValidator('agreement_ratio', 'Its votes matching full-quorum decisions, over its votes on them.')
  const eligible = perValidator('eligible', '1 when eligible in the epoch, 0 otherwise.')
  const newly = perValidator('newly_ineligible', '1 when ineligible in the epoch and not in the one before.')
  const failed = perValidator('failed_rule', '1 for each eligibility rule it failed.', ['rule'])
  for (const v of stats.validators) {
    const labels = {epoch, validator: v.validator_hotkey}
    leases.set(labels, v.leases)
    outcomes.set({...labels, outcome: 'voted'}, v.voted)
    outcomes.set({...labels, outcome: 'released'}, v.released)
    outcomes.set({...labels, outcome: 'lapsed'}, v.lapsed)
    setIfKnown(share, labels, v.share_of_work)
    setIfKnown(agreement, labels, v.agreement)
    eligible.set(labels, v.eligible ? 1 : 0)
    newly.set(labels, v.newly_ineligible ? 1 : 0)
    for (const rule of v.failed_rules) failed.set({...labels, rule}, 1)
  }
  const withGolden = stats.validators.filter((v) => v.golden !== null)
  if (withGolden.length === 0) return
  const accuracy = perValidator('golden_accuracy_ratio', 'Its accuracy on golden leads.')
  const votes = perValidator('golden_votes', 'Its golden votes by outcome.', ['outcome'])
  for (const v of withGolden) {
    const labels = {epoch, validator: v.validator_hotkey}
    setIfKnown(accuracy, labels, v.golden!.accuracy)
    for (const outcome of GOLDEN_OUTCOMES) votes.set({...labels, outcome}, v.golden![outcome])
  }
}

function goldenMetrics(
  gauge: GaugeFactory,
  prefix: string,
  who: string,
  labels: Record<string, string>,
  golden: GoldenScores | null,
): void {
  if (golden === null) return
  const names = Object.keys(labels)
  setIfKnown(gauge(`${prefix}_accuracy_ratio`, `Accuracy of ${who} on golden leads.`, names), labels, golden.accuracy)
  setIfKnown(
    gauge(`${prefix}_false_positive_ratio`, `False positive rate of ${who} on golden leads: FP / (FP + TN).`, names),
    labels,
    golden.false_positive_rate,
  )
  setIfKnown(
    gauge(`${prefix}_false_negative_ratio`, `False negative rate of ${who} on golden leads: FN / (FN + TP).`, names),
    labels,
    golden.false_negative_rate,
  )
  const votes = gauge(`${prefix}_votes`, `Golden leads scored for ${who}, by outcome.`, [...names, 'outcome'])
  for (const outcome of GOLDEN_OUTCOMES) votes.set({...labels, outcome}, golden[outcome])
}

/** A figure the database could not give (null) is left out, not reported as 0. */
function setIfKnown(gauge: Gauge, labels: Record<string, string>, value: number | null): void {
  if (value !== null) gauge.set(labels, value)
}

/** The document in the Prometheus text exposition format. */
export function prometheusExposition(doc: ConsensusMetrics): Promise<string> {
  return metricsRegistry(doc).metrics()
}
