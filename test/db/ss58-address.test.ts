import {readFile} from 'node:fs/promises'
import {PGlite} from '@electric-sql/pglite'
import {blake2AsU8a, encodeAddress} from '@polkadot/util-crypto'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {loadMigrations, migrate} from '../../src/db/migrations.js'
import {createPostgresPool, pgliteClient, postgresClient, type SqlClient} from '../../src/db/sql-client.js'
import {createTestDatabase} from '../support/postgres.js'
import {polkadotAccepts, ss58AccountId, type Ss58Answer} from '../support/ss58-oracle.js'

interface Vector {
  name: string
  address: string
  polkadot_accepts: boolean
  expected: Ss58Answer
}

const vectors = JSON.parse(
  await readFile(new URL('../fixtures/ss58-addresses.json', import.meta.url), 'utf8'),
) as Vector[]

// RFC 7693, Appendix A: BLAKE2b-512("abc").
const RFC_7693_ABC =
  'ba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b74b12bb6fdbffa2d17d87c5392aab792dc252d5de4533cc9518d38aa8dbf1925ab92386edd4009923'

/** Deterministic bytes of every value, so that words with the top bit set are hashed too. */
function bytes(length: number, seed: number): Uint8Array {
  return Uint8Array.from({length}, (_, i) => (i * 167 + seed * 31 + 7) & 0xff)
}

// Empty, one byte, around one 128-byte block, several blocks; and all-0xff bytes.
const BLAKE2B_INPUTS: Uint8Array[] = [
  ...[0, 1, 3, 64, 111, 112, 127, 128, 129, 255, 256, 257, 1000].map((length) => bytes(length, length)),
  new Uint8Array(300).fill(0xff),
]

const hex = (data: Uint8Array) => Buffer.from(data).toString('hex')

interface Engine {
  name: string
  open: () => Promise<{sql: SqlClient; close: () => Promise<void>}>
}

const ENGINES: Engine[] = [
  {
    name: 'PGlite',
    open: async () => {
      const sql = pgliteClient(new PGlite())
      return {sql, close: () => sql.close()}
    },
  },
  {
    name: 'PostgreSQL',
    open: async () => {
      const db = await createTestDatabase('leadpoet_ss58')
      // One connection: the remembered addresses are the session's.
      const sql = postgresClient(createPostgresPool(db.url, 1))
      return {
        sql,
        close: async () => {
          await sql.close()
          await db.drop()
        },
      }
    },
  },
]

describe('the vector file', () => {
  it('given the SS58 vectors, then they are at least 30 and agree with @polkadot/util-crypto today', () => {
    expect(vectors.length).toBeGreaterThanOrEqual(30)
    expect(
      vectors.map((v) => ({
        name: v.name,
        polkadot_accepts: polkadotAccepts(v.address),
        expected: ss58AccountId(v.address),
      })),
    ).toEqual(vectors.map((v) => ({name: v.name, polkadot_accepts: v.polkadot_accepts, expected: v.expected})))
    // Both kinds are there, and the cases where the SQL is stricter than checkAddress.
    expect(vectors.filter((v) => v.expected !== null).length).toBeGreaterThanOrEqual(10)
    expect(vectors.filter((v) => v.polkadot_accepts && v.expected === null).length).toBeGreaterThanOrEqual(5)
  })
})

