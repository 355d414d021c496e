/**
 * Subtensor's epoch arithmetic for one subnet. The chain offsets each subnet's epochs by its netuid
 * so subnets do not all run their epoch in the same block: epoch(block) = (block + netuid + 1) / (tempo + 1).
 */

export function chainEpochIndex(netuid: number, tempo: number, block: number): number {
  return Math.floor((block + netuid + 1) / (tempo + 1))
}

/** First block of `epoch` (may be negative for epoch 0, as on the chain before saturation). */
export function chainEpochFirstBlock(netuid: number, tempo: number, epoch: number): number {
  return epoch * (tempo + 1) - (netuid + 1)
}

export interface ChainEpochPosition {
  index: number
  firstBlock: number
  lastBlock: number
  blocksUntilNext: number
}

export function chainEpochAt(netuid: number, tempo: number, block: number): ChainEpochPosition {
  const index = chainEpochIndex(netuid, tempo, block)
  const firstBlock = chainEpochFirstBlock(netuid, tempo, index)
  const lastBlock = firstBlock + tempo
  return {index, firstBlock, lastBlock, blocksUntilNext: lastBlock - block + 1}
}

export interface RevealWindow {
  commitEpoch: number
  revealEpoch: number
  firstBlock: number
  lastBlock: number
}

/** A commit made in `commitBlock` can be revealed only during epoch `commit_epoch + revealPeriodEpochs`. */
export function revealWindow(
  netuid: number,
  tempo: number,
  revealPeriodEpochs: number,
  commitBlock: number,
): RevealWindow {
  const commitEpoch = chainEpochIndex(netuid, tempo, commitBlock)
  const revealEpoch = commitEpoch + revealPeriodEpochs
  const firstBlock = chainEpochFirstBlock(netuid, tempo, revealEpoch)
  return {commitEpoch, revealEpoch, firstBlock, lastBlock: firstBlock + tempo}
}
