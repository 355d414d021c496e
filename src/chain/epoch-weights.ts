import {EXIT, LeadpoetError} from '../errors.js'
import {type HexString, randomSalt, weightsCommitHash} from './commit-hash.js'
import type {ChainConnection} from './connection.js'
import {type ChainEpochPosition, type RevealWindow, revealWindow} from './chain-epoch.js'
import {CHAIN_ERROR, type ChainErrorCode} from './error-codes.js'
import {
  assertNetuid,
  type OnChainCommit,
  readOnChainCommits,
  readSubnet,
  readUid,
  type SubnetSnapshot,
  uidOf,
} from './metagraph.js'
import type {PendingCommit, PendingCommitStore} from './pending-commits.js'
import {
  type Inclusion,
  MORTAL_ERA_PERIOD,
  sendSigned,
  signWeightsExtrinsic,
  submitWeightsCall,
  type WeightsCall,
} from './submit.js'
import type {Hotkey} from './wallet.js'
import {
  type AppliedFallback,
  checkWeights,
  type DroppedMiner,
  failedCheckError,
  mapMinersToUids,
  type MinerWeight,
  toU16Weights,
  U16_MAX,
  type WeightsCheck,
  type WeightsFallback,
  type WeightVector,
} from './weights.js'

/**
 * Sets one epoch's miner weights on chain: plain `set_weights` when the subnet has commit-reveal
 * off; otherwise reveals the commits that are due and commits the new weights (commit-reveal v2),
 * keeping each commit's salt in the PendingCommitStore until it is revealed.
 */

export interface EpochWeightsOptions {
  connection: ChainConnection
  hotkey: Hotkey
  netuid: number
  /** the epoch's miner weights from the service layer */
  minerWeights: readonly MinerWeight[]
  /** the validator's weights version key; must be at least the subnet's WeightsVersionKey */
  versionKey: number
  /** what to do when no registered miner with a non-zero weight is left */
  fallback: WeightsFallback
  /** show what would be sent; send and store nothing */
  dryRun?: boolean
  /** required when the subnet has commit-reveal on (except for a dry run) */
  commitStore?: PendingCommitStore
}

export interface WeightsRunReport {
  network: {name: string; endpoint: string}
  netuid: number
  hotkey: string
  validatorUid: number | null
  head: {block: number; hash: string; seenAt: Date}
  chainEpoch: ChainEpochPosition & {tempo: number}
  commitReveal: {enabled: boolean; revealPeriodEpochs: number}
  dryRun: boolean
  weights: {
    /** what is sent: one entry per uid, with its share and u16 weight */
    targets: Array<{uid: number; hotkey: string | null; share: number; weight: number}>
    dropped: DroppedMiner[]
    fallback: AppliedFallback | null
  }
  /** pre-checks for the new weights (empty when nothing is sent) */
  checks: WeightsCheck[]
  /** what happened to earlier commits (commit-reveal only) */
  reveals: RevealOutcome[]
  submission: SubmissionOutcome
  notes: string[]
}

export type SubmissionOutcome =
  | ({status: 'included'; call: WeightsCall; commitId: string | null; committed: CommittedData | null} & Inclusion)
  | {status: 'dry_run'; call: WeightsCall; committed: CommittedData | null}
  /** dry run only: a pre-check failed, so a real run would stop with that check's error */
  | {status: 'blocked'; call: WeightsCall; check: string; code: ChainErrorCode; reason: string}
  | {status: 'skipped'; call: null; reason: string}

/** The data behind a commit hash, needed to reveal it. */
export interface CommittedData {
  uids: number[]
  weights: number[]
  salt: number[]
  versionKey: number
}

export interface RevealOutcome {
  commitId: string
  commitHash: HexString
  commitBlock: number | null
  window: RevealWindow | null
  status: 'revealed' | 'would_reveal' | 'waiting' | 'expired' | 'failed'
  detail: string
  call: WeightsCall | null
  inclusion: Inclusion | null
  error: {code: string; message: string} | null
}

