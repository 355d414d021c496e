import {rmSync} from 'node:fs'
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {PGlite} from '@electric-sql/pglite'
import {migrate} from '../db/migrations.js'
import {keepJsHeapSmall, openPglite} from '../db/pglite.js'
import {pgliteClient, type SqlClient} from '../db/sql-client.js'
import {hotkeyForName} from '../hotkey-address.js'
import type {Identity} from '../identity.js'
import {ConsensusService} from '../service/consensus.js'
import {z} from 'zod'
import {LeadpoetError} from '../errors.js'
import {ConsensusStats, EpochClosure, type Assessment, type SubmitResult} from '../service/results.js'
import {SqlRpcAdapter} from '../adapters/sql-adapter.js'
import {stableUnit} from './drain.js'

/**
 * A whole subnet on a fresh embedded database: miners queue prospects whose truth is known,
 * validators of several kinds pull and vote concurrently through the real service layer, the
 * operator sweeps, closes and clears epochs. The summary says how well consensus found the truth.
 *
 * Same options, same summary (timings aside): verdicts derive from the seed and each prospect's
 * index, never from ids, timing or interleaving.
 */
export const VALIDATOR_KINDS = ['honest', 'lazy', 'invalid', 'inverter', 'slow'] as const
export type ValidatorKind = (typeof VALIDATOR_KINDS)[number]

export interface SimulationOptions {
  seed: number
  prospects: number
  miners: number
  epochs: number
  /** validators per kind: honest (the truth, flipped with probability `noise`), lazy (always valid),
   * invalid (always invalid), inverter (always the opposite of the truth), slow (pull and never vote
   * in time: their leases lapse) */
  validators: Record<ValidatorKind, number>
  noise: number
  /** share of prospects that are truly valid */
  validRate: number
  batch: number
  /** golden (known-answer) leads the operator adds before the first epoch; 0 for none */
  goldenLeads: number
  /** the golden_rate setting: the share of each validator's pulled items that are golden */
  goldenRate: number
  /** share of the golden leads that are truly valid (the operator picks a balanced set) */
  goldenValidRate: number
  /** A line for a person watching: phases, and decisions as they come. */
  onProgress?: (line: string) => void
}

export const DEFAULT_SIMULATION: Omit<SimulationOptions, 'onProgress'> = {
  seed: 71,
  prospects: 2000,
  miners: 4,
  epochs: 3,
  validators: {honest: 6, lazy: 1, invalid: 1, inverter: 1, slow: 1},
  noise: 0.1,
  validRate: 0.6,
  batch: 50,
  goldenLeads: 500,
  goldenRate: 0.05,
  goldenValidRate: 0.5,
}

const ratio = z.number().min(0).max(1)
const count = z.number().int().nonnegative()

export const SimulationSummary = z.object({
  seed: z.number().int(),
  population: z.object({
    miners: count,
    validators: z.object({honest: count, lazy: count, invalid: count, inverter: count, slow: count}),
    noise: ratio,
    valid_rate: ratio,
  }),
  golden: z.object({
    leads: count,
    rate: ratio,
    valid_share: ratio,
    /** golden leads decided by consensus with a full quorum, and how many matched the known answer */
    consensus_decided: count,
    consensus_correct: count,
    consensus_accuracy: ratio.nullable(),
  }),
  prospects: count,
  decided: count,
  accepted: count,
  rejected: count,
  undecided: count,
  /** decisions that matched the truth */
  accuracy: ratio,
  /** accepted though invalid, over the invalid ones decided */
  false_positive_rate: ratio,
  /** rejected though valid, over the valid ones decided */
  false_negative_rate: ratio,
  votes: count,
  refused_votes: count,
  lapsed_leases: count,
  /** every validator's recorded votes on miners' prospects against the truth (golden ones apart) */
  validator_accuracy: z.array(
    z.object({validator_hotkey: z.string(), kind: z.enum(VALIDATOR_KINDS), votes: count, accuracy: ratio.nullable()}),
  ),
  epochs: z.array(
    z.object({
      epoch: count,
      decided: count,
      accepted: count,
      eligible_validators: z.array(z.string()),
      ineligible_validators: z.array(z.string()),
      eligibility: EpochClosure.shape.eligibility,
      weights: EpochClosure.shape.weights,
      stats: ConsensusStats.shape.decisions.omit({
        seconds_to_consensus_avg: true,
        seconds_to_consensus_p50: true,
        seconds_to_consensus_p95: true,
      }),
    }),
  ),
  /** seconds: wall time of the whole run, from creating the database to removing it; peak_rss_mib: the
   * process's own peak resident memory (getrusage), not a sample */
  timings: z.object({seconds: z.number(), votes_per_second: z.number(), peak_rss_mib: z.number()}),
  /** hotkey -> the participant's name (sim-honest-1, sim-miner-2, ...) */
  participants: z.record(z.string(), z.string()),
})
export type SimulationSummary = z.infer<typeof SimulationSummary>

