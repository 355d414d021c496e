/**
 * DNS answers the network checks need, through node's c-ares Resolver (so the servers can be set),
 * bounded in concurrency and cached for the run.
 */
import {Resolver} from 'node:dns/promises'
import type {NetworkSettings} from '../config.js'
import type {Limiter} from '../concurrency.js'
import type {CheckOutcome} from '../types.js'
import {TtlCache} from './ttl-cache.js'

export interface ResolvedAddress {
  address: string
  family: 4 | 6
}

/** found: the host has addresses. absent: DNS says it has none. unknown: DNS did not answer usefully. */
export type HostAddresses =
  | {status: 'found'; addresses: ResolvedAddress[]}
  | {status: 'absent'; nxdomain: boolean; message: string}
  | {status: 'unknown'; message: string}

// NXDOMAIN, "no records of that type" and malformed names are answers; anything else (timeouts,
// SERVFAIL, refused, unreachable server) says nothing about the domain.
const DEFINITE_CODES = new Set(['ENOTFOUND', 'ENODATA', 'EBADNAME'])

function errorCode(error: unknown): string {
  return (error as {code?: unknown})?.code?.toString() ?? 'EUNKNOWN'
}

type Lookup<T> = {ok: true; records: T[]} | {ok: false; code: string}

export class DnsLookups {
  readonly #resolver: Resolver
  readonly #mx: TtlCache<CheckOutcome>
  readonly #addresses: TtlCache<HostAddresses>

  constructor(
    private readonly settings: NetworkSettings,
    private readonly limit: Limiter,
    now: () => number,
  ) {
    this.#resolver = new Resolver({timeout: settings.dnsTimeoutMs, tries: settings.dnsTries})
    if (settings.dnsServers) this.#resolver.setServers(settings.dnsServers)
    this.#mx = new TtlCache(settings.cacheMaxEntries, now)
    this.#addresses = new TtlCache(settings.cacheMaxEntries, now)
  }

  async #query<T>(run: (resolver: Resolver) => Promise<T[]>): Promise<Lookup<T>> {
    try {
      return {ok: true, records: await this.limit(() => run(this.#resolver))}
    } catch (error) {
      return {ok: false, code: errorCode(error)}
    }
  }

  #ttl = (status: string) => (status === 'unknown' ? this.settings.unknownCacheTtlMs : this.settings.cacheTtlMs)

  /** A and AAAA records of a host, IPv4 first. */
  addresses(host: string): Promise<HostAddresses> {
    return this.#addresses.get(
      host,
      () => this.#resolveAddresses(host),
      (value) => this.#ttl(value.status),
    )
  }

  /** The same question without the cache: the network health check asks afresh each time. */
  freshAddresses(host: string): Promise<HostAddresses> {
    return this.#resolveAddresses(host)
  }

  async #resolveAddresses(host: string): Promise<HostAddresses> {
    const [v4, v6] = await Promise.all([
      this.#query((resolver) => resolver.resolve4(host)),
      this.#query((resolver) => resolver.resolve6(host)),
    ])
    const addresses: ResolvedAddress[] = [
      ...(v4.ok ? v4.records.map((address) => ({address, family: 4 as const})) : []),
      ...(v6.ok ? v6.records.map((address) => ({address, family: 6 as const})) : []),
    ]
    if (addresses.length > 0) return {status: 'found', addresses}
    const failures = [v4, v6].filter((lookup): lookup is {ok: false; code: string} => !lookup.ok)
    const transient = failures.find((failure) => !DEFINITE_CODES.has(failure.code))
    if (transient) return {status: 'unknown', message: `DNS lookup of ${host} failed (${transient.code})`}
    if (failures.some((failure) => failure.code === 'ENOTFOUND'))
      return {status: 'absent', nxdomain: true, message: `${host} does not exist (NXDOMAIN)`}
    return {status: 'absent', nxdomain: false, message: `${host} has no A or AAAA records`}
  }

  /** Whether a domain can receive mail: MX records, or failing those an address (RFC 5321 section 5.1). */
  mailDomain(domain: string): Promise<CheckOutcome> {
    return this.#mx.get(
      domain,
      () => this.#checkMailDomain(domain),
      (value) => this.#ttl(value.status),
    )
  }

  async #checkMailDomain(domain: string): Promise<CheckOutcome> {
    const mx = await this.#query((resolver) => resolver.resolveMx(domain))
    if (mx.ok && mx.records.length > 0) {
      // A single "." exchange is a null MX (RFC 7505): the domain states it accepts no mail.
      const exchanges = mx.records
        .filter((record) => record.exchange !== '' && record.exchange !== '.')
        .sort((a, b) => a.priority - b.priority || (a.exchange < b.exchange ? -1 : a.exchange > b.exchange ? 1 : 0))
      if (exchanges.length === 0) return {status: 'fail', message: `${domain} publishes a null MX: it accepts no mail`}
      return {status: 'pass', message: `${domain} has MX ${exchanges.map((record) => record.exchange).join(', ')}`}
    }
    if (!mx.ok && mx.code === 'ENOTFOUND') return {status: 'fail', message: `${domain} does not exist (NXDOMAIN)`}
    if (!mx.ok && !DEFINITE_CODES.has(mx.code))
      return {status: 'unknown', message: `MX lookup of ${domain} failed (${mx.code})`}
    const fallback = await this.addresses(domain)
    if (fallback.status === 'found')
      return {status: 'pass', message: `${domain} has no MX but has an address, which receives mail (RFC 5321)`}
    if (fallback.status === 'unknown') return {status: 'unknown', message: `${domain} has no MX; ${fallback.message}`}
    return {status: 'fail', message: `${domain} has no MX, and ${fallback.message}`}
  }

  stats() {
    return {mx: this.#mx.stats(), addresses: this.#addresses.stats()}
  }
}
