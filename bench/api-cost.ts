/**
 * What one participant's API calls cost everyone else, and what a fresh database costs with JIT on:
 *   npm run bench -- api-cost [--queued 100000] [--rounds 50] [--json]
 *
 * 1. JIT: on a fresh database with jit_above_cost = 0 (JIT wherever the planner allows it), each
 *    RPC's latency, called as the role it is for (the functions turn JIT off themselves).
 * 2. Flood: through the real PostgREST, one miner lists its prospects (limit 1,000) and one validator
 *    asks for its eligibility, `rounds` times each, all at once, while the operator reads the clock;
 *    the operator's consensus_clock latency (p95) is what bystanders feel.
 * A benchmark prints figures; it asserts nothing.
 */
import {parseArgs} from 'node:util'
import {SqlRpcAdapter} from '../src/adapters/sql-adapter.js'
import {SupabaseRpcAdapter} from '../src/adapters/supabase-adapter.js'
import {RPC_CONTRACT, RPC_FUNCTIONS, type RpcArgs, type RpcFunction} from '../src/adapters/rpc-adapter.js'
import {migrate} from '../src/db/migrations.js'
import {createPostgresPool, postgresClient} from '../src/db/sql-client.js'
import {hotkeyForName, type AppRole} from '../src/identity.js'
import {ConsensusService} from '../src/service/consensus.js'
import {bootstrapRoles, createTestDatabase} from '../test/support/postgres.js'
import {startPostgrest} from '../test/support/postgrest.js'

const {values: flags} = parseArgs({
  options: {
    queued: {type: 'string', default: '100000'},
    rounds: {type: 'string', default: '50'},
    json: {type: 'boolean', default: false},
  },
  allowPositionals: true,
})
const QUEUED = Number(flags.queued)
const ROUNDS = Number(flags.rounds)
const log = (line: string) => {
  if (!flags.json) process.stderr.write(`${line}\n`)
}
const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b)
  return Math.round((sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0) * 10) / 10
}
const timed = async (work: () => Promise<unknown>) => {
  const started = performance.now()
  await work().catch(() => undefined)
  return performance.now() - started
}

/** Arguments that make each function do its ordinary work (or refuse quickly, the same for every call). */
const ARGS: Partial<Record<RpcFunction, RpcArgs>> = {
  pull_prospects_for_validator: {p_limit: 10},
  list_prospects: {p_status: null, p_miner_hotkey: null, p_limit: 100},
  set_chain_anchor: {p_block: 0, p_seen_at: null, p_force: false},
}

await bootstrapRoles()
const database = await createTestDatabase('leadpoet_api_cost')
const sql = postgresClient(createPostgresPool(database.url, 20))
try {
  await migrate(sql)
  await sql.exec(`alter database ${database.name} set jit = on; alter database ${database.name} set jit_above_cost = 0`)
  const as = (name: string, role: AppRole) => new SqlRpcAdapter(sql, {hotkey: hotkeyForName(name), role}, false)
  const jit: Record<string, {p50_ms: number; p95_ms: number}> = {}
  for (const fn of RPC_FUNCTIONS) {
    const adapter = as(`jit-${RPC_CONTRACT[fn].roles[0]}`, RPC_CONTRACT[fn].roles[0])
    const args = ARGS[fn] ?? Object.fromEntries(RPC_CONTRACT[fn].args.map((name) => [name, null]))
    await timed(() => adapter.rpc(fn, args)) // first call: plans and caches
    const samples: number[] = []
    for (let i = 0; i < 20; i++) samples.push(await timed(() => adapter.rpc(fn, args)))
    jit[fn] = {p50_ms: percentile(samples, 50), p95_ms: percentile(samples, 95)}
  }
  log(`fresh database, jit_above_cost = 0: slowest p95 ${Math.max(...Object.values(jit).map((j) => j.p95_ms))} ms`)
  // The flood runs with the server's defaults (jit on, jit_above_cost 100000), as a deployment does.
  await sql.exec(`alter database ${database.name} reset jit; alter database ${database.name} reset jit_above_cost`)

  log(`flood: queueing ${QUEUED} prospects...`)
  const miner = hotkeyForName('flood-miner')
  await sql.query(
    `insert into public.prospect_queue (miner_hotkey, prospect, fair_round, owner_key, mailbox_key)
     select $1, jsonb_build_object('email', 'f' || g || '@flood.example'), g, $1, 'f' || g || '@flood.example'
       from generate_series(1, ${QUEUED}) g`,
    [miner],
  )
  await sql.exec('analyze public.prospect_queue')
  const postgrest = await startPostgrest(database.name)
  try {
    const api = async (name: string, role: AppRole) =>
      new ConsensusService(
        new SupabaseRpcAdapter(
          await postgrest.clientFor({hotkey: name === 'flood-miner' ? miner : hotkeyForName(name), role}),
        ),
      )
    const flooder = await api('flood-miner', 'miner')
    const validator = await api('flood-validator', 'validator')
    const operator = await api('flood-operator', 'operator')
    // Warm up first: PostgREST's schema cache and its connections, and each role's first calls.
    for (let i = 0; i < 10; i++)
      await Promise.all([operator.clock(), flooder.listProspects({limit: 10}), validator.eligibility()])
    const quiet: number[] = []
    for (let i = 0; i < 50; i++) quiet.push(await timed(() => operator.clock()))
    const during: number[] = []
    let flooding = true
    const bystander = (async () => {
      while (flooding) during.push(await timed(() => operator.clock()))
    })()
    const flood = Array.from({length: ROUNDS}, () => [
      flooder.listProspects({limit: 1000}),
      validator.eligibility(),
    ]).flat()
    await Promise.allSettled(flood)
    flooding = false
    await bystander
    const result = {
      queued: QUEUED,
      rounds: ROUNDS,
      jit_fresh_database: jit,
      consensus_clock_idle_p95_ms: percentile(quiet, 95),
      consensus_clock_during_flood_p95_ms: percentile(during, 95),
      consensus_clock_during_flood_samples: during.length,
    }
    if (flags.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`)
    else log(JSON.stringify({...result, jit_fresh_database: undefined}, null, 2))
  } finally {
    await postgrest.stop()
  }
} finally {
  await sql.close()
  await database.drop()
}
