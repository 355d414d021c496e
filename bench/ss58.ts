/**
 * What checking a caller's hotkey as an SS58 address costs, on PGlite and on PostgreSQL.
 *   - Per call in SQL: one statement runs the function over `--calls` distinct valid addresses; its
 *     time less that of the same statement without the function, divided by the calls. For
 *     is_ss58_address; blake2b_512 alone (on the address's 48 bytes: one block, as for the 40 or 41
 *     bytes of a checksum); is_ss58_address_remembered on 256 addresses not yet remembered, then on
 *     remembered ones.
 *   - Per request: p50 of `select leadpoet.is_ss58_address($1, 42)` less p50 of `select $1::text`,
 *     from the client.
 * Each figure is the median of `--repeat` runs, in wall-clock time and in CPU time (the database's:
 * this process's for PGlite, the server backend's from /proc for PostgreSQL). On a busy machine the
 * CPU time is the figure to compare.
 *
 *   npm run bench -- ss58 [--calls 2000] [--repeat 5] [--json]
 *
 * It creates and drops its own database on DATABASE_URL (default: the local server).
 */
import {readFile} from 'node:fs/promises'
import {loadavg} from 'node:os'
import {parseArgs} from 'node:util'
import {PGlite} from '@electric-sql/pglite'
import {blake2AsU8a, encodeAddress} from '@polkadot/util-crypto'
import {migrate} from '../src/db/migrations.js'
import {createPostgresPool, pgliteClient, postgresClient, type SqlClient} from '../src/db/sql-client.js'
import {createTestDatabase} from '../test/support/postgres.js'

