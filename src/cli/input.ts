import {readFile} from 'node:fs/promises'
import {EXIT, LeadpoetError} from '../errors.js'

/** Standard input as text; refused when it is a terminal (nothing is being piped in). */
export async function readStdin(what: string): Promise<string> {
  if (process.stdin.isTTY)
    throw new LeadpoetError('NO_INPUT', `reading ${what} from stdin, but stdin is a terminal`, EXIT.usage)
  const chunks: Buffer[] = []
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}

/** A command's input file as text: a path, or `-` for stdin. */
export async function readInputFile(file: string, what: string): Promise<string> {
  if (file === '-') return readStdin(what)
  try {
    return await readFile(file, 'utf8')
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message
    throw new LeadpoetError('FILE_UNREADABLE', `cannot read ${file}: ${reason}`, EXIT.usage)
  }
}
