import path from 'node:path'
import type {Reporter, TestModule} from 'vitest/node'

/** Prints the ten slowest test files after a run, so a slow tier is seen before it costs CI. */
export default class SlowestFilesReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    const slowest = [...modules]
      .map((module) => ({
        file: path.relative(process.cwd(), module.moduleId),
        seconds: module.diagnostic().duration / 1000,
      }))
      .sort((a, b) => b.seconds - a.seconds)
      .slice(0, 10)
    if (slowest.length === 0) return
    process.stdout.write('\nSlowest test files:\n')
    for (const {file, seconds} of slowest) process.stdout.write(`  ${seconds.toFixed(1).padStart(6)} s  ${file}\n`)
  }
}