export async function submitEpochWeights(options: EpochWeightsOptions): Promise<WeightsRunReport> {
  const {connection, hotkey, netuid, commitStore, versionKey} = options
  const dryRun = options.dryRun ?? false
  assertNetuid(netuid)
  assertVersionKey(versionKey)

  const head = await connection.readHead()
  const snapshot = await readSubnet(connection, netuid, head)
  const validatorUid = await readUid(connection, snapshot, hotkey.address)
  const notes: string[] = []
  if (snapshot.commitRevealEnabled && !commitStore && !dryRun) {
    throw new LeadpoetError(
      CHAIN_ERROR.commitStoreMissing,
      `subnet ${netuid} has commit-reveal on: a pending-commit store is needed to keep the salts until the reveal`,
      EXIT.usage,
    )
  }

  const {targets, dropped} = mapMinersToUids(options.minerWeights, snapshot)
  const converted = toU16Weights(targets)
  for (const target of converted.zeroed)
    dropped.push({hotkey: target.hotkey ?? `uid ${target.uid}`, share: target.share, reason: 'zero_weight'})
  let kept = converted.kept
  let vector: WeightVector = converted.vector
  let fallback: AppliedFallback | null = null
  if (vector.uids.length === 0) {
    const why =
      options.minerWeights.length === 0
        ? 'the epoch has no miner weights'
        : `none of the ${options.minerWeights.length} miners is registered on subnet ${netuid} with a non-zero weight`
    fallback = resolveFallback(options.fallback, snapshot, why)
    if (fallback.uid !== null) {
      vector = {uids: [fallback.uid], weights: [U16_MAX]}
      kept = [{uid: fallback.uid, hotkey: snapshot.hotkeys[fallback.uid] ?? null, share: 1, weight: U16_MAX}]
    }
  }

  const context: RunContext = {connection, hotkey, snapshot, validatorUid, dryRun, store: commitStore ?? null}
  let reveals: RevealOutcome[] = []
  if (commitStore) reveals = await settleOpenCommits(context)
  else if (snapshot.commitRevealEnabled)
    notes.push('no pending-commit store given: earlier commits were not checked for reveal')

  const report = (checks: WeightsCheck[], submission: SubmissionOutcome): WeightsRunReport => ({
    network: {name: connection.network.name, endpoint: connection.network.endpoint},
    netuid,
    hotkey: hotkey.address,
    validatorUid,
    head: {block: head.block, hash: head.hash, seenAt: head.seenAt},
    chainEpoch: {...snapshot.chainEpoch, tempo: snapshot.tempo},
    commitReveal: {enabled: snapshot.commitRevealEnabled, revealPeriodEpochs: snapshot.revealPeriodEpochs},
    dryRun,
    weights: {
      targets: kept.map(({uid, hotkey: target, share, weight}) => ({uid, hotkey: target, share, weight})),
      dropped,
      fallback,
    },
    checks,
    reveals,
    submission,
    notes,
  })

  if (vector.uids.length === 0) {
    return report([], {status: 'skipped', call: null, reason: fallback?.reason ?? 'nothing to set'})
  }

  if (snapshot.commitRevealEnabled && commitStore) {
    const existing = await commitStore.findInEpoch(netuid, hotkey.address, snapshot.chainEpoch.index)
    if (existing) {
      return report([], {
        status: 'skipped',
        call: null,
        reason:
          `already committed in epoch ${snapshot.chainEpoch.index} (commit ${existing.id}, ` +
          `${existing.status}${existing.commitBlock === null ? '' : ` at block ${existing.commitBlock}`}); one commit per epoch`,
      })
    }
  }

  const callName = snapshot.commitRevealEnabled ? 'commit_weights' : 'set_weights'
  const checks = checkWeights({snapshot, validatorUid, call: callName, vector, versionKey})
  let committed: CommittedData | null = null
  let call: WeightsCall
  if (callName === 'commit_weights') {
    committed = {uids: vector.uids, weights: vector.weights, salt: randomSalt(), versionKey}
    const {uids, weights: values, salt} = committed
    call = {
      call: 'commit_weights',
      netuid,
      commitHash: weightsCommitHash({hotkey: hotkey.address, netuid, uids, values, salt, versionKey}),
    }
  } else {
    call = {call: 'set_weights', netuid, uids: vector.uids, weights: vector.weights, versionKey}
  }

  const failure = failedCheckError(checks, callName)
  if (failure) {
    if (dryRun) {
      const details = failure.details as {check: string}
      return report(checks, {
        status: 'blocked',
        call,
        check: details.check,
        code: failure.code as ChainErrorCode,
        reason: failure.message,
      })
    }
    throw new LeadpoetError(failure.code, failure.message, failure.exitCode, {...(failure.details as object), reveals})
  }
  if (dryRun) return report(checks, {status: 'dry_run', call, committed})

  if (call.call === 'set_weights') {
    const inclusion = await submitWeightsCall(connection, hotkey, call)
    return report(checks, {status: 'included', call, commitId: null, committed: null, ...inclusion})
  }

  // commit: sign first (so a failure there leaves nothing behind), store the salt, then send
  const extrinsic = await signWeightsExtrinsic(connection, hotkey, call)
  let saved: PendingCommit
  try {
    saved = await commitStore!.save({
      netuid,
      hotkey: hotkey.address,
      uids: committed!.uids,
      weights: committed!.weights,
      salt: committed!.salt,
      versionKey,
      commitHash: call.commitHash,
      chainEpoch: snapshot.chainEpoch.index,
      submittedAtBlock: head.block,
    })
  } catch (error) {
    if (error instanceof LeadpoetError && error.code === CHAIN_ERROR.commitAlreadyPending) {
      return report(checks, {status: 'skipped', call: null, reason: `${error.message}; another run committed first`})
    }
    throw error
  }
  let inclusion: Inclusion
  try {
    inclusion = await sendSigned(connection, extrinsic, call.call)
  } catch (error) {
    // a refused or failed commit is not on chain; an unanswered one may be, and the next run
    // settles it from the chain's WeightCommits
    if (error instanceof LeadpoetError && !OUTCOME_UNKNOWN.has(error.code)) {
      await commitStore!.markExpired(saved.id, `commit was not stored on chain: ${error.message}`)
    }
    throw error
  }
  await commitStore!.markCommitted(saved.id, inclusion.block)
  return report(checks, {status: 'included', call, commitId: saved.id, committed, ...inclusion})
}

