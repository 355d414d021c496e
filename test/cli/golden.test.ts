import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import GoldenAdd from '../../src/commands/golden/add.js'
import GoldenList from '../../src/commands/golden/list.js'
import GoldenRetire from '../../src/commands/golden/retire.js'
import type {LeadpoetCommand} from '../../src/cli/base-command.js'
import {runCli, type CliRun} from '../support/cli.js'
import {createTestDatabase, type TestDatabase} from '../support/postgres.js'
import {makeLead} from '../validation/support/leads.js'

let home: string

beforeAll(async () => {
  home = await mkdtemp(path.join(tmpdir(), 'leadpoet-golden-cli-'))
})
afterAll(async () => {
  await rm(home, {recursive: true, force: true})
})

/** The command's --json document, checked against the schema it declares. */
function documentOf(command: typeof LeadpoetCommand, run: CliRun) {
  return command.resultSchema!.parse(run.json()) as any
}

describe.each(['embedded', 'postgres'] as const)('golden add, list and retire on the %s database', (kind) => {
  let database: TestDatabase | undefined
  let env: Record<string, string>

  beforeAll(async () => {
    env = {
      XDG_DATA_HOME: path.join(home, kind, 'data'),
      XDG_CONFIG_HOME: path.join(home, kind, 'config'),
      LEADPOET_DB: '',
    }
    if (kind === 'postgres') {
      database = await createTestDatabase('leadpoet_golden_cli')
      env.LEADPOET_DB = database.url
      expect((await runCli(['db', 'migrate', '--json'], env)).code).toBe(0)
    }
  })
  afterAll(async () => {
    await database?.drop()
  })

  const cli = (args: string[]) => runCli(args, env)
  const good = [
    {
      prospect: makeLead({email: 'ana.gold@northwind-robotics.com', first: 'Ana'}),
      is_valid: true,
      note: 'checked by hand',
    },
    {prospect: makeLead({email: 'bo.gold@no-such-company.example', first: 'Bo'}), is_valid: false},
  ]

  it('given a golden file with a bad entry, when added, then it exits 2 naming the line and adds nothing', async () => {
    const file = path.join(home, `${kind}-bad.jsonl`)
    const lines = [JSON.stringify(good[0]), JSON.stringify({prospect: makeLead({shoe_size: 42}), is_valid: 'yes'})]
    await writeFile(file, lines.join('\n'))
    const run = await cli(['golden', 'add', file, '--json'])
    expect(run.code).toBe(2)
    expect(run.json().error).toMatchObject({code: 'INVALID_GOLDEN_FILE'})
    expect(run.json().error.message).toContain('line 2')
    expect(documentOf(GoldenList, await cli(['golden', 'list', '--json'])).golden).toEqual([])
  })

  it('given a good golden file, when added, listed and one retired, then the listing follows', async () => {
    const file = path.join(home, `${kind}-good.json`)
    await writeFile(file, JSON.stringify(good))
    const added = await cli(['golden', 'add', file, '--json'])
    expect(added.code).toBe(0)
    const {golden_ids} = documentOf(GoldenAdd, added)
    expect(golden_ids).toHaveLength(2)

    const listed = documentOf(GoldenList, await cli(['golden', 'list', '--json']))
    expect(listed.golden_rate).toBe(0.05)
    expect(listed.golden.map((g: {is_valid: boolean; note: string | null}) => [g.is_valid, g.note])).toEqual([
      [true, 'checked by hand'],
      [false, null],
    ])
    expect(listed.golden[0]).toMatchObject({served: 0, votes: 0, retired_at: null})

    const retired = await cli(['golden', 'retire', golden_ids[0], '--json'])
    expect(retired.code).toBe(0)
    expect(documentOf(GoldenRetire, retired)).toEqual({
      retired: 1,
      results: [{golden_id: golden_ids[0], outcome: 'retired'}],
    })
    expect(documentOf(GoldenList, await cli(['golden', 'list', '--json'])).golden).toHaveLength(1)
    expect(documentOf(GoldenList, await cli(['golden', 'list', '--retired', '--json'])).golden).toHaveLength(2)

    const unknown = await cli(['golden', 'retire', '00000000-0000-4000-8000-000000000000', '--json'])
    expect(unknown.code).toBe(2)
    expect(unknown.json().error.code).toBe('UNKNOWN_GOLDEN_LEAD')
  })
})
