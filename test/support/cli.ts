/// <reference types="vite/client" />
import {execFile, spawn} from 'node:child_process'
import {readFileSync} from 'node:fs'
import {Readable} from 'node:stream'
import {format} from 'node:util'
import {fileURLToPath} from 'node:url'
import {Config} from '@oclif/core'
import {vi} from 'vitest'
import type {LeadpoetCommand} from '../../src/cli/base-command.js'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const BIN = fileURLToPath(new URL('../../bin/run.js', import.meta.url))

export interface CliRun {
  code: number
  stdout: string
  stderr: string
  json: () => any
}

type CommandClass = typeof LeadpoetCommand & {run(argv: string[], config: Config): Promise<unknown>}

// Every command module of the source tree, loaded on demand: `epoch weights` -> src/commands/epoch/weights.ts.
const MODULES = import.meta.glob<{default: CommandClass}>('../../src/commands/**/*.ts')
const COMMANDS = new Map(
  Object.entries(MODULES).map(([file, load]) => [
    file.replace('../../src/commands/', '').replace(/\.ts$/, '').replaceAll('/', ':'),
    load,
  ]),
)

/** Every command id (`epoch:weights`), sorted. */
export const COMMAND_IDS = [...COMMANDS.keys()].sort()

/** A command class from the source tree, by id. */
export async function loadCommand(id: string): Promise<CommandClass> {
  const load = COMMANDS.get(id)
  if (!load) throw new Error(`no command ${id}`)
  const command = (await load()).default
  command.id = id
  return command
}

/** The command id a user's words name (the longest prefix that is a command) and the rest of argv. */
function splitArgv(args: string[]): {id: string; argv: string[]} {
  for (let words = Math.min(args.length, 3); words > 0; words--) {
    const id = args.slice(0, words).join(':')
    if (COMMANDS.has(id)) return {id, argv: args.slice(words)}
  }
  throw new Error(`no command in ${JSON.stringify(args)}`)
}

/**
 * Runs a command in this process, against the source (the way Shopify CLI tests its commands): the
 * environment is the user's plus `env`, stdin is `stdinFile`, and stdout, stderr and the exit
 * status are captured. There is no terminal, as under cron. Runs in one test file are sequential.
 */
export async function runCli(
  args: string[],
  env: Record<string, string | undefined> = {},
  stdinFile?: string,
): Promise<CliRun> {
  const {id, argv} = splitArgv(args)
  const command = await loadCommand(id)

  const savedEnv = {...process.env}
  const savedExitCode = process.exitCode
  const stdinDescriptor = Object.getOwnPropertyDescriptor(process, 'stdin')
  let stdout = ''
  let stderr = ''
  const capture =
    (append: (text: string) => void) =>
    (chunk: string | Uint8Array, ...rest: unknown[]): boolean => {
      append(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'))
      const callback = rest.find((item) => typeof item === 'function') as (() => void) | undefined
      callback?.()
      return true
    }
  try {
    Object.assign(process.env, {NO_COLOR: '1'}, env)
    for (const [name, value] of Object.entries(env)) if (value === undefined) delete process.env[name]
    process.exitCode = undefined
    if (stdinFile !== undefined) {
      Object.defineProperty(process, 'stdin', {value: Readable.from([readFileSync(stdinFile)]), configurable: true})
    }
    // The configuration reads XDG_* and the oclif manifest (built by `npm run build`) now, as a new process would.
    const config = await Config.load({root: ROOT})
    // oclif writes through console.log / console.error (which vitest intercepts), the rest through the streams.
    const spies = [
      vi.spyOn(process.stdout, 'write').mockImplementation(capture((text) => (stdout += text))),
      vi.spyOn(process.stderr, 'write').mockImplementation(capture((text) => (stderr += text))),
      vi.spyOn(console, 'log').mockImplementation((...items: unknown[]) => void (stdout += `${format(...items)}\n`)),
      vi.spyOn(console, 'error').mockImplementation((...items: unknown[]) => void (stderr += `${format(...items)}\n`)),
    ]
    try {
      await command.run(argv, config)
    } finally {
      for (const spy of spies) spy.mockRestore()
    }
    const code = typeof process.exitCode === 'number' ? process.exitCode : 0
    return {code, stdout, stderr, json: () => JSON.parse(stdout)}
  } finally {
    process.exitCode = savedExitCode
    for (const name of Object.keys(process.env)) if (!(name in savedEnv)) delete process.env[name]
    Object.assign(process.env, savedEnv)
    if (stdinDescriptor) Object.defineProperty(process, 'stdin', stdinDescriptor)
  }
}

/**
 * Runs the built CLI as a user would, in a process of its own (bin/run.js over dist/), with no
 * terminal attached: for what only a real process shows (start-up, exit status, locks, signals).
 */
export function runProcess(
  args: string[],
  env: Record<string, string | undefined> = {},
  stdinFile?: string,
): Promise<CliRun> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [BIN, ...args],
      {env: {...process.env, NO_COLOR: '1', ...env}, timeout: 120_000},
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0
        resolve({code, stdout, stderr, json: () => JSON.parse(stdout)})
      },
    )
    child.stdin?.end(stdinFile ? readFileSync(stdinFile) : undefined)
  })
}

/** A live process other than this one, for a lock file to name as its holder; killed after `work`. */
export async function withOtherProcess<T>(work: (pid: number) => Promise<T>): Promise<T> {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 60_000)'], {stdio: 'ignore'})
  try {
    return await work(child.pid!)
  } finally {
    child.kill('SIGKILL')
  }
}
