/**
 * Consensus benchmark: V validators drain N prospects through pull + submit, once directly on
 * Postgres and once through PostgREST (supabase-js), then pull latency on a 1,000,000-prospect queue
 * with one validator holding its full lease cap.
 *
 *   npm run bench -- consensus [--validators 12] [--prospects 20000] [--batch 50] [--large 1000000] [--json]
 *                              [--large-only] [--keep]
 *
 * It creates and drops its own database on DATABASE_URL (default: the local server).
 */
import {parseArgs} from 'node:util'
import {migrate} from '../src/db/migrations.js'
import {createPostgresPool, postgresClient, type SqlClient} from '../src/db/sql-client.js'
import {hotkeyForName} from '../src/hotkey-address.js'
import type {Identity} from '../src/identity.js'
import {ConsensusService} from '../src/service/consensus.js'
import {drainQueue, stableUnit, type DrainStats} from '../src/simulation/drain.js'
import {SqlRpcAdapter} from '../src/adapters/sql-adapter.js'
import {SupabaseRpcAdapter} from '../src/adapters/supabase-adapter.js'
import {bootstrapRoles, createTestDatabase} from '../test/support/postgres.js'
import {startPostgrest, type PostgrestServer} from '../test/support/postgrest.js'

const {values: flags} = parseArgs({
  options: {
    validators: {type: 'string', default: '12'},
    prospects: {type: 'string', default: '20000'},
    batch: {type: 'string', default: '50'},
    large: {type: 'string', default: '1000000'},
    miners: {type: 'string', default: '1000'},
    json: {type: 'boolean', default: false},
    // Only the 1,000,000-prospect part (e.g. to profile pulls on the large queue).
    'large-only': {type: 'boolean', default: false},
    // Keep the database after the run (its name is printed) to look at it with psql.
    keep: {type: 'boolean', default: false},
  },
  allowPositionals: true,
})
const V = Number(flags.validators)
const N = Number(flags.prospects)
const BATCH = Number(flags.batch)
const LARGE = Number(flags.large)
const MINERS = Number(flags.miners)
const log = (line: string) => {
  if (!flags.json) process.stderr.write(line + '\n')
}

// Per call the direct adapter sends begin, set_config (identity), the function call and commit.
const DIRECT_ROUND_TRIPS_PER_CALL = 4

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0
}

const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits

async function resetQueue(sql: SqlClient) {
  await sql.exec(`truncate public.prospect_queue, public.leads, public.validation_tracking, leadpoet.prospect_leases,
                           leadpoet.validator_queue_positions, leadpoet.miner_queue_rounds cascade;
                  -- The bench's four miners queue the whole workload: lift the per-miner quota.
                  update leadpoet.settings set max_pending_per_miner = 1000000`)
}

async function enqueue(sql: SqlClient, service: (identity: Identity) => ConsensusService, count: number) {
  const miners = Array.from({length: 4}, (_, m) => service({hotkey: hotkeyForName(`bench-miner-${m}`), role: 'miner'}))
  for (let start = 0; start < count; start += 500) {
    const size = Math.min(500, count - start)
    await miners[(start / 500) % miners.length]!.enqueue(
      Array.from({length: size}, (_, i) => ({business: `Co ${start + i}`, email: `lead${start + i}@bench.example`})),
    )
  }
  await sql.exec('analyze public.prospect_queue')
}

/** Prospects with other than three distinct voters, and prospects handed to more than three validators. */
async function correctness(sql: SqlClient) {
  const [row] = await sql.query<{
    duplicates: number
    over_assigned: number
    undecided: number
    leads_mismatch: number
  }>(`
    select (select count(*)::int from (select prospect_id from public.validation_tracking
                                         group by prospect_id having count(*) <> count(distinct validator_hotkey)) d)
             + (select count(*)::int - count(distinct prospect_id)::int from public.leads) as duplicates,
           (select count(*)::int from public.prospect_queue
             where cardinality(validators_pulled) > 3 or pull_count > 3) as over_assigned,
           (select count(*)::int from public.prospect_queue where consensus_status = 'pending') as undecided,
           abs((select count(*)::int from public.leads)
               - (select count(*)::int from public.prospect_queue where consensus_status = 'accepted')) as leads_mismatch`)
  return row!
}

