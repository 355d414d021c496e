import {mkdtemp, readFile, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {devPair, offlineChain, writeSubnet} from '../chain/helpers.js'
import {runCli} from '../support/cli.js'
import {startSubtensorNode, type SubtensorNode} from '../support/subtensor-node.js'
import {createWorld, type World} from '../support/world.js'

describe('leadpoet auth metagraph --record-owners', () => {
  let home: string
  let world: World
  let node: SubtensorNode
  let hotkeys: string[]
  let owner: string

  beforeAll(async () => {
    home = await mkdtemp(path.join(tmpdir(), 'leadpoet-owners-'))
    hotkeys = await Promise.all(['//Alice', '//Bob', '//Charlie'].map(async (uri) => (await devPair(uri)).address))
    // Bob and Charlie are one owner's two hotkeys; Alice's owner is not recorded on chain
    owner = (await devPair('//OwnerB')).address
    const provider = offlineChain({headNumber: 1_000, now: () => Date.now()})
    writeSubnet(provider, {netuid: 71, hotkeys, coldkeys: [undefined, owner, owner]})
    node = await startSubtensorNode(provider)
    world = await createWorld('postgres')
  })
  afterAll(async () => {
    await node?.close()
    await world?.close()
    await rm(home, {recursive: true, force: true})
  })

  const owners = () =>
    world.sql.query<{hotkey: string; coldkey: string}>(
      'select hotkey, coldkey from leadpoet.hotkey_owners order by hotkey',
    )

  it('given a subnet whose hotkeys have owners, then the file is written and each owned hotkey is recorded once', async () => {
    const out = path.join(home, 'metagraph.json')
    const args = ['auth', 'metagraph', '--json', '--subtensor.network', node.url, '--netuid', '71', '--out', out]
    const run = await runCli([...args, '--record-owners', '--db', world.databaseUrl!], {
      XDG_DATA_HOME: path.join(home, 'data'),
    })
    expect(run.code, run.stderr).toBe(0)
    expect(run.json()).toMatchObject({hotkeys: 3, owners_recorded: 2})
    expect(Object.keys(JSON.parse(await readFile(out, 'utf8')) as object).sort()).toEqual([...hotkeys].sort())
    expect(await owners()).toEqual(
      [
        {hotkey: hotkeys[1]!, coldkey: owner},
        {hotkey: hotkeys[2]!, coldkey: owner},
      ].sort((a, b) => a.hotkey.localeCompare(b.hotkey)),
    )

    // without the flag, the database is not touched
    await world.sql.exec('delete from leadpoet.hotkey_owners')
    const plain = await runCli(args, {XDG_DATA_HOME: path.join(home, 'data')})
    expect(plain.code, plain.stderr).toBe(0)
    expect(plain.json()).not.toHaveProperty('owners_recorded')
    expect(await owners()).toEqual([])
  })

  it('given --record-owners without --out, then it is refused as a usage error before anything is read', async () => {
    const run = await runCli(
      ['auth', 'metagraph', '--json', '--subtensor.network', node.url, '--record-owners', '--db', world.databaseUrl!],
      {XDG_DATA_HOME: path.join(home, 'data')},
    )
    expect(run.code).toBe(2)
    expect(await owners()).toEqual([])
  })
})
