import type {HexString} from './commit-hash.js'

/**
 * Port to durable storage for commit-reveal v2 commits. A commit's salt exists nowhere else: if it
 * is lost, the commit can never be revealed. The database implements this in SQL
 * (service/weight-commits.ts).
 *
 * Lifecycle: `save` before submitting (status `submitted`), `markCommitted` once the commit is in
 * a block, then `markRevealed` or `markExpired`. A commit whose submission fails, or that never
 * reaches a block, is marked expired with the reason.
 */
export type PendingCommitStatus = 'submitted' | 'committed' | 'revealed' | 'expired'

export interface NewPendingCommit {
  netuid: number
  /** SS58 address of the hotkey that commits and must reveal */
  hotkey: string
  uids: number[]
  weights: number[]
  salt: number[]
  versionKey: number
  commitHash: HexString
  /** the chain's epoch index for this subnet at submission; at most one live commit per chain epoch */
  chainEpoch: number
  /** head block when submitted; after MORTAL_ERA_PERIOD more blocks an unincluded commit is dead */
  submittedAtBlock: number
}

export interface PendingCommit extends NewPendingCommit {
  id: string
  status: PendingCommitStatus
  /** block the commit was included in; null until known */
  commitBlock: number | null
  revealBlock: number | null
  /** why it was marked expired */
  closedReason: string | null
  createdAt: string
  updatedAt: string
}

export interface PendingCommitStore {
  /** Commits of `hotkey` on `netuid` with status submitted or committed, oldest first. */
  findOpen(netuid: number, hotkey: string): Promise<PendingCommit[]>
  /** The newest commit of `hotkey` on `netuid` made in `epoch` that is not expired, or null. */
  findInEpoch(netuid: number, hotkey: string, chainEpoch: number): Promise<PendingCommit | null>
  /**
   * Stores a new commit with status `submitted`. Must be atomic with the epoch rule: when a
   * non-expired commit for the same (netuid, hotkey, epoch) exists, reject with a LeadpoetError
   * coded COMMIT_ALREADY_PENDING (this is what stops two concurrent runs committing twice).
   */
  save(commit: NewPendingCommit): Promise<PendingCommit>
  /** `chainEpoch`: the chain epoch of the inclusion block, when known (it may differ from the predicted one) */
  markCommitted(id: string, commitBlock: number, chainEpoch?: number): Promise<void>
  markRevealed(id: string, revealBlock: number): Promise<void>
  markExpired(id: string, reason: string): Promise<void>
}
