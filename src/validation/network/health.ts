/**
 * Is the validator's own network fit to judge leads? A resolver that answers NXDOMAIN for every
 * name makes every lead's domain "not exist"; one that never answers makes every lead unknown; one
 * that hijacks NXDOMAIN (answers an address for names that do not exist) makes dead domains look
 * alive. None of that says anything about the leads, so it must never become a vote.
 */
import {randomBytes} from 'node:crypto'
import type {HealthSettings, NetworkSettings} from '../config.js'
import type {DnsLookups} from './dns.js'
import {exchange} from './website.js'

export interface HealthProbe {
  /** resolves: a name that must resolve; nxdomain: a name that must not; http: a URL that must answer. */
  probe: 'resolves' | 'nxdomain' | 'http'
  target: string
  ok: boolean
  message: string
}

export interface NetworkHealth {
  healthy: boolean
  checkedAt: string
  /** Every probe, in the order run; empty when the check is off or no network check runs. */
  probes: HealthProbe[]
}

/** A label no one can register (RFC 2606 reserves .invalid), fresh each time so no cache answers. */
function unregistrableName(): string {
  return `leadpoet-health-${randomBytes(6).toString('hex')}.invalid`
}

async function mustResolve(dns: DnsLookups, host: string): Promise<HealthProbe> {
  const answer = await dns.freshAddresses(host)
  if (answer.status === 'found')
    return {probe: 'resolves', target: host, ok: true, message: `${host} resolves to ${answer.addresses[0]!.address}`}
  return {probe: 'resolves', target: host, ok: false, message: `${host} did not resolve: ${answer.message}`}
}

async function mustNotResolve(dns: DnsLookups): Promise<HealthProbe> {
  const host = unregistrableName()
  const answer = await dns.freshAddresses(host)
  if (answer.status === 'absent' && answer.nxdomain)
    return {probe: 'nxdomain', target: host, ok: true, message: `${host} does not exist (NXDOMAIN), as it must not`}
  const message =
    answer.status === 'found'
      ? `${host} resolved to ${answer.addresses[0]!.address}: the resolver answers for names that do not exist`
      : answer.status === 'absent'
        ? `${host} got "no records" instead of NXDOMAIN: the resolver hides which names exist`
        : `${host}: ${answer.message}`
  return {probe: 'nxdomain', target: host, ok: false, message}
}

async function mustAnswer(dns: DnsLookups, settings: NetworkSettings, probeUrl: string): Promise<HealthProbe> {
  const url = new URL(probeUrl)
  const fail = (message: string): HealthProbe => ({probe: 'http', target: url.href, ok: false, message})
  const host = url.hostname.replace(/^\[|\]$/g, '')
  const resolved = await dns.freshAddresses(host)
  if (resolved.status !== 'found') return fail(`${url.href} is unreachable: ${resolved.message}`)
  try {
    // An operator's URL, not a lead's: the address policy for leads does not apply.
    const answer = await exchange(url, 'HEAD', resolved.addresses, settings)
    return {probe: 'http', target: url.href, ok: true, message: `${url.href} answered ${answer.status}`}
  } catch (error) {
    const {code, name, message} = error as {code?: string; name?: string; message?: string}
    return fail(`${url.href} did not answer (${code ?? name ?? message ?? 'unknown error'})`)
  }
}

/** Runs every probe at once; healthy only if every one is. */
export async function checkNetworkHealth(
  dns: DnsLookups,
  network: NetworkSettings,
  health: HealthSettings,
  now: () => number,
): Promise<NetworkHealth> {
  const probes = await Promise.all([
    ...health.mustResolve.map((host) => mustResolve(dns, host)),
    mustNotResolve(dns),
    ...(health.httpProbe ? [mustAnswer(dns, network, health.httpProbe)] : []),
  ])
  return {healthy: probes.every((probe) => probe.ok), checkedAt: new Date(now()).toISOString(), probes}
}

/** One line naming what failed, for NETWORK_UNHEALTHY. */
export function describeUnhealthy(health: NetworkHealth): string {
  return health.probes
    .filter((probe) => !probe.ok)
    .map((probe) => probe.message)
    .join('; ')
}
