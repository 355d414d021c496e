import {Flags} from '@oclif/core'
import {chainChoice, withChainAnchored} from '../../cli/chain.js'
import {LeadpoetCommand} from '../../cli/base-command.js'
import {chainFlags} from '../../cli/flags.js'
import * as R from '../../service/results.js'

export default class EpochClock extends LeadpoetCommand {
  static override resultSchema = R.ChainClock
  static override summary = "The database's chain clock: current block and epoch, and when the next epoch starts."
  static override description =
    'Epochs (block / 360) and leases are counted on a chain anchor: a block number and when it was seen, ' +
    'moving on at 12 s a block between refreshes.\n' +
    '--refresh reads the chain head and records it; --block records a block number you give (seen now).'
  static override flags = {
    ...chainFlags,
    refresh: Flags.boolean({description: 'read the chain head and record it as the anchor', exclusive: ['block']}),
    block: Flags.integer({description: 'record this block number as seen now', min: 0, exclusive: ['refresh']}),
    force: Flags.boolean({
      description: 'accept a block more than three epochs from the clock (once epochs have been closed)',
      dependsOn: ['block'],
    }),
  }

  async run(): Promise<R.ChainClock> {
    const {flags} = await this.parse(EpochClock)
    const {service} = await this.openSession('operator', flags)
    if (flags.refresh) {
      const {network} = chainChoice(flags, this.appConfig)
      await withChainAnchored(network, service, (connection) => connection.readHead())
    } else if (flags.block !== undefined) {
      await service.setChainAnchor(flags.block, undefined, {force: flags.force})
    }
    const clock = await service.clock()
    this.log(
      `Block ${clock.block}, epoch ${clock.epoch} (blocks ${clock.epoch_start_block}-${clock.next_epoch_block - 1}); ` +
        `next epoch at ${clock.next_epoch_at}. Anchor: block ${clock.anchor_block} seen ${clock.anchor_seen_at}.`,
    )
    return clock
  }
}
