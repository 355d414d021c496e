import {execFileSync, spawn} from 'node:child_process'
import {existsSync} from 'node:fs'
import {mkdir, mkdtemp, readdir, readFile, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {runProcess} from '../support/cli.js'
import {MAX_RSS_REPORTER} from '../support/max-rss.js'

// What only a real process shows: the start under an old Node, a closed pipe, an unknown command's
// JSON error, and simulate's signals and peak memory.

const BIN = fileURLToPath(new URL('../../bin/run.js', import.meta.url))
let home: string
let env: Record<string, string>
beforeAll(async () => {
  home = await mkdtemp(path.join(tmpdir(), 'leadpoet-process-'))
  env = {XDG_DATA_HOME: path.join(home, 'data'), XDG_CONFIG_HOME: path.join(home, 'config'), LEADPOET_DB: ''}
})
afterAll(async () => {
  await rm(home, {recursive: true, force: true})
})

/** Runs bin/run.js with `node`, its stdout read until `enough` says so, then closed as `head` does. */
function runUntil(
  node: string,
  args: string[],
  options: {
    env?: Record<string, string>
    enough: (stdout: string, stderr: string) => boolean
    onEnough?: 'close' | 'SIGINT'
  },
): Promise<{code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string}> {
  return new Promise((resolve, reject) => {
    const child = spawn(node, [BIN, ...args], {env: {...process.env, NO_COLOR: '1', ...options.env}})
    let stdout = ''
    let stderr = ''
    let done = false
    const check = () => {
      if (done || !options.enough(stdout, stderr)) return
      done = true
      if (options.onEnough === 'SIGINT') child.kill('SIGINT')
      else child.stdout.destroy()
    }
    child.stdout.on('data', (chunk: Buffer) => ((stdout += chunk.toString()), check()))
    child.stderr.on('data', (chunk: Buffer) => ((stderr += chunk.toString()), check()))
    child.on('error', reject)
    child.on('exit', (code, signal) => resolve({code, signal, stdout, stderr}))
  })
}

describe('the leadpoet process', () => {
  it('given `--help | head -1`, then it exits 0 when the reader closes the pipe', async () => {
    const run = await runUntil(process.execPath, ['--help'], {env, enough: (stdout) => stdout.includes('\n')})
    expect(run.code).toBe(0)
    expect(run.stderr).not.toMatch(/unsettled top-level await|EPIPE/)
  })

  it('given an unknown command with --json, then it prints the JSON error document and exits 2', async () => {
    const run = await runProcess(['nosuchcmd', '--json'], env)
    expect(run.code).toBe(2)
    expect(run.json()).toEqual({
      error: {code: 'UNKNOWN_COMMAND', message: 'no command "nosuchcmd": see `leadpoet --help`'},
    })
    const plain = await runProcess(['nosuchcmd'], env)
    expect(plain.code).toBe(2)
    expect(plain.stderr).toContain('[UNKNOWN_COMMAND]')
  })

  // The machine's own `node` (Debian's) where it is older than 22; elsewhere there is nothing to re-execute.
  const oldNode = ['/usr/bin/node', '/usr/local/bin/node'].find((file) => {
    if (!existsSync(file)) return false
    const major = Number(execFileSync(file, ['-p', 'process.versions.node.split(".")[0]']).toString().trim())
    return major < 22
  })
  it.skipIf(!oldNode)(
    'given a Node older than 22 on PATH, then it re-executes under the project Node 24, with no warnings',
    async () => {
      const run = await runUntil(oldNode!, ['--version'], {env, enough: () => false})
      expect(run.code, run.stderr).toBe(0)
      expect(run.stdout).toMatch(/node-v2[2-9]\./)
      expect(run.stderr).toBe('')
    },
  )
})

describe('leadpoet simulate as a process', () => {
  it('given Ctrl-C (SIGINT) mid-run, then its temporary directory is removed before it exits', async () => {
    const scratch = path.join(home, 'tmp-sigint')
    await mkdir(scratch, {recursive: true})
    const run = await runUntil(process.execPath, ['simulate', '--prospects', '100000', '--epochs', '50'], {
      env: {...env, TMPDIR: scratch},
      enough: (_stdout, stderr) => stderr.includes('Simulating in'),
      onEnough: 'SIGINT',
    })
    expect(run.stderr).toMatch(/Simulating in .*leadpoet-simulate-/)
    expect(run.signal ?? run.code).toBeTruthy() // ended by the signal, not as a finished run
    expect(await readdir(scratch)).toEqual([])
  }, 180_000)

  it("given a run, then the peak RSS it reports is the process's own maximum, and progress went to stderr", async () => {
    const rssFile = path.join(home, 'rss')
    const run = await runProcess(['simulate', '--prospects', '200', '--epochs', '1', '--json'], {
      ...env,
      NODE_OPTIONS: `--import ${MAX_RSS_REPORTER}`,
      LEADPOET_BENCH_RSS_FILE: rssFile,
    })
    expect(run.code, run.stderr).toBe(0)
    expect(run.stderr).toContain('epoch 1/1 closed: 200/200 prospects decided')
    const reported = run.json().timings.peak_rss_mib
    const atExit = Number(await readFile(rssFile, 'utf8')) / 1024
    // The maximum can only grow between the report and the exit, and not by much.
    expect(reported).toBeLessThanOrEqual(Math.round(atExit))
    expect(reported).toBeGreaterThan(atExit * 0.9)
  }, 180_000)
})
