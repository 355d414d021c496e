/**
 * Golden leads benchmark: the default population (honest, lazy, always-invalid, inverter, slow) over
 * many seeds of `simulate`, each on its own embedded database in its own process. Reports:
 *
 * - the share of lazy, always-invalid and inverter validators made ineligible in their first epoch
 *   (target: at least 95 %), and how many by the golden rule (min_golden_accuracy);
 * - the share of honest validator-epochs wrongly made ineligible (target: at most 1 %);
 * - consensus accuracy beside the best single validator's, on the miners' prospects against the
 *   truth (target: consensus error at most half the best single validator's), and the consensus's
 *   accuracy on golden leads.
 *
 *   npm run bench -- golden [--seeds 20] [--prospects 3000] [--epochs 2] [--parallel 2] [--json]
 *
 * A benchmark, not a test: it prints figures and asserts nothing.
 */
import {execFile} from 'node:child_process'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {parseArgs, promisify} from 'node:util'
import {DEFAULT_SIMULATION, simulate, SimulationSummary} from '../src/simulation/simulate.js'

const {values: flags} = parseArgs({
  options: {
    seeds: {type: 'string', default: '20'},
    'first-seed': {type: 'string', default: '1'},
    prospects: {type: 'string', default: '3000'},
    epochs: {type: 'string', default: '2'},
    parallel: {type: 'string', default: '2'},
    'golden-rate': {type: 'string', default: String(DEFAULT_SIMULATION.goldenRate)},
    single: {type: 'string'},
    json: {type: 'boolean', default: false},
  },
  allowPositionals: true,
})
const PROSPECTS = Number(flags.prospects)
const EPOCHS = Number(flags.epochs)
const GOLDEN_RATE = Number(flags['golden-rate'])

if (flags.single !== undefined) {
  // One seed, in this process: the summary as JSON on stdout for the parent.
  const summary = await simulate({
    ...DEFAULT_SIMULATION,
    seed: Number(flags.single),
    prospects: PROSPECTS,
    epochs: EPOCHS,
    goldenRate: GOLDEN_RATE,
  })
  process.stdout.write(JSON.stringify(summary))
} else {
  await main()
}

async function main(): Promise<void> {
  const seeds = Array.from({length: Number(flags.seeds)}, (_, i) => Number(flags['first-seed']) + i)
  const tsx = fileURLToPath(new URL('../node_modules/.bin/tsx', import.meta.url))
  const self = fileURLToPath(import.meta.url)
  const run = promisify(execFile)
  const summaries: SimulationSummary[] = []
  const queue = [...seeds]
  const started = performance.now()
  const worker = async () => {
    for (let seed = queue.shift(); seed !== undefined; seed = queue.shift()) {
      const args = [self, '--single', String(seed), '--prospects', String(PROSPECTS), '--epochs', String(EPOCHS)]
      args.push('--golden-rate', String(GOLDEN_RATE))
      const {stdout} = await run(tsx, args, {cwd: path.dirname(self), maxBuffer: 256 * 1024 * 1024})
      summaries.push(SimulationSummary.parse(JSON.parse(stdout)))
      if (!flags.json) process.stderr.write(`seed ${seed} done (${summaries.length}/${seeds.length})\n`)
    }
  }
  await Promise.all(Array.from({length: Math.max(1, Number(flags.parallel))}, worker))
  summaries.sort((a, b) => a.seed - b.seed)
  const report = figures(summaries)
  const seconds = Math.round((performance.now() - started) / 1000)
  if (flags.json) {
    process.stdout.write(JSON.stringify({...report, seconds}, null, 2) + '\n')
    return
  }
  const pct = (x: number | null) => (x === null ? '-' : `${(x * 100).toFixed(2)} %`)
  const lines = [
    `Golden leads over ${seeds.length} seeds (${PROSPECTS} prospects, ${EPOCHS} epochs, golden_rate ${GOLDEN_RATE}, ` +
      `population ${JSON.stringify(DEFAULT_SIMULATION.validators)}), ${seconds} s`,
    `bad validators (lazy, invalid, inverter) ineligible in their first epoch: ${report.bad_caught}/${report.bad_validators} = ${pct(report.bad_caught_share)}` +
      ` (by min_golden_accuracy: ${pct(report.bad_caught_by_golden_share)}; target >= 95 %)`,
    ...Object.entries(report.bad_caught_by_kind).map(
      ([kind, k]) =>
        `  ${kind}: ${k.caught}/${k.validators} = ${pct(k.validators === 0 ? null : k.caught / k.validators)}`,
    ),
    `honest validator-epochs wrongly ineligible: ${report.honest_ineligible}/${report.honest_validator_epochs} = ${pct(report.honest_ineligible_share)} (target <= 1 %)`,
    `consensus accuracy ${pct(report.consensus_accuracy)} (error ${pct(report.consensus_error)}); best single validator ${pct(report.best_validator_accuracy)} (error ${pct(report.best_validator_error)}); ` +
      `error ratio ${report.error_ratio?.toFixed(3) ?? '-'} (target <= 0.5)`,
    `seeds meeting the error target: ${report.seeds_meeting_error_target}/${seeds.length}`,
    `consensus on golden leads: ${report.golden_consensus_correct}/${report.golden_consensus_decided} = ${pct(report.golden_consensus_accuracy)}`,
  ]
  process.stdout.write(lines.join('\n') + '\n')
}

