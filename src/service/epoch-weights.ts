import {
  readSubnet,
  submitEpochWeights,
  type ChainConnection,
  type Hotkey,
  type WeightsFallback,
  type WeightsRunReport,
} from '../chain/index.js'
import type {ConsensusService} from './consensus.js'
import type {MinerWeightsReport} from './results.js'
import {DatabaseCommitStore} from './weight-commits.js'

export interface EpochWeightsResult {
  epoch: number
  miner_weights: MinerWeightsReport
  chain: WeightsRunReport
}

/**
 * Sets an epoch's miner weights on chain with the operator's hotkey: the shares come from the
 * database, the uids and rules from the metagraph, pending commit-reveal commits live in the
 * database. The version key defaults to the subnet's current WeightsVersionKey.
 */
export async function setEpochWeights(options: {
  service: ConsensusService
  connection: ChainConnection
  hotkey: Hotkey
  netuid: number
  epoch?: number
  versionKey?: number
  fallback: WeightsFallback
  dryRun: boolean
}): Promise<EpochWeightsResult> {
  const minerWeights = await options.service.minerWeights(options.epoch)
  let versionKey = options.versionKey
  if (versionKey === undefined) {
    const head = await options.connection.readHead()
    versionKey = (await readSubnet(options.connection, options.netuid, head)).weightsVersionKey
  }
  const chain = await submitEpochWeights({
    connection: options.connection,
    hotkey: options.hotkey,
    netuid: options.netuid,
    minerWeights: minerWeights.miners,
    versionKey,
    fallback: options.fallback,
    dryRun: options.dryRun,
    commitStore: new DatabaseCommitStore(options.service.store),
  })
  return {epoch: minerWeights.epoch, miner_weights: minerWeights, chain}
}
