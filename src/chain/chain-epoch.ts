/**
 * A subnet's tempo epochs on chain, as the runtime counts them. Every decision is made for the block
 * an extrinsic can land in: the head's successor (`landingBlock`), never the head itself.
 *
 * Two clocks, chosen by what the runtime's storage has:
 * - Block arithmetic (runtimes without `SubnetEpochIndex`, e.g. spec 218 and the finney specs 343
 *   and 393): opentensor/subtensor `pallets/subtensor/src/subnets/weights.rs`, `get_epoch_index`:
 *   epoch(block) = (block + netuid + 1) / (tempo + 1); an epoch spans tempo + 1 blocks, offset per
 *   subnet so subnets do not all run their epoch in the same block.
 * - The stateful scheduler (main since 2026-05, spec >= 407; `migrate_dynamic_tempo` seeds it from the
 *   arithmetic above): the epoch is the counter `SubnetEpochIndex[netuid]`, advanced in `block_step`
 *   (on_initialize) of the block where the epoch fires. `should_run_epoch` (`run_coinbase.rs`): never
 *   when tempo is 0; when `PendingEpochAt > 0` and block >= it (owner-triggered); when
 *   `BlocksSinceLastStep > tempo`; or when block - `LastEpochBlock` >= tempo. `weights.rs`
 *   `current_epoch_with_lookahead` counts +1 when the epoch fires in this block, which is exactly what an
 *   extrinsic landing in that block sees (it runs after on_initialize). The next epoch is predicted
 *   as `LastEpochBlock + tempo` (or `PendingEpochAt` when sooner); a per-block epoch cap may push it
 *   later, so spans under this clock are predictions.
 */

export function chainEpochIndex(netuid: number, tempo: number, block: number): number {
  return Math.floor((block + netuid + 1) / (tempo + 1))
}

/** First block of `epoch` (may be negative for epoch 0, as on the chain before saturation). */
export function chainEpochFirstBlock(netuid: number, tempo: number, epoch: number): number {
  return epoch * (tempo + 1) - (netuid + 1)
}

/** The scheduler's storage for one subnet, read at the head. */
export interface EpochSchedule {
  tempo: number
  /** `SubnetEpochIndex`: the epoch counter after the head block */
  subnetEpochIndex: number
  /** `LastEpochBlock`: the block the last epoch fired in */
  lastEpochBlock: number
  /** `PendingEpochAt`: an owner-triggered epoch's block, 0 when none */
  pendingEpochAt: number
  /** `BlocksSinceLastStep` */
  blocksSinceLastStep: number
}

export type EpochClock =
  | {kind: 'block_arithmetic'; netuid: number; tempo: number}
  | {kind: 'epoch_index'; netuid: number; tempo: number; schedule: EpochSchedule}

export type EpochSource = EpochClock['kind']

/** Where the block an extrinsic lands in stands among the subnet's epochs. */
export interface ChainEpochPosition {
  /** the epoch an extrinsic landing in `landingBlock` is counted in */
  index: number
  /** the head's successor: the earliest block the next extrinsic can be in */
  landingBlock: number
  firstBlock: number
  lastBlock: number
  /** blocks from `landingBlock` to the first block of the next epoch */
  blocksUntilNext: number
  source: EpochSource
}

/** `should_run_epoch` for a block after the head, from the head's scheduler storage. */
export function epochFiresIn(schedule: EpochSchedule, block: number): boolean {
  if (schedule.tempo === 0) return false
  if (schedule.pendingEpochAt > 0 && block >= schedule.pendingEpochAt) return true
  if (schedule.blocksSinceLastStep > schedule.tempo) return true
  return block - schedule.lastEpochBlock >= schedule.tempo
}

/** The epoch position of `landingBlock` (the head's successor) under `clock`. */
export function epochPosition(clock: EpochClock, landingBlock: number): ChainEpochPosition {
  if (clock.kind === 'block_arithmetic') {
    const {netuid, tempo} = clock
    const index = chainEpochIndex(netuid, tempo, landingBlock)
    const firstBlock = chainEpochFirstBlock(netuid, tempo, index)
    const lastBlock = firstBlock + tempo
    return {
      index,
      landingBlock,
      firstBlock,
      lastBlock,
      blocksUntilNext: lastBlock - landingBlock + 1,
      source: clock.kind,
    }
  }
  const {schedule} = clock
  const fires = epochFiresIn(schedule, landingBlock)
  const index = schedule.subnetEpochIndex + (fires ? 1 : 0)
  const firstBlock = fires ? landingBlock : schedule.lastEpochBlock
  const pending = !fires && schedule.pendingEpochAt > landingBlock ? schedule.pendingEpochAt : Infinity
  const nextFire = Math.min(firstBlock + Math.max(schedule.tempo, 1), pending)
  return {
    index,
    landingBlock,
    firstBlock,
    lastBlock: nextFire - 1,
    blocksUntilNext: nextFire - landingBlock,
    source: clock.kind,
  }
}

/** The epoch a commit included in `block` belongs to, where a block alone decides it (block arithmetic). */
export function epochOfBlock(clock: EpochClock, block: number): number | null {
  return clock.kind === 'block_arithmetic' ? chainEpochIndex(clock.netuid, clock.tempo, block) : null
}

/** The blocks of `epoch` (exact under block arithmetic, predicted under the scheduler). */
export function epochSpan(
  clock: EpochClock,
  position: ChainEpochPosition,
  epoch: number,
): {firstBlock: number; lastBlock: number} {
  if (clock.kind === 'block_arithmetic') {
    const firstBlock = chainEpochFirstBlock(clock.netuid, clock.tempo, epoch)
    return {firstBlock, lastBlock: firstBlock + clock.tempo}
  }
  const period = Math.max(clock.tempo, 1)
  const firstBlock = position.firstBlock + (epoch - position.index) * period
  return {firstBlock, lastBlock: epoch === position.index ? position.lastBlock : firstBlock + period - 1}
}

export interface RevealWindow {
  commitEpoch: number
  revealEpoch: number
  firstBlock: number
  lastBlock: number
  /** whether the blocks are exact (block arithmetic) or predicted from the scheduler's storage */
  blocks: 'exact' | 'predicted'
}

/**
 * A commit of epoch `commitEpoch` can be revealed only by an extrinsic landing in epoch
 * `commitEpoch + revealPeriodEpochs` (`is_reveal_block_range`; later it has expired, `is_commit_expired`).
 */
export function revealWindow(
  clock: EpochClock,
  position: ChainEpochPosition,
  commitEpoch: number,
  revealPeriodEpochs: number,
): RevealWindow {
  const revealEpoch = commitEpoch + revealPeriodEpochs
  return {
    commitEpoch,
    revealEpoch,
    ...epochSpan(clock, position, revealEpoch),
    blocks: clock.kind === 'block_arithmetic' ? 'exact' : 'predicted',
  }
}
