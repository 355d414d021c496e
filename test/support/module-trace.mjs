// Loaded with `node --import` into a CLI process by the smoke tests: writes the npm packages the
// process resolved to the file LEADPOET_TEST_MODULE_TRACE names, one per line, at exit.
import {writeFileSync} from 'node:fs'
import {registerHooks} from 'node:module'

const packages = new Set()
registerHooks({
  resolve(specifier, context, next) {
    const result = next(specifier, context)
    const match = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(result.url)
    if (match) packages.add(match[1])
    return result
  },
})
process.on('exit', () => writeFileSync(process.env.LEADPOET_TEST_MODULE_TRACE, [...packages].sort().join('\n')))