/** Error codes after which a sent extrinsic may or may not be on chain. */
const OUTCOME_UNKNOWN = new Set<string>([
  CHAIN_ERROR.chainTimeout,
  CHAIN_ERROR.chainUnreachable,
  CHAIN_ERROR.chainStalled,
  CHAIN_ERROR.txInclusionTimeout,
])

export interface RevealOptions {
  connection: ChainConnection
  hotkey: Hotkey
  netuid: number
  commitStore: PendingCommitStore
  dryRun?: boolean
}

export interface RevealRunReport {
  head: {block: number; hash: string; seenAt: Date}
  chainEpoch: ChainEpochPosition
  reveals: RevealOutcome[]
}

/** Reveals the commits that are due and reports the rest, without committing anything new. */
export async function revealDueCommits(options: RevealOptions): Promise<RevealRunReport> {
  assertNetuid(options.netuid)
  const head = await options.connection.readHead()
  const snapshot = await readSubnet(options.connection, options.netuid, head)
  const reveals = await settleOpenCommits({
    connection: options.connection,
    hotkey: options.hotkey,
    snapshot,
    validatorUid: await readUid(options.connection, snapshot, options.hotkey.address),
    dryRun: options.dryRun ?? false,
    store: options.commitStore,
  })
  return {head: {block: head.block, hash: head.hash, seenAt: head.seenAt}, chainEpoch: snapshot.chainEpoch, reveals}
}

