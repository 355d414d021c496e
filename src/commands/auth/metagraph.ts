import {writeFile} from 'node:fs/promises'
import {Flags} from '@oclif/core'
import {z} from 'zod'
import {readMetagraphFromChain, readMetagraphWithOwners, type MetagraphDocument} from '../../auth/index.js'
import {LeadpoetCommand} from '../../cli/base-command.js'
import {chainChoice} from '../../cli/chain.js'
import {chainFlags} from '../../cli/flags.js'

export const AuthMetagraphSummary = z.object({
  network: z.string(),
  netuid: z.number().int(),
  hotkeys: z.number().int(),
  validators: z.number().int(),
  out: z.string(),
  /** with --record-owners: hotkeys whose coldkey was recorded in the database */
  owners_recorded: z.number().int().optional(),
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
    'stdout.\n' +
    "--record-owners (operator) also records each hotkey's coldkey in the database, read at the same block: " +
    'a validator never votes on a prospect of a miner with the same owner. Run it on the same schedule.'
  static override examples = [
    '<%= config.bin %> auth metagraph --out metagraph.json',
    '<%= config.bin %> auth metagraph --out metagraph.json --record-owners',
    '<%= config.bin %> auth metagraph --subtensor.network test --netuid 71',
  ]
  static override flags = {
    ...chainFlags,
    out: Flags.string({description: 'write the document to this file instead of stdout'}),
    'record-owners': Flags.boolean({
      description: "also record each hotkey's coldkey in the database (operator; needs --out)",
      dependsOn: ['out'],
    }),
  }

  async run(): Promise<MetagraphDocument | AuthMetagraphSummary> {
    const {flags} = await this.parse(AuthMetagraph)
    const {network, netuid} = chainChoice(flags, this.appConfig)
    // The session first: a caller who may not record owners learns it before the chain is read.
    const session = flags['record-owners'] ? await this.openSession('operator', flags) : undefined
    const {document, owners} = session
      ? await readMetagraphWithOwners({network, netuid})
      : {document: await readMetagraphFromChain({network, netuid}), owners: undefined}
    if (!flags.out) {
      if (!this.jsonEnabled()) this.log(JSON.stringify(document, null, 2))
      return document
    }
    await writeFile(flags.out, JSON.stringify(document, null, 2) + '\n')
    const entries = Object.values(document)
    const summary: AuthMetagraphSummary = {
      network,
      netuid,
      hotkeys: entries.length,
      validators: entries.filter((e) => e.validator_permit).length,
      out: flags.out,
    }
    this.log(
      `Wrote ${summary.hotkeys} hotkeys (${summary.validators} with a validator permit) of subnet ${netuid} on ${network} to ${flags.out}.`,
    )
    if (session && owners) {
      summary.owners_recorded = (await session.service.recordHotkeyOwners(owners)).recorded
      this.log(`Recorded the coldkeys of ${summary.owners_recorded} hotkeys in ${session.database}.`)
    }
    return summary
  }
}
