/**
 * The canonical mailbox key: one string per real mailbox, so that spellings of one address such as
 * `Jane.Doe+1@Bücher.de`, `"jane.doe"@bücher.de` and `jane.doe@xn--bcher-kva.de` meet.
 * The database computes the same key (`leadpoet.mailbox_key` in
 * supabase/migrations/20261202000150_mailbox_key.sql); test/fixtures/mailbox-keys.json holds the
 * answers both must give.
 *
 * The key, in order:
 *  1. Input over 512 code points, or with a lone surrogate or a code point unassigned in Unicode 14.0,
 *     is malformed. Unicode 14.0 is the normalisation table of PostgreSQL 15, the oldest server we
 *     support: for older characters NFKC is frozen (Unicode stability policy), so every server and
 *     this code normalise them alike.
 *  2. NFKC; default-ignorable code points and format (Cf) characters removed (zero-width spaces,
 *     soft hyphens, bidirectional marks, variation selectors, tags); each code point lower-cased on
 *     its own (no context, so no final-sigma rule); NFKC again (lower-casing and removals can leave
 *     text unnormalised); ASCII space, tab, CR and LF trimmed at both ends.
 *  3. The local part is a dot-atom, or one quoted string (`"..."`, backslash escapes). Besides ASCII
 *     it may hold letters, combining marks and numbers (Unicode L, M, N), not starting with a mark,
 *     at most 64 UTF-8 octets. A quoted local part is kept unquoted when its content is a dot-atom.
 *  4. The domain: labels separated by `.` (or U+3002), at least two, no address literal. An ASCII
 *     label is letters, digits and inner hyphens; an `xn--` label must be canonical Punycode of a
 *     valid internationalised label; an internationalised label is letters, marks, numbers and inner
 *     hyphens, not starting with a mark, valid in IDNA (UTS 46 as the WHATWG URL standard applies
 *     it, bidi rule included) and already in its IDNA form. The key holds the A-label (`xn--`), so a
 *     U-label and its Punycode give one key. Labels at most 63 octets, the domain 253; the top-level
 *     label is ASCII letters or internationalised.
 *  5. Provider rules: a `+tag` (a `+` after the first character) is cut off; at gmail.com and
 *     googlemail.com dots in the local part are ignored and googlemail.com is gmail.com. The local
 *     part is quoted in the key only if it still needs quoting (`"` and `\` escaped).
 *  6. Suspicious: the local part, or one domain label, mixes scripts beyond Unicode TR39's highly
 *     restrictive level (one script; or Latin with Han and Hiragana/Katakana, with Han and Bopomofo,
 *     or with Han and Hangul). Common and Inherited characters (digits, punctuation, most combining
 *     marks) do not count. Checked on the mailbox (after the +tag is cut) and on each domain
 *     label's U-label, and only once the address is well-formed.
 *
 * Known limits, kept on purpose: a label written wholly in another script (all-Cyrillic "аррӏе")
 * is one script and passes, as TR39 mixed-script detection cannot see it; `ς`/`σ` and `ß`/`ss` stay
 * apart (lower case, not case folding); Cherokee domain labels are refused, since IDNA folds
 * Cherokee to capitals where lower-casing makes small letters.
 */
import {domainToASCII, domainToUnicode} from 'node:url'
import {UNASSIGNED_IN_UNICODE_14} from './mailbox-key-unicode14.js'

export type MailboxRefusal = 'malformed_email' | 'suspicious_email'
export type MailboxKey = {key: string} | {refusal: MailboxRefusal; message: string}

export const MAX_EMAIL_CODE_POINTS = 512
const MAX_LOCAL_OCTETS = 64
const MAX_LABEL_OCTETS = 63
const MAX_DOMAIN_OCTETS = 253
const GMAIL_DOMAINS = new Set(['gmail.com', 'googlemail.com'])

/**
 * Unicode's scripts (Unicode 17.0; `Unknown` left out), as `\p{Script_Extensions=...}` names them.
 * scripts/generate-mailbox-tables.ts builds the SQL script table from this list and checks that it
 * covers every letter, mark and number.
 */
