import {describe, expect, it} from 'vitest'
import {resolveValidationConfig, validateLeads, type CheckName, type CheckResult} from '../../src/validation/index.js'
import {makeLead} from './support/leads.js'

const offline = resolveValidationConfig({
  source: 'test',
  value: {checks: {email_mx: {enabled: false}, website_reachable: {enabled: false}}},
})

async function checkOf(check: CheckName, overrides: Record<string, unknown>): Promise<CheckResult> {
  const [assessment] = await validateLeads([makeLead(overrides)], {config: offline})
  const result = assessment?.checks.find((candidate) => candidate.check === check)
  if (!result) throw new Error(`no ${check} result`)
  return result
}

type Case = [description: string, overrides: Record<string, unknown>, status: 'pass' | 'fail', message: string]

function table(check: CheckName, cases: Case[]) {
  describe(check, () => {
    it.each(cases)(
      'given %s, when validated, then the check says so',
      async (_description, overrides, status, message) => {
        const result = await checkOf(check, overrides)
        expect(result.status).toBe(status)
        expect(result.message).toContain(message)
      },
    )
  })
}

describe('offline checks', () => {
  it('given a real-looking complete lead, when validated offline, then every check passes and the lead is valid', async () => {
    const [assessment] = await validateLeads([makeLead()], {config: offline})
    expect(assessment?.verdict).toBe('vote')
    expect(assessment?.is_valid).toBe(true)
    expect(assessment?.score).toBe(1)
    expect(assessment?.checks.map((check) => [check.check, check.status])).toEqual([
      ['required', 'pass'],
      ['email_syntax', 'pass'],
      ['name_in_email', 'pass'],
      ['role_mailbox', 'pass'],
      ['disposable_domain', 'pass'],
      ['free_mail_domain', 'pass'],
      ['domain_match', 'pass'],
      ['linkedin_urls', 'pass'],
      ['source_denylist', 'pass'],
      ['duplicate', 'pass'],
    ])
  })

  table('required', [
    ['all required fields', {}, 'pass', 'present and well-formed'],
    ['no email', {email: undefined}, 'fail', 'email is required'],
    ['a website without a scheme', {website: 'northwind-robotics.com'}, 'fail', 'website must be an http(s) URL'],
    ['a 1 MB business name', {business: 'N'.repeat(1_000_000)}, 'fail', 'business must be at most 200 characters'],
    ['an unknown source type', {source_type: 'web_scrape'}, 'fail', 'source_type must be one of'],
  ])

  table('email_syntax', [
    ['a plain address', {}, 'pass', 'syntactically valid'],
    ['a sub-addressed mailbox', {email: 'maria.gonzalez+leads@northwind-robotics.com'}, 'pass', 'syntactically valid'],
    [
      'a space in the mailbox',
      {email: 'maria gonzalez@northwind-robotics.com'},
      'fail',
      'is not a valid email address',
    ],
    ['a domain without a TLD', {email: 'maria.gonzalez@northwind'}, 'fail', 'is not a valid email address'],
    ['an IP literal domain', {email: 'maria.gonzalez@[192.0.2.1]'}, 'fail', 'is not a valid email address'],
    ['consecutive dots', {email: 'maria..gonzalez@northwind-robotics.com'}, 'fail', 'is not a valid email address'],
  ])

  table('name_in_email', [
    ['first.last with accents in the name', {}, 'pass', 'matches the name'],
    ['first_last', {email: 'maria_gonzalez@northwind-robotics.com'}, 'pass', 'matches the name'],
    ['firstlast', {email: 'mariagonzalez@northwind-robotics.com'}, 'pass', 'matches the name'],
    ['f+last', {email: 'mgonzalez@northwind-robotics.com'}, 'pass', 'matches the name'],
    ['last+f', {email: 'gonzalezm@northwind-robotics.com'}, 'pass', 'matches the name'],
    ['first+l', {email: 'mariag@northwind-robotics.com'}, 'pass', 'matches the name'],
    ['last.first in capitals', {email: 'Gonzalez.Maria@northwind-robotics.com'}, 'pass', 'matches the name'],
    ['first name only', {email: 'maria@northwind-robotics.com'}, 'pass', 'contains "maria"'],
    ['last name and digits', {email: 'gonzalez2@northwind-robotics.com'}, 'pass', 'contains "gonzalez"'],
    ['a middle initial', {email: 'maria.j.gonzalez@northwind-robotics.com'}, 'pass', 'middle initial'],
    ['accents in the mailbox too', {email: 'maría.gonzález@northwind-robotics.com'}, 'pass', 'matches the name'],
    [
      'a compound first name',
      {first: 'Jean-Pierre', last: 'Dubois', email: 'jp.dubois@northwind-robotics.com'},
      'pass',
      'contains "dubois"',
    ],
    [
      'a Polish ł',
      {first: 'Łukasz', last: 'Wróbel', email: 'lukasz.wrobel@northwind-robotics.com'},
      'pass',
      'matches the name',
    ],
    [
      'a German ß',
      {first: 'Jörg', last: 'Weiß', email: 'joerg.weiss@northwind-robotics.com'},
      'pass',
      'contains "weiss"',
    ],
    [
      'a two-letter surname as a token',
      {first: 'Wei', last: 'Li', email: 'li.w@northwind-robotics.com'},
      'pass',
      'matches the name',
    ],
    ['someone else', {email: 'john.smith@northwind-robotics.com'}, 'fail', 'does not contain the name Maria González'],
    [
      'a short name inside another word',
      {first: 'Al', last: 'Ng', email: 'sales@northwind-robotics.com'},
      'fail',
      'does not contain',
    ],
    ['initials only', {email: 'mg@northwind-robotics.com'}, 'fail', 'does not contain'],
    [
      'a name without Latin letters',
      {first: '伟', last: '王', email: 'wei.wang@northwind-robotics.com'},
      'fail',
      'no Latin letters',
    ],
  ])

  table('role_mailbox', [
    ['a personal mailbox', {}, 'pass', 'personal'],
    ...(['info', 'sales', 'contact', 'support', 'hello', 'team', 'admin', 'office'] as const).map((mailbox): Case => [
      `${mailbox}@`,
      {email: `${mailbox}@northwind-robotics.com`},
      'fail',
      'general-purpose mailbox',
    ]),
    ['a role mailbox with digits and case', {email: 'Info2@northwind-robotics.com'}, 'fail', 'general-purpose mailbox'],
    [
      'a role mailbox with a separator',
      {email: 'customer.service@northwind-robotics.com'},
      'fail',
      'general-purpose mailbox',
    ],
    ['a role mailbox with a tag', {email: 'sales+eu@northwind-robotics.com'}, 'fail', 'general-purpose mailbox'],
    [
      'a name that merely starts like a role',
      {first: 'Info', last: 'Graphic', email: 'infographic@northwind-robotics.com'},
      'pass',
      'personal',
    ],
  ])

  table('disposable_domain', [
    ['a company domain', {}, 'pass', 'is not a disposable domain'],
    ['mailinator', {email: 'maria.gonzalez@mailinator.com'}, 'fail', 'mailinator.com is a disposable email domain'],
    [
      'a subdomain of a disposable domain',
      {email: 'maria.gonzalez@eu.mailinator.com'},
      'fail',
      'mailinator.com is a disposable',
    ],
    ['an upper-case disposable domain', {email: 'maria.gonzalez@YOPMAIL.COM'}, 'fail', 'yopmail.com is a disposable'],
  ])

  table('free_mail_domain', [
    ['a company domain', {}, 'pass', 'is not a free-mail provider'],
    ['gmail', {email: 'maria.gonzalez@gmail.com'}, 'fail', 'gmail.com is a free-mail provider'],
    ['outlook', {email: 'maria.gonzalez@outlook.com'}, 'fail', 'outlook.com is a free-mail provider'],
    ['yahoo', {email: 'maria.gonzalez@yahoo.com'}, 'fail', 'yahoo.com is a free-mail provider'],
    [
      'a big company that is not a mail provider',
      {email: 'maria.gonzalez@microsoft.com', website: 'https://microsoft.com'},
      'pass',
      'not a free-mail',
    ],
  ])

  table('domain_match', [
    ['the website on www', {}, 'pass', 'share northwind-robotics.com'],
    [
      'mail on a subdomain',
      {email: 'maria.gonzalez@mail.northwind-robotics.com'},
      'pass',
      'share northwind-robotics.com',
    ],
    [
      'a multi-part public suffix',
      {
        email: 'maria.gonzalez@northwind.co.uk',
        website: 'https://shop.northwind.co.uk/en',
        source_url: 'https://northwind.co.uk/team',
      },
      'pass',
      'share northwind.co.uk',
    ],
    [
      'another company',
      {email: 'maria.gonzalez@acme-robotics.com'},
      'fail',
      'acme-robotics.com differs from website domain northwind-robotics.com',
    ],
    [
      'siblings under one public suffix',
      {email: 'maria.gonzalez@northwind.co.uk', website: 'https://southwind.co.uk'},
      'fail',
      'differs',
    ],
    ['a website on an IP address', {website: 'http://203.0.113.7/'}, 'fail', 'has no registrable domain'],
  ])

  table('linkedin_urls', [
    ['a profile and a company page', {}, 'pass', 'expected form'],
    ['a country subdomain profile', {linkedin: 'https://uk.linkedin.com/in/maria-gonzalez'}, 'pass', 'expected form'],
    ['no company page', {company_linkedin: undefined}, 'pass', 'expected form'],
    [
      'a company page as the person',
      {linkedin: 'https://www.linkedin.com/company/northwind-robotics'},
      'fail',
      'not a LinkedIn person profile',
    ],
    [
      'a profile as the company',
      {company_linkedin: 'https://www.linkedin.com/in/maria-gonzalez'},
      'fail',
      'not a LinkedIn company page',
    ],
    ['a profile without a name', {linkedin: 'https://www.linkedin.com/in/'}, 'fail', 'not a LinkedIn person profile'],
    [
      'a look-alike domain',
      {linkedin: 'https://linkedin.com.evil.example/in/maria'},
      'fail',
      'not a LinkedIn person profile',
    ],
  ])

  table('source_denylist', [
    ['the company site', {}, 'pass', 'is not on the denylist'],
    [
      'ZoomInfo',
      {source_url: 'https://www.zoominfo.com/p/Maria-Gonzalez/123', source_type: 'licensed_resale'},
      'fail',
      'resold-data denylist (zoominfo.com)',
    ],
    ['an Apollo subdomain', {source_url: 'https://app.apollo.io/#/people/1'}, 'fail', 'denylist (apollo.io)'],
    [
      'a domain that merely ends like a broker',
      {source_url: 'https://notzoominfo.com/team'},
      'pass',
      'is not on the denylist',
    ],
  ])

  it('given a lead failing one check, when validated, then only that hard check is a rejection reason and the others still report', async () => {
    const [assessment] = await validateLeads([makeLead({email: 'maria.gonzalez@gmail.com'})], {config: offline})
    expect(assessment?.is_valid).toBe(false)
    expect(assessment?.rejection_reasons.map((reason) => reason.check)).toEqual(['free_mail_domain', 'domain_match'])
    expect(assessment?.rejection_reasons[1]).toEqual({
      check: 'domain_match',
      message: 'email domain gmail.com differs from website domain northwind-robotics.com',
      fields: ['email', 'website'],
    })
    expect(assessment?.checks.find((check) => check.check === 'disposable_domain')?.status).toBe('pass')
  })

  it('given linkedin URLs that are both wrong, when validated, then the reason names both fields', async () => {
    const result = await checkOf('linkedin_urls', {
      linkedin: 'https://www.linkedin.com/company/a',
      company_linkedin: 'https://www.linkedin.com/in/b',
    })
    expect(result.fields).toEqual(['linkedin', 'company_linkedin'])
  })
})