function figures(summaries: SimulationSummary[]) {
  const BAD = ['lazy', 'invalid', 'inverter'] as const
  const byKind = Object.fromEntries(BAD.map((k) => [k, {validators: 0, caught: 0, caught_by_golden: 0}])) as Record<
    (typeof BAD)[number],
    {validators: number; caught: number; caught_by_golden: number}
  >
  let honestEpochs = 0
  let honestIneligible = 0
  let decided = 0
  let correct = 0
  let bestVotes = 0
  let bestCorrect = 0
  let goldenDecided = 0
  let goldenCorrect = 0
  let seedsMeeting = 0
  for (const s of summaries) {
    const kindOf = new Map(s.validator_accuracy.map((v) => [v.validator_hotkey, v.kind]))
    const first = s.epochs[0]
    for (const v of s.validator_accuracy) {
      if (!(BAD as readonly string[]).includes(v.kind)) continue
      const k = byKind[v.kind as (typeof BAD)[number]]
      k.validators++
      // No row in its first epoch (it never pulled) is not a catch.
      const row = first?.eligibility.find((e) => e.validator_hotkey === v.validator_hotkey)
      if (row && !row.eligible) k.caught++
      if (row?.failed_rules.includes('min_golden_accuracy')) k.caught_by_golden++
    }
    for (const epoch of s.epochs)
      for (const row of epoch.eligibility) {
        if (kindOf.get(row.validator_hotkey) !== 'honest') continue
        honestEpochs++
        if (!row.eligible) honestIneligible++
      }
    decided += s.decided
    correct += Math.round(s.accuracy * s.decided)
    const best = s.validator_accuracy
      .filter((v) => v.accuracy !== null)
      .reduce((a, b) => ((b.accuracy ?? 0) > (a.accuracy ?? 0) ? b : a))
    bestVotes += best.votes
    bestCorrect += Math.round((best.accuracy ?? 0) * best.votes)
    if (1 - s.accuracy <= (1 - (best.accuracy ?? 0)) / 2) seedsMeeting++
    goldenDecided += s.golden.consensus_decided
    goldenCorrect += s.golden.consensus_correct
  }
  const ratio = (a: number, b: number) => (b === 0 ? null : Math.round((a / b) * 10_000) / 10_000)
  const bad = Object.values(byKind).reduce((a, k) => a + k.validators, 0)
  const caught = Object.values(byKind).reduce((a, k) => a + k.caught, 0)
  const caughtByGolden = Object.values(byKind).reduce((a, k) => a + k.caught_by_golden, 0)
  const consensusAccuracy = ratio(correct, decided)
  const bestAccuracy = ratio(bestCorrect, bestVotes)
  const consensusError = consensusAccuracy === null ? null : Math.round((1 - consensusAccuracy) * 10_000) / 10_000
  const bestError = bestAccuracy === null ? null : Math.round((1 - bestAccuracy) * 10_000) / 10_000
  return {
    seeds: summaries.map((s) => s.seed),
    prospects: PROSPECTS,
    epochs: EPOCHS,
    golden_rate: GOLDEN_RATE,
    bad_validators: bad,
    bad_caught: caught,
    bad_caught_share: ratio(caught, bad),
    bad_caught_by_golden_share: ratio(caughtByGolden, bad),
    bad_caught_by_kind: byKind,
    honest_validator_epochs: honestEpochs,
    honest_ineligible: honestIneligible,
    honest_ineligible_share: ratio(honestIneligible, honestEpochs),
    consensus_accuracy: consensusAccuracy,
    consensus_error: consensusError,
    best_validator_accuracy: bestAccuracy,
    best_validator_error: bestError,
    error_ratio: consensusError === null || !bestError ? null : Math.round((consensusError / bestError) * 1000) / 1000,
    seeds_meeting_error_target: seedsMeeting,
    golden_consensus_decided: goldenDecided,
    golden_consensus_correct: goldenCorrect,
    golden_consensus_accuracy: ratio(goldenCorrect, goldenDecided),
  }
}
