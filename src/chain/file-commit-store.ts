import {randomUUID} from 'node:crypto'
import {mkdir, open, readFile, rename, rm, stat, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {EXIT, LeadpoetError} from '../errors.js'
import {CHAIN_ERROR} from './error-codes.js'
import type {NewPendingCommit, PendingCommit, PendingCommitStatus, PendingCommitStore} from './pending-commits.js'

interface StoreFile {
  version: 1
  commits: PendingCommit[]
}

export interface FileCommitStoreOptions {
  /** how long to wait for another process holding the lock */
  lockTimeoutMs?: number
  /** a lock file older than this is left over from a crashed process and is taken over */
  staleLockMs?: number
  now?: () => Date
}

/**
 * PendingCommitStore over one JSON file, for operators without a database. Writes are atomic
 * (temporary file + rename, fsynced) and serialised across processes by a lock file next to it.
 * The file holds salts: it is created readable by its owner only.
 */
export class FileCommitStore implements PendingCommitStore {
  readonly file: string
  readonly #lockFile: string
  readonly #lockTimeoutMs: number
  readonly #staleLockMs: number
  readonly #now: () => Date

  constructor(file: string, options: FileCommitStoreOptions = {}) {
    this.file = path.resolve(file)
    this.#lockFile = `${this.file}.lock`
    this.#lockTimeoutMs = options.lockTimeoutMs ?? 10_000
    this.#staleLockMs = options.staleLockMs ?? 60_000
    this.#now = options.now ?? (() => new Date())
  }

  async findOpen(netuid: number, hotkey: string): Promise<PendingCommit[]> {
    const {commits} = await this.#read()
    return commits.filter((c) => c.netuid === netuid && c.hotkey === hotkey && isOpen(c.status)).sort(byCreation)
  }

  async findInEpoch(netuid: number, hotkey: string, epoch: number): Promise<PendingCommit | null> {
    const {commits} = await this.#read()
    return findLiveInEpoch(commits, netuid, hotkey, epoch)
  }

  async save(commit: NewPendingCommit): Promise<PendingCommit> {
    return this.#update((data) => {
      const existing = findLiveInEpoch(data.commits, commit.netuid, commit.hotkey, commit.epoch)
      if (existing) {
        throw new LeadpoetError(
          CHAIN_ERROR.commitAlreadyPending,
          `hotkey ${commit.hotkey} already has commit ${existing.id} in epoch ${commit.epoch} of subnet ${commit.netuid}`,
          EXIT.nothingToDo,
          {existing: existing.id},
        )
      }
      const now = this.#now().toISOString()
      const saved: PendingCommit = {
        ...structuredClone(commit),
        id: randomUUID(),
        status: 'submitted',
        commitBlock: null,
        revealBlock: null,
        closedReason: null,
        createdAt: now,
        updatedAt: now,
      }
      data.commits.push(saved)
      return saved
    })
  }

  async markCommitted(id: string, commitBlock: number): Promise<void> {
    await this.#transition(id, ['submitted', 'committed'], (c) => {
      c.status = 'committed'
      c.commitBlock = commitBlock
    })
  }

  async markRevealed(id: string, revealBlock: number): Promise<void> {
    await this.#transition(id, ['submitted', 'committed'], (c) => {
      c.status = 'revealed'
      c.revealBlock = revealBlock
    })
  }

  async markExpired(id: string, reason: string): Promise<void> {
    await this.#transition(id, ['submitted', 'committed'], (c) => {
      c.status = 'expired'
      c.closedReason = reason
    })
  }

  async #transition(id: string, from: PendingCommitStatus[], change: (commit: PendingCommit) => void): Promise<void> {
    await this.#update((data) => {
      const commit = data.commits.find((c) => c.id === id)
      if (!commit) throw new LeadpoetError(CHAIN_ERROR.commitStoreCorrupt, `pending commit ${id} is not in ${this.file}`, EXIT.error)
      if (!from.includes(commit.status)) {
        throw new LeadpoetError(CHAIN_ERROR.commitStoreCorrupt, `pending commit ${id} is already ${commit.status}`, EXIT.error)
      }
      change(commit)
      commit.updatedAt = this.#now().toISOString()
    })
  }

  async #read(): Promise<StoreFile> {
    let text: string
    try {
      text = await readFile(this.file, 'utf8')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {version: 1, commits: []}
      throw error
    }
    let data: unknown
    try {
      data = JSON.parse(text)
    } catch {
      throw new LeadpoetError(CHAIN_ERROR.commitStoreCorrupt, `${this.file} is not valid JSON; it holds commit salts, so fix or move it by hand`, EXIT.error)
    }
    if (typeof data !== 'object' || data === null || (data as StoreFile).version !== 1 || !Array.isArray((data as StoreFile).commits)) {
      throw new LeadpoetError(CHAIN_ERROR.commitStoreCorrupt, `${this.file} is not a leadpoet pending-commit file (version 1)`, EXIT.error)
    }
    return data as StoreFile
  }

  async #update<T>(change: (data: StoreFile) => T): Promise<T> {
    await mkdir(path.dirname(this.file), {recursive: true, mode: 0o700})
    await this.#lock()
    try {
      const data = await this.#read()
      const result = change(data)
      const temporary = `${this.file}.${process.pid}.${randomUUID()}.tmp`
      const handle = await open(temporary, 'w', 0o600)
      try {
        await handle.writeFile(`${JSON.stringify(data, null, 2)}\n`)
        await handle.sync()
      } finally {
        await handle.close()
      }
      await rename(temporary, this.file)
      return result
    } finally {
      await rm(this.#lockFile, {force: true})
    }
  }

  async #lock(): Promise<void> {
    const deadline = Date.now() + this.#lockTimeoutMs
    for (let attempt = 0; ; attempt++) {
      try {
        await writeFile(this.#lockFile, `${process.pid}\n`, {flag: 'wx', mode: 0o600})
        return
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
      }
      const age = await stat(this.#lockFile).then((s) => Date.now() - s.mtimeMs, () => 0)
      if (age > this.#staleLockMs) {
        await rm(this.#lockFile, {force: true})
        continue
      }
      if (Date.now() > deadline) {
        throw new LeadpoetError(
          CHAIN_ERROR.commitStoreLocked,
          `${this.file} is locked by another process (${this.#lockFile}); if none is running, remove the lock file`,
          EXIT.error,
        )
      }
      // back off while another process holds the lock (polling is the only portable wait for a file lock)
      await new Promise((resolve) => setTimeout(resolve, Math.min(200, 10 * 2 ** attempt)))
    }
  }
}

function isOpen(status: PendingCommitStatus): boolean {
  return status === 'submitted' || status === 'committed'
}

function findLiveInEpoch(commits: readonly PendingCommit[], netuid: number, hotkey: string, epoch: number): PendingCommit | null {
  const matches = commits.filter((c) => c.netuid === netuid && c.hotkey === hotkey && c.epoch === epoch && c.status !== 'expired').sort(byCreation)
  return matches.at(-1) ?? null
}

function byCreation(a: PendingCommit, b: PendingCommit): number {
  return a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : 0
}
