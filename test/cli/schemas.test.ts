import {describe, expect, it} from 'vitest'
import {z} from 'zod'
import {ERROR_DOCUMENT} from '../../src/cli/base-command.js'
import {COMMAND_IDS, loadCommand, runCli} from '../support/cli.js'

// The --json contract of every command, committed under test/schemas. A change to a command's
// document fails here until its snapshot is updated on purpose (`npx vitest run test/cli/schemas.test.ts --update`),
// so scripts that read the output are never broken by accident.
describe('the --json contract', () => {
  it('every command declares the shape of its --json document', async () => {
    expect(COMMAND_IDS.length).toBeGreaterThanOrEqual(20)
    for (const id of COMMAND_IDS) {
      expect((await loadCommand(id)).resultSchema, `${id} has no resultSchema`).toBeDefined()
    }
  })

  it.each(COMMAND_IDS)('the JSON Schema of %s matches its committed snapshot', async (id) => {
    const command = await loadCommand(id)
    const schema = z.toJSONSchema(command.resultSchema!, {io: 'output', unrepresentable: 'any'})
    await expect(`${JSON.stringify(schema, null, 2)}\n`).toMatchFileSnapshot(
      `../schemas/${id.replaceAll(':', '.')}.json`,
    )
  })

  it('the error document is one shape for every command', async () => {
    await expect(`${JSON.stringify(ERROR_DOCUMENT, null, 2)}\n`).toMatchFileSnapshot('../schemas/error.json')
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
