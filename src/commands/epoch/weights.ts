import {Flags} from '@oclif/core'
import {chainChoice, parseFallback, withChainAnchored} from '../../cli/chain.js'
import {LeadpoetCommand} from '../../cli/base-command.js'
import {chainFlags, epochFlag} from '../../cli/flags.js'
import {loadWalletHotkey} from '../../cli/session.js'
import {renderTable} from '../../cli/table.js'
import {EXIT, LeadpoetError} from '../../errors.js'
import {EpochWeightsDocument, epochMinerWeights, setEpochWeights} from '../../service/epoch-weights.js'

/** The chain could not be reached: a dry run still shows the database's side. */
const CHAIN_UNAVAILABLE = new Set(['CHAIN_UNREACHABLE', 'CHAIN_TIMEOUT', 'CHAIN_STALLED'])

export default class EpochWeights extends LeadpoetCommand {
  static override resultSchema = EpochWeightsDocument
  static override summary =
    "Set an epoch's miner weights (default: the previous epoch) on chain with your own hotkey (commit-reveal when the subnet has it)."
  static override description =
    "Shares of accepted leads become u16 weights on the miners' uids (miners no longer registered are " +
    'dropped and listed). With commit-reveal on, a due commit is revealed and the new weights are ' +
    'committed; running it twice in an epoch commits once. Epochs and reveal windows are those of the block ' +
    'the extrinsic lands in (the head + 1). An earlier commit that expired unrevealed makes the run fail with ' +
    'WEIGHTS_COMMIT_EXPIRED after it has done the rest.\n' +
    '--dry-run prints exactly what would be sent (uids, u16 weights, version key, call) and sends ' +
    "nothing; with the chain out of reach it prints the database's shares per miner hotkey (uids need the " +
    'chain) and fails with the chain error.\n' +
    'A validator (the default role) reads the weights of a closed epoch it was eligible in; the operator may ' +
    'read any epoch.\n' +
    'Exit status: 0 sent (or dry run shown), 4 not eligible in that epoch (NOT_ELIGIBLE, with its figures), 5 ' +
    'skipped, not closed yet (EPOCH_NOT_CLOSED) or no epoch is over yet (NO_EPOCH_OVER), 1 chain or database ' +
    'unreachable or a commit expired unrevealed (WEIGHTS_COMMIT_EXPIRED), 2 bad flags or no wallet.'
  static override examples = [
    '<%= config.bin %> epoch weights --wallet.name validator --wallet.hotkey default',
    '<%= config.bin %> epoch weights --role operator --dry-run --wallet.name owner --wallet.hotkey default',
    '<%= config.bin %> epoch weights --subtensor.network test --netuid 71 --json',
  ]
  static override flags = {
    epoch: {
      ...epochFlag.epoch,
      description: 'epoch whose weights to set [default: the previous epoch, the last one over]',
    },
    ...chainFlags,
    'dry-run': Flags.boolean({description: 'show what would be sent; send nothing'}),
    role: Flags.string({
      description: 'act as a validator (weights gated by eligibility) or as the operator',
      options: ['validator', 'operator'],
      default: 'validator',
    }),
    'version-key': Flags.integer({
      description: "weights version key [default: the subnet's WeightsVersionKey]",
      min: 0,
    }),
    fallback: Flags.string({
      description: 'when no registered miner is left: skip, subnet_owner, or a uid [default: skip]',
    }),
  }

