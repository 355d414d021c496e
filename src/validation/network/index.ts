/** The network checks of one validator: shared limiters and caches, so a run asks each question once. */
import type {HealthSettings, NetworkSettings} from '../config.js'
import {createLimiter} from '../concurrency.js'
import type {CheckOutcome} from '../types.js'
import {DnsLookups} from './dns.js'
import {checkNetworkHealth, type NetworkHealth} from './health.js'
import type {CacheStats} from './ttl-cache.js'
import {TtlCache} from './ttl-cache.js'
import {WebsiteProbe} from './website.js'

export interface NetworkCacheStats {
  mx: CacheStats
  addresses: CacheStats
  websites: CacheStats
}

export class NetworkChecks {
  readonly #dns: DnsLookups
  readonly #website: WebsiteProbe
  readonly #websites: TtlCache<CheckOutcome>
  #health: {result: Promise<NetworkHealth>; expiresAt: number} | undefined

  constructor(
    private readonly settings: NetworkSettings,
    private readonly now: () => number,
  ) {
    this.#dns = new DnsLookups(settings, createLimiter(settings.dnsConcurrency), now)
    this.#website = new WebsiteProbe(settings, this.#dns, createLimiter(settings.httpConcurrency))
    this.#websites = new TtlCache(settings.cacheMaxEntries, now)
  }

  emailMx(domain: string): Promise<CheckOutcome> {
    return this.#dns.mailDomain(domain)
  }

  websiteReachable(website: string): Promise<CheckOutcome> {
    // Keyed by the normalised URL: "HTTPS://Acme.com" and "https://acme.com/" are one question.
    return this.#websites.get(
      new URL(website).href,
      () => this.#website.check(website),
      (outcome) => (outcome.status === 'unknown' ? this.settings.unknownCacheTtlMs : this.settings.cacheTtlMs),
    )
  }

  /** The network's health, reused for `health.cacheTtlMs` unless `fresh` asks again. */
  health(settings: HealthSettings, options: {fresh?: boolean} = {}): Promise<NetworkHealth> {
    const cached = this.#health
    if (!options.fresh && cached && cached.expiresAt > this.now()) return cached.result
    const entry = {result: checkNetworkHealth(this.#dns, this.settings, settings, this.now), expiresAt: Infinity}
    this.#health = entry
    void entry.result.then(() => (entry.expiresAt = this.now() + settings.cacheTtlMs))
    return entry.result
  }

  stats(): NetworkCacheStats {
    return {...this.#dns.stats(), websites: this.#websites.stats()}
  }
}
