import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {DatabaseCommitStore} from '../../src/service/weight-commits.js'
import {pendingCommit} from '../chain/helpers.js'
import {createWorld, hotkeyOf, type Backend, type World} from '../support/world.js'

const ALICE = pendingCommit().hotkey
const BOB = hotkeyOf('weight-commits-bob')
const commit = pendingCommit

// Commit-reveal salts are kept by the database under the hotkey that made the commit: each
// validator (and the operator) sees and moves only its own.
describe.each<Backend>(['postgres', 'postgrest'])('weight commits in the database (%s)', (backend) => {
  let world: World
  let alice: DatabaseCommitStore
  let bob: DatabaseCommitStore

  beforeAll(async () => {
    world = await createWorld(backend)
    alice = new DatabaseCommitStore((await world.as({hotkey: ALICE, role: 'validator'})).adapter)
    bob = new DatabaseCommitStore((await world.as({hotkey: BOB, role: 'validator'})).adapter)
  })
  afterAll(async () => {
    await world?.close()
  })

  it('given a validator, then it keeps a commit with its salt and walks it submitted -> committed -> revealed', async () => {
    const saved = await alice.save(commit())
    expect(saved).toMatchObject({
      hotkey: ALICE,
      status: 'submitted',
      salt: [1, 2, 3, 4, 5, 6, 7, 8],
      versionKey: 0,
      commitBlock: null,
    })
    await alice.markCommitted(saved.id, 10_001)
    expect(await alice.findOpen(71, ALICE)).toEqual([
      expect.objectContaining({id: saved.id, status: 'committed', commitBlock: 10_001}),
    ])
    await alice.markRevealed(saved.id, 10_400)
    expect(await alice.findOpen(71, ALICE)).toEqual([])
    expect(await alice.findInEpoch(71, ALICE, 27)).toMatchObject({status: 'revealed', revealBlock: 10_400})
    await expect(alice.markExpired(saved.id, 'late')).rejects.toMatchObject({code: 'INVALID_INPUT'})
  })

  it('given two runs saving at once, then one live commit is kept per (netuid, hotkey, chain epoch)', async () => {
    const attempts = await Promise.allSettled([
      alice.save(commit({chainEpoch: 40})),
      alice.save(commit({chainEpoch: 40, commitHash: `0x${'bb'.repeat(32)}`})),
    ])
    expect(attempts.filter((a) => a.status === 'fulfilled')).toHaveLength(1)
    expect(attempts.find((a) => a.status === 'rejected')).toMatchObject({reason: {code: 'COMMIT_ALREADY_PENDING'}})
    const live = (await alice.findInEpoch(71, ALICE, 40))!
    await alice.markExpired(live.id, 'never included')
    expect(await alice.findInEpoch(71, ALICE, 40)).toBeNull()
    await expect(alice.save(commit({chainEpoch: 40}))).resolves.toMatchObject({status: 'submitted'})
    // Another hotkey's commit in the same chain epoch is its own business.
    await expect(bob.save(commit({hotkey: BOB, chainEpoch: 40}))).resolves.toMatchObject({hotkey: BOB})
  })

  it("given Alice's open commit, then Bob can neither read nor move it, nor file one under her name", async () => {
    const saved = await alice.save(commit({chainEpoch: 50}))
    expect(await bob.findOpen(71, BOB)).not.toContainEqual(expect.objectContaining({id: saved.id}))
    expect(await bob.findInEpoch(71, BOB, 50)).toBeNull()
    await expect(bob.markExpired(saved.id, 'sabotage')).rejects.toMatchObject({code: 'INVALID_INPUT'})
    await expect(bob.markRevealed(saved.id, 1)).rejects.toMatchObject({code: 'INVALID_INPUT'})
    await expect(bob.save(commit({chainEpoch: 51}))).rejects.toMatchObject({code: 'FORBIDDEN'})
    const rows = await world.sql.query<{status: string; hotkey: string}>(
      `select status, hotkey from leadpoet.weight_commits where id = $1`,
      [saved.id],
    )
    expect(rows).toEqual([{status: 'submitted', hotkey: ALICE}])
  })

  it('given a commit that landed in a later chain epoch than predicted, then it is filed under the epoch it landed in', async () => {
    const late = await alice.save(commit({chainEpoch: 60}))
    await alice.markCommitted(late.id, 20_000, 61)
    expect(await alice.findInEpoch(71, ALICE, 60)).toBeNull()
    expect(await alice.findInEpoch(71, ALICE, 61)).toMatchObject({id: late.id, chainEpoch: 61, commitBlock: 20_000})
    // Another live commit already holds that epoch: the record keeps its prediction (the chain has both).
    const other = await alice.save(commit({chainEpoch: 62, commitHash: `0x${'cc'.repeat(32)}`}))
    await alice.markCommitted(other.id, 20_400, 61)
    expect(await alice.findInEpoch(71, ALICE, 62)).toMatchObject({id: other.id, status: 'committed'})
  })

  it('given a miner, then it has no access to weight commits at all', async () => {
    const miner = new DatabaseCommitStore(
      (await world.as({hotkey: hotkeyOf('weight-commits-miner'), role: 'miner'})).adapter,
    )
    await expect(miner.findOpen(71, ALICE)).rejects.toMatchObject({code: 'FORBIDDEN'})
    await expect(miner.save(commit({chainEpoch: 99}))).rejects.toMatchObject({code: 'FORBIDDEN'})
  })
})