interface SimValidator {
  kind: ValidatorKind
  hotkey: string
  service: ConsensusService
}

export async function simulate(options: SimulationOptions): Promise<SimulationSummary> {
  const started = performance.now()
  // On disk in a temporary directory, not in memory: the process stays small however many
  // prospects the run queues. An interrupted run (Ctrl-C, kill) removes it before it ends.
  const dir = await mkdtemp(path.join(tmpdir(), 'leadpoet-simulate-'))
  const interrupted = (signal: NodeJS.Signals) => {
    rmSync(dir, {recursive: true, force: true})
    process.removeListener('SIGINT', interrupted)
    process.removeListener('SIGTERM', interrupted)
    process.kill(process.pid, signal)
  }
  process.once('SIGINT', interrupted)
  process.once('SIGTERM', interrupted)
  options.onProgress?.(`Simulating in ${dir} (removed at the end, or on Ctrl-C)`)
  let summary: Omit<SimulationSummary, 'timings'>
  try {
    summary = await run(options, dir)
  } finally {
    process.removeListener('SIGINT', interrupted)
    process.removeListener('SIGTERM', interrupted)
    await rm(dir, {recursive: true, force: true})
  }
  const seconds = (performance.now() - started) / 1000
  return {
    ...summary,
    timings: {
      seconds: Math.round(seconds * 100) / 100,
      votes_per_second: Math.round(summary.votes / seconds),
      peak_rss_mib: Math.round(process.resourceUsage().maxRSS / 1024),
    },
  }
}

