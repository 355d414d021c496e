import {domainToASCII} from 'node:url'
import {describe, expect, it} from 'vitest'
import {MAX_EMAIL_CODE_POINTS, mailboxKey, normalizeMailboxText} from '../../src/mailbox-key.js'
import {expectedFiles} from '../../scripts/generate-mailbox-tables.js'
import {answerOf, expectedAnswer, loadMailboxVectors} from '../support/mailbox-vectors.js'

const vectors = loadMailboxVectors()

describe('mailbox key (TypeScript)', () => {
  it('given the shared vector file, when every email is keyed, then each answer is exactly the vector’s', () => {
    expect(vectors.length).toBeGreaterThanOrEqual(40)
    expect(vectors.map((vector) => ({email: vector.email, ...answerOf(mailboxKey(vector.email))}))).toEqual(
      vectors.map((vector) => ({email: vector.email, ...expectedAnswer(vector)})),
    )
  })

  it('given the seven spellings issue 11 found of one accepted mailbox, when keyed, then six meet the original and the homoglyph is suspicious', () => {
    const original = mailboxKey('jane.doe@bücher.de')
    const variants = [
      'jane.doe+1@bücher.de',
      '"jane.doe"@bücher.de',
      'jane.doe@xn--bcher-kva.de',
      'jane\u200B.doe@bücher.de',
      'JANE.Doe@BÜCHER.DE',
      'jane.doe@bu\u0308cher.de', // NFD ü
    ]
    expect(original).toEqual({key: 'jane.doe@xn--bcher-kva.de'})
    expect(variants.map(mailboxKey)).toEqual(variants.map(() => original))
    expect(mailboxKey('j\u0430ne.doe@bücher.de')).toMatchObject({refusal: 'suspicious_email'})
  })

  it('given every accepted vector, when its key is keyed again, then the key is unchanged', () => {
    const keys = vectors.flatMap((vector) => (vector.key !== undefined ? [vector.key] : []))
    expect(keys.map((key) => answerOf(mailboxKey(key)))).toEqual(keys.map((key) => ({key})))
  })

  it('given every accepted vector, when Node’s url.domainToASCII converts its written domain, then it gives the key’s domain', () => {
    const accepted = vectors.filter((vector) => vector.key !== undefined)
    const written = accepted.map((vector) => {
      const written = normalizeMailboxText(vector.email).trim()
      const domain = domainToASCII(written.slice(written.lastIndexOf('@') + 1))
      return domain === 'googlemail.com' ? 'gmail.com' : domain
    })
    expect(written).toEqual(accepted.map((vector) => vector.key?.slice(vector.key.lastIndexOf('@') + 1)))
  })

  it('given an email over the length cap, a lone surrogate or a non-string, when keyed, then it is malformed and nothing throws', () => {
    // The cap counts code points as written, invisible ones included.
    const padded = (length: number) => `jane${'\u200B'.repeat(length - 16)}@example.com`
    expect(mailboxKey(padded(MAX_EMAIL_CODE_POINTS))).toEqual({key: 'jane@example.com'})
    expect(mailboxKey(padded(MAX_EMAIL_CODE_POINTS + 1))).toEqual({
      refusal: 'malformed_email',
      message: 'the email is longer than 512 characters',
    })
    expect(mailboxKey('ja\uD800ne@example.com')).toEqual({
      refusal: 'malformed_email',
      message: 'the email holds a lone surrogate',
    })
    expect(mailboxKey(42 as unknown as string)).toEqual({refusal: 'malformed_email', message: 'the email is not text'})
  })

  it('given this Node, when the generator runs, then the committed SQL data and Unicode 14.0 module are exactly what it makes', async () => {
    const files = await expectedFiles()
    for (const file of files)
      expect(file.actual, `${file.path}: run npx tsx scripts/generate-mailbox-tables.ts`).toBe(file.expected)
  }, 120_000)
})
