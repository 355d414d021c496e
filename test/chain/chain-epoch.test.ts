import {describe, expect, test} from 'vitest'
import {
  chainEpochIndex,
  type EpochClock,
  epochFiresIn,
  epochPosition,
  type EpochSchedule,
  revealWindow,
} from '../../src/chain/chain-epoch.js'

describe('block arithmetic (runtimes without SubnetEpochIndex)', () => {
  const clock: EpochClock = {kind: 'block_arithmetic', netuid: 71, tempo: 360}

  test('epochs are offset by netuid: epoch = (block + netuid + 1) / (tempo + 1)', () => {
    // tempo 360 -> 361 blocks an epoch; netuid 71 shifts the boundary by 72 blocks
    expect(chainEpochIndex(71, 360, 361 * 10 - 72)).toBe(10)
    expect(chainEpochIndex(71, 360, 361 * 10 - 73)).toBe(9)
    expect(chainEpochIndex(0, 360, 360)).toBe(1)
    expect(chainEpochIndex(0, 360, 359)).toBe(0)
  })

  test('the position is that of the block the next extrinsic lands in, with its span and the blocks left', () => {
    const position = epochPosition(clock, 5_001)
    expect(position).toMatchObject({index: 14, landingBlock: 5_001, source: 'block_arithmetic'})
    expect(position.firstBlock).toBe(14 * 361 - 72)
    expect(position.lastBlock).toBe(position.firstBlock + 360)
    expect(chainEpochIndex(71, 360, position.firstBlock)).toBe(14)
    expect(chainEpochIndex(71, 360, position.lastBlock)).toBe(14)
    expect(chainEpochIndex(71, 360, position.lastBlock + 1)).toBe(15)
    expect(position.blocksUntilNext).toBe(position.lastBlock + 1 - 5_001)
  })

  test('a head on the last block of an epoch lands in the next one', () => {
    const last = 15 * 361 - 73
    expect(epochPosition(clock, last).index).toBe(14)
    expect(epochPosition(clock, last + 1).index).toBe(15)
  })

  test('a commit of epoch C is revealable only in epoch C + RevealPeriodEpochs, with exact blocks', () => {
    const window = revealWindow(clock, epochPosition(clock, 5_001), 14, 2)
    expect(window).toMatchObject({commitEpoch: 14, revealEpoch: 16, blocks: 'exact'})
    expect(chainEpochIndex(71, 360, window.firstBlock)).toBe(16)
    expect(chainEpochIndex(71, 360, window.firstBlock - 1)).toBe(15)
    expect(chainEpochIndex(71, 360, window.lastBlock + 1)).toBe(17)
  })
})

// The stateful scheduler of main since migrate_dynamic_tempo (spec >= 407): run_coinbase.rs
// should_run_epoch and weights.rs current_epoch_with_lookahead.
describe('the epoch counter (SubnetEpochIndex, with look-ahead)', () => {
  const schedule = (overrides: Partial<EpochSchedule> = {}): EpochSchedule => ({
    tempo: 360,
    subnetEpochIndex: 27,
    lastEpochBlock: 10_000,
    pendingEpochAt: 0,
    blocksSinceLastStep: 5,
    ...overrides,
  })
  const clock = (overrides: Partial<EpochSchedule> = {}): EpochClock => ({
    kind: 'epoch_index',
    netuid: 71,
    tempo: 360,
    schedule: schedule(overrides),
  })

  test('the epoch fires tempo blocks after the last one, or at a pending owner trigger, never with tempo 0', () => {
    expect(epochFiresIn(schedule(), 10_359)).toBe(false)
    expect(epochFiresIn(schedule(), 10_360)).toBe(true)
    expect(epochFiresIn(schedule({pendingEpochAt: 10_100}), 10_100)).toBe(true)
    expect(epochFiresIn(schedule({pendingEpochAt: 10_100}), 10_099)).toBe(false)
    expect(epochFiresIn(schedule({blocksSinceLastStep: 361}), 10_001)).toBe(true)
    expect(epochFiresIn(schedule({tempo: 0}), 99_999)).toBe(false)
  })

  test('inside an epoch the landing block counts in the stored index; its span runs to the next firing', () => {
    const position = epochPosition(clock(), 10_200)
    expect(position).toMatchObject({index: 27, firstBlock: 10_000, lastBlock: 10_359, source: 'epoch_index'})
    expect(position.blocksUntilNext).toBe(160)
  })

  test('a landing block the epoch fires in is counted in the next epoch (look-ahead)', () => {
    const position = epochPosition(clock(), 10_360)
    expect(position).toMatchObject({index: 28, firstBlock: 10_360, lastBlock: 10_719})
  })

  test('a pending owner trigger ends the epoch early', () => {
    expect(epochPosition(clock({pendingEpochAt: 10_250}), 10_200).lastBlock).toBe(10_249)
  })

  test('reveal windows are counted in epochs, their blocks predicted', () => {
    const position = epochPosition(clock(), 10_200)
    const window = revealWindow(clock(), position, 27, 1)
    expect(window).toMatchObject({commitEpoch: 27, revealEpoch: 28, firstBlock: 10_360, lastBlock: 10_719})
    expect(window.blocks).toBe('predicted')
    expect(revealWindow(clock(), position, 26, 1)).toMatchObject({
      revealEpoch: 27,
      firstBlock: 10_000,
      lastBlock: 10_359,
    })
  })
})
