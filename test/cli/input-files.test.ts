import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {Keyring} from '@polkadot/keyring'
import {cryptoWaitReady} from '@polkadot/util-crypto'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import ProspectsAdd from '../../src/commands/prospects/add.js'
import {MalformedRecord, parseRecords} from '../../src/service/records.js'
import {runCli} from '../support/cli.js'
import {createTestDatabase, type TestDatabase} from '../support/postgres.js'
import {makeLead} from '../validation/support/leads.js'

// Input files as users write them: each bad record reported with the line it is on, the rest used.

describe('reading records', () => {
  it('given a JSON array over many lines, then each element carries the line it starts on', () => {
    const text = '[\n  {"a": 1},\n\n  {\n    "b": [1, 2]\n  },\n  "text", 7, null,\n  [1]\n]\n'
    expect(parseRecords('json', text).map((r) => r.line)).toEqual([2, 4, 7, 7, 7, 8])
  })

  it('given JSON Lines with a line that is not JSON, then that line alone is malformed', () => {
    const records = parseRecords('jsonl', '{"a": 1}\n\n{oops\n{"b": 2}\n')
    expect(records.map((r) => r.line)).toEqual([1, 3, 4])
    expect(records[1]!.value).toBeInstanceOf(MalformedRecord)
  })

  it('given CSV rows with too few or too many fields, then those rows alone are malformed, naming the counts', () => {
    const records = parseRecords('csv', 'a,b,c\n1,2,3\n4,5\n6,7,8,9\n10,11,12\n')
    expect(records.map((r) => r.line)).toEqual([2, 3, 4, 5])
    expect(records[0]!.value).toEqual({a: '1', b: '2', c: '3'})
    expect((records[1]!.value as MalformedRecord).reason).toBe('has 2 fields where the header row has 3')
    expect((records[2]!.value as MalformedRecord).reason).toBe('has 4 fields where the header row has 3')
    expect(records[3]!.value).toEqual({a: '10', b: '11', c: '12'})
  })
})

describe('prospects add with bad rows', () => {
  let home: string
  let database: TestDatabase
  let env: Record<string, string>
  let miner: string
  beforeAll(async () => {
    home = await mkdtemp(path.join(tmpdir(), 'leadpoet-input-'))
    database = await createTestDatabase('leadpoet_input')
    env = {
      XDG_DATA_HOME: path.join(home, 'data'),
      XDG_CONFIG_HOME: path.join(home, 'config'),
      LEADPOET_DB: database.url,
    }
    expect((await runCli(['db', 'migrate'], env)).code).toBe(0)
    await cryptoWaitReady()
    miner = new Keyring({type: 'sr25519', ss58Format: 42}).addFromUri('//Ferdie').address
  })
  afterAll(async () => {
    await database?.drop()
    await rm(home, {recursive: true, force: true})
  })

  const lead = (n: number) => makeLead({email: `maria.gonzalez${n}@northwind-robotics.com`})

  it('given a CSV file with one ragged row, then that row is reported with its line and the rest are queued (exit 3)', async () => {
    const columns = ['business', 'first', 'last', 'email', 'role', 'website', 'industry', 'sub_industry', 'region']
    const more = ['linkedin', 'source_url', 'source_type']
    const row = (n: number) => [...columns, ...more].map((c) => `"${String(lead(n)[c])}"`).join(',')
    const file = path.join(home, 'leads.csv')
    await writeFile(file, [[...columns, ...more].join(','), row(1), '"Half Row Inc","maria"', row(2)].join('\n') + '\n')
    const run = await runCli(['prospects', 'add', file, '--hotkey', miner, '--json'], env)
    expect(run.code, run.stderr).toBe(3)
    expect(ProspectsAdd.resultSchema.parse(run.json())).toMatchObject({
      format: 'csv',
      rows: 3,
      enqueued: 2,
      refused: [{line: 3, issues: [{field: '(line)', message: 'has 2 fields where the header row has 12'}]}],
    })
  })

  it('given a pretty-printed JSON array with a bad element, then it is reported with the line it starts on', async () => {
    const file = path.join(home, 'leads.json')
    await writeFile(file, JSON.stringify([lead(3), {business: 'No Email Inc'}, lead(4)], null, 2))
    const run = await runCli(['prospects', 'add', file, '--hotkey', miner, '--json'], env)
    expect(run.code).toBe(3)
    const lines = JSON.stringify(lead(3), null, 2).split('\n').length
    // "[" is line 1, the first element starts on line 2 and spans `lines` lines; the second follows.
    expect(run.json().refused).toEqual([
      {line: 2 + lines, issues: expect.arrayContaining([{field: 'email', message: 'is required'}])},
    ])
  })
})
