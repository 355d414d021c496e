import type {AppRole} from '../identity.js'

/**
 * The RPC API, listed once: each database function the tool calls, its named arguments (as
 * PostgREST takes them) and the app roles its SQL lets in. test/db/rpc-contract.test.ts checks this
 * against the migrated database (pg_proc, the grants, and a call as every role), and the README's
 * function table against it. Adding an RPC: CONTRIBUTING.md.
 */
export const RPC_CONTRACT = {
  consensus_clock: {args: [], roles: ['miner', 'validator', 'operator']},
  set_chain_anchor: {args: ['p_block', 'p_seen_at', 'p_force'], roles: ['operator']},
  consensus_settings: {args: [], roles: ['miner', 'validator', 'operator']},
  update_consensus_settings: {args: ['p_changes'], roles: ['operator']},
  enqueue_prospects: {args: ['p_prospects'], roles: ['miner']},
  pull_prospects_for_validator: {args: ['p_limit'], roles: ['validator']},
  submit_assessments: {args: ['p_assessments'], roles: ['validator']},
  release_leases: {args: ['p_prospect_ids', 'p_reason'], roles: ['validator']},
  known_lead_emails: {args: ['p_emails'], roles: ['validator', 'operator']},
  sweep_consensus: {args: [], roles: ['operator']},
  prospect_consensus: {args: ['p_prospect_id'], roles: ['miner', 'validator', 'operator']},
  list_prospects: {args: ['p_status', 'p_miner_hotkey', 'p_limit'], roles: ['miner', 'operator']},
  consensus_stats: {args: ['p_epoch'], roles: ['operator']},
  consensus_metrics: {args: [], roles: ['operator']},
  epoch_eligibility: {args: ['p_epoch'], roles: ['validator', 'operator']},
  epoch_miner_weights: {args: ['p_epoch'], roles: ['validator', 'operator']},
  close_epoch: {args: ['p_epoch'], roles: ['operator']},
  clear_old_validation_tracking: {args: [], roles: ['operator']},
  weight_commits_open: {args: ['p_netuid'], roles: ['validator', 'operator']},
  weight_commit_in_epoch: {args: ['p_netuid', 'p_chain_epoch'], roles: ['validator', 'operator']},
  save_weight_commit: {args: ['p_commit'], roles: ['validator', 'operator']},
  update_weight_commit: {
    args: ['p_id', 'p_status', 'p_block', 'p_reason', 'p_chain_epoch'],
    roles: ['validator', 'operator'],
  },
  record_hotkey_owners: {args: ['p_owners'], roles: ['operator']},
  golden_add: {args: ['p_leads'], roles: ['operator']},
  golden_list: {args: ['p_include_retired'], roles: ['operator']},
  golden_retire: {args: ['p_golden_ids'], roles: ['operator']},
  auth_claim_nonce: {args: ['p_hotkey', 'p_nonce', 'p_expires_at'], roles: ['operator']},
  auth_revoke: {args: ['p_kind', 'p_subject', 'p_reason'], roles: ['operator']},
  auth_lift_revocation: {args: ['p_kind', 'p_subject'], roles: ['operator']},
  auth_whoami: {args: [], roles: ['miner', 'validator', 'operator']},
} as const satisfies Record<string, {args: readonly string[]; roles: readonly AppRole[]}>

export type RpcFunction = keyof typeof RPC_CONTRACT
export const RPC_FUNCTIONS = Object.keys(RPC_CONTRACT) as RpcFunction[]

/** Named arguments, as PostgREST takes them (`p_limit`, `p_assessments`, ...). */
export type RpcArgs = Record<string, unknown>

/**
 * The port every adapter implements: call one database function (one transaction) as the
 * adapter's identity and return its JSON result. Adapters move bytes; the rules are in the SQL.
 */
export interface RpcAdapter {
  rpc(fn: RpcFunction, args?: RpcArgs): Promise<unknown>
  close(): Promise<void>
}
