/**
 * Benchmark of the validation pipeline against loopback DNS and HTTP servers that answer after a
 * delay (50 ms by default), standing in for real name servers and websites:
 *   1. sequential: one lead after another (a sample; leads/s is what is compared),
 *   2. concurrent: the whole batch with the default limits, fresh caches,
 *   3. cached: the same batch again on the same validator.
 * Usage: npx tsx bench/validation.ts [--json] [--leads 1000] [--delay 50] [--sequential-leads 100]
 * The servers run in this process, so peak memory includes them.
 */
import {parseArgs} from 'node:util'
import {createLeadValidator, type LeadValidator} from '../src/validation/index.js'
import {loopbackConfig} from '../test/validation/support/config.js'
import {startDnsServer} from '../test/validation/support/dns-server.js'
import {answer, startHttpServer} from '../test/validation/support/http-server.js'
import {makeNetworkLead} from '../test/validation/support/leads.js'

const TARGET_CONCURRENT_SPEEDUP = 20
const TARGET_CACHED_SPEEDUP = 10

const {values: args} = parseArgs({
  options: {
    json: {type: 'boolean', default: false},
    leads: {type: 'string', default: '1000'},
    delay: {type: 'string', default: '50'},
    'sequential-leads': {type: 'string', default: '100'},
  },
})
const leadCount = positiveInt('leads', args.leads)
const delayMs = positiveInt('delay', args.delay, 0)
const sequentialCount = Math.min(leadCount, positiveInt('sequential-leads', args['sequential-leads']))

function positiveInt(name: string, raw: string, min = 1): number {
  const value = Number(raw)
  if (!Number.isInteger(value) || value < min) throw new Error(`--${name} must be a whole number >= ${min}, got ${raw}`)
  return value
}

interface Phase {
  leads: number
  seconds: number
  leadsPerSecond: number
  valid: number
  peakRssMiB: number
  peakHeapMiB: number
}

async function measure(validator: LeadValidator, leads: unknown[]): Promise<Phase> {
  let peakRss = 0
  let peakHeap = 0
  const sample = () => {
    const usage = process.memoryUsage()
    peakRss = Math.max(peakRss, usage.rss)
    peakHeap = Math.max(peakHeap, usage.heapUsed)
  }
  sample()
  const sampler = setInterval(sample, 10)
  const started = performance.now()
  const assessments = await validator.validate(leads)
  const seconds = (performance.now() - started) / 1000
  clearInterval(sampler)
  sample()
  const mib = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10
  return {
    leads: leads.length,
    seconds: Math.round(seconds * 1000) / 1000,
    leadsPerSecond: Math.round((leads.length / seconds) * 10) / 10,
    valid: assessments.filter((assessment) => assessment.is_valid).length,
    peakRssMiB: mib(peakRss),
    peakHeapMiB: mib(peakHeap),
  }
}

const domainOf = (i: number) => `bench-company-${i}.com`
const dns = await startDnsServer(
  (name) => {
    const apex = name.replace(/^www\./, '')
    return /^bench-company-\d+\.com$/.test(apex)
      ? {mx: [{exchange: `mx.${apex}`, priority: 10}], a: ['127.0.0.1']}
      : undefined
  },
  {delayMs},
)
const web = await startHttpServer({}, {delayMs, fallback: answer(200)})

try {
  // One company per lead, so the first passes cannot lean on the cache.
  const leads = Array.from({length: leadCount}, (_, i) => makeNetworkLead(domainOf(i), web.port))
  const config = loopbackConfig(dns.server)

  const sequential = await measure(
    createLeadValidator({config: {...config, concurrency: 1}}),
    leads.slice(0, sequentialCount),
  )
  const validator = createLeadValidator({config})
  const concurrent = await measure(validator, leads)
  const cached = await measure(validator, leads)

  const concurrentSpeedup = Math.round((concurrent.leadsPerSecond / sequential.leadsPerSecond) * 10) / 10
  const cachedSpeedup = Math.round((cached.leadsPerSecond / concurrent.leadsPerSecond) * 10) / 10
  const report = {
    benchmark: 'validation',
    node: process.version,
    leads: leadCount,
    delayMs,
    limits: {
      concurrency: config.concurrency,
      dnsConcurrency: config.network.dnsConcurrency,
      httpConcurrency: config.network.httpConcurrency,
    },
    sequential,
    concurrent,
    cached,
    speedup: {
      concurrentOverSequential: concurrentSpeedup,
      cachedOverConcurrent: cachedSpeedup,
    },
    targets: {
      concurrentOverSequential: TARGET_CONCURRENT_SPEEDUP,
      cachedOverConcurrent: TARGET_CACHED_SPEEDUP,
      met: concurrentSpeedup >= TARGET_CONCURRENT_SPEEDUP && cachedSpeedup >= TARGET_CACHED_SPEEDUP,
    },
    serverLoad: {dnsQueries: dns.queries.length, httpRequests: web.requests.length},
  }
  if (args.json) {
    console.log(JSON.stringify(report))
  } else {
    const line = (name: string, phase: Phase) =>
      `${name.padEnd(11)} ${String(phase.leads).padStart(5)} leads  ${phase.seconds.toFixed(3).padStart(8)} s  ` +
      `${phase.leadsPerSecond.toFixed(1).padStart(9)} leads/s  valid ${phase.valid}  peak RSS ${phase.peakRssMiB} MiB, heap ${phase.peakHeapMiB} MiB`
    console.log(
      `validation benchmark: ${leadCount} leads, loopback DNS and HTTP answering after ${delayMs} ms (node ${process.version})`,
    )
    console.log(
      `limits: ${config.concurrency} leads, ${config.network.dnsConcurrency} DNS queries, ${config.network.httpConcurrency} HTTP requests at once`,
    )
    console.log(line('sequential', sequential))
    console.log(line('concurrent', concurrent))
    console.log(line('cached', cached))
    console.log(`concurrent vs sequential: ${concurrentSpeedup}x (target ${TARGET_CONCURRENT_SPEEDUP}x)`)
    console.log(`cached vs concurrent:     ${cachedSpeedup}x (target ${TARGET_CACHED_SPEEDUP}x)`)
  }
} finally {
  await web.close()
  await dns.close()
}
