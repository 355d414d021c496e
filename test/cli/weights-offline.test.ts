import {mkdir, mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {Keyring} from '@polkadot/keyring'
import {cryptoWaitReady} from '@polkadot/util-crypto'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import EpochWeights from '../../src/commands/epoch/weights.js'
import {runCli} from '../support/cli.js'
import {createWorld, type World} from '../support/world.js'

// `epoch weights --dry-run` when no chain answers: the database's side is still shown.

// The public btwallet test vector ("old leopard transfer ..."): the operator's hotkey.
const PHRASE = 'old leopard transfer rib spatial phone calm indicate online fire caution review'
const OPERATOR = '5HDvhV6WDCjCKyrXqGQSDYqQAzkzabNhctmiDYEqgBC66BsX'

describe('leadpoet epoch weights --dry-run with the chain out of reach', () => {
  let home: string
  let world: World
  let args: string[]
  let env: Record<string, string>
  let miner: string

  beforeAll(async () => {
    home = await mkdtemp(path.join(tmpdir(), 'leadpoet-weights-offline-'))
    const hotkeys = path.join(home, 'wallets', 'owner', 'hotkeys')
    await mkdir(hotkeys, {recursive: true})
    await writeFile(path.join(hotkeys, 'default'), JSON.stringify({secretPhrase: PHRASE, ss58Address: OPERATOR}), {
      mode: 0o600,
    })
    await cryptoWaitReady()
    const keyring = new Keyring({type: 'sr25519', ss58Format: 42})
    miner = keyring.addFromUri('//Ferdie').address
    world = await createWorld('postgres')
    await (
      await world.as({hotkey: miner, role: 'miner'})
    ).enqueue([{email: 'a@ferdie.example'}, {email: 'b@ferdie.example'}])
    for (const uri of ['//Alice', '//Bob', '//Charlie']) {
      const v = await world.as({hotkey: keyring.addFromUri(uri).address, role: 'validator'})
      const {prospects} = await v.pull(10)
      await v.submit(prospects.map((p) => ({prospect_id: p.prospect_id, is_valid: true, score: 1})))
    }
    await world.enterEpoch(1)
    env = {
      XDG_DATA_HOME: path.join(home, 'data'),
      XDG_CONFIG_HOME: path.join(home, 'config'),
      LEADPOET_DB: world.databaseUrl!,
    }
    args = [
      'epoch',
      'weights',
      '--dry-run',
      // the subnet owner reads an epoch that is over but not closed: the operator's view
      '--role',
      'operator',
      '--wallet.path',
      path.join(home, 'wallets'),
      '--wallet.name',
      'owner',
      '--wallet.hotkey',
      'default',
      // Nothing listens on port 1: the connection is refused at once.
      '--subtensor.network',
      'ws://127.0.0.1:1',
    ]
  })
  afterAll(async () => {
    await world?.close()
    await rm(home, {recursive: true, force: true})
  })

  it("given no chain, then it shows the database's shares per miner hotkey, says uids need the chain, and exits 1", async () => {
    const run = await runCli(args, env)
    expect(run.code).toBe(1)
    expect(run.stdout).toContain('Epoch 0 (database only): 2 accepted leads from 1 miners.')
    expect(run.stdout).toMatch(new RegExp(`${miner}\\s*│\\s*2\\s*│\\s*1\\.0000`))
    expect(run.stderr).toContain('[CHAIN_UNREACHABLE]')
    expect(run.stderr).toContain('uids and u16 weights need the chain')

    const json = await runCli([...args, '--json'], env)
    expect(json.code).toBe(1)
    expect(json.json().error).toMatchObject({
      code: 'CHAIN_UNREACHABLE',
      details: {
        miner_weights: {epoch: 0, accepted_leads: 2, miners: [{miner_hotkey: miner, accepted_leads: 2, share: 1}]},
      },
    })
  })

  it('given its help, then --epoch says it defaults to the previous epoch, as the code does', () => {
    expect(EpochWeights.flags.epoch.description).toContain('[default: the previous epoch')
  })
})