  async run(): Promise<EpochWeightsDocument> {
    const {flags} = await this.parse(EpochWeights)
    const {network, netuid} = chainChoice(flags, this.appConfig)
    const fallback = parseFallback(flags.fallback ?? this.appConfig.weights?.fallback)
    const hotkey = await loadWalletHotkey(flags, this.appConfig, (text) => this.warnLine(text))
    if (!hotkey)
      throw new LeadpoetError(
        'NO_WALLET',
        'setting weights needs your hotkey (it signs on chain): pass --wallet.name and --wallet.hotkey',
        EXIT.usage,
      )
    const role = flags.role === 'operator' ? 'operator' : 'validator'
    const session = await this.openSession(role, flags)
    if (!flags['dry-run'])
      await this.holdRunLock('epoch-weights', `${session.database}|${network}|${netuid}|${hotkey.address}`)
    // The database says first whether this caller may have the weights (no chain needed to learn it);
    // a dry run can then show them when the chain is out of reach.
    const minerWeights = await epochMinerWeights(session.service, flags.epoch)
    const result = await withChainAnchored(
      network,
      session.service,
      (connection) =>
        setEpochWeights({
          service: session.service,
          callerHotkey: session.identity.hotkey,
          minerWeights,
          connection,
          hotkey,
          netuid,
          versionKey: flags['version-key'] ?? this.appConfig.weights?.version_key,
          fallback,
          dryRun: flags['dry-run'],
        }),
      // Only the operator keeps the database's chain clock; a dry run writes nothing.
      role === 'operator' && !flags['dry-run'],
    ).catch((error: unknown) => {
      if (!flags['dry-run'] || !(error instanceof LeadpoetError) || !CHAIN_UNAVAILABLE.has(error.code)) throw error
      this.log(
        `Epoch ${minerWeights.epoch} (database only): ${minerWeights.accepted_leads} accepted leads from ` +
          `${minerWeights.miners.length} miners.`,
      )
      this.log(
        renderTable(
          ['hotkey', 'accepted', 'share'],
          minerWeights.miners.map((m) => [m.miner_hotkey, m.accepted_leads, m.share.toFixed(4)]),
        ),
      )
      throw new LeadpoetError(
        error.code,
        `${error.message}; the database's shares are shown, uids and u16 weights need the chain`,
        error.exitCode,
        {chain: error.details, miner_weights: minerWeights},
      )
    })
    const {chain} = result
    this.log(
      `Epoch ${result.epoch}: ` +
        `${result.miner_weights.accepted_leads} accepted leads from ${result.miner_weights.miners.length} miners; ` +
        `subnet ${netuid} on ${chain.network.name}, block ${chain.head.block}.`,
    )
    this.log(
      `Runtime ${chain.runtime.spec_name} spec ${chain.runtime.spec_version}: the next extrinsic lands in block ` +
        `${chain.chain_epoch.landing_block}, chain epoch ${chain.chain_epoch.index} ` +
        `(${chain.runtime.epoch_source === 'epoch_index' ? 'SubnetEpochIndex' : 'block arithmetic'}).`,
    )
    this.log(
      renderTable(
        ['uid', 'hotkey', 'share', 'u16 weight'],
        chain.weights.targets.map((t) => [t.uid, t.hotkey, t.share.toFixed(4), t.weight]),
      ),
    )
    for (const dropped of chain.weights.dropped) this.warnLine(`dropped ${JSON.stringify(dropped)}`)
    if (chain.weights.fallback) this.log(`Fallback applied: ${JSON.stringify(chain.weights.fallback)}`)
    for (const reveal of chain.reveals)
      this.log(`Earlier commit ${reveal.commit_id}: ${reveal.status} (${reveal.detail})`)
    const submission = chain.submission
    const versionKey = submission.call && 'version_key' in submission.call ? submission.call.version_key : undefined
    const call = submission.call
      ? `${submission.call.call}${versionKey === undefined ? '' : ` (version key ${versionKey})`}`
      : 'nothing'
    const reason = 'reason' in submission ? `: ${submission.reason}` : ''
    this.log(`${flags['dry-run'] ? 'Would send' : 'Sent'}: ${call}; ${submission.status}${reason}`)
    for (const note of chain.notes) this.progress(note)
    if (submission.status === 'skipped') process.exitCode = EXIT.nothingToDo
    return result
  }
}