// prettier-ignore
export const SCRIPT_NAMES = [
  'Common', 'Inherited', 'Adlam', 'Ahom', 'Anatolian_Hieroglyphs', 'Arabic', 'Armenian', 'Avestan', 'Balinese', 'Bamum',
  'Bassa_Vah', 'Batak', 'Bengali', 'Beria_Erfe', 'Bhaiksuki', 'Bopomofo', 'Brahmi', 'Braille', 'Buginese', 'Buhid',
  'Canadian_Aboriginal', 'Carian', 'Caucasian_Albanian', 'Chakma', 'Cham', 'Cherokee', 'Chorasmian', 'Coptic', 'Cuneiform',
  'Cypriot', 'Cypro_Minoan', 'Cyrillic', 'Deseret', 'Devanagari', 'Dives_Akuru', 'Dogra', 'Duployan', 'Egyptian_Hieroglyphs',
  'Elbasan', 'Elymaic', 'Ethiopic', 'Garay', 'Georgian', 'Glagolitic', 'Gothic', 'Grantha', 'Greek', 'Gujarati', 'Gunjala_Gondi',
  'Gurmukhi', 'Gurung_Khema', 'Han', 'Hangul', 'Hanifi_Rohingya', 'Hanunoo', 'Hatran', 'Hebrew', 'Hiragana', 'Imperial_Aramaic',
  'Inscriptional_Pahlavi', 'Inscriptional_Parthian', 'Javanese', 'Kaithi', 'Kannada', 'Katakana', 'Kawi', 'Kayah_Li', 'Kharoshthi',
  'Khitan_Small_Script', 'Khmer', 'Khojki', 'Khudawadi', 'Kirat_Rai', 'Lao', 'Latin', 'Lepcha', 'Limbu', 'Linear_A', 'Linear_B',
  'Lisu', 'Lycian', 'Lydian', 'Mahajani', 'Makasar', 'Malayalam', 'Mandaic', 'Manichaean', 'Marchen', 'Masaram_Gondi', 'Medefaidrin',
  'Meetei_Mayek', 'Mende_Kikakui', 'Meroitic_Cursive', 'Meroitic_Hieroglyphs', 'Miao', 'Modi', 'Mongolian', 'Mro', 'Multani',
  'Myanmar', 'Nabataean', 'Nag_Mundari', 'Nandinagari', 'New_Tai_Lue', 'Newa', 'Nko', 'Nushu', 'Nyiakeng_Puachue_Hmong', 'Ogham',
  'Ol_Chiki', 'Ol_Onal', 'Old_Hungarian', 'Old_Italic', 'Old_North_Arabian', 'Old_Permic', 'Old_Persian', 'Old_Sogdian',
  'Old_South_Arabian', 'Old_Turkic', 'Old_Uyghur', 'Oriya', 'Osage', 'Osmanya', 'Pahawh_Hmong', 'Palmyrene', 'Pau_Cin_Hau',
  'Phags_Pa', 'Phoenician', 'Psalter_Pahlavi', 'Rejang', 'Runic', 'Samaritan', 'Saurashtra', 'Sharada', 'Shavian', 'Siddham',
  'Sidetic', 'SignWriting', 'Sinhala', 'Sogdian', 'Sora_Sompeng', 'Soyombo', 'Sundanese', 'Sunuwar', 'Syloti_Nagri', 'Syriac',
  'Tagalog', 'Tagbanwa', 'Tai_Le', 'Tai_Tham', 'Tai_Viet', 'Tai_Yo', 'Takri', 'Tamil', 'Tangsa', 'Tangut', 'Telugu', 'Thaana',
  'Thai', 'Tibetan', 'Tifinagh', 'Tirhuta', 'Todhri', 'Tolong_Siki', 'Toto', 'Tulu_Tigalari', 'Ugaritic', 'Vai', 'Vithkuqi',
  'Wancho', 'Warang_Citi', 'Yezidi', 'Yi', 'Zanabazar_Square',
] as const

