/**
 * `npm run bench -- <name> [flags]`: consensus (default), validation, startup, ss58, api-cost or golden. Benchmarks print
 * figures;
 * they are not tests and assert nothing.
 */
const [name = 'consensus', ...rest] = process.argv.slice(2)
const benches: Record<string, string> = {
  consensus: './consensus.js',
  validation: './validation.js',
  startup: './startup.js',
  ss58: './ss58.js',
  'api-cost': './api-cost.js',
  golden: './golden.js',
}
const target = benches[name.startsWith('-') ? 'consensus' : name]
if (!target) {
  process.stderr.write(`unknown benchmark ${name}: choose one of ${Object.keys(benches).join(', ')}\n`)
  process.exit(2)
}
process.argv = [process.argv[0]!, process.argv[1]!, ...(name.startsWith('-') ? [name, ...rest] : rest)]
await import(target)
