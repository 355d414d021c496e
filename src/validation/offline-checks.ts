/**
 * The checks that need nothing but the lead and the configured lists. Pure functions: the same
 * lead and lists always give the same outcome.
 */
import {disposableEmailBlocklistSet} from 'disposable-email-domains-js'
import freeMailProviders from 'email-providers/all.json' with {type: 'json'}
import validator from 'validator'
import type {Lead} from '../lead.js'
import type {ValidationLists} from './config.js'
import {
  alphanumericTokens,
  compactMailbox,
  domainOrParentIn,
  registrableDomain,
  urlHost,
  type EmailParts,
} from './text.js'
import type {CheckName, CheckOutcome} from './types.js'

/** The lists the offline checks consult, built once per validator. */
export interface OfflineLists {
  roleMailboxes: ReadonlySet<string>
  disposableDomains: ReadonlySet<string>
  freeMailDomains: ReadonlySet<string>
  sourceDenylist: ReadonlySet<string>
}

export function buildOfflineLists(lists: ValidationLists): OfflineLists {
  return {
    roleMailboxes: new Set(lists.roleMailboxes.map(compactMailbox)),
    disposableDomains: new Set([...disposableEmailBlocklistSet(), ...lists.extraDisposableDomains]),
    freeMailDomains: new Set([...freeMailProviders, ...lists.extraFreeMailDomains]),
    sourceDenylist: new Set(lists.sourceDenylist),
  }
}

export interface OfflineInput {
  lead: Lead
  email: EmailParts
  lists: OfflineLists
}

/** A check's outcome plus, where it is narrower than the check's usual fields, the fields at fault. */
export type OfflineOutcome = CheckOutcome & {fields?: string[]}

type OfflineCheck = (input: OfflineInput) => OfflineOutcome

const pass = (message: string): OfflineOutcome => ({status: 'pass', message})
const fail = (message: string, fields?: string[]): OfflineOutcome => ({
  status: 'fail',
  message,
  ...(fields ? {fields} : {}),
})

function emailSyntax({lead}: OfflineInput): OfflineOutcome {
  const ok = validator.isEmail(lead.email, {allow_display_name: false, require_tld: true, allow_ip_domain: false})
  return ok ? pass('email is syntactically valid') : fail(`"${lead.email}" is not a valid email address`)
}

/**
 * Name forms accepted in a mailbox: the whole name or any of its parts (so "Mary-Kate" gives
 * "marykate", "mary", "kate"). Parts shorter than three letters only count as whole tokens or in
 * the compound patterns, so "Al" does not match "sales".
 */
function nameForms(name: string): string[] {
  const tokens = alphanumericTokens(name).filter((token) => /[a-z]/.test(token))
  const joined = tokens.join('')
  return [...new Set(joined === '' ? [] : [joined, ...tokens])]
}

function nameInEmail({lead, email}: OfflineInput): OfflineOutcome {
  const firsts = nameForms(lead.first)
  const lasts = nameForms(lead.last)
  if (firsts.length === 0 || lasts.length === 0)
    return fail('first or last name has no Latin letters to compare with the email', ['first', 'last'])
  const tokens = alphanumericTokens(email.mailbox)
  const compact = compactMailbox(email.mailbox)
  for (const first of firsts) {
    for (const last of lasts) {
      const f = first[0] ?? ''
      const l = last[0] ?? ''
      // firstlast, lastfirst, flast, lastf, firstl, lfirst; separators are already gone (first.last, first_last).
      const patterns = [first + last, last + first, f + last, last + f, first + l, l + first]
      if (patterns.includes(compact)) return pass(`mailbox "${email.mailbox}" matches the name`)
      // first + middle initial + last ("john.q.smith").
      if (compact.length === first.length + 1 + last.length && compact.startsWith(first) && compact.endsWith(last))
        return pass(`mailbox "${email.mailbox}" matches the name with a middle initial`)
    }
  }
  for (const form of [...firsts, ...lasts]) {
    if (tokens.includes(form) || (form.length >= 3 && compact.includes(form)))
      return pass(`mailbox "${email.mailbox}" contains "${form}"`)
  }
  return fail(`mailbox "${email.mailbox}" does not contain the name ${lead.first} ${lead.last}`)
}

