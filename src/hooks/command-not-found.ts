import type {Hook} from '@oclif/core'
import {EXIT} from '../errors.js'

/**
 * An unknown command is a usage error like any other: one line with its code, or under --json the
 * error document on stdout, and exit 2.
 */
const hook: Hook.CommandNotFound = async function ({id, argv}) {
  const words = id.replaceAll(':', ' ')
  const message = `no command ${JSON.stringify(words)}: see \`${this.config.bin} --help\``
  if (argv?.includes('--json')) {
    process.stdout.write(`${JSON.stringify({error: {code: 'UNKNOWN_COMMAND', message}}, null, 2)}\n`)
  } else {
    process.stderr.write(`Error [UNKNOWN_COMMAND] ${message}\n`)
  }
  process.exitCode = EXIT.usage
}

export default hook
