import {execFile} from 'node:child_process'
import {readFileSync} from 'node:fs'
import {fileURLToPath} from 'node:url'

const BIN = fileURLToPath(new URL('../../bin/run.js', import.meta.url))

export interface CliRun {
  code: number
  stdout: string
  stderr: string
  json: () => any
}

/**
 * Runs the built CLI as a user would (bin/run.js over dist/), with no terminal attached; `stdinFile`
 * is piped to its standard input.
 */
export function runCli(
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
