import {randomUUID} from 'node:crypto'
import {link, mkdir, readFile, rm, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {EXIT, LeadpoetError, type ExitCode} from './errors.js'

interface LockHolder {
  pid: number
  command: string
  since: string
}

export interface LockRefusal {
  code: string
  exitCode: ExitCode
  /** what is locked, for the message: "the embedded database", "`leadpoet pull`" */
  what: string
}

/**
 * An exclusive lock file naming its holder (pid, command, since). A lock whose process is gone is
 * taken over, so a crashed run never blocks the next one. Returns the release function.
 */
export async function acquireLock(lockPath: string, refusal: LockRefusal): Promise<() => Promise<void>> {
  await mkdir(path.dirname(lockPath), {recursive: true})
  const holder: LockHolder = {
    pid: process.pid,
    command: process.argv.slice(2).join(' '),
    since: new Date().toISOString(),
  }
  // Written whole to a file of our own, then linked into place: nobody ever reads a half-written lock.
  const draft = `${lockPath}.${process.pid}.${randomUUID()}`
  await writeFile(draft, JSON.stringify(holder), {mode: 0o600})
  try {
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        await link(draft, lockPath)
        return () => rm(lockPath, {force: true})
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
        const current = await readFile(lockPath, 'utf8').then(parseHolder, () => undefined)
        if (current && current.pid !== process.pid && isAlive(current.pid)) {
          throw new LeadpoetError(
            refusal.code,
            `${refusal.what} is in use by process ${current.pid} (leadpoet ${current.command}, ` +
              `since ${current.since}); try again when it ends`,
            refusal.exitCode,
            {holder: current},
          )
        }
        // Its process is gone (or it is unreadable, or it names this very pid, reused after a
        // restart): take it over.
        await rm(lockPath, {force: true})
      }
    }
  } finally {
    await rm(draft, {force: true})
  }
  throw new LeadpoetError(refusal.code, `could not take the lock ${lockPath}`, EXIT.error)
}

function parseHolder(text: string): LockHolder | undefined {
  try {
    const value = JSON.parse(text) as Partial<LockHolder>
    return typeof value.pid === 'number' ? (value as LockHolder) : undefined
  } catch {
    return undefined
  }
}

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}
