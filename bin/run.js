#!/usr/bin/env node
// leadpoet needs Node >= 22. Cron, systemd and distributions often put an older `node` first on PATH,
// so rather than fail (or warn on every call) this file re-executes itself under the project's own
// Node: LEADPOET_NODE, else the `node` package npm installed beside leadpoet, else the one .ci/run
// installs. Written for any Node from 14 on: nothing newer is used before the version check.
import {spawn} from 'node:child_process'
import {accessSync, constants, statSync} from 'node:fs'
import {createRequire} from 'node:module'
import {homedir} from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

const MINIMUM_MAJOR = 22

// `leadpoet --help | head` closes the pipe early: that is the reader's choice, not a failure.
process.stdout.on('error', (/** @type {NodeJS.ErrnoException} */ error) => {
  if (error.code === 'EPIPE') process.exit(0)
  throw error
})

const major = Number(process.versions.node.split('.')[0])
if (major >= MINIMUM_MAJOR) {
  // Node's on-disk compile cache, under the user's cache directory (NODE_DISABLE_COMPILE_CACHE=1 turns
  // it off): cron starts this process every minute, and compiling oclif, zod and pg again each time is
  // part of its start-up.
  const {enableCompileCache} = await import('node:module')
  const cacheHome = process.env.XDG_CACHE_HOME || path.join(homedir(), '.cache')
  enableCompileCache?.(path.join(cacheHome, 'leadpoet', 'node-compile-cache'))
  const {execute} = await import('@oclif/core')
  await execute({dir: import.meta.url})
} else {
  reexecute()
}

function reexecute() {
  const node = process.env.LEADPOET_REEXEC ? undefined : projectNode()
  if (!node) {
    process.stderr.write(
      `Error [NODE_TOO_OLD] leadpoet needs Node.js ${MINIMUM_MAJOR} or later and this is ${process.version}: ` +
        'run `npm ci` in the leadpoet directory (it installs Node 24), or set LEADPOET_NODE to a newer node\n',
    )
    process.exit(1)
  }
  const child = spawn(node, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: {...process.env, LEADPOET_REEXEC: '1'},
  })
  // The child is the real run: signals sent to this process (kill, systemd, timeout) go on to it, and
  // its exit status or signal becomes this one's.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal))
  child.on('error', (error) => {
    process.stderr.write(`Error [NODE_TOO_OLD] cannot start ${node}: ${error.message}\n`)
    process.exit(1)
  })
  child.on('exit', (code, signal) => {
    if (signal) {
      for (const name of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.removeAllListeners(name)
      process.kill(process.pid, signal)
    } else process.exit(code ?? 1)
  })
}

/** The first usable Node binary among the places the project installs one. */
function projectNode() {
  const arch = `node-${process.platform}-${process.arch}`
  const candidates = [process.env.LEADPOET_NODE]
  const require = createRequire(import.meta.url)
  try {
    const nodePackage = path.dirname(require.resolve('node/package.json'))
    candidates.push(path.join(nodePackage, 'bin', 'node'), path.join(nodePackage, 'node_modules', arch, 'bin', 'node'))
  } catch {
    // no `node` package installed (a production install): try the others
  }
  try {
    candidates.push(path.join(path.dirname(require.resolve(`${arch}/package.json`)), 'bin', 'node'))
  } catch {
    // not hoisted
  }
  const prefix = process.env.LEADPOET_NODE_PREFIX || path.join(homedir(), '.cache', 'leadpoet', 'node24')
  candidates.push(path.join(prefix, 'node_modules', 'node', 'node_modules', arch, 'bin', 'node'))
  return candidates.find((file) => file && isExecutableFile(file) && path.resolve(file) !== process.execPath)
}

/** @param {string} file */
function isExecutableFile(file) {
  try {
    accessSync(file, constants.X_OK)
    return statSync(file).isFile()
  } catch {
    return false
  }
}