interface RunContext {
  connection: ChainConnection
  hotkey: Hotkey
  snapshot: SubnetSnapshot
  validatorUid: number | null
  dryRun: boolean
  store: PendingCommitStore | null
}

/** Reveal errors after which the commit can never be revealed. */
const REVEAL_IMPOSSIBLE = new Set<string>([
  CHAIN_ERROR.revealExpired,
  CHAIN_ERROR.revealNoCommit,
  CHAIN_ERROR.revealHashMismatch,
  CHAIN_ERROR.weightsCommitRevealDisabled,
])

/**
 * Walks the open commits, oldest first: learns commit blocks from the chain, reveals those in
 * their reveal epoch, and closes those that can no longer be revealed (recording why).
 */
async function settleOpenCommits(context: RunContext): Promise<RevealOutcome[]> {
  const {connection, hotkey, snapshot, dryRun} = context
  const store = context.store
  if (!store) return []
  const open = await store.findOpen(snapshot.netuid, hotkey.address)
  if (open.length === 0) return []
  const onChain = await readOnChainCommits(connection, snapshot, hotkey.address)
  const head = snapshot.head.block
  const outcomes: RevealOutcome[] = []

  for (const commit of open) {
    const chainEntry = findOnChain(onChain, commit.commitHash)
    const outcome = (
      status: RevealOutcome['status'],
      detail: string,
      extra: Partial<RevealOutcome> = {},
    ): RevealOutcome => {
      const result: RevealOutcome = {
        commitId: commit.id,
        commitHash: commit.commitHash,
        commitBlock: commit.commitBlock ?? chainEntry?.commitBlock ?? null,
        window: null,
        status,
        detail,
        call: null,
        inclusion: null,
        error: null,
        ...extra,
      }
      outcomes.push(result)
      return result
    }
    const expire = async (reason: string, extra: Partial<RevealOutcome> = {}): Promise<void> => {
      if (!dryRun) await store.markExpired(commit.id, reason)
      outcome('expired', dryRun ? `would be marked expired: ${reason}` : reason, extra)
    }

    let commitBlock = commit.commitBlock
    if (commitBlock === null) {
      if (chainEntry) {
        commitBlock = chainEntry.commitBlock
        if (!dryRun) await store.markCommitted(commit.id, commitBlock)
      } else if (onChain !== null && head > commit.submittedAtBlock + MORTAL_ERA_PERIOD) {
        await expire(
          `never reached the chain: not in WeightCommits and its era ended after block ${commit.submittedAtBlock + MORTAL_ERA_PERIOD}`,
        )
        continue
      } else {
        outcome('waiting', `submitted at block ${commit.submittedAtBlock}, not yet seen on chain`)
        continue
      }
    }

    if (!snapshot.commitRevealEnabled) {
      await expire(`commit-reveal is now off on subnet ${snapshot.netuid}; the chain no longer accepts reveals`)
      continue
    }
    const window = revealWindow(snapshot.netuid, snapshot.tempo, snapshot.revealPeriodEpochs, commitBlock)
    const span = `epoch ${window.revealEpoch}, blocks ${window.firstBlock}-${window.lastBlock}`
    if (snapshot.chainEpoch.index < window.revealEpoch) {
      outcome('waiting', `reveal due in ${span}`, {window})
      continue
    }
    if (snapshot.chainEpoch.index > window.revealEpoch) {
      await expire(`its reveal window (${span}) has passed`, {window})
      continue
    }
    if (onChain !== null && !chainEntry) {
      await expire("no longer in the chain's WeightCommits (already revealed, or removed by the chain)", {window})
      continue
    }

    const call: WeightsCall = {
      call: 'reveal_weights',
      netuid: snapshot.netuid,
      uids: commit.uids,
      weights: commit.weights,
      salt: commit.salt,
      versionKey: commit.versionKey,
    }
    const checks = checkWeights({
      snapshot,
      validatorUid: context.validatorUid,
      call: 'reveal_weights',
      vector: {uids: commit.uids, weights: commit.weights},
      versionKey: commit.versionKey,
    })
    const failed = failedCheckError(checks, 'reveal_weights')
    if (failed) {
      const check = (failed.details as {check: string}).check
      // registration and version key cannot change back for this commit's fixed data
      if (check === 'registered' || check === 'version_key') await expire(failed.message, {window, call})
      else outcome('failed', failed.message, {window, call, error: {code: failed.code, message: failed.message}})
      continue
    }
    if (dryRun) {
      outcome('would_reveal', `due now (${span})`, {window, call})
      continue
    }
    try {
      const inclusion = await submitWeightsCall(connection, hotkey, call)
      await store.markRevealed(commit.id, inclusion.block)
      outcome('revealed', `revealed in block ${inclusion.block}`, {window, call, inclusion})
    } catch (error) {
      if (!(error instanceof LeadpoetError)) throw error
      if (REVEAL_IMPOSSIBLE.has(error.code))
        await expire(error.message, {window, call, error: {code: error.code, message: error.message}})
      else outcome('failed', error.message, {window, call, error: {code: error.code, message: error.message}})
      // a lost connection fails every later step the same way
      if (error.code === CHAIN_ERROR.chainUnreachable) throw error
    }
  }
  return outcomes
}

