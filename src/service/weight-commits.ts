import {z} from 'zod'
import type {HexString, NewPendingCommit, PendingCommit, PendingCommitStore} from '../chain/index.js'
import {callRpc} from './rpc-call.js'
import type {RpcAdapter, RpcArgs, RpcFunction} from '../adapters/rpc-adapter.js'

const Row = z.object({
  id: z.string().uuid(),
  netuid: z.number().int(),
  hotkey: z.string(),
  chain_epoch: z.number().int(),
  uids: z.array(z.number().int()),
  weights: z.array(z.number().int()),
  salt: z.array(z.number().int()),
  version_key: z.number().int(),
  commit_hash: z.string(),
  submitted_at_block: z.number().int(),
  status: z.enum(['submitted', 'committed', 'revealed', 'expired']),
  commit_block: z.number().int().nullable(),
  reveal_block: z.number().int().nullable(),
  closed_reason: z.string().nullable(),
  created_at: z.string(),
  updated_at: z.string(),
})

function toCommit(row: z.infer<typeof Row>): PendingCommit {
  return {
    id: row.id,
    netuid: row.netuid,
    hotkey: row.hotkey,
    chainEpoch: row.chain_epoch,
    uids: row.uids,
    weights: row.weights,
    salt: row.salt,
    versionKey: row.version_key,
    commitHash: row.commit_hash as HexString,
    submittedAtBlock: row.submitted_at_block,
    status: row.status,
    commitBlock: row.commit_block,
    revealBlock: row.reveal_block,
    closedReason: row.closed_reason,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  }
}

/**
 * The chain module's PendingCommitStore, kept in the database. The database keys every commit by the
 * caller's hotkey (a validator never sees another's salts), so `hotkey` must be the session's own:
 * setEpochWeights checks that the wallet signing is the session's hotkey.
 */
export class DatabaseCommitStore implements PendingCommitStore {
  constructor(private readonly adapter: RpcAdapter) {}

  private call<S extends z.ZodType>(fn: RpcFunction, schema: S, args: RpcArgs): Promise<z.infer<S>> {
    return callRpc(this.adapter, fn, schema, args)
  }

  async findOpen(netuid: number, _hotkey: string): Promise<PendingCommit[]> {
    const rows = await this.call('weight_commits_open', z.array(Row), {p_netuid: netuid})
    return rows.map(toCommit)
  }

  async findInEpoch(netuid: number, _hotkey: string, chainEpoch: number): Promise<PendingCommit | null> {
    const row = await this.call('weight_commit_in_epoch', Row.nullable(), {p_netuid: netuid, p_chain_epoch: chainEpoch})
    return row ? toCommit(row) : null
  }

  async save(commit: NewPendingCommit): Promise<PendingCommit> {
    const row = await this.call('save_weight_commit', Row, {
      p_commit: {
        netuid: commit.netuid,
        hotkey: commit.hotkey,
        chain_epoch: commit.chainEpoch,
        uids: commit.uids,
        weights: commit.weights,
        salt: commit.salt,
        version_key: commit.versionKey,
        commit_hash: commit.commitHash,
        submitted_at_block: commit.submittedAtBlock,
      },
    })
    return toCommit(row)
  }

  async markCommitted(id: string, commitBlock: number, chainEpoch?: number): Promise<void> {
    await this.call('update_weight_commit', Row, {
      p_id: id,
      p_status: 'committed',
      p_block: commitBlock,
      p_reason: null,
      p_chain_epoch: chainEpoch ?? null,
    })
  }

  async markRevealed(id: string, revealBlock: number): Promise<void> {
    await this.call('update_weight_commit', Row, {p_id: id, p_status: 'revealed', p_block: revealBlock, p_reason: null})
  }

  async markExpired(id: string, reason: string): Promise<void> {
    await this.call('update_weight_commit', Row, {p_id: id, p_status: 'expired', p_block: null, p_reason: reason})
  }
}
