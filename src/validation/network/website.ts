/**
 * Does the lead's website answer? HEAD (GET when HEAD is refused), following redirects up to a
 * limit. Host names are resolved through the run's DnsLookups and the connection is pinned to those
 * addresses, so the same DNS answers decide both checks and non-public addresses can be refused.
 */
import http from 'node:http'
import https from 'node:https'
import {isIP, type LookupFunction} from 'node:net'
import type {NetworkSettings} from '../config.js'
import type {Limiter} from '../concurrency.js'
import type {CheckOutcome} from '../types.js'
import {isNonPublicAddress} from './address-policy.js'
import type {DnsLookups, ResolvedAddress} from './dns.js'

const REDIRECTS = new Set([301, 302, 303, 307, 308])
// The server is there but cannot answer now: says nothing about the site.
const TRANSIENT_STATUSES = new Set([429, 502, 503, 504])
// Answers from a site that exists but keeps visitors out are still answers.
const PASSING_CLIENT_STATUSES = new Set([401, 403])
const TLS_REJECTIONS = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS|ERR_SSL/

interface Answer {
  status: number
  location: string | undefined
}

type Target = {ok: true; addresses: ResolvedAddress[]} | {ok: false; outcome: CheckOutcome}

function pinnedLookup(addresses: ResolvedAddress[]): LookupFunction {
  return (_hostname, options, callback) => {
    const first = addresses[0]
    if (options.all) callback(null, addresses)
    else if (first) callback(null, first.address, first.family)
  }
}

function errorCode(error: unknown): string {
  const {code, name} = error as {code?: string | number; name?: string}
  return String(code ?? name ?? 'EUNKNOWN')
}

/** One HTTP exchange; resolves once the status line and headers are in (the body is not read). */
export function exchange(
  url: URL,
  method: 'HEAD' | 'GET',
  addresses: ResolvedAddress[],
  settings: NetworkSettings,
): Promise<Answer> {
  const transport = url.protocol === 'https:' ? https : http
  return new Promise((resolve, reject) => {
    const request = transport.request(url, {
      method,
      agent: false,
      lookup: pinnedLookup(addresses),
      signal: AbortSignal.timeout(settings.httpTimeoutMs),
      headers: {'user-agent': settings.userAgent, accept: '*/*'},
    })
    request.once('response', (response) => {
      resolve({status: response.statusCode ?? 0, location: response.headers.location})
      response.destroy()
    })
    request.once('error', reject)
    request.end()
  })
}

function describeFailure(error: unknown, url: URL, settings: NetworkSettings): CheckOutcome {
  const code = errorCode(error)
  if (code === 'ABORT_ERR' || code === 'AbortError' || code === 'TimeoutError')
    return {status: 'unknown', message: `${url.href} did not answer within ${settings.httpTimeoutMs} ms`}
  if (code === 'ECONNREFUSED') return {status: 'fail', message: `${url.host} refused the connection`}
  if (TLS_REJECTIONS.test(code))
    return {status: 'fail', message: `${url.host} presented a TLS certificate that was rejected (${code})`}
  if (code.startsWith('HPE_')) return {status: 'fail', message: `${url.href} answered with malformed HTTP (${code})`}
  return {status: 'unknown', message: `request to ${url.href} failed (${code})`}
}

function judgeStatus(status: number, trail: string): CheckOutcome {
  if ((status >= 200 && status < 400) || PASSING_CLIENT_STATUSES.has(status))
    return {status: 'pass', message: `website answered: ${trail}`}
  if (TRANSIENT_STATUSES.has(status))
    return {status: 'unknown', message: `website is temporarily unavailable: ${trail}`}
  return {status: 'fail', message: `website answered with an error: ${trail}`}
}

export class WebsiteProbe {
  constructor(
    private readonly settings: NetworkSettings,
    private readonly dns: DnsLookups,
    private readonly limit: Limiter,
  ) {}

  async #target(url: URL): Promise<Target> {
    const host = url.hostname.replace(/^\[|\]$/g, '')
    let addresses: ResolvedAddress[]
    if (isIP(host) !== 0) {
      addresses = [{address: host, family: isIP(host) as 4 | 6}]
    } else {
      const resolved = await this.dns.addresses(host)
      if (resolved.status === 'unknown') return {ok: false, outcome: {status: 'unknown', message: resolved.message}}
      if (resolved.status === 'absent') return {ok: false, outcome: {status: 'fail', message: resolved.message}}
      addresses = resolved.addresses
    }
    const allowed = this.settings.allowPrivateAddresses
      ? addresses
      : addresses.filter((candidate) => !isNonPublicAddress(candidate.address))
    if (allowed.length === 0) {
      const message =
        isIP(host) !== 0 ? `${host} is not a public address` : `${host} resolves only to non-public addresses`
      return {ok: false, outcome: {status: 'fail', message}}
    }
    return {ok: true, addresses: allowed}
  }

  async check(website: string): Promise<CheckOutcome> {
    let url = new URL(website)
    let trail = url.href
    for (let redirects = 0; ; redirects++) {
      const target = await this.#target(url)
      if (!target.ok)
        return redirects === 0 ? target.outcome : {...target.outcome, message: `${trail}: ${target.outcome.message}`}
      let answer: Answer
      try {
        answer = await this.limit(() => exchange(url, 'HEAD', target.addresses, this.settings))
        // Some servers refuse HEAD; ask again the way a browser would.
        if (answer.status === 405 || answer.status === 501) {
          trail += ` → HEAD ${answer.status}, GET`
          answer = await this.limit(() => exchange(url, 'GET', target.addresses, this.settings))
        }
      } catch (error) {
        const failure = describeFailure(error, url, this.settings)
        return redirects === 0 ? failure : {...failure, message: `${trail}: ${failure.message}`}
      }
      trail += ` → ${answer.status}`
      const next = REDIRECTS.has(answer.status) && answer.location ? URL.parse(answer.location, url) : null
      if (next === null || (next.protocol !== 'http:' && next.protocol !== 'https:'))
        return judgeStatus(answer.status, trail)
      if (redirects >= this.settings.maxRedirects)
        return {status: 'pass', message: `website answered with redirects; stopped after ${redirects}: ${trail}`}
      url = next
      trail += ` → ${url.href}`
    }
  }
}
