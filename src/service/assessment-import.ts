/**
 * `submit FILE`: votes judged elsewhere, one JSON object a line (a JSON array also does) in the
 * `pull --export` format with `is_valid`, `score` and `reasons` added. The whole file is checked
 * before anything is sent: one bad line refuses it, with every bad line listed.
 */
import {z} from 'zod'
import {EXIT, LeadpoetError} from '../errors.js'
import type {ConsensusService} from './consensus.js'
import {detectFormat, MalformedRecord, parseRecords} from './records.js'
import {type SubmitResult, type Assessment} from './results.js'
import {Reason} from './validator-run.js'

/** One line to vote from. Other fields (the exported prospect, lease and local checks) are carried along and ignored. */
const AssessmentLine = z
  .looseObject({
    prospect_id: z.uuid({message: 'must be a prospect id (a UUID)'}),
    is_valid: z.boolean({message: 'must be true or false'}),
    score: z
      .number({message: 'must be a number'})
      .min(0, {message: 'must be at least 0'})
      .max(1, {message: 'must be at most 1'}),
    reasons: z.array(Reason).optional(),
    /** the database's name for `reasons`, as older files have it */
    rejection_reasons: z.array(Reason).optional(),
  })
  .refine((line) => !(line.reasons && line.rejection_reasons), {
    message: 'has both reasons and rejection_reasons: give one',
  })

export const RefusedLine = z.object({line: z.number().int(), field: z.string(), message: z.string()})
export type RefusedLine = z.infer<typeof RefusedLine>

/** The file's votes, in order; INVALID_FILE (nothing sent) listing every bad line. */
export function parseAssessmentFile(file: string, text: string): Assessment[] {
  const format = detectFormat(file, text, ['jsonl', 'json'])
  const records = parseRecords(format, text)
  if (records.length === 0) throw new LeadpoetError('EMPTY_FILE', `${file} holds no assessments`, EXIT.usage)
  const problems: RefusedLine[] = []
  const assessments: Assessment[] = []
  const seen = new Map<string, number>()
  for (const {line, value} of records) {
    if (value instanceof MalformedRecord) {
      problems.push({line, field: '(line)', message: value.reason})
      continue
    }
    const parsed = AssessmentLine.safeParse(value)
    if (!parsed.success) {
      for (const issue of parsed.error.issues)
        problems.push({line, field: issue.path.join('.') || '(line)', message: issue.message})
      continue
    }
    const {prospect_id, is_valid, score, reasons, rejection_reasons} = parsed.data
    const first = seen.get(prospect_id)
    if (first !== undefined) {
      problems.push({line, field: 'prospect_id', message: `${prospect_id} is already on line ${first}`})
      continue
    }
    seen.set(prospect_id, line)
    assessments.push({prospect_id, is_valid, score, rejection_reasons: reasons ?? rejection_reasons ?? []})
  }
  if (problems.length > 0) {
    const [first] = problems
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : ''
    throw new LeadpoetError(
      'INVALID_FILE',
      `${file} line ${first!.line}: ${first!.field} ${first!.message}${more}; nothing was submitted`,
      EXIT.usage,
      {refused: problems},
    )
  }
  return assessments
}

/**
 * Votes in batches the database accepts, in file order. A batch that fails after earlier ones went
 * in says so (exit 3) with what went in, rather than "nothing written".
 */
export async function submitAssessments(
  service: ConsensusService,
  assessments: readonly Assessment[],
): Promise<SubmitResult> {
  const {max_batch_size: batch} = await service.settings()
  const total: SubmitResult = {epoch: 0, results: [], recorded: 0, unchanged: 0, refused: 0, accepted: 0, rejected: 0}
  for (let start = 0; start < assessments.length; start += batch) {
    const part = await service.submit(assessments.slice(start, start + batch)).catch((error: LeadpoetError) => {
      if (start === 0) throw error
      throw new LeadpoetError(
        error.code,
        `${error.message} (after ${start} assessments were submitted)`,
        EXIT.partial,
        {
          submitted: total,
        },
      )
    })
    total.epoch = part.epoch
    total.results.push(...part.results)
    for (const key of ['recorded', 'unchanged', 'refused', 'accepted', 'rejected'] as const) total[key] += part[key]
  }
  return total
}