async function drain(
  label: string,
  service: (identity: Identity) => ConsensusService,
  sql: SqlClient,
  roundTripsPerCall: number,
) {
  await resetQueue(sql)
  await enqueue(sql, service, N)
  const validators = Array.from({length: V}, (_, i) =>
    service({hotkey: hotkeyForName(`bench-validator-${i}`), role: 'validator'}),
  )
  log(`${label}: ${V} validators draining ${N} prospects (batch ${BATCH})...`)
  const stats: DrainStats = await drainQueue(
    validators,
    (index, p) => ({prospect_id: p.prospect_id, is_valid: stableUnit(`${index}${p.prospect_id}`) < 0.7, score: 0.5}),
    BATCH,
  )
  const checks = await correctness(sql)
  const result = {
    votes: stats.votes,
    seconds: round(stats.elapsedMs / 1000),
    votes_per_second: Math.round(stats.votes / (stats.elapsedMs / 1000)),
    round_trips_per_vote: round(((stats.pulls + stats.submits) * roundTripsPerCall) / stats.votes, 3),
    pull_p50_ms: round(percentile(stats.pullLatencies, 50)),
    pull_p95_ms: round(percentile(stats.pullLatencies, 95)),
    ...checks,
  }
  log(`${label}: ${JSON.stringify(result)}`)
  return result
}

async function largeQueue(sql: SqlClient, service: (identity: Identity) => ConsensusService) {
  await resetQueue(sql)
  log(`large queue: inserting ${LARGE} prospects from ${MINERS} miners...`)
  // Bulk set-up only: one statement instead of 2,000 enqueue calls. Rows get queue_seq from the
  // same sequence the enqueue function uses; their fair rounds, owners and mailbox keys are given
  // (each miner's k-th prospect is in round k, as enqueue would place them on an empty queue).
  const miners = Array.from({length: MINERS}, (_, m) => hotkeyForName(`bench-miner-${m}`))
  await sql.query(
    `insert into public.prospect_queue (miner_hotkey, prospect, fair_round, owner_key, mailbox_key)
     select ($1::text[])[g % $2 + 1], jsonb_build_object('email', 'big' || g || '@bench.example'),
            (g - 1) / $2 + 1, ($1::text[])[g % $2 + 1], 'big' || g || '@bench.example'
       from generate_series(1, ${LARGE}) g`,
    [miners, MINERS],
  )
  await sql.exec('vacuum analyze public.prospect_queue')
  const {max_live_leases_per_validator: cap} = await service({
    hotkey: hotkeyForName('bench-operator'),
    role: 'operator',
  }).settings()

  // One validator takes its full cap of live leases and never votes.
  const hog = service({hotkey: hotkeyForName('bench-hog'), role: 'validator'})
  const held = (await hog.pull(cap)).live_leases

  const timed = async (fn: () => Promise<unknown>) => {
    const t = performance.now()
    await fn()
    return performance.now() - t
  }
  const capped: number[] = []
  for (let i = 0; i < 50; i++) capped.push(await timed(() => hog.pull(BATCH)))

  // Others work the queue behind and beside it; one of them runs far ahead (votes, never waits).
  const others = Array.from({length: 4}, (_, i) =>
    service({hotkey: hotkeyForName(`bench-worker-${i}`), role: 'validator'}),
  )
  const latencies: number[] = []
  for (let round = 0; round < 40; round++) {
    for (const [i, worker] of others.entries()) {
      const t = performance.now()
      const {prospects} = await worker.pull(BATCH)
      latencies.push(performance.now() - t)
      if (prospects.length)
        await worker.submit(prospects.map((p) => ({prospect_id: p.prospect_id, is_valid: i % 2 === 0, score: 0.5})))
    }
  }
  // One validator runs far ahead of everyone: it votes on AHEAD prospects nobody else has touched
  // (they stay pending, waiting for two more validators); its pulls must not slow down for that.
  const runner = service({hotkey: hotkeyForName('bench-runner'), role: 'validator'})
  const runnerLatencies: number[] = []
  const AHEAD = Math.min(20_000, LARGE / 2)
  for (let voted = 0; voted < AHEAD;) {
    const t = performance.now()
    const {prospects} = await runner.pull(BATCH)
    runnerLatencies.push(performance.now() - t)
    if (!prospects.length) break
    await runner.submit(prospects.map((p) => ({prospect_id: p.prospect_id, is_valid: true, score: 0.5})))
    voted += prospects.length
  }
  const result = {
    prospects: LARGE,
    hog_live_leases: held,
    miners: MINERS,
    runner_ahead_by: AHEAD,
    runner_first_pulls_p95_ms: round(percentile(runnerLatencies.slice(0, 20), 95)),
    runner_last_pulls_p95_ms: round(percentile(runnerLatencies.slice(-20), 95)),
    pull_p50_ms: round(percentile(latencies, 50)),
    pull_p95_ms: round(percentile(latencies, 95)),
    capped_pull_p95_ms: round(percentile(capped, 95)),
  }
  log(`large queue: ${JSON.stringify(result)}`)
  return result
}

