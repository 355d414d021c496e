/**
 * Opening the embedded database (PGlite) with the least memory and time a short command can have.
 *
 * A new PGlite directory is made by initdb, which PGlite runs in a second PostgreSQL instance beside
 * the first: about 540 MB at its peak, twice what a running database takes. `npm run build` runs
 * initdb once and keeps the result as a template (a gzipped data directory, about 4.5 MB, named by
 * the PGlite version that made it); a new database starts from it, one instance, about 270 MB.
 * Without a template for the installed PGlite (a source checkout before its first build), initdb runs.
 */
import {existsSync, readFileSync} from 'node:fs'
import {readFile, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {setFlagsFromString} from 'node:v8'
import {PGlite, type PGliteOptions} from '@electric-sql/pglite'

function templateFile(): string {
  // The package exports no package.json; it sits beside dist/, where the entry point is.
  const manifest = new URL('../package.json', import.meta.resolve('@electric-sql/pglite'))
  const {version} = JSON.parse(readFileSync(manifest, 'utf8')) as {version: string}
  // src/db and dist/db alike: the template lives in the package's dist/.
  return fileURLToPath(new URL(`../../dist/pglite-template-${version}.tar.gz`, import.meta.url))
}

/** Written by `npm run build`: a fresh database's data directory, for the installed PGlite. */
export async function writePgliteTemplate(): Promise<string> {
  keepWasmBaselineCode()
  const db = await PGlite.create()
  try {
    const dump = await db.dumpDataDir('gzip')
    const file = templateFile()
    await writeFile(file, Buffer.from(await dump.arrayBuffer()))
    return file
  } finally {
    await db.close()
  }
}

/** The database in `dir`, created from the template when the directory holds none yet. */
export async function openPglite(dir: string, options: PGliteOptions = {}): Promise<PGlite> {
  keepWasmBaselineCode()
  const file = templateFile()
  const fresh = !existsSync(path.join(dir, 'PG_VERSION'))
  const loadDataDir = fresh && existsSync(file) ? new Blob([await readFile(file)]) : undefined
  return PGlite.create(dir, {...options, ...(loadDataDir ? {loadDataDir} : {})})
}

/**
 * PGlite is PostgreSQL compiled to one large WebAssembly module. V8 runs it first with its baseline
 * compiler and recompiles hot functions with its optimising one in the background. For a command of
 * a second's work that recompilation is pure cost: the process waits for it at exit, about 2 s more
 * and 400 MB (measured: `consensus sweep` on the embedded database 4.5 s / 645 MB with it, 1.8 s /
 * 290 MB without). The simulator keeps the baseline code too: it ran faster without the optimising
 * compiler on this 2-core machine, at half the memory. The flags are process-wide, set before the
 * module compiles.
 */
export function keepWasmBaselineCode(): void {
  // Both: without dynamic tiering V8 would compile everything optimised in the background instead.
  setFlagsFromString('--no-wasm-tier-up')
  setFlagsFromString('--no-wasm-dynamic-tiering')
}

/**
 * For a long run on the embedded database (the simulator): V8's garbage collector set to keep the JS
 * heap small. Measured at the end of `simulate --prospects 20000 --epochs 5`: about 25 MB of
 * JavaScript objects live, yet 186 MB of heap reserved, 128 MB of it a young generation grown to its
 * maximum; peak resident memory 511 MiB. With --optimize-for-size the young generation stays at a
 * few MB: 35 MB of heap, peak 270 MiB, the same run time. The flag is read at each collection:
 * setting it after start-up takes effect.
 */
export function keepJsHeapSmall(): void {
  setFlagsFromString('--optimize-for-size')
}
