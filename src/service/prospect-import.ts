import {z} from 'zod'
import {parseLead, type Lead} from '../lead.js'
import type {ConsensusService} from './consensus.js'
import {detectFormat, MalformedRecord, parseRecords, RECORD_FORMATS, type RecordFormat} from './records.js'

/** One input row: the 1-based line it starts on, and its value. */
export interface ProspectRow {
  line: number
  value: unknown
}

export const RefusedRow = z.object({
  line: z.number().int(),
  issues: z.array(z.object({field: z.string(), message: z.string()})),
})
export type RefusedRow = z.infer<typeof RefusedRow>

export const ImportResult = z.object({
  format: z.enum(RECORD_FORMATS),
  rows: z.number().int(),
  enqueued: z.number().int(),
  prospect_ids: z.array(z.string().uuid()),
  refused: z.array(RefusedRow),
})
export type ImportResult = z.infer<typeof ImportResult>

/** A prospect file's records: a JSON array, JSON Lines or CSV with a header row (`-`: stdin). */
export function parseProspectFile(file: string, text: string): {format: RecordFormat; rows: ProspectRow[]} {
  const format = detectFormat(file, text)
  return {
    format,
    rows: parseRecords(format, text).map((record) => ({...record, value: prospectValue(format, record.value)})),
  }
}

/** CSV cells are text: empty cells are absent, lists are `;`-separated, whole numbers are numbers. */
function prospectValue(format: RecordFormat, value: unknown): unknown {
  if (format !== 'csv' || value instanceof MalformedRecord) return value
  const prospect: Record<string, unknown> = {}
  for (const [key, cell] of Object.entries(value as Record<string, string>)) {
    if (cell === '') continue
    if (key === 'phone_numbers')
      prospect[key] = cell
        .split(';')
        .map((n) => n.trim())
        .filter(Boolean)
    else if ((key === 'founded_year' || key === 'employee_count') && /^\d+$/.test(cell)) prospect[key] = Number(cell)
    else prospect[key] = cell
  }
  return prospect
}

/**
 * Checks every row against the lead schema and queues the good ones, in order, in batches the
 * database accepts. Bad rows are reported with their line and reasons; they never stop the others.
 */
export async function importProspects(
  service: ConsensusService,
  read: {format: RecordFormat; rows: ProspectRow[]},
): Promise<ImportResult> {
  const good: {line: number; lead: Lead}[] = []
  const refused: RefusedRow[] = []
  for (const row of read.rows) {
    if (row.value instanceof MalformedRecord) {
      refused.push({line: row.line, issues: [{field: '(line)', message: row.value.reason}]})
      continue
    }
    const parsed = parseLead(row.value)
    if (parsed.ok) good.push({line: row.line, lead: parsed.lead})
    else refused.push({line: row.line, issues: parsed.issues})
  }
  const prospectIds: string[] = []
  if (good.length > 0) {
    const {max_batch_size: batch} = await service.settings()
    for (let start = 0; start < good.length; start += batch) {
      const rows = good.slice(start, start + batch)
      const result = await service.enqueue(rows.map((row) => row.lead))
      prospectIds.push(...result.prospect_ids)
      // The database's own refusals (its quota, duplicates, sizes), by the row's line in the file.
      for (const outcome of result.results) {
        if (outcome.outcome === 'queued') continue
        refused.push({
          line: rows[outcome.index - 1]!.line,
          issues: [{field: '(lead)', message: `${outcome.outcome}: ${outcome.message ?? ''}`.trim()}],
        })
      }
    }
  }
  refused.sort((a, b) => a.line - b.line)
  return {format: read.format, rows: read.rows.length, enqueued: prospectIds.length, prospect_ids: prospectIds, refused}
}