function roleMailbox({email, lists}: OfflineInput): OfflineOutcome {
  const compact = compactMailbox(email.mailbox)
  return lists.roleMailboxes.has(compact)
    ? fail(`"${email.mailbox}@" is a general-purpose mailbox, not a person's`)
    : pass('mailbox is personal')
}

function invalidDomain(email: EmailParts): OfflineOutcome | undefined {
  return email.domain === '' || !email.domain.includes('.')
    ? fail('the email domain is not a valid host name')
    : undefined
}

function disposableDomain({email, lists}: OfflineInput): OfflineOutcome {
  const invalid = invalidDomain(email)
  if (invalid) return invalid
  const listed = domainOrParentIn(email.domain, lists.disposableDomains)
  return listed ? fail(`${listed} is a disposable email domain`) : pass(`${email.domain} is not a disposable domain`)
}

function freeMailDomain({email, lists}: OfflineInput): OfflineOutcome {
  const invalid = invalidDomain(email)
  if (invalid) return invalid
  const listed = domainOrParentIn(email.domain, lists.freeMailDomains)
  return listed
    ? fail(`${listed} is a free-mail provider, not a business domain`)
    : pass(`${email.domain} is not a free-mail provider`)
}

function domainMatch({lead, email}: OfflineInput): OfflineOutcome {
  const websiteHost = urlHost(lead.website)
  const emailDomain = email.domain === '' ? null : registrableDomain(email.domain)
  const siteDomain = registrableDomain(websiteHost)
  if (emailDomain === null) return fail('the email domain has no registrable domain', ['email'])
  if (siteDomain === null) return fail(`website host ${websiteHost} has no registrable domain`, ['website'])
  return emailDomain === siteDomain
    ? pass(`email and website share ${siteDomain}`)
    : fail(`email domain ${emailDomain} differs from website domain ${siteDomain}`)
}

function linkedinPath(url: string): {domain: string | null; kind: string | undefined; slug: string | undefined} {
  const parsed = URL.parse(url)
  const segments = (parsed?.pathname ?? '').split('/').filter((segment) => segment !== '')
  return {domain: registrableDomain(parsed?.hostname ?? ''), kind: segments[0]?.toLowerCase(), slug: segments[1]}
}

function linkedinUrls({lead}: OfflineInput): OfflineOutcome {
  const problems: string[] = []
  const fields: string[] = []
  const person = linkedinPath(lead.linkedin)
  if (person.domain !== 'linkedin.com' || person.kind !== 'in' || !person.slug) {
    problems.push('linkedin is not a LinkedIn person profile (linkedin.com/in/...)')
    fields.push('linkedin')
  }
  if (lead.company_linkedin !== undefined) {
    const company = linkedinPath(lead.company_linkedin)
    if (company.domain !== 'linkedin.com' || company.kind !== 'company' || !company.slug) {
      problems.push('company_linkedin is not a LinkedIn company page (linkedin.com/company/...)')
      fields.push('company_linkedin')
    }
  }
  return problems.length === 0 ? pass('LinkedIn URLs have the expected form') : fail(problems.join('; '), fields)
}

function sourceDenylist({lead, lists}: OfflineInput): OfflineOutcome {
  const host = urlHost(lead.source_url)
  const listed = domainOrParentIn(host, lists.sourceDenylist)
  return listed
    ? fail(`source ${host} is on the resold-data denylist (${listed})`)
    : pass(`source ${host} is not on the denylist`)
}

/** The offline checks, in pipeline order, with the lead fields each one reads. */
export const OFFLINE_CHECKS: ReadonlyArray<{name: CheckName; fields: string[]; run: OfflineCheck}> = [
  {name: 'email_syntax', fields: ['email'], run: emailSyntax},
  {name: 'name_in_email', fields: ['first', 'last', 'email'], run: nameInEmail},
  {name: 'role_mailbox', fields: ['email'], run: roleMailbox},
  {name: 'disposable_domain', fields: ['email'], run: disposableDomain},
  {name: 'free_mail_domain', fields: ['email'], run: freeMailDomain},
  {name: 'domain_match', fields: ['email', 'website'], run: domainMatch},
  {name: 'linkedin_urls', fields: ['linkedin', 'company_linkedin'], run: linkedinUrls},
  {name: 'source_denylist', fields: ['source_url'], run: sourceDenylist},
]