/** TR39 augmented script sets: Han also counts as Japanese, Korean and Han-with-Bopomofo, and so on. */
export const AUGMENTED_SCRIPTS: Readonly<Record<string, readonly string[]>> = {
  Han: ['Han_with_Bopomofo', 'Japanese', 'Korean'],
  Hiragana: ['Japanese'],
  Katakana: ['Japanese'],
  Hangul: ['Korean'],
  Bopomofo: ['Han_with_Bopomofo'],
}

/** Besides one script, TR39's highly restrictive level allows these combinations. */
export const HIGHLY_RESTRICTIVE_COMBINATIONS: readonly (readonly string[])[] = [
  ['Latin', 'Han', 'Hiragana', 'Katakana'],
  ['Latin', 'Han', 'Bopomofo'],
  ['Latin', 'Han', 'Hangul'],
]

const IGNORABLE = /[\p{Default_Ignorable_Code_Point}\p{Cf}]/gu
const LETTER_MARK_NUMBER = /^[\p{L}\p{M}\p{N}]$/u
const MARK = /^\p{M}$/u
const LONE_SURROGATE = /\p{Cs}/u
const ASCII = /^[\x00-\x7f]*$/ // eslint-disable-line no-control-regex -- the ASCII range is the point
const ATEXT = /^[a-z0-9!#$%&'*+\-/=?^_`{|}~]$/
const ASCII_LABEL = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/
const A_LABEL_CHARS = /^[a-z0-9-]+$/
const TOP_LEVEL_ASCII = /^[a-z]{2,63}$/

/**
 * Step 2 without the trimming: NFKC, ignorables and format characters removed, each code point
 * lower-cased on its own, NFKC again. The SQL side does the same with tables generated from this.
 */
export function normalizeMailboxText(text: string): string {
  const lowered = Array.from(text.normalize('NFKC').replace(IGNORABLE, ''), (char) => char.toLowerCase()).join('')
  return lowered.normalize('NFKC')
}

function codePointName(char: string): string {
  return `U+${(char.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`
}

const octets = (text: string) => Buffer.byteLength(text, 'utf8')

class Refusal {
  constructor(
    readonly refusal: MailboxRefusal,
    readonly message: string,
  ) {}
}

const malformed = (message: string) => new Refusal('malformed_email', message)

/** The characters a local part may hold besides the ASCII ones its syntax allows. */
function checkNonAscii(chars: readonly string[], where: string): Refusal | undefined {
  for (const char of chars) {
    if (char > '\x7f' && !LETTER_MARK_NUMBER.test(char))
      return malformed(`${where} holds ${codePointName(char)}, which is not a letter, mark or number`)
  }
  return undefined
}

function isDotAtom(text: string): boolean {
  if (text === '') return false
  return text
    .split('.')
    .every((atom) => atom !== '' && Array.from(atom).every((char) => char > '\x7f' || ATEXT.test(char)))
}

/** The local part's content (unquoted, escapes resolved) and what follows the @. */
function parseLocal(chars: string[]): {content: string; rest: string[]} | Refusal {
  let content: string[]
  let rest: string[]
  if (chars[0] === '"') {
    content = []
    let i = 1
    for (;;) {
      const char = chars[i]
      if (char === undefined) return malformed('the quoted local part has no closing quote')
      if (char === '"') break
      if (char === '\\') {
        const escaped = chars[i + 1]
        if (escaped === undefined || escaped < ' ' || escaped > '~')
          return malformed('a backslash in the quoted local part must escape a printable ASCII character')
        content.push(escaped)
        i += 2
        continue
      }
      if (char < ' ' || char === '\x7f')
        return malformed(`the quoted local part holds the control character ${codePointName(char)}`)
      content.push(char)
      i += 1
    }
    rest = chars.slice(i + 1)
    if (rest[0] !== '@') return malformed('the quoted local part must be followed by @')
    const refusal = checkNonAscii(content, 'the local part')
    if (refusal) return refusal
  } else {
    const at = chars.indexOf('@')
    if (at < 0) return malformed('there is no @')
    content = chars.slice(0, at)
    rest = chars.slice(at)
    if (rest.indexOf('@', 1) >= 0) return malformed('there is more than one @')
    const refusal = checkNonAscii(content, 'the local part')
    if (refusal) return refusal
    const ascii = content.find((char) => char <= '\x7f' && char !== '.' && !ATEXT.test(char))
    if (ascii !== undefined) return malformed(`the local part holds ${JSON.stringify(ascii)}, which needs quoting`)
    if (content.length > 0 && !isDotAtom(content.join('')))
      return malformed('the local part has a leading, trailing or double dot')
  }
  if (content.length === 0) return malformed('the local part is empty')
  if (MARK.test(content[0] ?? '')) return malformed('the local part starts with a combining mark')
  if (octets(content.join('')) > MAX_LOCAL_OCTETS)
    return malformed(`the local part is longer than ${MAX_LOCAL_OCTETS} octets`)
  return {content: content.join(''), rest: rest.slice(1)}
}

interface Label {
  /** The label as people read it (U-label), and as the key holds it (A-label or ASCII). */
  unicode: string
  ascii: string
}

function parseLabel(label: string): Label | Refusal {
  let unicode = label
  if (label.startsWith('xn--')) {
    // One message for every way an A-label fails: Node's IDNA and the SQL Punycode stop at different steps.
    const invalid = malformed(`the domain label "${label}" is not the canonical Punycode of a normalised label`)
    if (!A_LABEL_CHARS.test(label)) return invalid
    unicode = domainToUnicode(label)
    if (unicode === '' || ASCII.test(unicode) || domainToASCII(unicode) !== label) return invalid
    if (UNASSIGNED_IN_UNICODE_14.test(unicode) || normalizeMailboxText(unicode) !== unicode) return invalid
  }
  if (ASCII.test(unicode)) {
    if (!ASCII_LABEL.test(unicode))
      return malformed(`the domain label "${unicode}" is not letters, digits and inner hyphens`)
    if (unicode.length > MAX_LABEL_OCTETS)
      return malformed(`the domain label "${unicode}" is longer than ${MAX_LABEL_OCTETS} octets`)
    return {unicode, ascii: unicode}
  }
  const chars = Array.from(unicode)
  const odd = chars.find((char) => (char <= '\x7f' ? !/^[a-z0-9-]$/.test(char) : !LETTER_MARK_NUMBER.test(char)))
  if (odd !== undefined)
    return malformed(`the domain label "${unicode}" holds ${codePointName(odd)}, which is not a letter, mark or number`)
  if (unicode.startsWith('-') || unicode.endsWith('-'))
    return malformed(`the domain label "${unicode}" starts or ends with a hyphen`)
  if (MARK.test(chars[0] ?? '')) return malformed(`the domain label "${unicode}" starts with a combining mark`)
  // UTS 46 as the URL standard applies it: characters valid in IDNA and left as they are, bidi rule.
  const ascii = domainToASCII(unicode)
  if (ascii === '' || domainToUnicode(ascii) !== unicode)
    return malformed(`the domain label "${unicode}" is not a valid internationalised label`)
  if (ascii.length > MAX_LABEL_OCTETS)
    return malformed(`the domain label "${unicode}" is longer than ${MAX_LABEL_OCTETS} octets`)
  return {unicode, ascii}
}

function parseDomain(text: string): Label[] | Refusal {
  if (text === '') return malformed('the domain is empty')
  if (text.startsWith('[')) return malformed('address literals ([...]) are not accepted')
  const parts = text.replaceAll('\u3002', '.').split('.')
  if (parts.some((part) => part === '')) return malformed('the domain has an empty label')
  if (parts.length < 2) return malformed('the domain has a single label')
  const labels: Label[] = []
  for (const part of parts) {
    const label = parseLabel(part)
    if (label instanceof Refusal) return label
    labels.push(label)
  }
  const top = labels[labels.length - 1] as Label
  if (top.ascii === top.unicode && !TOP_LEVEL_ASCII.test(top.ascii))
    return malformed(`the top-level domain "${top.ascii}" is not letters`)
  if (labels.map((label) => label.ascii).join('.').length > MAX_DOMAIN_OCTETS)
    return malformed(`the domain is longer than ${MAX_DOMAIN_OCTETS} octets`)
  return labels
}

const scriptPatterns = SCRIPT_NAMES.map((name) => [name, new RegExp(`^\\p{Script_Extensions=${name}}$`, 'u')] as const)
const scriptCache = new Map<string, readonly string[]>()

/** The Script_Extensions of one character (memoised: the set of characters met is small). */
function scriptExtensions(char: string): readonly string[] {
  let scripts = scriptCache.get(char)
  if (scripts === undefined) {
    scripts = scriptPatterns.filter(([, pattern]) => pattern.test(char)).map(([name]) => name)
    scriptCache.set(char, scripts)
  }
  return scripts
}

/** Unicode TR39 highly restrictive: one script, or one of the allowed combinations with Latin. */
function isHighlyRestrictive(text: string): boolean {
  if (ASCII.test(text)) return true
  let resolved: Set<string> | undefined
  const covered = HIGHLY_RESTRICTIVE_COMBINATIONS.map(() => true)
  for (const char of text) {
    const scripts = scriptExtensions(char)
    if (scripts.length === 1 && (scripts[0] === 'Common' || scripts[0] === 'Inherited')) continue
    const augmented = new Set(scripts.flatMap((script) => [script, ...(AUGMENTED_SCRIPTS[script] ?? [])]))
    resolved = resolved === undefined ? augmented : new Set([...resolved].filter((script) => augmented.has(script)))
    HIGHLY_RESTRICTIVE_COMBINATIONS.forEach((combination, i) => {
      if (!combination.some((script) => scripts.includes(script))) covered[i] = false
    })
  }
  return resolved === undefined || resolved.size > 0 || covered.some(Boolean)
}

const suspicious = (what: string) =>
  new Refusal('suspicious_email', `${what} mixes scripts in a way that can imitate another address (Unicode TR39)`)

function quoteIfNeeded(local: string): string {
  return isDotAtom(local) ? local : `"${local.replace(/["\\]/g, '\\$&')}"`
}

function computeKey(email: string): string | Refusal {
  if (Array.from(email).length > MAX_EMAIL_CODE_POINTS)
    return malformed(`the email is longer than ${MAX_EMAIL_CODE_POINTS} characters`)
  if (LONE_SURROGATE.test(email)) return malformed('the email holds a lone surrogate')
  const unassigned = UNASSIGNED_IN_UNICODE_14.exec(email)
  if (unassigned) return malformed(`the email holds ${codePointName(unassigned[0])}, unassigned in Unicode 14.0`)
  const text = normalizeMailboxText(email).replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, '')
  const parsed = parseLocal(Array.from(text))
  if (parsed instanceof Refusal) return parsed
  const labels = parseDomain(parsed.rest.join(''))
  if (labels instanceof Refusal) return labels

  let local = parsed.content
  let domain = labels.map((label) => label.ascii).join('.')
  const plus = local.indexOf('+')
  if (plus > 0) local = local.slice(0, plus)
  if (GMAIL_DOMAINS.has(domain)) {
    local = local.replaceAll('.', '')
    domain = 'gmail.com'
  }
  if (local === '') return malformed('the local part is empty once provider rules are applied')

  if (!isHighlyRestrictive(local)) return suspicious('the local part')
  const mixed = labels.find((label) => !isHighlyRestrictive(label.unicode))
  if (mixed) return suspicious(`the domain label "${mixed.unicode}"`)
  return `${quoteIfNeeded(local)}@${domain}`
}

/** The canonical key of an email, or why it is refused. Total: never throws on any string. */
export function mailboxKey(email: string): MailboxKey {
  if (typeof email !== 'string') return {refusal: 'malformed_email', message: 'the email is not text'}
  const result = computeKey(email)
  return result instanceof Refusal ? {refusal: result.refusal, message: result.message} : {key: result}
}