const {values: flags} = parseArgs({
  options: {
    calls: {type: 'string', default: '2000'},
    repeat: {type: 'string', default: '5'},
    json: {type: 'boolean', default: false},
  },
  allowPositionals: true,
})
const CALLS = Number(flags.calls)
const REPEAT = Number(flags.repeat)
const REMEMBERED = 256 // the memo's size
const log = (line: string) => {
  if (!flags.json) process.stderr.write(line + '\n')
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0
const round = (n: number) => Math.round(n * 10) / 10

const addresses = Array.from({length: CALLS}, (_, i) => encodeAddress(blake2AsU8a(`leadpoet-bench:${i}`, 256), 42))

interface Engine {
  name: string
  sql: SqlClient
  /** CPU milliseconds the database has used so far. */
  cpuMs: () => Promise<number>
}

interface Cost {
  wall_us: number
  cpu_us: number
}

async function timed(engine: Engine, work: () => Promise<unknown>): Promise<Cost> {
  const cpu = await engine.cpuMs()
  const started = performance.now()
  await work()
  const wall = performance.now() - started
  return {wall_us: wall * 1000, cpu_us: ((await engine.cpuMs()) - cpu) * 1000}
}

const medianCost = (costs: Cost[]): Cost => ({
  wall_us: round(median(costs.map((c) => c.wall_us))),
  cpu_us: round(median(costs.map((c) => c.cpu_us))),
})

/** Microseconds per element that `expression` (over `a`) adds to a scan of `items`. */
async function perCall(engine: Engine, expression: string, items: string[], before?: () => Promise<unknown>) {
  const runs: Cost[] = []
  for (let r = 0; r < REPEAT; r++) {
    await before?.()
    const base = await timed(engine, () =>
      engine.sql.query(`select count(*) filter (where a is not null) from unnest($1::text[]) a`, [items]),
    )
    await before?.()
    const run = await timed(engine, () =>
      engine.sql.query(`select count(*) filter (where ${expression}) from unnest($1::text[]) a`, [items]),
    )
    runs.push({
      wall_us: (run.wall_us - base.wall_us) / items.length,
      cpu_us: (run.cpu_us - base.cpu_us) / items.length,
    })
  }
  return medianCost(runs)
}

/** Microseconds the check adds to one request's query, from the client: p50 over up to 500 queries. */
async function perRequest(engine: Engine) {
  const runs: number[] = []
  for (let r = 0; r < REPEAT; r++) {
    const base: number[] = []
    const check: number[] = []
    for (let i = 0; i < Math.min(CALLS, 500); i++) {
      base.push((await timed(engine, () => engine.sql.query('select $1::text as a', [addresses[i]]))).wall_us)
      check.push(
        (await timed(engine, () => engine.sql.query('select leadpoet.is_ss58_address($1, 42) as a', [addresses[i]])))
          .wall_us,
      )
    }
    runs.push(median(check) - median(base))
  }
  return round(median(runs))
}

async function measure(engine: Engine) {
  const {sql} = engine
  await migrate(sql)
  const [check] = await sql.query<{ok: boolean}>(
    'select bool_and(leadpoet.is_ss58_address(a, 42)) as ok from unnest($1::text[]) a',
    [addresses],
  )
  if (!check?.ok) throw new Error(`${engine.name}: a generated address was refused`)
  const forget = () => sql.query(`select set_config('leadpoet.valid_ss58_addresses', '', false)`)
  const some = addresses.slice(0, REMEMBERED)
  const result = {
    engine: engine.name,
    is_ss58_address: await perCall(engine, 'leadpoet.is_ss58_address(a, 42)', addresses),
    blake2b_512: await perCall(engine, `leadpoet.blake2b_512(convert_to(a, 'UTF8')) is not null`, addresses),
    remembered_first: await perCall(engine, 'leadpoet.is_ss58_address_remembered(a, 42)', some, forget),
    remembered_again: await perCall(
      engine,
      'leadpoet.is_ss58_address_remembered(a, 42)',
      Array.from({length: CALLS}, (_, i) => some[i % some.length]!),
      async () => {
        await forget()
        await sql.query(
          'select count(*) filter (where leadpoet.is_ss58_address_remembered(a, 42)) from unnest($1::text[]) a',
          [some],
        )
      },
    ),
    added_to_a_request_wall_us: await perRequest(engine),
  }
  const show = (c: Cost) => `${c.cpu_us} µs CPU (${c.wall_us} wall)`
  log(
    `${engine.name}: is_ss58_address ${show(result.is_ss58_address)}; blake2b_512 ${show(result.blake2b_512)}; ` +
      `remembered: first ${show(result.remembered_first)}, again ${show(result.remembered_again)}; ` +
      `added to a request ${result.added_to_a_request_wall_us} µs wall`,
  )
  return result
}

/** A Linux process's user + system CPU time in ms (/proc/<pid>/stat fields 14 and 15, at 100 ticks a second). */
async function processCpuMs(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(fields[11]) + Number(fields[12])) * 10
}

log(`${CALLS} distinct addresses, median of ${REPEAT} runs, load average ${loadavg()[0]!.toFixed(1)} on this machine`)
const results = []
const pglite = pgliteClient(new PGlite())
try {
  results.push(
    await measure({
      name: 'pglite',
      sql: pglite,
      cpuMs: async () => {
        const usage = process.cpuUsage()
        return (usage.user + usage.system) / 1000
      },
    }),
  )
} finally {
  await pglite.close()
}

const database = await createTestDatabase('leadpoet_bench')
// One connection: one backend whose CPU time is read, and one session for the remembered addresses.
const postgres = postgresClient(createPostgresPool(database.url, 1))
try {
  const [backend] = await postgres.query<{pid: number}>('select pg_backend_pid() as pid')
  results.push(await measure({name: 'postgres', sql: postgres, cpuMs: () => processCpuMs(backend!.pid)}))
} finally {
  await postgres.close()
  await database.drop()
}
if (flags.json) {
  process.stdout.write(JSON.stringify({calls: CALLS, repeat: REPEAT, load_average: loadavg()[0], results}) + '\n')
}
