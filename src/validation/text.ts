/** Normalising names, mailboxes and domains so that comparisons ignore case, accents and formatting. */
import {domainToASCII} from 'node:url'
import {getDomain} from 'tldts'

// Letters that Unicode decomposition does not reduce to ASCII.
const LETTER_FOLDS: Record<string, string> = {
  ß: 'ss',
  æ: 'ae',
  œ: 'oe',
  ø: 'o',
  ł: 'l',
  đ: 'd',
  ð: 'd',
  þ: 'th',
  ı: 'i',
  ħ: 'h',
  ŋ: 'n',
  ĸ: 'k',
}

/** Lower-case ASCII approximation: "José Ñúñez-Łukasz" becomes "jose nunez-lukasz". */
export function foldToAscii(text: string): string {
  return text
    .toLowerCase()
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .replace(/[ßæœøłđðþıħŋĸ]/g, (letter) => LETTER_FOLDS[letter] ?? letter)
}

/** Alphanumeric runs of a folded text: "Mary-Kate O'Neil" gives ["mary", "kate", "o", "neil"]. */
export function alphanumericTokens(text: string): string[] {
  return foldToAscii(text)
    .split(/[^a-z0-9]+/)
    .filter((token) => token !== '')
}

export interface EmailParts {
  /** The local part with any "+tag" sub-address removed, as written. */
  mailbox: string
  /** The domain, lower-cased ASCII (punycode); "" when it is not a valid host name. */
  domain: string
}

export function splitEmail(email: string): EmailParts {
  const at = email.lastIndexOf('@')
  const local = email.slice(0, at)
  const plus = local.indexOf('+')
  return {
    mailbox: plus > 0 ? local.slice(0, plus) : local,
    domain: domainToASCII(
      email
        .slice(at + 1)
        .trim()
        .toLowerCase(),
    ),
  }
}

/** A mailbox reduced to its letters and digits, without trailing digits: "Info-2" and "info" both give "info". */
export function compactMailbox(mailbox: string): string {
  return alphanumericTokens(mailbox).join('').replace(/\d+$/, '')
}

/** The host of a URL already known to parse, lower-case ASCII without IPv6 brackets. */
export function urlHost(url: string): string {
  return (URL.parse(url)?.hostname ?? '').replace(/^\[|\]$/g, '')
}

/** Registrable domain ("shop.acme.co.uk" gives "acme.co.uk"), public-suffix aware; null for IPs and bare suffixes. */
export function registrableDomain(host: string): string | null {
  return getDomain(host, {allowPrivateDomains: true})
}

/** Whether the host, or a parent domain of it, is in the set ("mx.mailinator.com" matches "mailinator.com"). */
export function domainOrParentIn(host: string, domains: ReadonlySet<string>): string | undefined {
  const labels = host.split('.')
  for (let start = 0; start < labels.length - 1; start++) {
    const candidate = labels.slice(start).join('.')
    if (domains.has(candidate)) return candidate
  }
  return undefined
}
