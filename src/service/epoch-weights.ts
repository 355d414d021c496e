import {
  expiredCommitsError,
  readSubnet,
  submitEpochWeights,
  type ChainConnection,
  type Hotkey,
  type WeightsFallback,
  type WeightsRunReport,
} from '../chain/index.js'
import type {ConsensusService} from './consensus.js'
import {z} from 'zod'
import {EXIT, LeadpoetError} from '../errors.js'
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
      runtime: z.object({
        spec_name: z.string(),
        spec_version: z.number().int(),
        epoch_source: z.enum(['block_arithmetic', 'epoch_index']),
        commit_layout: z.object({fields: z.array(z.string()), source: z.enum(['metadata', 'assumed'])}),
        pool_codes: z.string().nullable(),
      }),
      chain_epoch: z
        .object({
          index: z.number().int(),
          landing_block: z.number().int(),
          first_block: z.number().int(),
          last_block: z.number().int(),
          source: z.enum(['block_arithmetic', 'epoch_index']),
        })
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
 * The database decides who may read them: a validator only for a closed epoch it was eligible in
 * (NOT_ELIGIBLE otherwise), so this is read before anything is asked of the chain.
 */
export async function epochMinerWeights(service: ConsensusService, epoch?: number): Promise<MinerWeightsReport> {
  return service.minerWeights(epoch ?? (await previousEpoch(service)))
}

/**
 * Sets an epoch's miner weights on chain with the caller's own hotkey: the shares come from the
 * database, the uids and rules from the metagraph, pending commit-reveal commits live in the
 * database under the caller's hotkey. The version key defaults to the subnet's WeightsVersionKey. A
 * run that finds an earlier commit expired unrevealed does all its work, then fails with
 * WEIGHTS_COMMIT_EXPIRED, its document in the error's details.
 */
export async function setEpochWeights(options: {
  service: ConsensusService
  /** the hotkey the database session acts as: it must be the wallet that signs */
  callerHotkey: string | null
  minerWeights: MinerWeightsReport
  connection: ChainConnection
  hotkey: Hotkey
  netuid: number
  versionKey?: number
  fallback: WeightsFallback
  dryRun: boolean
}): Promise<EpochWeightsDocument> {
  if (options.callerHotkey !== options.hotkey.address) {
    throw new LeadpoetError(
      'WALLET_MISMATCH',
      `the database session acts as ${options.callerHotkey ?? 'the database owner'}, ` +
        `but the wallet signs as ${options.hotkey.address}: ` +
        'weights and their commits must come from one hotkey',
      EXIT.usage,
    )
  }
  let versionKey = options.versionKey
  if (versionKey === undefined) {
    const head = await options.connection.readHead()
    versionKey = (await readSubnet(options.connection, options.netuid, head)).weightsVersionKey
  }
  const chain = await submitEpochWeights({
    connection: options.connection,
    hotkey: options.hotkey,
    netuid: options.netuid,
    minerWeights: options.minerWeights.miners,
    versionKey,
    fallback: options.fallback,
    dryRun: options.dryRun,
    commitStore: new DatabaseCommitStore(options.service.adapter),
  })
  const document: EpochWeightsDocument = {
    epoch: options.minerWeights.epoch,
    miner_weights: options.minerWeights,
    chain: toJsonDocument(chain),
  }
  const expired = expiredCommitsError(chain)
  if (expired) {
    throw new LeadpoetError(expired.code, expired.message, expired.exitCode, {
      ...(expired.details as object),
      document,
    })
  }
  return document
}
