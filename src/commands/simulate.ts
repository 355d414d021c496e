import {Flags} from '@oclif/core'
import {LeadpoetCommand} from '../cli/base-command.js'
import {EXIT, LeadpoetError} from '../errors.js'
import {renderTable} from '../cli/table.js'
import {DEFAULT_SIMULATION as D, simulate, SimulationSummary} from '../simulation/simulate.js'

const percent = (x: number) => `${(x * 100).toFixed(2)} %`

export default class Simulate extends LeadpoetCommand {
  static override resultSchema = SimulationSummary
  static override summary =
    'Run a whole subnet on a fresh embedded database and measure how well consensus finds the truth.'
  static override description =
    'Miners queue prospects whose truth is known; honest (noisy), lazy (always valid), invalid (always ' +
    'invalid), inverter (always wrong) and slow (leases lapse) validators pull and vote concurrently through the real service ' +
    'layer over several epochs; the operator adds golden (known-answer) leads, sweeps, closes and clears epochs.\n' +
    'Prints consensus accuracy against the truth, false positive/negative rates, eligibility, miner ' +
    "weights, per-epoch stats and timings: wall time of the whole run and the process's own peak memory. The " +
    'same seed gives the same summary (timings aside). It never touches your database: it works in a ' +
    'temporary directory, removed at the end or when interrupted. Progress goes to stderr.'
  static override examples = [
    '<%= config.bin %> simulate',
    '<%= config.bin %> simulate --prospects 100000 --epochs 5 --json',
  ]
  // A fresh database of its own and made-up identities: no --db or wallet flags to offer (the cast keeps the base's type).
  static override baseFlags = {} as typeof LeadpoetCommand.baseFlags
  static override flags = {
    seed: Flags.integer({description: 'random seed', default: D.seed}),
    prospects: Flags.integer({description: 'prospects in all', default: D.prospects, min: 1, max: 1_000_000}),
    miners: Flags.integer({description: 'miners', default: D.miners, min: 1, max: 256}),
    epochs: Flags.integer({description: 'epochs the prospects are spread over', default: D.epochs, min: 1, max: 100}),
    honest: Flags.integer({
      description: 'honest validators (the truth, with noise)',
      default: D.validators.honest,
      min: 0,
      max: 256,
    }),
    lazy: Flags.integer({description: 'lazy validators (always valid)', default: D.validators.lazy, min: 0, max: 256}),
    invalid: Flags.integer({
      description: 'validators that always say invalid',
      default: D.validators.invalid,
      min: 0,
      max: 256,
    }),
    inverter: Flags.integer({
      description: 'validators that always say the opposite of the truth',
      default: D.validators.inverter,
      min: 0,
      max: 256,
    }),
    slow: Flags.integer({
      description: 'slow validators (pull, never vote in time)',
      default: D.validators.slow,
      min: 0,
      max: 256,
    }),
    noise: Flags.string({description: "chance an honest validator's vote is wrong", default: String(D.noise)}),
    'valid-rate': Flags.string({description: 'share of prospects that are truly valid', default: String(D.validRate)}),
    batch: Flags.integer({description: 'pull and submit batch size', default: D.batch, min: 1, max: 500}),
    'golden-leads': Flags.integer({
      description: 'golden (known-answer) leads the operator adds; 0 for none',
      default: D.goldenLeads,
      min: 0,
      max: 100_000,
    }),
    'golden-rate': Flags.string({
      description: "share of each validator's pulled items that are golden (the golden_rate setting, at most 0.5)",
      default: String(D.goldenRate),
    }),
    'golden-valid-rate': Flags.string({
      description: 'share of the golden leads that are truly valid',
      default: String(D.goldenValidRate),
    }),
  }

  async run(): Promise<SimulationSummary> {
    const {flags} = await this.parse(Simulate)
    const noise = fraction('noise', flags.noise)
    const validRate = fraction('valid-rate', flags['valid-rate'])
    const goldenRate = fraction('golden-rate', flags['golden-rate'], 0.5)
    const goldenValidRate = fraction('golden-valid-rate', flags['golden-valid-rate'])
    const summary = await simulate({
      seed: flags.seed,
      prospects: flags.prospects,
      miners: flags.miners,
      epochs: flags.epochs,
      validators: {
        honest: flags.honest,
        lazy: flags.lazy,
        invalid: flags.invalid,
        inverter: flags.inverter,
        slow: flags.slow,
      },
      noise,
      validRate,
      batch: flags.batch,
      goldenLeads: flags['golden-leads'],
      goldenRate,
      goldenValidRate,
      onProgress: (line) => this.progress(line),
    })

    this.log(
      renderTable(
        [
          'prospects',
          'decided',
          'accepted',
          'rejected',
          'undecided',
          'accuracy',
          'false positives',
          'false negatives',
          'votes',
          'lapsed leases',
        ],
        [
          [
            summary.prospects,
            summary.decided,
            summary.accepted,
            summary.rejected,
            summary.undecided,
            percent(summary.accuracy),
            percent(summary.false_positive_rate),
            percent(summary.false_negative_rate),
            summary.votes,
            summary.lapsed_leases,
          ],
        ],
      ),
    )
    const name = (hotkey: string) => summary.participants[hotkey] ?? hotkey
    for (const epoch of summary.epochs) {
      this.log(
        `\nEpoch ${epoch.epoch}: ${epoch.decided} decided, ${epoch.accepted} accepted, ${epoch.stats.unanimous} unanimous`,
      )
      this.log(
        renderTable(
          [
            'validator',
            'decided',
            'matching',
            'agreement',
            'golden votes',
            'golden accuracy',
            'leases',
            'abandoned',
            'eligible',
            'failed rules',
          ],
          epoch.eligibility.map((v) => [
            name(v.validator_hotkey),
            v.decided_leads,
            v.matching_votes,
            percent(v.agreement),
            v.golden_votes,
            v.golden_accuracy === null ? '-' : percent(v.golden_accuracy),
            v.leases,
            v.released + v.lapsed,
            v.eligible ? 'yes' : 'no',
            v.failed_rules.join(', '),
          ]),
        ),
      )
      this.log(
        renderTable(
          ['miner', 'accepted', 'weight'],
          epoch.weights.map((w) => [name(w.miner_hotkey), w.accepted_leads, w.share.toFixed(4)]),
        ),
      )
    }
    const bestHonest = Math.max(0, ...summary.validator_accuracy.map((v) => v.accuracy ?? 0))
    this.log(
      `\nConsensus accuracy ${percent(summary.accuracy)}; best single validator ${percent(bestHonest)}. ` +
        `Golden leads decided by consensus: ${summary.golden.consensus_correct}/${summary.golden.consensus_decided} right.`,
    )
    this.log(
      `\n${summary.timings.seconds} s, ${summary.timings.votes_per_second} votes/s, ` +
        `peak RSS ${summary.timings.peak_rss_mib} MiB (the process's own maximum; seed ${summary.seed})`,
    )
    return summary
  }
}

function fraction(name: string, value: string, max = 1): number {
  const number = Number(value)
  if (value.trim() === '' || !Number.isFinite(number) || number < 0 || number > max) {
    throw new LeadpoetError(
      'INVALID_FLAG',
      `--${name} must be a number between 0 and ${max}, not ${JSON.stringify(value)}`,
      EXIT.usage,
    )
  }
  return number
}
