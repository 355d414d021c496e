import {execFile, execFileSync} from 'node:child_process'

/**
 * The real promtool (Debian package `prometheus`; .ci/run installs it). Missing, the monitoring tests
 * fail, saying how to install it; LEADPOET_ALLOW_NO_PROMTOOL=1 skips them instead, with that reason.
 */
export const PROMTOOL = (() => {
  try {
    return execFileSync('sh', ['-c', 'command -v promtool'], {encoding: 'utf8'}).trim() || null
  } catch {
    return null
  }
})()

export const PROMTOOL_MISSING =
  'promtool is not installed: `apt-get install prometheus` (.ci/run does it when it is missing)'

/** Skip only when promtool is missing and LEADPOET_ALLOW_NO_PROMTOOL says so. */
export const skipWithoutPromtool = PROMTOOL === null && Boolean(process.env.LEADPOET_ALLOW_NO_PROMTOOL)

export interface PromtoolRun {
  code: number
  output: string
}

/** Runs promtool with `args`, `stdin` piped in; its exit status and its stdout and stderr together. */
export function promtool(args: string[], stdin?: string): Promise<PromtoolRun> {
  if (PROMTOOL === null) throw new Error(PROMTOOL_MISSING)
  return new Promise((resolve) => {
    const child = execFile(PROMTOOL, args, {timeout: 60_000}, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0
      resolve({code, output: `${stdout}${stderr}`})
    })
    child.stdin?.end(stdin)
  })
}
