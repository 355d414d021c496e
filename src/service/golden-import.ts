import {parseLead} from '../lead.js'
import {EXIT, LeadpoetError} from '../errors.js'
import {detectFormat, MalformedRecord, parseRecords} from './records.js'
import type {GoldenLeadInput} from './results.js'

/** One problem in a golden file: its line, the field and why. */
export interface GoldenFileIssue {
  line: number
  field: string
  message: string
}

const KEYS = new Set(['prospect', 'is_valid', 'note'])

/**
 * A golden file: a JSON array or JSON Lines of `{"prospect": {lead}, "is_valid": true|false, "note"?: "..."}`.
 * The lead is checked as a miner's prospect is (a golden lead must look like one). Any problem refuses
 * the whole file, every problem listed with its line: golden leads are added all together or not at all.
 */
export function parseGoldenFile(file: string, text: string): GoldenLeadInput[] {
  const records = parseRecords(detectFormat(file, text, ['json', 'jsonl']), text)
  const leads: GoldenLeadInput[] = []
  const issues: GoldenFileIssue[] = []
  for (const {line, value} of records) {
    if (value instanceof MalformedRecord) {
      issues.push({line, field: '(line)', message: value.reason})
      continue
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      issues.push({line, field: '(entry)', message: 'must be an object {"prospect": {...}, "is_valid": true|false}'})
      continue
    }
    const entry = value as Record<string, unknown>
    const before = issues.length
    for (const key of Object.keys(entry))
      if (!KEYS.has(key))
        issues.push({line, field: key, message: 'is not a golden lead key (prospect, is_valid, note)'})
    if (typeof entry.is_valid !== 'boolean')
      issues.push({line, field: 'is_valid', message: 'must be true or false (the expected verdict)'})
    if (entry.note !== undefined && typeof entry.note !== 'string')
      issues.push({line, field: 'note', message: 'must be a string'})
    const parsed = parseLead(entry.prospect)
    if (!parsed.ok)
      for (const issue of parsed.issues) issues.push({line, field: `prospect.${issue.field}`, message: issue.message})
    if (issues.length > before || !parsed.ok) continue
    leads.push({
      prospect: parsed.lead,
      is_valid: entry.is_valid as boolean,
      ...(typeof entry.note === 'string' ? {note: entry.note} : {}),
    })
  }
  if (issues.length > 0) {
    const first = issues[0]!
    throw new LeadpoetError(
      'INVALID_GOLDEN_FILE',
      `${file}: ${issues.length} problem(s), nothing added; first: line ${first.line}: ${first.field} ${first.message}`,
      EXIT.usage,
      issues,
    )
  }
  if (leads.length === 0) throw new LeadpoetError('EMPTY_FILE', `${file} holds no golden leads`, EXIT.usage)
  return leads
}