async function run(options: SimulationOptions, dir: string): Promise<Omit<SimulationSummary, 'timings'>> {
  const progress = options.onProgress ?? (() => {})
  // Most of a long run's memory was V8's heap left to grow, not the database (src/db/pglite.ts).
  keepJsHeapSmall()
  // A small buffer cache: the database lives in the process, and its pages are the process's memory.
  const startParams = [...PGlite.defaultStartParams, '-c', 'shared_buffers=16MB']
  const sql: SqlClient = pgliteClient(await openPglite(dir, {startParams}))
  try {
    await migrate(sql)
    // The simulation's own database, as its owner: the golden secret (where each validator's golden
    // slots fall) follows the seed, so the same seed gives the same summary.
    await sql.query('update leadpoet.golden_secret set secret = $1', [`simulate:${options.seed}`])
    // Every participant has a name for people and an SS58 hotkey (derived from the name) for the database.
    const participants: Record<string, string> = {}
    const as = (name: string, role: Identity['role']) => {
      const hotkey = hotkeyForName(name)
      participants[hotkey] = name
      return {hotkey, service: new ConsensusService(new SqlRpcAdapter(sql, {hotkey, role}, false))}
    }
    const operator = as('sim-operator', 'operator').service
    const miners = Array.from({length: options.miners}, (_, i) => as(`sim-miner-${i + 1}`, 'miner').service)
    const validators: SimValidator[] = VALIDATOR_KINDS.flatMap((kind) =>
      Array.from({length: options.validators[kind]}, (_, i) => ({kind, ...as(`sim-${kind}-${i + 1}`, 'validator')})),
    )
    const {
      blocks_per_epoch: epochBlocks,
      lease_seconds: leaseSeconds,
      block_seconds: blockSeconds,
    } = await operator.settings()
    const leaseBlocks = Math.ceil(leaseSeconds / blockSeconds)

    // Miner i brings a share proportional to i (1, 2, 3, ...), so weights differ visibly.
    const minerTickets = miners.flatMap((_, i) => Array.from({length: i + 1}, () => i))
    const minerOf = (index: number) =>
      minerTickets[Math.floor(stableUnit(`${options.seed}:miner:${index}`) * minerTickets.length)]!
    const truth = (index: number) => stableUnit(`${options.seed}:truth:${index}`) < options.validRate
    // Golden leads are leads like the miners' (the same generator, indexes past theirs); the operator
    // knows each one's truth, and validators judge them as they judge anything they pull.
    const goldenTruth = new Map<string, boolean>()
    const goldenInputs = Array.from({length: options.goldenLeads}, (_, n) => {
      const index = options.prospects + n
      const isValid = stableUnit(`${options.seed}:golden:${n}`) < options.goldenValidRate
      const prospect = simulatedLead(index)
      goldenTruth.set(prospect.email as string, isValid)
      return {prospect, is_valid: isValid}
    })
    const verdict = (v: SimValidator, key: string, isTrue: boolean): boolean => {
      if (v.kind === 'lazy') return true
      if (v.kind === 'invalid') return false
      if (v.kind === 'inverter') return !isTrue
      const flip = stableUnit(`${options.seed}:${v.hotkey}:${key}`) < options.noise
      return isTrue !== flip
    }
    const accuracyOf = new Map<string, {votes: number; correct: number}>(
      validators.map((v) => [v.hotkey, {votes: 0, correct: 0}]),
    )
    const golden = {decided: 0, correct: 0}
    /** The golden lead's truth by prospect id, while it waits for a decision. */
    const goldenPending = new Map<string, boolean>()

    // Only what is undecided is remembered: memory stays bounded by the work in flight.
    const indexOf = new Map<string, number>()
    const totals = {
      decided: 0,
      accepted: 0,
      rejected: 0,
      correct: 0,
      falsePositive: 0,
      invalidDecided: 0,
      falseNegative: 0,
      validDecided: 0,
      votes: 0,
      refused: 0,
      lapsed: 0,
    }
    const tally = (result: SubmitResult, voter: SimValidator, votes: readonly Assessment[]) => {
      totals.votes += result.recorded
      totals.refused += result.refused
      const said = new Map(votes.map((v) => [v.prospect_id, v.is_valid]))
      for (const r of result.results) {
        const index = indexOf.get(r.prospect_id)
        if (r.outcome === 'recorded' && index !== undefined) {
          const mine = accuracyOf.get(voter.hotkey)!
          mine.votes++
          if (said.get(r.prospect_id) === truth(index)) mine.correct++
        }
        if (!r.decision) continue
        const goldenValid = goldenPending.get(r.prospect_id)
        // A decision at a vote is a full quorum's (timeouts are the sweep's): the consensus's answer.
        if (goldenValid !== undefined) {
          goldenPending.delete(r.prospect_id)
          golden.decided++
          if ((r.decision === 'accepted') === goldenValid) golden.correct++
          continue
        }
        indexOf.delete(r.prospect_id)
        if (index === undefined) continue
        const accepted = r.decision === 'accepted'
        const valid = truth(index)
        totals.decided++
        if (accepted) totals.accepted++
        else totals.rejected++
        if (accepted === valid) totals.correct++
        if (valid) {
          totals.validDecided++
          if (!accepted) totals.falseNegative++
        } else {
          totals.invalidDecided++
          if (accepted) totals.falsePositive++
        }
      }
    }

    // Decisions as they come, every tenth of the run (at least every 1,000), so a long run is seen moving.
    const step = Math.max(1_000, Math.ceil(options.prospects / 10))
    let reported = 0
    const record = (result: SubmitResult, voter: SimValidator, votes: readonly Assessment[]) => {
      tally(result, voter, votes)
      if (totals.decided - reported >= step) {
        reported = totals.decided - (totals.decided % step)
        progress(`${totals.decided}/${options.prospects} prospects decided (${totals.votes} votes)`)
      }
    }

    const work = async (v: SimValidator): Promise<void> => {
      for (;;) {
        const pulled = await v.service.pull(options.batch).catch((error: unknown) => {
          // On probation (ineligible in the last closed epoch): it sits this epoch out.
          if (error instanceof LeadpoetError && error.code === 'NOT_ELIGIBLE') return null
          throw error
        })
        if (pulled === null) return
        const {prospects} = pulled
        if (prospects.length === 0) return
        if (v.kind === 'slow') return // holds one batch of leases and never votes in time
        const votes: Assessment[] = prospects.flatMap((p) => {
          // The ground truth is the simulator's own: the prospect carries nothing but the lead. A
          // prospect decided while this batch was on its way is no longer remembered: no vote. A
          // golden lead is known by its email (the operator's list), whatever its id.
          const index = indexOf.get(p.prospect_id)
          const goldenValid = index === undefined ? goldenTruth.get(p.prospect.email as string) : undefined
          if (index === undefined && goldenValid === undefined) return []
          if (goldenValid !== undefined) goldenPending.set(p.prospect_id, goldenValid)
          const valid =
            index !== undefined
              ? verdict(v, String(index), truth(index))
              : verdict(v, `golden:${String(p.prospect.email)}`, goldenValid!)
          return [
            {
              prospect_id: p.prospect_id,
              is_valid: valid,
              score: valid ? 0.9 : 0.2,
              rejection_reasons: valid ? [] : [{check: 'simulated', message: `${v.kind} validator says invalid`}],
            },
          ]
        })
        if (votes.length === 0) continue // decided meanwhile: held leases of decided prospects never come back
        record(await v.service.submit(votes), v, votes)
      }
    }

    // The simulated miners bring the whole workload at once: lift the per-miner quota of waiting
    // prospects on this throwaway database (1,000 by default), or most of it would be refused.
    await operator.updateSettings({
      golden_rate: options.goldenRate,
      max_pending_per_miner: Math.min(1_000_000, Math.max(1_000, options.prospects)),
    })
    for (let start = 0; start < goldenInputs.length; start += 5_000)
      await operator.addGoldenLeads(goldenInputs.slice(start, start + 5_000))

    const epochs: SimulationSummary['epochs'] = []
    const perEpoch = Math.ceil(options.prospects / options.epochs)
    let next = 0
    for (let e = 1; e <= options.epochs; e++) {
      await operator.setChainAnchor(e * epochBlocks)
      // This epoch's prospects; each belongs to one miner, and miners bring unequal shares.
      const end = Math.min(options.prospects, next + perEpoch)
      const byMiner = miners.map(() => [] as number[])
      for (let index = next; index < end; index++) byMiner[minerOf(index)]!.push(index)
      for (const [m, indexes] of byMiner.entries()) {
        for (let start = 0; start < indexes.length; start += 500) {
          const chunk = indexes.slice(start, start + 500)
          const {results} = await miners[m]!.enqueue(chunk.map(simulatedLead))
          const refused = results.find((r) => r.outcome !== 'queued')
          if (refused) throw new Error(`a simulated prospect was refused: ${refused.outcome} ${refused.message ?? ''}`)
          for (const r of results) indexOf.set(r.prospect_id!, chunk[r.index - 1]!)
        }
      }
      progress(`epoch ${e}/${options.epochs}: queued ${end - next} prospects; validators at work`)
      next = end

      // Everyone works at once; then the slow validators' leases lapse, the sweep reopens their
      // slots, and the others fill them.
      await Promise.all(validators.map(work))
      // Well past every lease taken this epoch, however long the pulls took on the wall clock.
      await operator.setChainAnchor(e * epochBlocks + leaseBlocks + Math.floor((epochBlocks - leaseBlocks) / 2))
      const sweep = await operator.sweep()
      totals.lapsed += sweep.expired_leases
      await Promise.all(validators.filter((v) => v.kind !== 'slow').map(work))

      const stats = await operator.stats(e)
      await operator.setChainAnchor((e + 1) * epochBlocks)
      const closure = await operator.closeEpoch(e)
      await operator.clearOldEpochs()
      // wall-clock times: a seeded run's document stays the same from run to run without them
      const {
        seconds_to_consensus_avg: _avg,
        seconds_to_consensus_p50: _p50,
        seconds_to_consensus_p95: _p95,
        ...decisions
      } = stats.decisions
      epochs.push({
        epoch: e,
        decided: closure.decided_leads,
        accepted: closure.accepted_leads,
        eligible_validators: closure.eligibility.filter((x) => x.eligible).map((x) => x.validator_hotkey),
        ineligible_validators: closure.eligibility.filter((x) => !x.eligible).map((x) => x.validator_hotkey),
        eligibility: closure.eligibility,
        weights: closure.weights,
        stats: decisions,
      })
      progress(`epoch ${e}/${options.epochs} closed: ${totals.decided}/${options.prospects} prospects decided`)
    }

    const ratio = (a: number, b: number) => (b === 0 ? 0 : Math.round((a / b) * 10_000) / 10_000)
    return {
      seed: options.seed,
      population: {
        miners: options.miners,
        validators: options.validators,
        noise: options.noise,
        valid_rate: options.validRate,
      },
      golden: {
        leads: options.goldenLeads,
        rate: options.goldenRate,
        valid_share: options.goldenValidRate,
        consensus_decided: golden.decided,
        consensus_correct: golden.correct,
        consensus_accuracy: golden.decided === 0 ? null : ratio(golden.correct, golden.decided),
      },
      prospects: options.prospects,
      decided: totals.decided,
      accepted: totals.accepted,
      rejected: totals.rejected,
      undecided: options.prospects - totals.decided,
      accuracy: ratio(totals.correct, totals.decided),
      false_positive_rate: ratio(totals.falsePositive, totals.invalidDecided),
      false_negative_rate: ratio(totals.falseNegative, totals.validDecided),
      votes: totals.votes,
      refused_votes: totals.refused,
      lapsed_leases: totals.lapsed,
      validator_accuracy: validators.map((v) => {
        const a = accuracyOf.get(v.hotkey)!
        return {
          validator_hotkey: v.hotkey,
          kind: v.kind,
          votes: a.votes,
          accuracy: a.votes === 0 ? null : ratio(a.correct, a.votes),
        }
      }),
      epochs,
      participants,
    }
  } finally {
    await sql.close()
  }
}

/** A plausible lead, told apart from the others by its index. */
function simulatedLead(index: number): Record<string, unknown> {
  return {
    business: `Simulated Co ${index}`,
    full_name: `Sam Example${index}`,
    first: 'Sam',
    last: `Example${index}`,
    email: `sam.example${index}@simco${index}.example`,
    role: 'Head of Sales',
    website: `https://simco${index}.example`,
    industry: 'Software',
    sub_industry: 'SaaS',
    region: 'EU',
    linkedin: `https://www.linkedin.com/in/sam-example-${index}`,
    source_url: `https://simco${index}.example/about`,
    source_type: 'company_site',
  }
}
