import {readFileSync} from 'node:fs'
import type {MailboxKey, MailboxRefusal} from '../../src/mailbox-key.js'

/** One line of test/fixtures/mailbox-keys.json: an email and its key, or its refusal. */
export interface MailboxVector {
  email: string
  key?: string
  refusal?: MailboxRefusal
  note: string
}

export function loadMailboxVectors(): MailboxVector[] {
  const url = new URL('../fixtures/mailbox-keys.json', import.meta.url)
  return (JSON.parse(readFileSync(url, 'utf8')) as {vectors: MailboxVector[]}).vectors
}

/** What a vector expects, in the shape both implementations are compared in (messages aside). */
export const expectedAnswer = (vector: MailboxVector) =>
  vector.key !== undefined ? {key: vector.key} : {refusal: vector.refusal}

export const answerOf = (result: MailboxKey) => ('key' in result ? {key: result.key} : {refusal: result.refusal})

// Pieces that exercise each rule: cases, +tags, quoting, invisible and compatibility characters,
// scripts that mix or not, right-to-left text and digits, Punycode right and wrong, symbols.
// prettier-ignore
const LOCAL_PIECES = [
  'jane', 'doe', 'J', 'A', '.', '.', '+', '+tag', '"', '\\', ' ', '-', '_', '!', 'é', 'e\u0301', 'иван', 'а', 'ο', 'Σ',
  'ς', 'ß', 'İ', '山田', 'たろう', 'カタ', '김', 'ㄅ', 'محمد', 'שלום', '\u0663', '\u06F1', '\u200B', '\u00AD', '\u200F',
  '\uFEFF', 'ｊ', 'ﬁ', '²', '😀', '\uE000', '\u0301', 'Ꭰ', '\u3002', '@', '1', '2024', '\u00A0', '\t', '\u0007',
]
// prettier-ignore
const DOMAIN_LABELS = [
  'example', 'gmail', 'googlemail', 'com', 'COM', 'de', 'рф', 'пример', 'bücher', 'xn--bcher-kva', 'xn--zz', 'xn--abc-',
  'exаmple', 'xn--exmple-4nf', 'gοogle', 'שלום', '1שלום', 'שלום1', 'مثال', 'ب٣۱', 'ב١', 'א۱', 'テスト', '例え', '한국',
  'straße', 'ẞ', 'ꭰꭱ', 'ᏣᎳᎩ', 'a-b', '-ab', 'ab-', 'a_b', '123', 'xn--80ak6aa92e', 'ÉXAMPLE', 'exam\u00ADple',
  'ex❤ample', 'l·l', 'xn--jos-pia', 'ｅｘａｍｐｌｅ', '\u0301ab', 'a\u0301', 'ς', 'σ', 'ab--cd', 'xn--', 'XN--BCHER-KVA',
  'δοκιμή', 'भारत', 'ไทย', 'ᄀ', '\u0627\u064B', 'a'.repeat(40), '',
]

/** A small deterministic generator (mulberry32), so a failing case can be reproduced from its seed. */
function generator(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Emails near the edges of the rules, mostly well-formed, some not. */
export function randomEmails(count: number, seed: number): string[] {
  const random = generator(seed)
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T
  const emails: string[] = []
  for (let n = 0; n < count; n++) {
    let local = Array.from({length: 1 + Math.floor(random() * 3)}, () => pick(LOCAL_PIECES)).join('')
    if (random() < 0.15) local = `"${local}"`
    const labels = Array.from({length: 1 + Math.floor(random() * 3)}, () => pick(DOMAIN_LABELS))
    if (labels.length === 1 || random() < 0.5) labels.push(pick(['com', 'de', 'рф', 'テスト', 'com', 'org']))
    const domain = labels.join(random() < 0.9 ? '.' : pick(['\u3002', '．', '｡']))
    emails.push(`${random() < 0.1 ? ' ' : ''}${local}@${domain}${random() < 0.05 ? '.' : ''}`)
  }
  return emails
}
