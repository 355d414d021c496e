import chalk from 'chalk'
import Table from 'cli-table3'

/** A plain table for people; colours come from chalk only, so NO_COLOR and pipes get none. */
export function renderTable(head: string[], rows: (string | number | boolean | null | undefined)[][]): string {
  const table = new Table({head: head.map((h) => chalk.bold(h)), style: {head: [], border: []}})
  for (const row of rows) table.push(row.map((cell) => (cell === null || cell === undefined ? '' : String(cell))))
  return table.toString()
}

/** 0.1234 -> "12.3 %"; nothing for null. */
export const percent = (value: number | null | undefined) =>
  value === null || value === undefined ? '' : `${(value * 100).toFixed(1)} %`

/** Probation in one line: who is refused at pull this epoch, or why nobody is. */
export function describeProbation(probation: {
  epoch: number
  on_probation: number
  candidates: number
  lifted: boolean
}) {
  if (probation.on_probation === 0) return `Probation in epoch ${probation.epoch}: nobody.`
  const refused = `${probation.on_probation} of ${probation.candidates} validators`
  return probation.lifted
    ? `Probation in epoch ${probation.epoch}: lifted (${refused} would be refused, leaving fewer than a quorum).`
    : `Probation in epoch ${probation.epoch}: ${refused} refused at pull.`
}

/** One validator's eligibility and participation, as `epoch eligibility` and `stats` show them. */
export const ELIGIBILITY_HEAD = [
  'validator',
  'leases',
  'voted',
  'released',
  'lapsed',
  'decided',
  'timeout votes',
  'agreement',
  'eligible',
  'failed rules',
]
export function eligibilityRow(v: {
  validator_hotkey: string
  leases: number
  voted: number
  released: number
  lapsed: number
  decided_leads: number
  timeout_votes: number
  agreement: number | null
  eligible: boolean
  failed_rules: readonly string[]
}): (string | number)[] {
  return [
    v.validator_hotkey,
    v.leases,
    v.voted,
    v.released,
    v.lapsed,
    v.decided_leads,
    v.timeout_votes,
    percent(v.agreement),
    v.eligible ? 'yes' : 'no',
    v.failed_rules.join(', '),
  ]
}

/** One line per reason, `check: message`, for a table cell. */
export function reasonLines(reasons: readonly {check: string; message: string}[]): string {
  return reasons.map((r) => `${r.check}: ${r.message}`).join('\n')
}
