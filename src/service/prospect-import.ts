import {readFile} from 'node:fs/promises'
import {parse as parseCsv} from 'csv-parse/sync'
import {z} from 'zod'
import {EXIT, LeadpoetError} from '../errors.js'
import {parseLead, type Lead} from '../lead.js'
import type {ConsensusService} from './consensus.js'

/** One input row: where it came from (1-based line, or array position for a JSON array) and its value. */
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
  format: z.enum(['json', 'jsonl', 'csv']),
  rows: z.number().int(),
  enqueued: z.number().int(),
  prospect_ids: z.array(z.string().uuid()),
  refused: z.array(RefusedRow),
})
export type ImportResult = z.infer<typeof ImportResult>

type Format = ImportResult['format']

/** Reads a file (or `-` for stdin) as a JSON array, JSON Lines or CSV with a header row. */
export async function readProspectFile(
  file: string,
  stdin: () => Promise<string>,
): Promise<{format: Format; rows: ProspectRow[]}> {
  let text: string
  try {
    text = file === '-' ? await stdin() : await readFile(file, 'utf8')
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message
    throw new LeadpoetError('FILE_UNREADABLE', `cannot read ${file}: ${reason}`, EXIT.usage)
  }
  const format = detectFormat(file, text)
  return {format, rows: parseRows(format, text)}
}

function detectFormat(file: string, text: string): Format {
  const extension = file.toLowerCase().split('.').pop()
  if (extension === 'csv') return 'csv'
  if (extension === 'jsonl' || extension === 'ndjson') return 'jsonl'
  if (extension === 'json') return 'json'
  const first = text.trimStart()[0]
  return first === '[' ? 'json' : first === '{' ? 'jsonl' : 'csv'
}

function parseRows(format: Format, text: string): ProspectRow[] {
  if (format === 'json') {
    let value: unknown
    try {
      value = JSON.parse(text)
    } catch (error) {
      throw new LeadpoetError('INVALID_FILE', `not a JSON document: ${(error as Error).message}`, EXIT.usage)
    }
    if (!Array.isArray(value))
      throw new LeadpoetError('INVALID_FILE', 'a JSON file must hold an array of prospects', EXIT.usage)
    return (value as unknown[]).map((item, index) => ({line: index + 1, value: item}))
  }
  if (format === 'jsonl') {
    const rows: ProspectRow[] = []
    for (const [index, line] of text.split(/\r?\n/).entries()) {
      if (!line.trim()) continue
      let value: unknown
      try {
        value = JSON.parse(line)
      } catch (error) {
        value = new MalformedLine((error as Error).message)
      }
      rows.push({line: index + 1, value})
    }
    return rows
  }
  let records: {record: Record<string, string>; line: number}[]
  try {
    const parsed: {record: Record<string, string>; info: {lines: number}}[] = parseCsv(text, {
      columns: true,
      skip_empty_lines: true,
      trim: true,
      bom: true,
      info: true,
    })
    records = parsed.map((entry) => ({record: entry.record, line: entry.info.lines}))
  } catch (error) {
    throw new LeadpoetError('INVALID_FILE', `not a CSV file with a header row: ${(error as Error).message}`, EXIT.usage)
  }
  return records.map(({record, line}) => ({line, value: csvRecordToProspect(record)}))
}

/** A JSONL line that is not JSON: reported as that row's problem, not the file's. */
class MalformedLine {
  constructor(readonly reason: string) {}
}

/** CSV cells are text: empty cells are absent, lists are `;`-separated, whole numbers are numbers. */
function csvRecordToProspect(record: Record<string, string>): Record<string, unknown> {
  const prospect: Record<string, unknown> = {}
  for (const [key, cell] of Object.entries(record)) {
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
  read: {format: Format; rows: ProspectRow[]},
): Promise<ImportResult> {
  const good: {line: number; lead: Lead}[] = []
  const refused: RefusedRow[] = []
  for (const row of read.rows) {
    if (row.value instanceof MalformedLine) {
      refused.push({line: row.line, issues: [{field: '(line)', message: `not JSON: ${row.value.reason}`}]})
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
