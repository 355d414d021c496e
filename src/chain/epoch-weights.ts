import {EXIT, LeadpoetError} from '../errors.js'
import {type HexString, randomSalt, weightsCommitHash} from './commit-hash.js'
import type {ChainConnection} from './connection.js'
import {type ChainEpochPosition, epochOfBlock, type RevealWindow, revealWindow} from './chain-epoch.js'
import {CHAIN_ERROR, type ChainErrorCode} from './error-codes.js'
import {
  assertNetuid,
  type CommitField,
  type OnChainCommit,
  readOnChainCommits,
  readSubnet,
  readUid,
  readWeightsStake,
  type StakeReading,
  type SubnetSnapshot,
  uidOf,
} from './metagraph.js'
import type {PendingCommit, PendingCommitStore} from './pending-commits.js'
import {poolCodeTable} from './pool-codes.js'
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
  runtime: RuntimeReport
  /** the subnet's tempo epoch of the block the next extrinsic lands in (the head's successor) */
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

/** Which runtime answered, and how its epochs, commits and pool codes were read. */
export interface RuntimeReport {
  specName: string
  specVersion: number
  /** `epoch_index`: the chain's own counter (SubnetEpochIndex); `block_arithmetic`: from block numbers */
  epochSource: ChainEpochPosition['source']
  /** the `WeightCommits` tuple's fields, and whether the metadata named them or they were assumed */
  commitLayout: {fields: CommitField[]; source: 'metadata' | 'assumed'}
  /** the numbering of pool custom codes for this runtime, or null when unknown for this version */
  poolCodes: string | null
}

