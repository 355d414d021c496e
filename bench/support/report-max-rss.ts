// Preloaded (node --import; Node 24 runs this plain file as it is) into each process the start-up
// benchmark runs: at exit, writes the process's own peak resident set size (getrusage's ru_maxrss,
// in KiB) to the file the benchmark names.
import {writeFileSync} from 'node:fs'

const file = process.env.LEADPOET_BENCH_RSS_FILE
if (file) process.on('exit', () => writeFileSync(file, String(process.resourceUsage().maxRSS)))
