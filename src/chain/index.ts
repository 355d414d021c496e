/**
 * The chain module: wallet, connection, metagraph reads and setting weights on Bittensor.
 * The CLI imports from here only. See docs/chain.md.
 */
export {CHAIN_ERROR, type ChainErrorCode} from './error-codes.js'
export {type ChainDeadlines, DEFAULT_DEADLINES} from './deadline.js'
export {NETWORK_ENDPOINTS, type NetworkName, resolveNetwork, type ResolvedNetwork} from './network.js'
export {
  DEFAULT_WALLET_PATH,
  Hotkey,
  type HotkeyFileSource,
  hotkeyFilePath,
  type HotkeyInfo,
  type HotkeyUriSource,
  loadHotkey,
  type LoadHotkeyOptions,
  resolveWalletPath,
  signWithHotkey,
  SS58_PREFIX,
  type WalletWarning,
} from './wallet.js'
export {
  ChainConnection,
  type ChainHead,
  type ChainHeadSeen,
  type ChainHeadSink,
  connectChain,
  type ConnectOptions,
  withChain,
} from './connection.js'
export {
  type CommitField,
  type CommitLayout,
  type OnChainCommit,
  readHotkeyOwners,
  readOnChainCommits,
  readSubnet,
  readUid,
  readWeightsStake,
  type StakeReading,
  type SubnetSnapshot,
  uidOf,
} from './metagraph.js'
export {
  chainEpochIndex,
  type ChainEpochPosition,
  type EpochClock,
  epochFiresIn,
  epochPosition,
  type EpochSchedule,
  type EpochSource,
  revealWindow,
  type RevealWindow,
} from './chain-epoch.js'
export {poolCodeTable, type PoolCodeTable, type RuntimeIdentity} from './pool-codes.js'
export {type HexString, randomSalt, weightsCommitHash, type WeightsCommitData} from './commit-hash.js'
export {
  type AppliedFallback,
  checkWeights,
  type DroppedMiner,
  mapMinersToUids,
  type MinerWeight,
  toU16Weights,
  U16_MAX,
  type WeightsCheck,
  type WeightsCheckName,
  type WeightsFallback,
  type WeightVector,
} from './weights.js'
export {
  buildWeightsExtrinsic,
  type Inclusion,
  MORTAL_ERA_PERIOD,
  submitWeightsCall,
  type WeightsCall,
} from './submit.js'
export type {NewPendingCommit, PendingCommit, PendingCommitStatus, PendingCommitStore} from './pending-commits.js'
export {
  closing,
  type CommittedData,
  type EpochWeightsOptions,
  expiredCommitsError,
  revealDueCommits,
  type RevealOptions,
  type RevealOutcome,
  type RevealRunReport,
  type RuntimeReport,
  type SubmissionOutcome,
  submitEpochWeights,
  type WeightsRunReport,
} from './epoch-weights.js'