async function main() {
  await bootstrapRoles()
  const database = await createTestDatabase('leadpoet_bench')
  const sql = postgresClient(createPostgresPool(database.url, V + 4))
  let postgrest: PostgrestServer | undefined
  try {
    await migrate(sql)
    const direct = (identity: Identity) => new ConsensusService(new SqlRpcAdapter(sql, identity, false))
    if (flags['large-only']) {
      const large = await largeQueue(sql, direct)
      if (flags.json) process.stdout.write(JSON.stringify(large) + '\n')
      else console.table(large)
      return
    }
    const directResult = await drain('direct', direct, sql, DIRECT_ROUND_TRIPS_PER_CALL)

    postgrest = await startPostgrest(database.name)
    // Each participant gets its own supabase-js client with its own signed token, built up front.
    const clients = new Map<string, ConsensusService>()
    for (const identity of [
      ...Array.from({length: 4}, (_, m): Identity & {hotkey: string} => ({
        hotkey: hotkeyForName(`bench-miner-${m}`),
        role: 'miner',
      })),
      ...Array.from({length: V}, (_, i): Identity & {hotkey: string} => ({
        hotkey: hotkeyForName(`bench-validator-${i}`),
        role: 'validator',
      })),
    ]) {
      clients.set(identity.hotkey, new ConsensusService(new SupabaseRpcAdapter(await postgrest.clientFor(identity))))
    }
    const viaPostgrest = (identity: Identity) => clients.get(identity.hotkey!)!
    const postgrestResult = await drain('postgrest', viaPostgrest, sql, 1)

    const large = await largeQueue(sql, direct)
    const summary = {
      validators: V,
      prospects: N,
      batch: BATCH,
      direct_votes_per_second: directResult.votes_per_second,
      postgrest_votes_per_second: postgrestResult.votes_per_second,
      direct_round_trips_per_vote: directResult.round_trips_per_vote,
      postgrest_round_trips_per_vote: postgrestResult.round_trips_per_vote,
      pull_p50_ms: directResult.pull_p50_ms,
      pull_p95_ms: directResult.pull_p95_ms,
      postgrest_pull_p50_ms: postgrestResult.pull_p50_ms,
      postgrest_pull_p95_ms: postgrestResult.pull_p95_ms,
      large_queue_prospects: large.prospects,
      large_queue_pull_p50_ms: large.pull_p50_ms,
      large_queue_pull_p95_ms: large.pull_p95_ms,
      large_queue_capped_pull_p95_ms: large.capped_pull_p95_ms,
      runner_ahead_by: large.runner_ahead_by,
      runner_first_pulls_p95_ms: large.runner_first_pulls_p95_ms,
      runner_last_pulls_p95_ms: large.runner_last_pulls_p95_ms,
      duplicates: directResult.duplicates + postgrestResult.duplicates,
      over_assignments: directResult.over_assigned + postgrestResult.over_assigned,
      undecided: directResult.undecided + postgrestResult.undecided,
      leads_mismatch: directResult.leads_mismatch + postgrestResult.leads_mismatch,
    }
    if (flags.json) process.stdout.write(JSON.stringify(summary) + '\n')
    else console.table(summary)
  } finally {
    await postgrest?.stop()
    await sql.close()
    if (flags.keep) process.stderr.write(`kept database ${database.name}\n`)
    else await database.drop()
  }
}

await main()