export type SubmissionOutcome =
  | ({
      status: 'included'
      call: WeightsCall
      commitId: string | null
      committed: CommittedData | null
      /** for a commit: the chain epoch of its inclusion block (as the chain recorded it) */
      commitEpoch: number | null
    } & Inclusion)
  | {status: 'dry_run'; call: WeightsCall; committed: CommittedData | null}
  /** dry run only: a pre-check failed, so a real run would stop with that check's error */
  | {status: 'blocked'; call: WeightsCall | null; check: string; code: ChainErrorCode; reason: string}
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
  /** the chain epoch the commit belongs to (the chain's record, or its block's epoch), when known */
  commitEpoch: number | null
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

  let head = await connection.readHead()
  let snapshot = await readSubnet(connection, netuid, head)
  const validatorUid = await readUid(connection, snapshot, hotkey.address)
  const stake = validatorUid === null ? null : await readWeightsStake(connection, snapshot, hotkey.address)
  const notes: string[] = []
  if (snapshot.commitRevealEnabled && !commitStore && !dryRun) {
    throw new LeadpoetError(
      CHAIN_ERROR.commitStoreMissing,
      `subnet ${netuid} has commit-reveal on: a pending-commit store is needed to keep the salts until the reveal`,
      EXIT.usage,
    )
  }

  const context: RunContext = {connection, hotkey, snapshot, validatorUid, stake, dryRun, store: commitStore ?? null}
  let reveals: RevealOutcome[] = []
  if (commitStore) reveals = await settleOpenCommits(context)
  else if (snapshot.commitRevealEnabled)
    notes.push('no pending-commit store given: earlier commits were not checked for reveal')
  if (reveals.some((reveal) => reveal.inclusion !== null)) {
    // the reveals filled blocks: the new weights land after them, judge them from there
    head = await connection.readHead()
    snapshot = await readSubnet(connection, netuid, head)
    context.snapshot = snapshot
  }

  const epoch = snapshot.chainEpoch
  const report = (
    checks: WeightsCheck[],
    submission: SubmissionOutcome,
    weights: WeightsRunReport['weights'] = {targets: [], dropped: [], fallback: null},
  ): WeightsRunReport => ({
    network: {name: connection.network.name, endpoint: connection.network.endpoint},
    netuid,
    hotkey: hotkey.address,
    validatorUid,
    head: {block: head.block, hash: head.hash, seenAt: head.seenAt},
    runtime: runtimeReport(snapshot),
    chainEpoch: {...epoch, tempo: snapshot.tempo},
    commitReveal: {enabled: snapshot.commitRevealEnabled, revealPeriodEpochs: snapshot.revealPeriodEpochs},
    dryRun,
    weights,
    checks,
    reveals,
    submission,
    notes,
  })

  // A hotkey without a uid here (a wrong --netuid, or deregistered) can set nothing on this subnet:
  // say so before looking at miners, none of whom would be registered on a wrong subnet either.
  if (validatorUid === null) {
    const where = connection.network.name === 'custom' ? connection.network.endpoint : connection.network.name
    const reason = `hotkey ${hotkey.address} is not registered on subnet ${netuid} (${where}): a wrong netuid, or a deregistered hotkey`
    if (dryRun) {
      const check: WeightsCheck = {name: 'registered', status: 'fail', detail: reason}
      return report([check], {
        status: 'blocked',
        call: null,
        check: 'registered',
        code: CHAIN_ERROR.weightsNotRegistered,
        reason,
      })
    }
    throw new LeadpoetError(CHAIN_ERROR.weightsNotRegistered, reason, EXIT.error, {netuid, reveals})
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
  const weights: WeightsRunReport['weights'] = {
    targets: kept.map(({uid, hotkey: target, share, weight}) => ({uid, hotkey: target, share, weight})),
    dropped,
    fallback,
  }

  if (vector.uids.length === 0) {
    return report([], {status: 'skipped', call: null, reason: fallback?.reason ?? 'nothing to set'}, weights)
  }

  if (snapshot.commitRevealEnabled && commitStore) {
    // one commit per chain epoch: the store's record, or an open commit the chain counts in this epoch
    // (one that landed later than the epoch it was stored under)
    const stored = await commitStore.findInEpoch(netuid, hotkey.address, epoch.index)
    const landed = reveals.find((reveal) => reveal.commitEpoch === epoch.index && reveal.status === 'waiting')
    if (stored || landed) {
      const id = stored?.id ?? landed!.commitId
      const block = stored?.commitBlock ?? landed?.commitBlock ?? null
      return report(
        [],
        {
          status: 'skipped',
          call: null,
          reason:
            `already committed in epoch ${epoch.index} (commit ${id}` +
            `${block === null ? '' : `, at block ${block}`}); one commit per epoch`,
        },
        weights,
      )
    }
  }

  const callName = snapshot.commitRevealEnabled ? 'commit_weights' : 'set_weights'
  const checks = checkWeights({snapshot, validatorUid, call: callName, vector, versionKey, stake})
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
      return report(
        checks,
        {status: 'blocked', call, check: details.check, code: failure.code as ChainErrorCode, reason: failure.message},
        weights,
      )
    }
    throw new LeadpoetError(failure.code, failure.message, failure.exitCode, {...(failure.details as object), reveals})
  }
  if (dryRun) return report(checks, {status: 'dry_run', call, committed}, weights)

  if (call.call === 'set_weights') {
    const inclusion = await submitWeightsCall(connection, hotkey, call)
    return report(
      checks,
      {status: 'included', call, commitId: null, committed: null, commitEpoch: null, ...inclusion},
      weights,
    )
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
      // the epoch of the block it can land in; checked against the inclusion block below
      chainEpoch: epoch.index,
      submittedAtBlock: head.block,
    })
  } catch (error) {
    if (error instanceof LeadpoetError && error.code === CHAIN_ERROR.commitAlreadyPending) {
      return report(
        checks,
        {status: 'skipped', call: null, reason: `${error.message}; another run committed first`},
        weights,
      )
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
      await commitStore!.markExpired(
        saved.id,
        closing(CHAIN_ERROR.commitNotOnChain, `the commit failed: ${error.message}`),
      )
    }
    throw error
  }
  const commitEpoch = await inclusionEpoch(context, call.commitHash, inclusion)
  await commitStore!.markCommitted(saved.id, inclusion.block, commitEpoch ?? undefined)
  if (commitEpoch !== null && commitEpoch !== epoch.index) {
    notes.push(
      `commit ${saved.id} landed in block ${inclusion.block}, chain epoch ${commitEpoch}, not ${epoch.index} as predicted; ` +
        `its reveal is judged by epoch ${commitEpoch}`,
    )
  }
  return report(checks, {status: 'included', call, commitId: saved.id, committed, commitEpoch, ...inclusion}, weights)
}

/**
 * The commit's chain epoch as the chain recorded it at its inclusion block: the entry's own
 * `commit_epoch` where the layout has one, else the epoch of the block.
 */
async function inclusionEpoch(context: RunContext, hash: string, inclusion: Inclusion): Promise<number | null> {
  const {snapshot, connection, hotkey} = context
  const fromBlock = epochOfBlock(snapshot.clock, inclusion.block)
  if (fromBlock !== null && !snapshot.commitLayout.fields.includes('commit_epoch')) return fromBlock
  const entries = await readOnChainCommits(connection, snapshot, hotkey.address, inclusion.blockHash)
  return findOnChain(entries, hash)?.commitEpoch ?? fromBlock
}

