import type {ConsensusService} from '../service/consensus.js'
import type {Assessment, PulledProspect} from '../service/results.js'

/** How one validator judges one prospect (deterministic in the simulation and the benchmark). */
export type Verdict = (validatorIndex: number, prospect: PulledProspect) => Assessment | undefined

export interface DrainStats {
  pulls: number
  submits: number
  votes: number
  accepted: number
  rejected: number
  refused: number
  /** Milliseconds per pull call, in call order. */
  pullLatencies: number[]
  elapsedMs: number
}

/**
 * Validators working the queue at once, as cron jobs would: pull a batch, judge it, submit the votes,
 * until a pull comes back empty. A validator whose pull found nothing while others still held rows
 * may have stopped early, so a last pass (one validator at a time) picks up what is left.
 */
export async function drainQueue(
  validators: ConsensusService[],
  verdict: Verdict,
  batchSize = 50,
): Promise<DrainStats> {
  const stats: DrainStats = {
    pulls: 0,
    submits: 0,
    votes: 0,
    accepted: 0,
    rejected: 0,
    refused: 0,
    pullLatencies: [],
    elapsedMs: 0,
  }
  const started = performance.now()

  const work = async (service: ConsensusService, index: number): Promise<void> => {
    for (;;) {
      const before = performance.now()
      const {prospects} = await service.pull(batchSize)
      stats.pullLatencies.push(performance.now() - before)
      stats.pulls++
      if (prospects.length === 0) return
      const votes = prospects.map((p) => verdict(index, p)).filter((v): v is Assessment => v !== undefined)
      // Nothing to vote on: the next pull would hand back the same leases, so this validator is done.
      if (votes.length === 0) return
      const result = await service.submit(votes)
      stats.submits++
      stats.votes += result.recorded
      stats.accepted += result.accepted
      stats.rejected += result.rejected
      stats.refused += result.refused
    }
  }

  await Promise.all(validators.map((service, index) => work(service, index)))
  for (const [index, service] of validators.entries()) await work(service, index)
  stats.elapsedMs = performance.now() - started
  return stats
}

/** A stable pseudo-random number in [0, 1) from a string: the same input, the same verdict. */
export function stableUnit(text: string): number {
  let hash = 2166136261
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i)
    hash = Math.imul(hash, 16777619)
  }
  // MurmurHash3's finaliser: FNV-1a alone leaves strings that differ only in their last characters
  // (`seed:hotkey:1`, `seed:hotkey:2`, ...) correlated, so one "10 % noise" validator was wrong 6 %
  // of the time and another 13 %.
  hash ^= hash >>> 16
  hash = Math.imul(hash, 0x85ebca6b)
  hash ^= hash >>> 13
  hash = Math.imul(hash, 0xc2b2ae35)
  hash ^= hash >>> 16
  return (hash >>> 0) / 2 ** 32
}
