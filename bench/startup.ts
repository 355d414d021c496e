/**
 * Start-up benchmark: what a user feels from commands run by cron every minute. Each case runs the
 * built CLI (`node bin/run.js`, dist/ and the oclif manifest from `npm run build`) as a new process,
 * `--runs` times after one warm-up, and reports wall time from spawn to exit and the process's own
 * peak resident memory (ru_maxrss, reported at exit by a preloaded data: module, test/support/max-rss.ts).
 *
 *   npm run bench -- startup [--runs 10] [--simulate 100000] [--json]
 *
 * Cases: `--help`; `consensus sweep` on Postgres (a database it creates and drops on DATABASE_URL,
 * default the local server); `consensus sweep` on the embedded database (a fresh data directory);
 * `simulate --prospects N --epochs 5` once (`--simulate 0` leaves it out).
 */
import {spawn} from 'node:child_process'
import {mkdtemp, readFile, rm} from 'node:fs/promises'
import {loadavg, tmpdir} from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {parseArgs} from 'node:util'
import {MAX_RSS_REPORTER} from '../test/support/max-rss.js'
import {createTestDatabase} from '../test/support/postgres.js'

const {values: flags} = parseArgs({
  options: {
    runs: {type: 'string', default: '10'},
    simulate: {type: 'string', default: '100000'},
    json: {type: 'boolean', default: false},
  },
  allowPositionals: true,
})
const RUNS = Number(flags.runs)
const SIMULATE = Number(flags.simulate)
const BIN = fileURLToPath(new URL('../bin/run.js', import.meta.url))
const REPORTER = MAX_RSS_REPORTER
const log = (line: string) => {
  if (!flags.json) process.stderr.write(`${line}\n`)
}

interface Sample {
  seconds: number
  maxRssMib: number
  code: number | null
}

async function runOnce(args: string[], env: Record<string, string>, scratch: string): Promise<Sample> {
  const rssFile = path.join(scratch, `rss-${process.hrtime.bigint()}`)
  const started = performance.now()
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', REPORTER, BIN, ...args], {
      env: {...process.env, NO_COLOR: '1', ...env, LEADPOET_BENCH_RSS_FILE: rssFile},
      stdio: ['ignore', 'ignore', 'pipe'],
    })
    let stderr = ''
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    child.on('error', reject)
    child.on('exit', (status) => {
      if (status !== 0) process.stderr.write(`leadpoet ${args.join(' ')} exited ${status}: ${stderr}\n`)
      resolve(status)
    })
  })
  const seconds = (performance.now() - started) / 1000
  const maxRssMib = Number(await readFile(rssFile, 'utf8')) / 1024
  return {seconds, maxRssMib, code}
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}
const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits

interface Case {
  name: string
  args: string[]
  env: Record<string, string>
  runs: number
  target: {seconds?: number; maxRssMib?: number}
}

const scratch = await mkdtemp(path.join(tmpdir(), 'leadpoet-bench-startup-'))
const database = await createTestDatabase('leadpoet_bench_startup')
const results: Array<Record<string, unknown>> = []
try {
  const xdg = (name: string) => ({
    XDG_DATA_HOME: path.join(scratch, name, 'data'),
    XDG_CONFIG_HOME: path.join(scratch, name, 'config'),
  })
  const postgres = {...xdg('postgres'), LEADPOET_DB: database.url}
  const embedded = {...xdg('embedded'), LEADPOET_DB: ''}
  await runOnce(['db', 'migrate'], postgres, scratch)
  await runOnce(['db', 'migrate'], embedded, scratch) // creates the embedded database: not timed
  const cases: Case[] = [
    {name: '--help', args: ['--help'], env: xdg('help'), runs: RUNS, target: {seconds: 0.5, maxRssMib: 150}},
    {
      name: 'consensus sweep (Postgres)',
      args: ['consensus', 'sweep'],
      env: postgres,
      runs: RUNS,
      target: {seconds: 0.5, maxRssMib: 150},
    },
    {
      name: 'consensus sweep (embedded)',
      args: ['consensus', 'sweep'],
      env: embedded,
      runs: RUNS,
      target: {seconds: 2},
    },
  ]
  if (SIMULATE > 0)
    cases.push({
      name: `simulate --prospects ${SIMULATE} --epochs 5`,
      args: ['simulate', '--prospects', String(SIMULATE), '--epochs', '5', '--json'],
      env: xdg('simulate'),
      runs: 1,
      target: {maxRssMib: 500},
    })

  for (const c of cases) {
    if (c.runs > 1) await runOnce(c.args, c.env, scratch) // warm-up: file system cache, manifest
    const samples: Sample[] = []
    for (let run = 0; run < c.runs; run++) samples.push(await runOnce(c.args, c.env, scratch))
    const seconds = samples.map((s) => s.seconds)
    const rss = samples.map((s) => s.maxRssMib)
    const row = {
      case: c.name,
      runs: c.runs,
      seconds_median: round(median(seconds)),
      seconds_max: round(Math.max(...seconds)),
      max_rss_mib_median: Math.round(median(rss)),
      max_rss_mib_max: Math.round(Math.max(...rss)),
      failed_runs: samples.filter((s) => s.code !== 0).length,
      target_seconds: c.target.seconds ?? null,
      target_max_rss_mib: c.target.maxRssMib ?? null,
      within_target:
        (c.target.seconds === undefined || median(seconds) < c.target.seconds) &&
        (c.target.maxRssMib === undefined || Math.max(...rss) < c.target.maxRssMib),
    }
    results.push(row)
    log(
      `${c.name}: ${row.seconds_median} s median (max ${row.seconds_max} s), peak RSS ${row.max_rss_mib_median} MiB ` +
        `median (max ${row.max_rss_mib_max} MiB) over ${c.runs} run(s)` +
        `${c.target.seconds ? `; target < ${c.target.seconds} s` : ''}` +
        `${c.target.maxRssMib ? `; target < ${c.target.maxRssMib} MiB` : ''}: ${row.within_target ? 'met' : 'MISSED'}`,
    )
  }
} finally {
  await database.drop()
  await rm(scratch, {recursive: true, force: true})
}
const report = {node: process.version, load_average_1m_at_end: round(loadavg()[0]!), cases: results}
if (flags.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`)
else log(`node ${report.node}; one-minute load average at the end: ${report.load_average_1m_at_end}`)