/** Error codes after which a sent extrinsic may or may not be on chain. */
const OUTCOME_UNKNOWN = new Set<string>([
  CHAIN_ERROR.chainTimeout,
  CHAIN_ERROR.chainUnreachable,
  CHAIN_ERROR.chainStalled,
  CHAIN_ERROR.txInclusionTimeout,
])

/**
 * A closed commit's stored reason: a stable code, then the story. `WEIGHTS_COMMIT_EXPIRED` is a
 * commit that was on chain and was never revealed (that epoch's weights are lost);
 * `COMMIT_NOT_ON_CHAIN` one that never reached the chain; `COMMIT_GONE_FROM_CHAIN` one the chain no
 * longer holds although its reveal epoch has not passed.
 */
export function closing(code: ChainErrorCode, text: string): string {
  return `${code}: ${text}`
}

/**
 * The error a run ends with when it found commits that expired unrevealed (not for a dry run): the
 * run did everything else first, and the error carries what it did.
 */
export function expiredCommitsError(report: {
  dryRun: boolean
  reveals: readonly RevealOutcome[]
}): LeadpoetError | null {
  if (report.dryRun) return null
  const lost = report.reveals.filter(
    (reveal) => reveal.status === 'expired' && reveal.error?.code === CHAIN_ERROR.weightsCommitExpired,
  )
  if (lost.length === 0) return null
  const which = lost
    .map(
      (reveal) =>
        `commit ${reveal.commitId}${reveal.commitEpoch === null ? '' : ` (epoch ${reveal.commitEpoch})`}: ${reveal.detail}`,
    )
    .join('; ')
  return new LeadpoetError(
    CHAIN_ERROR.weightsCommitExpired,
    `${lost.length} weight commit${lost.length === 1 ? '' : 's'} expired unrevealed: ${which}`,
    EXIT.error,
    {commits: lost.map((reveal) => reveal.commitId)},
  )
}

export interface RevealOptions {
  connection: ChainConnection
  hotkey: Hotkey
  netuid: number
  commitStore: PendingCommitStore
  dryRun?: boolean
}

export interface RevealRunReport {
  head: {block: number; hash: string; seenAt: Date}
  runtime: RuntimeReport
  chainEpoch: ChainEpochPosition
  reveals: RevealOutcome[]
}

/** Reveals the commits that are due and reports the rest, without committing anything new. */
export async function revealDueCommits(options: RevealOptions): Promise<RevealRunReport> {
  assertNetuid(options.netuid)
  const head = await options.connection.readHead()
  const snapshot = await readSubnet(options.connection, options.netuid, head)
  const validatorUid = await readUid(options.connection, snapshot, options.hotkey.address)
  const reveals = await settleOpenCommits({
    connection: options.connection,
    hotkey: options.hotkey,
    snapshot,
    validatorUid,
    stake: validatorUid === null ? null : await readWeightsStake(options.connection, snapshot, options.hotkey.address),
    dryRun: options.dryRun ?? false,
    store: options.commitStore,
  })
  return {
    head: {block: head.block, hash: head.hash, seenAt: head.seenAt},
    runtime: runtimeReport(snapshot),
    chainEpoch: snapshot.chainEpoch,
    reveals,
  }
}

function runtimeReport(snapshot: SubnetSnapshot): RuntimeReport {
  return {
    specName: snapshot.runtime.specName,
    specVersion: snapshot.runtime.specVersion,
    epochSource: snapshot.chainEpoch.source,
    commitLayout: {fields: snapshot.commitLayout.fields, source: snapshot.commitLayout.source},
    poolCodes: poolCodeTable(snapshot.runtime)?.name ?? null,
  }
}

interface RunContext {
  connection: ChainConnection
  hotkey: Hotkey
  snapshot: SubnetSnapshot
  validatorUid: number | null
  stake: StakeReading | null
  dryRun: boolean
  store: PendingCommitStore | null
}

/** Reveal errors after which the commit can never be revealed, and how it is closed. */
const REVEAL_IMPOSSIBLE = new Map<string, ChainErrorCode>([
  [CHAIN_ERROR.revealExpired, CHAIN_ERROR.weightsCommitExpired],
  [CHAIN_ERROR.revealHashMismatch, CHAIN_ERROR.weightsCommitExpired],
  [CHAIN_ERROR.weightsCommitRevealDisabled, CHAIN_ERROR.weightsCommitExpired],
  [CHAIN_ERROR.revealNoCommit, CHAIN_ERROR.commitGoneFromChain],
])

/**
 * Walks the open commits, oldest first: learns commit blocks from the chain, reveals those whose
 * reveal epoch is the epoch of the block a reveal lands in, and closes those that can no longer be
 * revealed (recording why).
 */
