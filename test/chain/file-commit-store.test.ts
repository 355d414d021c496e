import {mkdtemp, readFile, rm, stat, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {afterEach, beforeEach, describe, expect, test} from 'vitest'
import {CHAIN_ERROR} from '../../src/chain/error-codes.js'
import {FileCommitStore} from '../../src/chain/file-commit-store.js'
import {pendingCommit} from './helpers.js'

let dir: string
let file: string
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'leadpoet-store-'))
  file = path.join(dir, 'nested', 'commits.json')
})
afterEach(async () => {
  await rm(dir, {recursive: true, force: true})
})

const commit = pendingCommit

describe('the file-backed pending-commit store', () => {
  test('keeps commits across instances (it is the file, not memory), owner-readable only', async () => {
    const saved = await new FileCommitStore(file).save(commit())
    expect(saved).toMatchObject({status: 'submitted', commitBlock: null, revealBlock: null, closedReason: null})
    const reopened = new FileCommitStore(file)
    expect(await reopened.findOpen(71, commit().hotkey)).toEqual([saved])
    expect((await stat(file)).mode & 0o077).toBe(0)
    expect(JSON.parse(await readFile(file, 'utf8'))).toMatchObject({version: 1, commits: [{id: saved.id, salt: [1, 2, 3, 4, 5, 6, 7, 8]}]})
  })

  test('walks submitted -> committed -> revealed, and refuses to reopen a closed commit', async () => {
    const store = new FileCommitStore(file)
    const saved = await store.save(commit())
    await store.markCommitted(saved.id, 10_001)
    expect((await store.findOpen(71, saved.hotkey))[0]).toMatchObject({status: 'committed', commitBlock: 10_001})
    await store.markRevealed(saved.id, 10_400)
    expect(await store.findOpen(71, saved.hotkey)).toEqual([])
    expect(await store.findInEpoch(71, saved.hotkey, 27)).toMatchObject({status: 'revealed', revealBlock: 10_400})
    await expect(store.markExpired(saved.id, 'late')).rejects.toMatchObject({code: CHAIN_ERROR.commitStoreCorrupt})
  })

  test('one live commit per (netuid, hotkey, epoch); an expired one frees the epoch', async () => {
    const store = new FileCommitStore(file)
    const first = await store.save(commit())
    await expect(store.save(commit({commitHash: `0x${'bb'.repeat(32)}`}))).rejects.toMatchObject({code: CHAIN_ERROR.commitAlreadyPending})
    // other epochs, subnets and hotkeys are independent
    await store.save(commit({epoch: 28}))
    await store.save(commit({netuid: 72}))
    await store.markExpired(first.id, 'never included')
    expect(await store.findInEpoch(71, first.hotkey, 27)).toBeNull()
    const retry = await store.save(commit({commitHash: `0x${'cc'.repeat(32)}`}))
    expect((await store.findOpen(71, first.hotkey)).map((c) => c.id)).toEqual([(await store.findInEpoch(71, first.hotkey, 28))!.id, retry.id])
  })

  test('concurrent saves from separate store objects are serialised: exactly one wins an epoch, none is lost', async () => {
    const stores = Array.from({length: 6}, () => new FileCommitStore(file))
    const sameEpoch = await Promise.allSettled(stores.map((store, i) => store.save(commit({commitHash: `0x${String(i).repeat(64)}`}))))
    expect(sameEpoch.filter((r) => r.status === 'fulfilled')).toHaveLength(1)
    expect(sameEpoch.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason.code)).toEqual(Array(5).fill(CHAIN_ERROR.commitAlreadyPending))
    await Promise.all(stores.map((store, i) => store.save(commit({epoch: 100 + i}))))
    expect(await new FileCommitStore(file).findOpen(71, commit().hotkey)).toHaveLength(7)
  })

  test('a lock left by a crashed process is taken over once stale; a fresh one blocks until the timeout', async () => {
    const store = new FileCommitStore(file, {lockTimeoutMs: 300, staleLockMs: 60_000})
    await store.save(commit({epoch: 1}))
    await writeFile(`${file}.lock`, '99999\n')
    await expect(store.save(commit({epoch: 2}))).rejects.toMatchObject({code: CHAIN_ERROR.commitStoreLocked})
    const patient = new FileCommitStore(file, {lockTimeoutMs: 300, staleLockMs: 0})
    await patient.save(commit({epoch: 2}))
    expect(await patient.findOpen(71, commit().hotkey)).toHaveLength(2)
  })

  test('a corrupt file is reported, never overwritten', async () => {
    const store = new FileCommitStore(file)
    await store.save(commit())
    await writeFile(file, '{"version": 1, "commits": [')
    await expect(store.findOpen(71, commit().hotkey)).rejects.toMatchObject({code: CHAIN_ERROR.commitStoreCorrupt})
    await expect(store.save(commit({epoch: 30}))).rejects.toMatchObject({code: CHAIN_ERROR.commitStoreCorrupt})
    expect(await readFile(file, 'utf8')).toBe('{"version": 1, "commits": [')
  })
})
