import {mkdir, mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {Keyring} from '@polkadot/keyring'
import type {KeyringPair} from '@polkadot/keyring/types'
import {blake2AsHex, cryptoWaitReady} from '@polkadot/util-crypto'
import {afterAll, beforeAll, describe, expect, test} from 'vitest'
import {connectChain} from '../../src/chain/connection.js'
import {submitWeightsCall} from '../../src/chain/submit.js'
import {type Hotkey, loadHotkey} from '../../src/chain/wallet.js'
import {runCli} from '../support/cli.js'
import {raonetSpecPath, raonetSpecPresent, startRaonet, type SubtensorRuntime} from '../support/subtensor-runtime.js'
import {createWorld, type World} from '../support/world.js'

/**
 * The real-runtime tier: opentensor/subtensor's spec-218 runtime (raonet) under chopsticks, driven
 * through the real `leadpoet epoch weights` command. Every case reads Weights and WeightCommits back
 * from the chain's storage. One chain for the file; the cases run in order on it.
 *
 * Subnet 2 has commit-reveal on and tempo 30, so its epochs are 31 blocks:
 * epoch e = (block + 3) / 31, e.g. epoch 24 = 741-771, 25 = 772-802, 26 = 803-833, 27 = 834-864,
 * 28 = 865-895. Subnet 3 has commit-reveal off.
 */
const CR_ON = 2
const CR_OFF = 3
const WRONG_NETUID = 1 // exists in raonet's genesis; nobody here is registered on it

// DB epoch 0: miner 1 two accepted leads, miner 2 one; DB epoch 1: miner 1 one, miner 2 three
const V0 = [
  [1, 65535],
  [2, 32768],
]
const V1 = [
  [1, 21845],
  [2, 65535],
]

const present = raonetSpecPresent()

describe.skipIf(!present)('a real subtensor runtime (spec 218 under chopsticks)', () => {
  let chain: SubtensorRuntime
  let world: World
  let home: string
  const keyring = new Keyring({type: 'sr25519', ss58Format: 42})
  let sudo: KeyringPair
  let owner: KeyringPair
  let miners: Array<{cold: KeyringPair; hot: KeyringPair}>
  let second: {cold: KeyringPair; hot: KeyringPair}
  const validators: Record<'first' | 'second', {hotkey: Hotkey; pair: KeyringPair}> = {} as never

  /** A validator hotkey with a btcli wallet file (a 32-byte secretSeed) under `home`. */
  async function walletKey(name: 'first' | 'second'): Promise<void> {
    const seed = blake2AsHex(`leadpoet runtime tier ${name} validator`, 256)
    const pair = keyring.addFromUri(seed)
    const dir = path.join(home, 'wallets', name, 'hotkeys')
    await mkdir(dir, {recursive: true})
    await writeFile(path.join(dir, 'default'), JSON.stringify({secretSeed: seed, ss58Address: pair.address}), {
      mode: 0o600,
    })
    validators[name] = {
      pair,
      hotkey: await loadHotkey({wallet: name, hotkey: 'default', walletPath: path.join(home, 'wallets')}),
    }
  }

  async function consensus(epoch: number, leads: [number, number]): Promise<void> {
    for (const [index, count] of leads.entries()) {
      const service = await world.as({hotkey: miners[index]!.hot.address, role: 'miner'})
      await service.enqueue(Array.from({length: count}, (_, i) => ({email: `e${epoch}-${i}@miner${index}.example`})))
    }
    // the two wallet validators vote with a third, so each is eligible in the closed epoch it reads
    const voters = [
      validators.first.pair.address,
      validators.second.pair.address,
      keyring.addFromUri('//DbValidator3').address,
    ]
    for (const hotkey of voters) {
      const v = await world.as({hotkey, role: 'validator'})
      const {prospects} = await v.pull(10)
      await v.submit(prospects.map((p) => ({prospect_id: p.prospect_id, is_valid: true, score: 1})))
    }
  }

  beforeAll(async () => {
    await cryptoWaitReady()
    home = await mkdtemp(path.join(tmpdir(), 'leadpoet-runtime-'))
    sudo = keyring.addFromUri('//Alice')
    owner = keyring.addFromUri('//RuntimeOwner')
    miners = [1, 2].map((n) => ({
      cold: keyring.addFromUri(`//MinerCold${n}`),
      hot: keyring.addFromUri(`//MinerHot${n}`),
    }))
    second = {cold: keyring.addFromUri('//SecondCold'), hot: keyring.addFromUri('//unused')}
    await walletKey('first')
    await walletKey('second')
    second.hot = validators.second.pair

    chain = await startRaonet(sudo)
    const admin = (method: string, ...args: unknown[]) => chain.tx('adminUtils', method, ...args)
    // the known-good setup sequence, in order (sudo calls batched, a block each)
    const asRoot = (...calls: ReturnType<typeof admin>[]) => chain.sudo(chain.tx('utility', 'batchAll', calls))
    await asRoot(
      ...[owner, second.cold, ...miners.map((m) => m.cold), validators.first.pair, second.hot].map((account) =>
        chain.tx('balances', 'forceSetBalance', account.address, 10n ** 15n),
      ),
      admin('sudoSetNetworkRateLimit', 0),
    )
    for (const netuid of [CR_ON, CR_OFF]) {
      // spec 218's register_network takes the hotkey and a mechanism id
      expect(
        (await chain.send(chain.tx('subtensorModule', 'registerNetwork', validators.first.pair.address, 1), owner))
          .error,
      ).toBeNull()
      expect((await chain.read('subtensorModule', 'networksAdded', netuid)).toJSON()).toBe(true)
    }
    for (const netuid of [CR_ON, CR_OFF]) {
      for (const miner of miners)
        expect(
          (await chain.send(chain.tx('subtensorModule', 'burnedRegister', netuid, miner.hot.address), miner.cold))
            .error,
        ).toBeNull()
    }
    expect(
      (await chain.send(chain.tx('subtensorModule', 'burnedRegister', CR_OFF, second.hot.address), second.cold)).error,
    ).toBeNull()
    await asRoot(
      admin('sudoSetCommitRevealWeightsEnabled', CR_ON, true),
      admin('sudoSetCommitRevealWeightsEnabled', CR_OFF, false),
      ...[CR_ON, CR_OFF].flatMap((netuid) => [
        admin('sudoSetWeightsSetRateLimit', netuid, 0),
        admin('sudoSetMinAllowedWeights', netuid, 1),
        admin('sudoSetTempo', netuid, 30),
      ]),
    )
    // run one epoch on each subnet (its block: (block + netuid + 1) % 31 == 0), which grants the permits
    for (const netuid of [CR_ON, CR_OFF]) {
      const head = await chain.head()
      let block = head + 1
      while ((block + netuid + 1) % 31 !== 0) block++
      await chain.advanceTo(block)
    }
    for (const netuid of [CR_ON, CR_OFF]) {
      const permits = (await chain.read('subtensorModule', 'validatorPermit', netuid)).toJSON() as boolean[]
      expect(permits[0], `the owner's permit on subnet ${netuid}`).toBe(true)
    }

    world = await createWorld('postgres')
    await consensus(0, [2, 1])
    await world.enterEpoch(1)
    await world.operator.closeEpoch(0)
    await consensus(1, [1, 3])
    await world.enterEpoch(2)
    await world.operator.closeEpoch(1)
  }, 300_000)

  afterAll(async () => {
    await chain?.close()
    await world?.close()
    if (home) await rm(home, {recursive: true, force: true})
  })

  let runs = 0
  async function cli(
    validator: 'first' | 'second',
    netuid: number,
    dbEpoch: number,
    extra: string[] = [],
  ): Promise<{code: number; json: any; stderr: string}> {
    const run = await runCli(
      [
        'epoch',
        'weights',
        '--json',
        '--db',
        world.databaseUrl!,
        '--wallet.name',
        validator,
        '--wallet.hotkey',
        'default',
        '--wallet.path',
        path.join(home, 'wallets'),
        '--subtensor.network',
        chain.url,
        '--netuid',
        String(netuid),
        '--epoch',
        String(dbEpoch),
        ...extra,
      ],
      {XDG_DATA_HOME: path.join(home, `data-${runs++}`)},
    )
    return {code: run.code, json: run.json(), stderr: run.stderr}
  }

  const weightsOf = async (netuid: number, uid: number): Promise<number[][]> =>
    (await chain.read('subtensorModule', 'weights', netuid, uid)).toJSON() as number[][]
  const commitsOf = async (netuid: number, hotkey: string): Promise<Array<[string, number, number, number]>> =>
    ((await chain.read('subtensorModule', 'weightCommits', netuid, hotkey)).toJSON() as Array<
      [string, number, number, number]
    > | null) ?? []
  const uidOf = async (netuid: number, hotkey: string): Promise<number> =>
    (await chain.read('subtensorModule', 'uids', netuid, hotkey)).toJSON() as number
  const storedCommits = () =>
    world.sql.query<{
      id: string
      epoch: string
      status: string
      commit_block: string | null
      reveal_block: string | null
      closed_reason: string | null
    }>(
      `select id, chain_epoch as epoch, status, commit_block, reveal_block, closed_reason
         from leadpoet.weight_commits where netuid = $1 order by created_at`,
      [CR_ON],
    )
  const first = () => validators.first.pair.address

  describe('commit-reveal off (subnet 3)', () => {
    test('given a permitted validator, a dry run shows the exact set_weights call and the chain is untouched', async () => {
      const run = await cli('first', CR_OFF, 0, ['--dry-run'])
      expect(run.code, run.stderr).toBe(0)
      expect(run.json.chain.runtime).toMatchObject({
        spec_version: 218,
        epoch_source: 'block_arithmetic',
        commit_layout: {
          fields: ['hash', 'commit_block', 'first_reveal_block', 'last_reveal_block'],
          source: 'metadata',
        },
        pool_codes: 'SubtensorSignedExtension, spec <= 218',
      })
      expect(run.json.chain.submission).toMatchObject({
        status: 'dry_run',
        call: {call: 'set_weights', netuid: CR_OFF, uids: [1, 2], weights: [65535, 32768]},
      })
      expect(await weightsOf(CR_OFF, 0)).toEqual([])
      expect(await commitsOf(CR_OFF, first())).toEqual([])
    })

    test('when it runs, set_weights lands in the next block and Weights reads back exactly the u16 values', async () => {
      const head = await chain.head()
      const run = await cli('first', CR_OFF, 0)
      expect(run.code, run.stderr).toBe(0)
      expect(run.json.chain.submission).toMatchObject({
        status: 'included',
        block: head + 1,
        call: {call: 'set_weights'},
      })
      expect(await weightsOf(CR_OFF, 0)).toEqual(V0)
      expect(await commitsOf(CR_OFF, first())).toEqual([])
    })

    test("a second validator's own hotkey sets the same weights under its own uid", async () => {
      const uid = await uidOf(CR_OFF, second.hot.address)
      const run = await cli('second', CR_OFF, 0)
      expect(run.code, run.stderr).toBe(0)
      expect(run.json.chain).toMatchObject({validator_uid: uid, submission: {status: 'included'}})
      expect(await weightsOf(CR_OFF, uid)).toEqual(await weightsOf(CR_OFF, 0))
      expect(await commitsOf(CR_OFF, second.hot.address)).toEqual([])
    })

    test('under a rate limit the run is refused before sending, and the chain refuses the same call too', async () => {
      await chain.sudo(chain.tx('adminUtils', 'sudoSetWeightsSetRateLimit', CR_OFF, 50))
      const dry = await cli('first', CR_OFF, 1, ['--dry-run'])
      expect(dry.json.chain.submission).toMatchObject({
        status: 'blocked',
        check: 'rate_limit',
        code: 'WEIGHTS_RATE_LIMITED',
      })
      const run = await cli('first', CR_OFF, 1)
      expect(run.code).toBe(1)
      expect(run.json.error.code).toBe('WEIGHTS_RATE_LIMITED')
      // sent anyway, the runtime answers SettingWeightsTooFast from the block
      const connection = await connectChain({network: chain.url})
      try {
        const call = {
          call: 'set_weights' as const,
          netuid: CR_OFF,
          uids: [1, 2],
          weights: [21845, 65535],
          versionKey: 0,
        }
        await expect(submitWeightsCall(connection, validators.first.hotkey, call)).rejects.toMatchObject({
          code: 'WEIGHTS_RATE_LIMITED',
          details: {error: 'SettingWeightsTooFast'},
        })
      } finally {
        await connection.close()
      }
      expect(await weightsOf(CR_OFF, 0)).toEqual(V0)
      expect(await commitsOf(CR_OFF, first())).toEqual([])
      await chain.sudo(chain.tx('adminUtils', 'sudoSetWeightsSetRateLimit', CR_OFF, 0))
    })

    test('with a stake below WeightsMinStake the run is blocked as such, and the pool names it for set, commit and reveal', async () => {
      const alpha = async (netuid: number, hotkey: string): Promise<bigint> =>
        BigInt((await chain.read('subtensorModule', 'totalHotkeyAlpha', hotkey, netuid)).toString())
      const secondUid = await uidOf(CR_OFF, second.hot.address)
      const before = await weightsOf(CR_OFF, secondUid)
      const minimum = (await alpha(CR_OFF, second.hot.address)) + 1n
      await chain.sudo(chain.tx('adminUtils', 'sudoSetWeightsMinStake', minimum))
      try {
        const dry = await cli('second', CR_OFF, 1, ['--dry-run'])
        expect(dry.json.chain.submission).toMatchObject({
          status: 'blocked',
          check: 'min_stake',
          code: 'WEIGHTS_STAKE_TOO_LOW',
        })
        expect(dry.json.chain.checks.find((c: {name: string}) => c.name === 'min_stake').detail).toContain(
          `WeightsMinStake ${minimum}`,
        )
        const run = await cli('second', CR_OFF, 1)
        expect(run.code).toBe(1)
        expect(run.json.error.code).toBe('WEIGHTS_STAKE_TOO_LOW')
        // the first validator's alpha on the subnet (the owner's: it earns the owner's cut) meets it,
        // and the runtime agrees: the stake it weighs is the alpha on the subnet
        expect(await alpha(CR_OFF, first())).toBeGreaterThanOrEqual(minimum)
        const passes = await cli('first', CR_OFF, 1)
        expect(passes.code, passes.stderr).toBe(0)
        expect(passes.json.chain.checks.find((c: {name: string}) => c.name === 'min_stake').status).toBe('pass')
        expect(await weightsOf(CR_OFF, 0)).toEqual(V1)

        // the runtime itself: pool custom 3 from set_weights, custom 1 from commit_weights (spec 218's numbers)
        const connection = await connectChain({network: chain.url})
        try {
          const set = {
            call: 'set_weights' as const,
            netuid: CR_OFF,
            uids: [1, 2],
            weights: [21845, 65535],
            versionKey: 0,
          }
          await expect(submitWeightsCall(connection, validators.second.hotkey, set)).rejects.toMatchObject({
            code: 'WEIGHTS_STAKE_TOO_LOW',
            details: {custom: 3, specVersion: 218},
          })
          await chain.sudo(chain.tx('adminUtils', 'sudoSetWeightsMinStake', (await alpha(CR_ON, first())) + 10n ** 15n))
          const commit = {call: 'commit_weights' as const, netuid: CR_ON, commitHash: `0x${'42'.repeat(32)}` as const}
          await expect(submitWeightsCall(connection, validators.first.hotkey, commit)).rejects.toMatchObject({
            code: 'WEIGHTS_STAKE_TOO_LOW',
            details: {custom: 1, specVersion: 218},
          })
          const reveal = {
            call: 'reveal_weights' as const,
            netuid: CR_ON,
            uids: [1],
            weights: [1],
            salt: [1],
            versionKey: 0,
          }
          await expect(submitWeightsCall(connection, validators.first.hotkey, reveal)).rejects.toMatchObject({
            code: 'WEIGHTS_STAKE_TOO_LOW',
            details: {custom: 2, specVersion: 218},
          })
        } finally {
          await connection.close()
        }
      } finally {
        await chain.sudo(chain.tx('adminUtils', 'sudoSetWeightsMinStake', 0))
      }
      expect(await weightsOf(CR_OFF, secondUid)).toEqual(before)
      expect(await commitsOf(CR_OFF, second.hot.address)).toEqual([])
      expect(await commitsOf(CR_ON, first())).toEqual([])
    })

    test('a wrong but existing --netuid says the hotkey is not registered there, not "nothing to do"', async () => {
      const before = await weightsOf(WRONG_NETUID, 0)
      const dry = await cli('first', WRONG_NETUID, 0, ['--dry-run'])
      expect(dry.json.chain.submission).toMatchObject({status: 'blocked', check: 'registered'})
      const run = await cli('first', WRONG_NETUID, 0)
      expect(run.code).toBe(1)
      expect(run.json.error.code).toBe('WEIGHTS_NOT_REGISTERED')
      expect(run.json.error.message).toContain(`is not registered on subnet ${WRONG_NETUID}`)
      expect(await weightsOf(WRONG_NETUID, 0)).toEqual(before)
      expect(await commitsOf(WRONG_NETUID, first())).toEqual([])
    })
  })

  describe('commit-reveal on (subnet 2, tempo 30): windows judged by the block the extrinsic lands in', () => {
    test('a commit made with the head at 760 lands in 761 and is recorded in epoch 24', async () => {
      await chain.advanceTo(760)
      const run = await cli('first', CR_ON, 0)
      expect(run.code, run.stderr).toBe(0)
      expect(run.json.chain.chain_epoch).toMatchObject({
        landing_block: 761,
        index: 24,
        first_block: 741,
        last_block: 771,
      })
      expect(run.json.chain.submission).toMatchObject({status: 'included', block: 761, commit_epoch: 24})
      expect(await commitsOf(CR_ON, first())).toEqual([[run.json.chain.submission.call.commit_hash, 761, 772, 802]])
      expect(await weightsOf(CR_ON, 0)).toEqual([])
      expect((await storedCommits()).map((c) => [c.epoch, c.status, c.commit_block])).toEqual([
        ['24', 'committed', '761'],
      ])
    })

    test('one block before the window (head 770, landing 771) the reveal waits and nothing is sent', async () => {
      await chain.advanceTo(770)
      const run = await cli('first', CR_ON, 1)
      expect(run.code).toBe(5) // nothing to do: the epoch's commit exists, the reveal is not due
      expect(run.json.chain.reveals).toMatchObject([{status: 'waiting', window: {first_block: 772, last_block: 802}}])
      expect(await chain.head()).toBe(770)
      expect(await weightsOf(CR_ON, 0)).toEqual([])
      expect(await commitsOf(CR_ON, first())).toHaveLength(1)
    })

    test('with the head at 771 the reveal lands in 772, the first block of the window, and Weights reads back', async () => {
      await chain.advanceTo(771)
      const run = await cli('first', CR_ON, 1)
      expect(run.code, run.stderr).toBe(0)
      expect(run.json.chain.reveals).toMatchObject([{status: 'revealed', inclusion: {block: 772}}])
      expect(await weightsOf(CR_ON, 0)).toEqual(V0)
      // then this epoch's commit (DB epoch 1's weights), landing in 773: epoch 25
      expect(run.json.chain.submission).toMatchObject({status: 'included', block: 773, commit_epoch: 25})
      expect(await commitsOf(CR_ON, first())).toEqual([[run.json.chain.submission.call.commit_hash, 773, 803, 833]])
      expect((await storedCommits()).map((c) => [c.epoch, c.status, c.reveal_block ?? c.commit_block])).toEqual([
        ['24', 'revealed', '772'],
        ['25', 'committed', '773'],
      ])
    })

    test('with the head on the last block of the window (833) the reveal would land after it: expired, exit non-zero', async () => {
      await chain.advanceTo(833)
      const run = await cli('first', CR_ON, 1)
      expect(run.code).toBe(1)
      expect(run.json.error.code).toBe('WEIGHTS_COMMIT_EXPIRED')
      const document = run.json.error.details.document
      expect(document.chain.reveals).toMatchObject([
        {status: 'expired', commit_epoch: 25, error: {code: 'WEIGHTS_COMMIT_EXPIRED'}, inclusion: null},
      ])
      // the run still committed this epoch's weights, in 834: epoch 27
      expect(document.chain.submission).toMatchObject({status: 'included', block: 834, commit_epoch: 27})
      const stored = await storedCommits()
      expect(stored.map((c) => [c.epoch, c.status])).toEqual([
        ['24', 'revealed'],
        ['25', 'expired'],
        ['27', 'committed'],
      ])
      expect(stored[1]!.closed_reason).toMatch(/^WEIGHTS_COMMIT_EXPIRED: /)
      // epoch 25's weights were never revealed; the chain dropped that commit when the new one came
      expect(await weightsOf(CR_ON, 0)).toEqual(V0)
      expect(await commitsOf(CR_ON, first())).toEqual([[document.chain.submission.call.commit_hash, 834, 865, 895]])
    })

    test("with the head one block before the last (894) the reveal lands in the window's last block, 895", async () => {
      await chain.advanceTo(894)
      const run = await cli('first', CR_ON, 0)
      expect(run.code, run.stderr).toBe(0)
      expect(run.json.chain.reveals).toMatchObject([{status: 'revealed', inclusion: {block: 895}}])
      expect(await weightsOf(CR_ON, 0)).toEqual(V1)
      // the new commit was judged after the reveal's block: it lands in 896, the first block of epoch 29
      expect(run.json.chain.submission).toMatchObject({status: 'included', block: 896, commit_epoch: 29})
      expect((await storedCommits()).at(-1)).toMatchObject({epoch: '29', status: 'committed', commit_block: '896'})
      expect(await commitsOf(CR_ON, first())).toEqual([[run.json.chain.submission.call.commit_hash, 896, 927, 957]])
    })
  })
})

if (!present) {
  describe('a real subtensor runtime', () => {
    test.skip(`skipped: no raonet chain spec at ${raonetSpecPath()} (set LEADPOET_RAONET_SPEC)`, () => {})
  })
}
