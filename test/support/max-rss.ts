/**
 * A module to preload (`node --import URL`) into a process whose peak memory is wanted: at exit it
 * writes the process's own peak resident set size (getrusage's ru_maxrss, in KiB) to the file named
 * by LEADPOET_BENCH_RSS_FILE. A data: URL, so nothing else is loaded to run it (a .ts file would load
 * Node's type stripper, 15 MB), and encoded without spaces, so it fits in NODE_OPTIONS.
 */
const source = `import {writeFileSync} from 'node:fs'
const file = process.env.LEADPOET_BENCH_RSS_FILE
if (file) process.on('exit', () => writeFileSync(file, String(process.resourceUsage().maxRSS)))`

export const MAX_RSS_REPORTER = `data:text/javascript,${encodeURIComponent(source)}`
