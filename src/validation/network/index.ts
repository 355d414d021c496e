/** The network checks of one validator: shared limiters and caches, so a run asks each question once. */
import type {NetworkSettings} from '../config.js'
import {createLimiter} from '../concurrency.js'
import type {CheckOutcome} from '../types.js'
import {DnsLookups} from './dns.js'
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

  constructor(
    private readonly settings: NetworkSettings,
    now: () => number,
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

  stats(): NetworkCacheStats {
    return {...this.#dns.stats(), websites: this.#websites.stats()}
  }
}
