/**
 * The lead: one prospect as miners submit it and validators judge it. This schema is the single
 * definition the whole project uses; `parseLead` is the only way untrusted input becomes a `Lead`.
 */
import {z} from 'zod'

export const SOURCE_TYPES = [
  'public_registry',
  'company_site',
  'first_party_form',
  'licensed_resale',
  'proprietary_database',
] as const

export type SourceType = (typeof SOURCE_TYPES)[number]

/** Upper bounds on field sizes: generous for real data, small enough that absurd input is refused early. */
export const LEAD_LIMITS = {
  name: 100,
  shortText: 200,
  email: 254, // RFC 5321 path limit
  url: 2048,
  description: 5000,
  phoneNumber: 40,
  phoneNumbers: 10,
  socials: 10,
  hash: 128,
} as const

// C0/C1 controls and bidirectional overrides (used to disguise text); multi-line fields may keep \t \n \r.
const CONTROL_CHARS = /[\p{Cc}\u202A-\u202E\u2066-\u2069]/u
const CONTROL_CHARS_EXCEPT_WHITESPACE =
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/u
// Markup such as <script>, </b>, <!-- or <?php: no lead field legitimately contains it.
const MARKUP = /<\s*[a-z!?/]/i
const REPLACEMENT_CHAR = '\uFFFD'

function text(max: number, options: {multiline?: boolean} = {}) {
  const controls = options.multiline ? CONTROL_CHARS_EXCEPT_WHITESPACE : CONTROL_CHARS
  return (
    z
      .string({message: 'must be text'})
      // Checked before trimming and aborting so a megabyte string is refused without further scanning.
      .max(max * 4, {message: `must be at most ${max} characters`, abort: true})
      .trim()
      .min(1, {message: 'must not be empty'})
      .max(max, {message: `must be at most ${max} characters`, abort: true})
      .refine((value) => value.isWellFormed(), {message: 'contains invalid Unicode (a lone surrogate)'})
      .refine((value) => !value.includes(REPLACEMENT_CHAR), {
        message: 'contains U+FFFD, the mark of text that was not valid UTF-8',
      })
      .refine((value) => !controls.test(value), {message: 'contains control characters'})
      .refine((value) => !MARKUP.test(value), {message: 'contains HTML or script markup'})
  )
}

function httpUrl(max = LEAD_LIMITS.url) {
  return text(max).refine(
    (value) => {
      const url = URL.parse(value)
      return (
        url !== null &&
        (url.protocol === 'http:' || url.protocol === 'https:') &&
        url.hostname !== '' &&
        url.username === '' &&
        url.password === ''
      )
    },
    {message: 'must be an http(s) URL with a host and no credentials'},
  )
}

const email = text(LEAD_LIMITS.email).refine(
  (value) => {
    const at = value.indexOf('@')
    return at > 0 && at === value.lastIndexOf('@') && at < value.length - 1
  },
  {message: 'must contain exactly one @ between a local part and a domain'},
)

const headCount = 'must be a head count or a band such as "51-200"'

