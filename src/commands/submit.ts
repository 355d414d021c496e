import {Args} from '@oclif/core'
import {LeadpoetCommand} from '../cli/base-command.js'
import {readInputFile} from '../cli/input.js'
import {renderTable} from '../cli/table.js'
import {EXIT} from '../errors.js'
import {parseAssessmentFile, submitAssessments} from '../service/assessment-import.js'
import * as R from '../service/results.js'

export default class Submit extends LeadpoetCommand {
  static override resultSchema = R.SubmitResult
  static override summary =
    'Vote from a file judged elsewhere: the `pull --export` lines with is_valid, score and reasons added.'
  static override description =
    'Each line is a JSON object: {"prospect_id", "is_valid", "score" (0 to 1), "reasons": [{"check", "message"}]}, ' +
    'plus anything else `pull --export` wrote (ignored). The same rules as pull: only prospects you hold a live ' +
    'lease on (from `pull --export`); an identical resubmit is a no-op.\n' +
    'Exit status: 0 all recorded (or unchanged), 3 some refused (or a later batch of a long file failed: the ' +
    'error lists what went in), 2 every vote refused, or a malformed file (nothing is written; every bad line ' +
    'listed), 4 not authorised.'
  static override examples = [
    '<%= config.bin %> submit judged.jsonl --wallet.name validator --wallet.hotkey default',
    'jq -c \'select(.checks.verdict == "vote") + {is_valid: .checks.is_valid, score: .checks.score, reasons: .checks.reasons}\' ' +
      'batch.jsonl | <%= config.bin %> submit - --hotkey 5F...',
  ]
  static override args = {file: Args.string({description: 'JSON Lines file, or - for stdin', required: true})}

  async run(): Promise<R.SubmitResult> {
    const {args, flags} = await this.parse(Submit)
    const assessments = parseAssessmentFile(args.file, await readInputFile(args.file, 'assessments'))
    const {service} = await this.openSession('validator', flags)
    const total = await submitAssessments(service, assessments)
    this.log(
      renderTable(
        ['prospect', 'outcome', 'decision'],
        total.results.map((r) => [r.prospect_id, r.outcome, r.decision]),
      ),
    )
    this.log(`${total.recorded} recorded, ${total.unchanged} unchanged, ${total.refused} refused.`)
    // As for `prospects add`: nothing went in is a refused input (2), some refused is partial (3).
    if (total.refused > 0) process.exitCode = total.refused === total.results.length ? EXIT.usage : EXIT.partial
    return total
  }
}
