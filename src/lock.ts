import {mkdir, open, readFile, rm} from 'node:fs/promises'
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
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const handle = await open(lockPath, 'wx', 0o600)
      const holder: LockHolder = {pid: process.pid, command: process.argv.slice(2).join(' '), since: new Date().toISOString()}
      await handle.writeFile(JSON.stringify(holder))
      await handle.close()
      return () => rm(lockPath, {force: true})
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
      const holder = await readFile(lockPath, 'utf8').then((text) => JSON.parse(text) as LockHolder, () => undefined)
      if (holder && isAlive(holder.pid)) {
        throw new LeadpoetError(
          refusal.code,
          `${refusal.what} is in use by process ${holder.pid} (leadpoet ${holder.command}, since ${holder.since}); try again when it ends`,
          refusal.exitCode,
          {holder},
        )
      }
      // The holder is gone (or the file is half-written by a crash): take it over.
      await rm(lockPath, {force: true})
    }
  }
  throw new LeadpoetError(refusal.code, `could not take the lock ${lockPath}`, EXIT.error)
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
