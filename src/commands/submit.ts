import {Args} from '@oclif/core'
import {LeadpoetCommand} from '../cli/base-command.js'
import {renderTable} from '../cli/table.js'
import {EXIT, LeadpoetError} from '../errors.js'
import {readFile} from 'node:fs/promises'
import * as R from '../service/results.js'

export default class Submit extends LeadpoetCommand {
  static override resultSchema = R.SubmitResult
  static override summary =
    'Submit assessments produced elsewhere: a JSON Lines file of {prospect_id, is_valid, score, rejection_reasons}.'
  static override description =
    'The same rules as pull: only prospects you hold a live lease on; an identical resubmit is a no-op.\n' +
    'Exit status: 0 all recorded (or unchanged), 3 some refused (or a later batch of a long file failed: ' +
    'the error lists what went in), 2 malformed file or a malformed first batch (nothing is written).'
  static override args = {file: Args.string({description: 'JSONL file, or - for stdin', required: true})}

  async run(): Promise<R.SubmitResult> {
    const {args, flags} = await this.parse(Submit)
    const assessments = parseAssessments(await readInput(args.file))
    const {service} = await this.openSession('validator', flags)
    const {max_batch_size: batch} = await service.settings()
    const total: R.SubmitResult = {
      epoch: 0,
      results: [],
      recorded: 0,
      unchanged: 0,
      refused: 0,
      accepted: 0,
      rejected: 0,
    }
    for (let start = 0; start < assessments.length; start += batch) {
      const part = await service.submit(assessments.slice(start, start + batch)).catch((error: LeadpoetError) => {
        // Earlier batches are in: say so, with their results, rather than "nothing written".
        if (start === 0) throw error
        throw new LeadpoetError(
          error.code,
          `${error.message} (after ${start} assessments were submitted)`,
          EXIT.partial,
          {submitted: total},
        )
      })
      total.epoch = part.epoch
      total.results.push(...part.results)
      for (const key of ['recorded', 'unchanged', 'refused', 'accepted', 'rejected'] as const) total[key] += part[key]
    }
    this.log(
      renderTable(
        ['prospect', 'outcome', 'decision'],
        total.results.map((r) => [r.prospect_id, r.outcome, r.decision]),
      ),
    )
    this.log(`${total.recorded} recorded, ${total.unchanged} unchanged, ${total.refused} refused.`)
    if (total.refused > 0) process.exitCode = EXIT.partial
    return total
  }
}

async function readInput(file: string): Promise<string> {
  try {
    if (file !== '-') return await readFile(file, 'utf8')
    const chunks: Buffer[] = []
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
    return Buffer.concat(chunks).toString('utf8')
  } catch (error) {
    throw new LeadpoetError('FILE_UNREADABLE', `cannot read ${file}: ${(error as Error).message}`, EXIT.usage)
  }
}

/** JSON Lines; a line that is not JSON refuses the whole file (nothing is submitted). */
function parseAssessments(text: string): R.Assessment[] {
  const assessments: R.Assessment[] = []
  for (const [index, line] of text.split(/\r?\n/).entries()) {
    if (!line.trim()) continue
    try {
      assessments.push(JSON.parse(line) as R.Assessment)
    } catch (error) {
      throw new LeadpoetError('INVALID_FILE', `line ${index + 1} is not JSON: ${(error as Error).message}`, EXIT.usage)
    }
  }
  if (assessments.length === 0) throw new LeadpoetError('EMPTY_FILE', 'no assessments in the file', EXIT.usage)
  return assessments
}
