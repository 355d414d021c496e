import {readdir} from 'node:fs/promises'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {describe, expect, it} from 'vitest'
import {z} from 'zod'
import type {LeadpoetCommand} from '../../src/cli/base-command.js'
import {runCli} from '../support/cli.js'

const COMMANDS_DIR = fileURLToPath(new URL('../../src/commands', import.meta.url))

async function commandFiles(dir = COMMANDS_DIR): Promise<string[]> {
  const entries = await readdir(dir, {withFileTypes: true})
  const nested = await Promise.all(
    entries.map((e) =>
      e.isDirectory() ? commandFiles(path.join(dir, e.name)) : Promise.resolve([path.join(dir, e.name)]),
    ),
  )
  return nested.flat().filter((file) => file.endsWith('.ts'))
}

describe('the --json contract', () => {
  it('every command declares the shape of its --json document, and it converts to JSON Schema', async () => {
    const files = await commandFiles()
    expect(files.length).toBeGreaterThanOrEqual(20)
    for (const file of files) {
      const command = (await import(file)).default as typeof LeadpoetCommand
      const id = path.relative(COMMANDS_DIR, file).replace(/\.ts$/, '')
      expect(command.resultSchema, `${id} has no resultSchema`).toBeDefined()
      expect(() => z.toJSONSchema(command.resultSchema!, {io: 'output', unrepresentable: 'any'}), id).not.toThrow()
    }
  })

  it("leadpoet schema prints a command's success and error schemas", async () => {
    const run = await runCli(['schema', 'consensus', 'sweep', '--json'])
    expect(run.code).toBe(0)
    const document = run.json()
    expect(document.command).toBe('consensus sweep')
    expect(document.success.required).toEqual(expect.arrayContaining(['expired_leases', 'timed_out', 'pending']))
    expect(document.error.required).toEqual(['error'])
    const unknown = await runCli(['schema', 'no', 'such', '--json'])
    expect(unknown.code).toBe(2)
    expect(unknown.json().error.code).toBe('UNKNOWN_COMMAND')
  })
})
