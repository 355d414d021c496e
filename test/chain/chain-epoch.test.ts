import {describe, expect, test} from 'vitest'
import {chainEpochAt, chainEpochIndex, revealWindow} from '../../src/chain/chain-epoch.js'

describe('subnet epochs', () => {
  test('are offset by netuid: epoch = (block + netuid + 1) / (tempo + 1)', () => {
    // tempo 360 -> 361 blocks an epoch; netuid 71 shifts the boundary by 72 blocks
    expect(chainEpochIndex(71, 360, 361 * 10 - 72)).toBe(10)
    expect(chainEpochIndex(71, 360, 361 * 10 - 73)).toBe(9)
    expect(chainEpochIndex(0, 360, 360)).toBe(1)
    expect(chainEpochIndex(0, 360, 359)).toBe(0)
  })

  test('chainEpochAt gives the span and the blocks left', () => {
    const position = chainEpochAt(71, 360, 5_000)
    expect(position.index).toBe(14)
    expect(position.firstBlock).toBe(14 * 361 - 72)
    expect(position.lastBlock).toBe(position.firstBlock + 360)
    expect(chainEpochIndex(71, 360, position.firstBlock)).toBe(14)
    expect(chainEpochIndex(71, 360, position.lastBlock)).toBe(14)
    expect(chainEpochIndex(71, 360, position.lastBlock + 1)).toBe(15)
    expect(position.blocksUntilNext).toBe(position.lastBlock + 1 - 5_000)
  })

  test('a commit is revealable only in epoch commit_epoch + RevealPeriodEpochs', () => {
    const window = revealWindow(71, 360, 2, 5_000)
    expect(window.commitEpoch).toBe(14)
    expect(window.revealEpoch).toBe(16)
    expect(chainEpochIndex(71, 360, window.firstBlock)).toBe(16)
    expect(chainEpochIndex(71, 360, window.firstBlock - 1)).toBe(15)
    expect(chainEpochIndex(71, 360, window.lastBlock + 1)).toBe(17)
  })
})