async function settleOpenCommits(context: RunContext): Promise<RevealOutcome[]> {
  const {connection, hotkey, snapshot, dryRun} = context
  const store = context.store
  if (!store) return []
  const open = await store.findOpen(snapshot.netuid, hotkey.address)
  if (open.length === 0) return []
  const onChain = await readOnChainCommits(connection, snapshot, hotkey.address)
  const position = snapshot.chainEpoch
  const landing = position.landingBlock
  const outcomes: RevealOutcome[] = []

  for (const commit of open) {
    const chainEntry = findOnChain(onChain, commit.commitHash)
    const commitBlock = commit.commitBlock ?? chainEntry?.commitBlock ?? null
    let commitEpoch: number | null = chainEntry?.commitEpoch ?? null
    const outcome = (
      status: RevealOutcome['status'],
      detail: string,
      extra: Partial<RevealOutcome> = {},
    ): RevealOutcome => {
      const result: RevealOutcome = {
        commitId: commit.id,
        commitHash: commit.commitHash,
        commitBlock,
        commitEpoch,
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
    const expire = async (code: ChainErrorCode, reason: string, extra: Partial<RevealOutcome> = {}): Promise<void> => {
      if (!dryRun) await store.markExpired(commit.id, closing(code, reason))
      outcome('expired', dryRun ? `would be marked expired: ${reason}` : reason, {
        ...extra,
        error: {code, message: reason},
      })
    }

    if (commit.commitBlock === null) {
      if (chainEntry && commitBlock !== null) {
        const landedEpoch = commitEpoch ?? epochOfBlock(snapshot.clock, commitBlock) ?? undefined
        if (!dryRun) await store.markCommitted(commit.id, commitBlock, landedEpoch)
      } else if (onChain !== null && !chainEntry && landing > commit.submittedAtBlock + MORTAL_ERA_PERIOD) {
        await expire(
          CHAIN_ERROR.commitNotOnChain,
          `never reached the chain: not in WeightCommits and its era ended after block ${commit.submittedAtBlock + MORTAL_ERA_PERIOD}`,
        )
        continue
      } else {
        outcome('waiting', `submitted at block ${commit.submittedAtBlock}, not yet seen on chain`)
        continue
      }
    }

    if (!snapshot.commitRevealEnabled) {
      await expire(
        CHAIN_ERROR.weightsCommitExpired,
        `commit-reveal is now off on subnet ${snapshot.netuid}; the chain no longer accepts reveals`,
      )
      continue
    }
    commitEpoch ??= (commitBlock === null ? null : epochOfBlock(snapshot.clock, commitBlock)) ?? commit.chainEpoch
    const window = revealWindow(snapshot.clock, position, commitEpoch, snapshot.revealPeriodEpochs)
    const span =
      `epoch ${window.revealEpoch}, blocks ${window.firstBlock}-${window.lastBlock}` +
      `${window.blocks === 'predicted' ? ' (predicted)' : ''}`
    if (position.index < window.revealEpoch) {
      outcome(
        'waiting',
        `reveal due in ${span}; a reveal now would land in block ${landing}, epoch ${position.index}`,
        {
          window,
        },
      )
      continue
    }
    if (position.index > window.revealEpoch) {
      await expire(
        CHAIN_ERROR.weightsCommitExpired,
        `its reveal window (${span}) has passed: a reveal now would land in block ${landing}, epoch ${position.index}`,
        {window},
      )
      continue
    }
    if (onChain !== null && !chainEntry) {
      await expire(
        CHAIN_ERROR.commitGoneFromChain,
        "no longer in the chain's WeightCommits (already revealed, or removed by the chain)",
        {window},
      )
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
      stake: context.stake,
    })
    const failed = failedCheckError(checks, 'reveal_weights')
    if (failed) {
      const check = (failed.details as {check: string}).check
      // registration and version key cannot change back for this commit's fixed data
      if (check === 'registered' || check === 'version_key')
        await expire(CHAIN_ERROR.weightsCommitExpired, failed.message, {window, call})
      else outcome('failed', failed.message, {window, call, error: {code: failed.code, message: failed.message}})
      continue
    }
    if (dryRun) {
      outcome('would_reveal', `due now (${span}); it would land in block ${landing}`, {window, call})
      continue
    }
    try {
      const inclusion = await submitWeightsCall(connection, hotkey, call)
      await store.markRevealed(commit.id, inclusion.block)
      outcome('revealed', `revealed in block ${inclusion.block}`, {window, call, inclusion})
    } catch (error) {
      if (!(error instanceof LeadpoetError)) throw error
      const closedAs = REVEAL_IMPOSSIBLE.get(error.code)
      if (closedAs) await expire(closedAs, error.message, {window, call})
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
