/**
 * Stable error codes raised by the chain module (documented in docs/chain.md). Scripts and the CLI
 * match on these, so they never change meaning.
 */
export const CHAIN_ERROR = {
  // wallet
  walletNotFound: 'WALLET_NOT_FOUND',
  walletInvalid: 'WALLET_INVALID',
  walletAddressMismatch: 'WALLET_ADDRESS_MISMATCH',
  // network and node
  networkUnknown: 'NETWORK_UNKNOWN',
  chainUnreachable: 'CHAIN_UNREACHABLE',
  chainTimeout: 'CHAIN_TIMEOUT',
  chainStalled: 'CHAIN_STALLED',
  chainUnsupported: 'CHAIN_UNSUPPORTED',
  subnetNotFound: 'SUBNET_NOT_FOUND',
  // weight input and local pre-checks (each names the chain rule it mirrors)
  weightsInvalidInput: 'WEIGHTS_INVALID_INPUT',
  weightsNothingToSet: 'WEIGHTS_NOTHING_TO_SET',
  weightsFallbackUnavailable: 'WEIGHTS_FALLBACK_UNAVAILABLE',
  weightsNotRegistered: 'WEIGHTS_NOT_REGISTERED',
  weightsStakeTooLow: 'WEIGHTS_STAKE_TOO_LOW',
  weightsNoValidatorPermit: 'WEIGHTS_NO_VALIDATOR_PERMIT',
  weightsVersionKeyTooLow: 'WEIGHTS_VERSION_KEY_TOO_LOW',
  weightsRateLimited: 'WEIGHTS_RATE_LIMITED',
  weightsTooFew: 'WEIGHTS_TOO_FEW',
  weightsDuplicateUids: 'WEIGHTS_DUPLICATE_UIDS',
  weightsInvalidUids: 'WEIGHTS_INVALID_UIDS',
  // submission
  weightsCommitRevealEnabled: 'WEIGHTS_COMMIT_REVEAL_ENABLED',
  weightsCommitRevealDisabled: 'WEIGHTS_COMMIT_REVEAL_DISABLED',
  weightsTooManyCommits: 'WEIGHTS_TOO_MANY_UNREVEALED_COMMITS',
  revealTooEarly: 'REVEAL_TOO_EARLY',
  revealExpired: 'REVEAL_EXPIRED',
  revealNoCommit: 'REVEAL_NO_COMMIT_FOUND',
  revealHashMismatch: 'REVEAL_HASH_MISMATCH',
  revealOutsideWindow: 'REVEAL_OUTSIDE_WINDOW',
  txRejected: 'TX_REJECTED',
  txDispatchFailed: 'TX_DISPATCH_FAILED',
  txInclusionTimeout: 'TX_INCLUSION_TIMEOUT',
  txDropped: 'TX_DROPPED',
  // durable pending commits
  commitStoreMissing: 'COMMIT_STORE_MISSING',
  commitAlreadyPending: 'COMMIT_ALREADY_PENDING',
  /** a commit that was on chain was never revealed: that epoch's weights are lost */
  weightsCommitExpired: 'WEIGHTS_COMMIT_EXPIRED',
  /** closing reasons of commits that are not lost weights (see docs/chain.md, "Closing reasons") */
  commitNotOnChain: 'COMMIT_NOT_ON_CHAIN',
  commitGoneFromChain: 'COMMIT_GONE_FROM_CHAIN',
} as const

export type ChainErrorCode = (typeof CHAIN_ERROR)[keyof typeof CHAIN_ERROR]
