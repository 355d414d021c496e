import {EXIT, LeadpoetError} from '../errors.js'
import type {ConsensusService} from './consensus.js'
import type {EpochClosure} from './results.js'

/**
 * The epoch that just ended, the default of `epoch close` and `epoch weights`. On a new deployment
 * (the clock still in epoch 0) there is none: NO_EPOCH_OVER, exit 5, nothing to do yet.
 */
export async function previousEpoch(service: ConsensusService): Promise<number> {
  const clock = await service.clock()
  if (clock.epoch === 0)
    throw new LeadpoetError(
      'NO_EPOCH_OVER',
      `no epoch is over yet: the chain clock is at block ${clock.block}, in epoch 0, which ends at block ${clock.next_epoch_block}`,
      EXIT.nothingToDo,
      {block: clock.block, next_epoch_block: clock.next_epoch_block},
    )
  return clock.epoch - 1
}

/** Closes `epoch`, or by default the epoch that just ended (see previousEpoch). Idempotent. */
export async function closeEpoch(service: ConsensusService, epoch?: number): Promise<EpochClosure> {
  return service.closeEpoch(epoch ?? (await previousEpoch(service)))
}
