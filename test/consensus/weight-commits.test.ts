import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {DatabaseCommitStore} from '../../src/service/weight-commits.js'
import {pendingCommit} from '../chain/helpers.js'
import {createWorld, type Backend, type World} from '../support/world.js'

const commit = pendingCommit

describe.each<Backend>(['postgres', 'postgrest'])('weight commits in the database (%s)', (backend) => {
  let world: World
  let store: DatabaseCommitStore

  beforeAll(async () => {
    world = await createWorld(backend)
    store = new DatabaseCommitStore(world.operator.adapter)
  })
  afterAll(async () => {
    await world?.close()
  })

  it('keeps a commit with its salt and walks it submitted -> committed -> revealed', async () => {
    const saved = await store.save(commit())
    expect(saved).toMatchObject({status: 'submitted', salt: [1, 2, 3, 4, 5, 6, 7, 8], versionKey: 0, commitBlock: null})
    await store.markCommitted(saved.id, 10_001)
    expect(await store.findOpen(71, saved.hotkey)).toEqual([
      expect.objectContaining({id: saved.id, status: 'committed', commitBlock: 10_001}),
    ])
    await store.markRevealed(saved.id, 10_400)
    expect(await store.findOpen(71, saved.hotkey)).toEqual([])
    expect(await store.findInEpoch(71, saved.hotkey, 27)).toMatchObject({status: 'revealed', revealBlock: 10_400})
    await expect(store.markExpired(saved.id, 'late')).rejects.toMatchObject({code: 'INVALID_INPUT'})
  })

  it('holds one live commit per (netuid, hotkey, epoch), even when two runs save at once', async () => {
    const attempts = await Promise.allSettled([
      store.save(commit({chainEpoch: 40})),
      store.save(commit({chainEpoch: 40, commitHash: `0x${'bb'.repeat(32)}`})),
    ])
    expect(attempts.filter((a) => a.status === 'fulfilled')).toHaveLength(1)
    expect(attempts.find((a) => a.status === 'rejected')).toMatchObject({reason: {code: 'COMMIT_ALREADY_PENDING'}})
    const live = (await store.findInEpoch(71, commit().hotkey, 40))!
    await store.markExpired(live.id, 'never included')
    expect(await store.findInEpoch(71, commit().hotkey, 40)).toBeNull()
    await expect(store.save(commit({chainEpoch: 40}))).resolves.toMatchObject({status: 'submitted'})
  })

  it("is the operator's alone: a validator cannot read the salts", async () => {
    const validatorStore = new DatabaseCommitStore((await world.as({hotkey: 'v', role: 'validator'})).adapter)
    await expect(validatorStore.findOpen(71, commit().hotkey)).rejects.toMatchObject({code: 'FORBIDDEN'})
    await expect(validatorStore.save(commit({chainEpoch: 99}))).rejects.toMatchObject({code: 'FORBIDDEN'})
  })
})
