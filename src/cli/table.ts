import chalk from 'chalk'
import Table from 'cli-table3'

/** A plain table for people; colours come from chalk only, so NO_COLOR and pipes get none. */
export function renderTable(head: string[], rows: (string | number | boolean | null | undefined)[][]): string {
  const table = new Table({head: head.map((h) => chalk.bold(h)), style: {head: [], border: []}})
  for (const row of rows) table.push(row.map((cell) => (cell === null || cell === undefined ? '' : String(cell))))
  return table.toString()
}

/** One line per reason, `check: message`, for a table cell. */
export function reasonLines(reasons: readonly {check: string; message: string}[]): string {
  return reasons.map((r) => `${r.check}: ${r.message}`).join('\n')
}