const leadShape = {
  business: text(LEAD_LIMITS.shortText),
  full_name: text(LEAD_LIMITS.name).optional(),
  first: text(LEAD_LIMITS.name),
  last: text(LEAD_LIMITS.name),
  email,
  role: text(LEAD_LIMITS.shortText),
  website: httpUrl(),
  industry: text(LEAD_LIMITS.shortText),
  sub_industry: text(LEAD_LIMITS.shortText),
  region: text(LEAD_LIMITS.shortText),
  linkedin: httpUrl(),
  source_url: httpUrl(),
  source_type: z.enum(SOURCE_TYPES, {message: `must be one of ${SOURCE_TYPES.join(', ')}`}),
  description: text(LEAD_LIMITS.description, {multiline: true}).optional(),
  phone_numbers: z
    .array(text(LEAD_LIMITS.phoneNumber))
    .max(LEAD_LIMITS.phoneNumbers, {message: `must list at most ${LEAD_LIMITS.phoneNumbers} numbers`})
    .optional(),
  founded_year: z
    .number({message: 'must be a year (a number)'})
    .int({message: 'must be a whole year'})
    // Fixed bounds rather than "this year" keep the verdict independent of when it is computed.
    .min(1000, {message: 'must be 1000 or later'})
    .max(2100, {message: 'must be 2100 or earlier'})
    .optional(),
  company_linkedin: httpUrl().optional(),
  // LinkedIn-style bands ("51-200", "10,001+") or an exact head count.
  employee_count: z
    .union([
      z
        .number({message: headCount})
        .int({message: headCount})
        .min(0, {message: headCount})
        .max(10_000_000, {message: headCount}),
      text(32),
    ])
    .optional(),
  country: text(LEAD_LIMITS.shortText).optional(),
  state: text(LEAD_LIMITS.shortText).optional(),
  city: text(LEAD_LIMITS.shortText).optional(),
  // The seed's optional company fields and the miner's licence attestation.
  ownership_type: text(LEAD_LIMITS.shortText).optional(),
  company_type: text(LEAD_LIMITS.shortText).optional(),
  number_of_locations: z
    .union([z.number({message: 'must be a count or a band'}).int().min(0).max(10_000_000), text(32)])
    .optional(),
  socials: z
    .record(text(64), httpUrl())
    .refine((socials) => Object.keys(socials).length <= LEAD_LIMITS.socials, {
      message: `must list at most ${LEAD_LIMITS.socials} networks`,
    })
    .optional(),
  license_doc_hash: text(LEAD_LIMITS.hash).optional(),
  license_doc_url: httpUrl().optional(),
}

/**
 * Every field a lead may carry. The database refuses any other at enqueue, by name
 * (leadpoet.prospect_fields(); test/db/prospect-fields.test.ts keeps the two lists equal).
 */
export const LEAD_FIELDS = Object.keys(leadShape) as (keyof typeof leadShape)[]

/**
 * The lead schema: unknown fields are refused by name (a prospect carries what validators judge,
 * nothing else). `full_name` is filled from first + last when absent.
 */
export const leadSchema = z.strictObject(leadShape).transform((lead): typeof lead & {full_name: string} => ({
  ...lead,
  full_name: lead.full_name ?? `${lead.first} ${lead.last}`,
}))

export type Lead = z.output<typeof leadSchema>

export interface LeadIssue {
  /** Dotted path of the offending field ("phone_numbers.2"), or "(lead)" for the lead as a whole. */
  field: string
  message: string
}

export type ParsedLead = {ok: true; lead: Lead} | {ok: false; issues: LeadIssue[]}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

export function parseLead(input: unknown): ParsedLead {
  if (!isPlainObject(input)) return {ok: false, issues: [{field: '(lead)', message: 'must be an object'}]}
  let result: ReturnType<typeof leadSchema.safeParse>
  try {
    result = leadSchema.safeParse(input)
  } catch (error) {
    // Only hostile objects get here (a throwing getter or proxy); JSON input cannot.
    return {
      ok: false,
      issues: [{field: '(lead)', message: `could not be read: ${(error as Error)?.message ?? String(error)}`}],
    }
  }
  if (result.success) return {ok: true, lead: result.data}
  return {
    ok: false,
    issues: result.error.issues.flatMap((issue): LeadIssue[] => {
      // One issue per unknown field, named: the database refuses them the same way at enqueue.
      if (issue.code === 'unrecognized_keys')
        return issue.keys.map((key) => ({field: key, message: 'is not a lead field'}))
      const [key] = issue.path
      const missing = issue.path.length === 1 && typeof key === 'string' && input[key] === undefined
      return [
        {
          field: issue.path.length === 0 ? '(lead)' : issue.path.map(String).join('.'),
          message: missing ? 'is required' : issue.message,
        },
      ]
    }),
  }
}
