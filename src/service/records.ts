/**
 * Input files as records with the line each starts on: a JSON array, JSON Lines or CSV with a header
 * row. The one reader behind `prospects add`, `submit` and `check`. A record that cannot be read (a
 * JSONL line that is not JSON, a CSV row with the wrong number of fields) is a `MalformedRecord` for
 * its line; a file that cannot be read as a whole (a JSON array that is not JSON) is refused.
 */
import {parse as parseCsv} from 'csv-parse/sync'
import {visit} from 'jsonc-parser'
import {EXIT, LeadpoetError} from '../errors.js'

export const RECORD_FORMATS = ['json', 'jsonl', 'csv'] as const
export type RecordFormat = (typeof RECORD_FORMATS)[number]

/** One input record: the 1-based line it starts on and its value (or why it could not be read). */
export interface InputRecord {
  line: number
  value: unknown
}

/** A record that could not be read at all; reported as that record's problem, not the file's. */
export class MalformedRecord {
  constructor(readonly reason: string) {}
}

/** The format by extension, else by the first character (`[` an array, `{` JSON Lines, else CSV). */
export function detectFormat(
  file: string,
  text: string,
  allowed: readonly RecordFormat[] = RECORD_FORMATS,
): RecordFormat {
  const extension = file.toLowerCase().split('.').pop()
  const byExtension: Record<string, RecordFormat> = {csv: 'csv', jsonl: 'jsonl', ndjson: 'jsonl', json: 'json'}
  const first = text.trimStart()[0]
  const format = byExtension[extension ?? ''] ?? (first === '[' ? 'json' : first === '{' ? 'jsonl' : 'csv')
  if (!allowed.includes(format))
    throw new LeadpoetError(
      'INVALID_FILE',
      `${file} looks like ${format.toUpperCase()}; this command reads ${allowed.map((f) => f.toUpperCase()).join(' or ')}`,
      EXIT.usage,
    )
  return format
}

export function parseRecords(format: RecordFormat, text: string): InputRecord[] {
  switch (format) {
    case 'json':
      return jsonArrayRecords(text)
    case 'jsonl':
      return jsonLinesRecords(text)
    case 'csv':
      return csvRecords(text)
  }
}

function jsonArrayRecords(text: string): InputRecord[] {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    throw new LeadpoetError('INVALID_FILE', `not a JSON document: ${(error as Error).message}`, EXIT.usage)
  }
  if (!Array.isArray(value)) throw new LeadpoetError('INVALID_FILE', 'a JSON file must hold an array', EXIT.usage)
  // JSON.parse knows no positions: a scanner finds the line each element of the array starts on.
  const lines: number[] = []
  const element = (startLine: number, path: () => unknown[]) => {
    if (path().length === 1) lines.push(startLine + 1)
  }
  visit(text, {
    onObjectBegin: (_offset, _length, startLine, _character, path) => element(startLine, path),
    onArrayBegin: (_offset, _length, startLine, _character, path) => element(startLine, path),
    onLiteralValue: (_value, _offset, _length, startLine, _character, path) => element(startLine, path),
  })
  return (value as unknown[]).map((item, index) => ({line: lines[index] ?? index + 1, value: item}))
}

function jsonLinesRecords(text: string): InputRecord[] {
  const records: InputRecord[] = []
  for (const [index, line] of text.split(/\r?\n/).entries()) {
    if (!line.trim()) continue
    let value: unknown
    try {
      value = JSON.parse(line)
    } catch (error) {
      value = new MalformedRecord(`not JSON: ${(error as Error).message}`)
    }
    records.push({line: index + 1, value})
  }
  return records
}

interface CsvEntry {
  record: Record<string, string>
  info: {lines: number; columns: unknown[]; error?: {code: string; record?: unknown[]}}
}

function csvRecords(text: string): InputRecord[] {
  let entries: CsvEntry[]
  try {
    entries = parseCsv(text, {
      columns: true,
      skip_empty_lines: true,
      trim: true,
      bom: true,
      info: true,
      // A row with too few or too many fields is that row's problem: reported, the others go on.
      relax_column_count: true,
    })
  } catch (error) {
    throw new LeadpoetError('INVALID_FILE', `not a CSV file with a header row: ${(error as Error).message}`, EXIT.usage)
  }
  return entries.map(({record, info}) => {
    if (info.error?.code === 'CSV_RECORD_INCONSISTENT_COLUMNS') {
      const fields = info.error.record?.length ?? Object.keys(record).length
      return {
        line: info.lines,
        value: new MalformedRecord(`has ${fields} fields where the header row has ${info.columns.length}`),
      }
    }
    return {line: info.lines, value: record}
  })
}
