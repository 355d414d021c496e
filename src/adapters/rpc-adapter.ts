/**
 * The port every adapter implements: call one database function (one transaction) as the
 * adapter's identity and return its JSON result. Adapters move bytes; the rules are in the SQL.
 */
export const RPC_FUNCTIONS = [
  'consensus_clock',
  'set_chain_anchor',
  'consensus_settings',
  'update_consensus_settings',
  'enqueue_prospects',
  'pull_prospects_for_validator',
  'submit_assessments',
  'sweep_consensus',
  'epoch_eligibility',
  'epoch_miner_weights',
  'close_epoch',
  'clear_old_validation_tracking',
  'prospect_consensus',
  'release_leases',
  'list_prospects',
  'consensus_stats',
  'known_lead_emails',
  'weight_commits_open',
  'weight_commit_in_epoch',
  'save_weight_commit',
  'update_weight_commit',
  'auth_claim_nonce',
  'auth_revoke',
  'auth_lift_revocation',
] as const
export type RpcFunction = (typeof RPC_FUNCTIONS)[number]

/** Named arguments, as PostgREST takes them (`p_limit`, `p_assessments`, ...). */
export type RpcArgs = Record<string, unknown>

export interface RpcAdapter {
  rpc(fn: RpcFunction, args?: RpcArgs): Promise<unknown>
  close(): Promise<void>
}
