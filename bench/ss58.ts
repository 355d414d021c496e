/**
 * What checking a caller's hotkey as an SS58 address costs, on PGlite and on PostgreSQL:
 *   - in SQL, per call: one statement runs the function over `--calls` distinct valid addresses;
 *     its time less that of the same statement without the function, divided by the calls
 *     (is_ss58_address; blake2b_512 alone on the address's 48 bytes, one block as for the 40 or 41
 *     bytes of a checksum; and
 *     is_ss58_address_remembered for 256 addresses not yet remembered, then remembered);
 *   - per request: p50 of `select leadpoet.is_ss58_address($1, 42)` less p50 of `select $1::text`.
 * Each figure is the median of `--repeat` runs.
 *
 *   npm run bench -- ss58 [--calls 2000] [--repeat 5] [--json]
 *
 * It creates and drops its own database on DATABASE_URL (default: the local server).
 */
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
const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits

const addresses = Array.from({length: CALLS}, (_, i) => encodeAddress(blake2AsU8a(`leadpoet-bench:${i}`, 256), 42))

async function timed(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now()
  await work()
  return performance.now() - started
}

/** Microseconds per element that `expression` (over `a`) adds to a scan of `items`. */
async function perCall(sql: SqlClient, expression: string, items: string[], before?: () => Promise<unknown>) {
  const runs: number[] = []
  for (let r = 0; r < REPEAT; r++) {
    await before?.()
    const base = await timed(() =>
      sql.query(`select count(*) filter (where a is not null) from unnest($1::text[]) a`, [items]),
    )
    await before?.()
    const run = await timed(() =>
      sql.query(`select count(*) filter (where ${expression}) from unnest($1::text[]) a`, [items]),
    )
    runs.push(((run - base) * 1000) / items.length)
  }
  return round(median(runs))
}

/** Microseconds the check adds to one request's query, from the client (p50 over `CALLS` queries). */
async function perRequest(sql: SqlClient) {
  const runs: number[] = []
  for (let r = 0; r < REPEAT; r++) {
    const base: number[] = []
    const check: number[] = []
    for (let i = 0; i < Math.min(CALLS, 500); i++) {
      base.push(await timed(() => sql.query('select $1::text as a', [addresses[i]])))
      check.push(await timed(() => sql.query('select leadpoet.is_ss58_address($1, 42) as a', [addresses[i]])))
    }
    runs.push((median(check) - median(base)) * 1000)
  }
  return round(median(runs))
}

async function measure(engine: string, sql: SqlClient) {
  await migrate(sql)
  const [check] = await sql.query<{ok: boolean}>(
    'select bool_and(leadpoet.is_ss58_address(a, 42)) as ok from unnest($1::text[]) a',
    [addresses],
  )
  if (!check?.ok) throw new Error(`${engine}: a generated address was refused`)
  const forget = () => sql.query(`select set_config('leadpoet.valid_ss58_addresses', '', false)`)
  const some = addresses.slice(0, REMEMBERED)
  const result = {
    engine,
    is_ss58_address_us: await perCall(sql, 'leadpoet.is_ss58_address(a, 42)', addresses),
    blake2b_512_us: await perCall(sql, `leadpoet.blake2b_512(convert_to(a, 'UTF8')) is not null`, addresses),
    remembered_first_us: await perCall(sql, 'leadpoet.is_ss58_address_remembered(a, 42)', some, forget),
    remembered_again_us: await perCall(
      sql,
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
    per_request_us: await perRequest(sql),
  }
  log(
    `${engine}: is_ss58_address ${result.is_ss58_address_us} µs/call, blake2b_512 ${result.blake2b_512_us} µs/call, ` +
      `remembered ${result.remembered_first_us} µs first / ${result.remembered_again_us} µs again, ` +
      `added to a request ${result.per_request_us} µs`,
  )
  return result
}

log(`${CALLS} distinct addresses, median of ${REPEAT} runs, load average ${loadavg()[0]!.toFixed(1)} on this machine`)
const pglite = pgliteClient(new PGlite())
const results = [await measure('pglite', pglite)]
await pglite.close()

const database = await createTestDatabase('leadpoet_bench')
const postgres = postgresClient(createPostgresPool(database.url, 1))
try {
  results.push(await measure('postgres', postgres))
} finally {
  await postgres.close()
  await database.drop()
}
if (flags.json)
  process.stdout.write(JSON.stringify({calls: CALLS, repeat: REPEAT, load_average: loadavg()[0], results}) + '\n')