function findOnChain(onChain: OnChainCommit[] | null, hash: string): OnChainCommit | undefined {
  return onChain?.find((entry) => entry.hash.toLowerCase() === hash.toLowerCase())
}

function resolveFallback(fallback: WeightsFallback, snapshot: SubnetSnapshot, why: string): AppliedFallback {
  switch (fallback.kind) {
    case 'skip':
      return {kind: 'skip', uid: null, reason: `${why}; the configured fallback is to skip this epoch`}
    case 'uid': {
      if (!Number.isInteger(fallback.uid) || fallback.uid < 0 || fallback.uid >= snapshot.size) {
        throw new LeadpoetError(
          CHAIN_ERROR.weightsFallbackUnavailable,
          `${why}, and the fallback uid ${fallback.uid} is not on subnet ${snapshot.netuid} (size ${snapshot.size})`,
          EXIT.error,
        )
      }
      return {
        kind: 'uid',
        uid: fallback.uid,
        reason: `${why}; all weight goes to the configured fallback uid ${fallback.uid}`,
      }
    }
    case 'subnet_owner': {
      for (const [item, account] of [
        ['SubnetOwnerHotkey', snapshot.subnetOwnerHotkey],
        ['SubnetOwner', snapshot.subnetOwner],
      ] as const) {
        const uid = account === null ? null : uidOf(snapshot, account)
        if (uid !== null) {
          return {
            kind: 'subnet_owner',
            uid,
            reason: `${why}; all weight goes to the subnet owner's uid ${uid} (${item} ${account})`,
          }
        }
      }
      throw new LeadpoetError(
        CHAIN_ERROR.weightsFallbackUnavailable,
        `${why}, and the subnet owner fallback does not apply: ` +
          `the owner (${snapshot.subnetOwnerHotkey ?? snapshot.subnetOwner ?? 'not recorded in this runtime'}) ` +
          `has no uid on subnet ${snapshot.netuid}`,
        EXIT.error,
      )
    }
  }
}

function assertVersionKey(versionKey: number): void {
  if (!Number.isSafeInteger(versionKey) || versionKey < 0) {
    throw new LeadpoetError(
      CHAIN_ERROR.weightsInvalidInput,
      `the version key must be a non-negative integer, got ${versionKey}`,
      EXIT.usage,
    )
  }
}