describe.each(ENGINES)('SS58 addresses in SQL on $name', (engine) => {
  let sql: SqlClient
  let close: () => Promise<void>

  beforeAll(async () => {
    ;({sql, close} = await engine.open())
    await migrate(sql)
  })
  afterAll(() => close())

  const decode = async (address: string): Promise<Ss58Answer> => {
    const [row] = await sql.query<{prefix: number | null; public_key: string | null}>(
      `select d.prefix, encode(d.public_key, 'hex') as public_key from leadpoet.ss58_decode($1) d`,
      [address],
    )
    return row?.prefix == null ? null : {prefix: row.prefix, public_key: row.public_key!}
  }
  const isAddress = async (fn: string, address: string, prefix: number): Promise<boolean> => {
    const [row] = await sql.query<{ok: boolean}>(`select leadpoet.${fn}($1, $2) as ok`, [address, prefix])
    return row!.ok
  }

  it('given the RFC 7693 "abc" vector, when hashed with blake2b_512, then the digest is the RFC\'s', async () => {
    const [row] = await sql.query<{digest: string}>(
      `select encode(leadpoet.blake2b_512('abc'::bytea), 'hex') as digest`,
    )
    expect(row!.digest).toBe(RFC_7693_ABC)
  })

  it('given inputs from empty to several blocks, when hashed with blake2b_512, then each digest is blake2AsU8a(data, 512)', async () => {
    const digests: string[] = []
    for (const input of BLAKE2B_INPUTS) {
      const [row] = await sql.query<{digest: string}>(
        `select encode(leadpoet.blake2b_512(decode($1, 'hex')), 'hex') as digest`,
        [hex(input)],
      )
      digests.push(row!.digest)
    }
    expect(digests).toEqual(BLAKE2B_INPUTS.map((input) => hex(blake2AsU8a(input, 512))))
  })

  it('given every vector, when decoded with ss58_decode, then the prefix and public key are the expected ones, or null', async () => {
    const answers: {name: string; answer: Ss58Answer}[] = []
    for (const v of vectors) answers.push({name: v.name, answer: await decode(v.address)})
    expect(answers).toEqual(vectors.map((v) => ({name: v.name, answer: v.expected})))
  })

  it('given every vector, when checked with is_ss58_address for prefix 42 and for its own prefix, then only valid addresses of that prefix pass', async () => {
    const answers: {name: string; prefix_42: boolean; own_prefix: boolean; prefix_0: boolean}[] = []
    for (const v of vectors) {
      answers.push({
        name: v.name,
        prefix_42: await isAddress('is_ss58_address', v.address, 42),
        own_prefix: await isAddress('is_ss58_address', v.address, v.expected?.prefix ?? 42),
        prefix_0: await isAddress('is_ss58_address', v.address, 0),
      })
    }
    expect(answers).toEqual(
      vectors.map((v) => ({
        name: v.name,
        prefix_42: v.expected?.prefix === 42,
        own_prefix: v.expected !== null,
        prefix_0: v.expected?.prefix === 0,
      })),
    )
  })

  it('given a null address or prefix, when checked, then it is not an address', async () => {
    const [row] = await sql.query<Record<string, boolean | null>>(
      `select leadpoet.is_ss58_address(null, 42) as no_address, leadpoet.is_ss58_address($1, null) as no_prefix,
              leadpoet.ss58_decode(null) is null as decoded_null, leadpoet.is_ss58_address_remembered(null, 42) as remembered`,
      [vectors[0]!.address],
    )
    expect(row).toEqual({no_address: false, no_prefix: false, decoded_null: true, remembered: false})
  })

  it('given the rollback file, when run, then the functions and the type are gone, and the migration applies again', async () => {
    const migration = (await loadMigrations()).find((m) => m.version === '20261202000160')!
    const objects = async (db: SqlClient) =>
      (
        await db.query<{name: string}>(
          `select proname::text as name from pg_catalog.pg_proc where pronamespace = 'leadpoet'::regnamespace
              and proname in ('blake2b_512', 'ss58_decode', 'is_ss58_address', 'is_ss58_address_remembered')
           union all select typname::text from pg_catalog.pg_type where typname = 'ss58_address' order by 1`,
        )
      ).map((o) => o.name)
    const all = ['blake2b_512', 'is_ss58_address', 'is_ss58_address_remembered', 'ss58_address', 'ss58_decode']
    expect(await objects(sql)).toEqual(all)
    // One transaction: on PostgreSQL the test holds the pool's one connection.
    await sql.transaction(async (tx) => {
      await tx.exec(migration.down!)
      expect(await objects(tx)).toEqual([])
      await tx.exec(migration.sql)
    })
    expect(await objects(sql)).toEqual(all)
    expect(await decode(vectors[0]!.address)).toEqual(vectors[0]!.expected)
  })

  describe('remembered for the session', () => {
    const memo = async () => {
      const [row] = await sql.query<{memo: string | null}>(
        `select nullif(current_setting('leadpoet.valid_ss58_addresses', true), '') as memo`,
      )
      return row!.memo
    }
    const forget = () => sql.query(`select set_config('leadpoet.valid_ss58_addresses', '', false)`)

    it("given every vector, when checked twice with is_ss58_address_remembered, then both answers are is_ss58_address's and only valid ones are remembered", async () => {
      await forget()
      const answers: {name: string; first: boolean; second: boolean}[] = []
      for (const v of vectors) {
        const prefix = v.expected?.prefix ?? 42
        const first = await isAddress('is_ss58_address_remembered', v.address, prefix)
        answers.push({name: v.name, first, second: await isAddress('is_ss58_address_remembered', v.address, prefix)})
      }
      expect(answers).toEqual(
        vectors.map((v) => ({name: v.name, first: v.expected !== null, second: v.expected !== null})),
      )
      const valid = vectors.filter((v) => v.expected).map((v) => `${v.expected!.prefix}:${v.address}`)
      expect((await memo())?.trim().split(' ').sort()).toEqual([...new Set(valid)].sort())
    })

    it('given a remembered address, when asked for another prefix, then it is not an address of that prefix', async () => {
      const alice = vectors.find((v) => v.name.startsWith('//Alice, sr25519'))!
      expect(await isAddress('is_ss58_address_remembered', alice.address, 42)).toBe(true)
      expect(await isAddress('is_ss58_address_remembered', alice.address, 0)).toBe(false)
    })

    it('given a forged memo, when an address spanning two of its entries is asked, then it is refused: entries match whole', async () => {
      await sql.query(`select set_config('leadpoet.valid_ss58_addresses', ' 42:abc 42:def ', false)`)
      expect(await isAddress('is_ss58_address_remembered', 'abc 42:def', 42)).toBe(false)
      expect(await isAddress('is_ss58_address_remembered', 'ab', 42)).toBe(false)
    })

    it('given 300 valid addresses, when checked, then the newest 256 are remembered', async () => {
      await forget()
      const [row] = await sql.query<{passed: number}>(
        `select count(*) filter (where leadpoet.is_ss58_address_remembered(a, 42))::int as passed from unnest($1::text[]) a`,
        [Array.from({length: 300}, (_, i) => encodeTestAddress(i))],
      )
      expect(row!.passed).toBe(300)
      const entries = (await memo())!.trim().split(' ')
      expect(entries).toEqual(Array.from({length: 256}, (_, i) => `42:${encodeTestAddress(299 - i)}`))
    })

    it('given a check in a transaction that rolls back, then the address it remembered is forgotten', async () => {
      await forget()
      const bob = vectors.find((v) => v.name.startsWith('//Bob, sr25519'))!
      await sql
        .transaction(async (tx) => {
          await tx.query('select leadpoet.is_ss58_address_remembered($1, 42)', [bob.address])
          throw new Error('roll back')
        })
        .catch(() => {})
      expect(await memo()).toBeNull()
    })
  })
})

/** A valid prefix-42 address of its own for each n: nobody's key. */
function encodeTestAddress(n: number): string {
  return encodeAddress(blake2AsU8a(`leadpoet-ss58-test:${n}`, 256), 42)
}
