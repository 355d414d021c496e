import {writeFile} from 'node:fs/promises'
import {Flags} from '@oclif/core'
import {z} from 'zod'
import {readMetagraphFromChain, type MetagraphDocument} from '../../auth/index.js'
import {LeadpoetCommand} from '../../cli/base-command.js'
import {chainChoice} from '../../cli/chain.js'
import {chainFlags} from '../../cli/flags.js'

export const AuthMetagraphSummary = z.object({
  network: z.string(),
  netuid: z.number().int(),
  hotkeys: z.number().int(),
  validators: z.number().int(),
  out: z.string(),
})
export type AuthMetagraphSummary = z.infer<typeof AuthMetagraphSummary>
/** Without --out the document itself: {hotkey: {uid, validator_permit}}. */
const MetagraphDocumentSchema = z.record(z.string(), z.object({uid: z.number().int(), validator_permit: z.boolean()}))

export default class AuthMetagraph extends LeadpoetCommand {
  static override resultSchema = z.union([AuthMetagraphSummary, MetagraphDocumentSchema])
  static override summary =
    "Write the subnet's metagraph as the token issuer reads it: {hotkey: {uid, validator_permit}}."
  static override description =
    'The leadpoet-auth Edge Function looks roles up in this document (LEADPOET_METAGRAPH_URL): run this ' +
    'on a schedule and publish the file, e.g. to Supabase Storage. Without --out the document goes to ' +
    'stdout.'
  static override examples = [
    '<%= config.bin %> auth metagraph --out metagraph.json',
    '<%= config.bin %> auth metagraph --subtensor.network test --netuid 71',
  ]
  static override flags = {
    ...chainFlags,
    out: Flags.string({description: 'write the document to this file instead of stdout'}),
  }

  async run(): Promise<MetagraphDocument | AuthMetagraphSummary> {
    const {flags} = await this.parse(AuthMetagraph)
    const {network, netuid} = chainChoice(flags, this.appConfig)
    const document = await readMetagraphFromChain({network, netuid})
    if (!flags.out) {
      if (!this.jsonEnabled()) this.log(JSON.stringify(document, null, 2))
      return document
    }
    await writeFile(flags.out, JSON.stringify(document, null, 2) + '\n')
    const entries = Object.values(document)
    const summary = {
      network,
      netuid,
      hotkeys: entries.length,
      validators: entries.filter((e) => e.validator_permit).length,
      out: flags.out,
    }
    this.log(
      `Wrote ${summary.hotkeys} hotkeys (${summary.validators} with a validator permit) of subnet ${netuid} on ${network} to ${flags.out}.`,
    )
    return summary
  }
}
