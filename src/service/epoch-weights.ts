import {
  readSubnet,
  submitEpochWeights,
  type ChainConnection,
  type Hotkey,
  type WeightsFallback,
  type WeightsRunReport,
} from '../chain/index.js'
import type {ConsensusService} from './consensus.js'
import {z} from 'zod'
import {toJsonDocument, type JsonDocument} from '../json-document.js'
import {previousEpoch} from './epochs.js'
import {MinerWeightsReport} from './results.js'
import {DatabaseCommitStore} from './weight-commits.js'

/** What `epoch weights --json` prints: the database's shares and the chain run's report, snake_case. */
export const EpochWeightsDocument = z.object({
  epoch: z.number().int(),
  miner_weights: MinerWeightsReport,
  chain: z
    .object({
      network: z.object({name: z.string(), endpoint: z.string()}),
      netuid: z.number().int(),
      hotkey: z.string(),
      validator_uid: z.number().int().nullable(),
      head: z.object({block: z.number().int(), hash: z.string(), seen_at: z.string()}),
      chain_epoch: z
        .object({index: z.number().int(), first_block: z.number().int(), last_block: z.number().int()})
        .loose(),
      commit_reveal: z.object({enabled: z.boolean(), reveal_period_epochs: z.number().int()}),
      dry_run: z.boolean(),
      weights: z.object({
        targets: z.array(
          z.object({uid: z.number().int(), hotkey: z.string().nullable(), share: z.number(), weight: z.number().int()}),
        ),
        dropped: z.array(z.unknown()),
        fallback: z.unknown().nullable(),
      }),
      checks: z.array(z.unknown()),
      reveals: z.array(z.object({commit_id: z.string(), status: z.string(), detail: z.string()}).loose()),
      submission: z
        .object({
          status: z.enum(['included', 'dry_run', 'blocked', 'skipped']),
          call: z.object({call: z.string()}).loose().nullable(),
        })
        .loose(),
      notes: z.array(z.string()),
    })
    .loose(),
})
export type EpochWeightsDocument = {
  epoch: number
  miner_weights: MinerWeightsReport
  chain: JsonDocument<WeightsRunReport>
}

/**
 * The database's miner shares for `epoch`, by default the epoch that just ended: its tally is final
 * (and, once closed, snapshotted). The open epoch's would leave out every decision taken after this run.
 */
export async function epochMinerWeights(service: ConsensusService, epoch?: number): Promise<MinerWeightsReport> {
  return service.minerWeights(epoch ?? (await previousEpoch(service)))
}

/**
 * Sets an epoch's miner weights on chain with the operator's hotkey: the shares come from the
 * database, the uids and rules from the metagraph, pending commit-reveal commits live in the
 * database. The epoch defaults to the previous one; the version key to the subnet's current
 * WeightsVersionKey.
 */
export async function setEpochWeights(options: {
  service: ConsensusService
  connection: ChainConnection
  hotkey: Hotkey
  netuid: number
  epoch?: number
  /** the epoch's shares, when the caller read them already */
  minerWeights?: MinerWeightsReport
  versionKey?: number
  fallback: WeightsFallback
  dryRun: boolean
}): Promise<EpochWeightsDocument> {
  const minerWeights = options.minerWeights ?? (await epochMinerWeights(options.service, options.epoch))
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
    commitStore: new DatabaseCommitStore(options.service.adapter),
  })
  return {epoch: minerWeights.epoch, miner_weights: minerWeights, chain: toJsonDocument(chain)}
}
