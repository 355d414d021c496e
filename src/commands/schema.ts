import {Args} from '@oclif/core'
import {z} from 'zod'
import {ERROR_DOCUMENT, LeadpoetCommand} from '../cli/base-command.js'
import {EXIT, LeadpoetError} from '../errors.js'

export const SchemaResult = z.object({
  command: z.string(),
  success: z.record(z.string(), z.unknown()),
  error: z.record(z.string(), z.unknown()),
})

export default class Schema extends LeadpoetCommand {
  static override resultSchema = SchemaResult
  static override summary = 'The JSON Schema of what a command prints with --json (on success, and on error).'
  static override examples = ['<%= config.bin %> schema pull', '<%= config.bin %> schema epoch weights']
  static override strict = false
  static override args = {
    command: Args.string({description: 'the command, e.g. `pull` or `epoch weights`', required: true}),
  }

  async run(): Promise<z.infer<typeof SchemaResult>> {
    const {argv} = await this.parse(Schema)
    const id = (argv as string[]).join(':')
    const found = this.config.findCommand(id)
    if (!found)
      throw new LeadpoetError(
        'UNKNOWN_COMMAND',
        `no command ${JSON.stringify((argv as string[]).join(' '))}`,
        EXIT.usage,
      )
    const command = (await found.load()) as unknown as typeof LeadpoetCommand
    if (!command.resultSchema)
      throw new LeadpoetError('NO_SCHEMA', `${id.replaceAll(':', ' ')} declares no JSON schema`, EXIT.error)
    const result = {
      command: id.replaceAll(':', ' '),
      success: z.toJSONSchema(command.resultSchema, {io: 'output', unrepresentable: 'any'}),
      error: ERROR_DOCUMENT,
    }
    this.log(JSON.stringify(result, null, 2))
    return result
  }
}
