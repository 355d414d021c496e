import {z} from 'zod'
import type {RpcAdapter, RpcArgs, RpcFunction} from '../adapters/rpc-adapter.js'
import * as R from './results.js'
import {callRpc} from './rpc-call.js'

/**
 * The one service layer: every command and the benchmark call these operations. Each is one database
 * function, one transaction; the consensus rules live in that SQL, not here.
 */
export class ConsensusService {
  constructor(readonly adapter: RpcAdapter) {}

  private call<S extends z.ZodType>(fn: RpcFunction, schema: S, args?: RpcArgs): Promise<z.infer<S>> {
    return callRpc(this.adapter, fn, schema, args)
  }

  clock(): Promise<R.ChainClock> {
    return this.call('consensus_clock', R.ChainClock)
  }

  /** Records the chain head a chain-aware command saw; epochs and leases count from it. */
  setChainAnchor(block: number, seenAt?: Date, options: {force?: boolean} = {}): Promise<R.ChainClock> {
    return this.call('set_chain_anchor', R.ChainClock, {
      p_block: block,
      p_seen_at: seenAt?.toISOString() ?? null,
      p_force: options.force ?? false,
    })
  }

  settings(): Promise<R.ConsensusSettings> {
    return this.call('consensus_settings', R.ConsensusSettings)
  }

  updateSettings(changes: R.SettingsChanges): Promise<R.ConsensusSettings> {
    return this.call('update_consensus_settings', R.ConsensusSettings, {p_changes: changes})
  }

  enqueue(prospects: readonly unknown[]): Promise<R.EnqueueResult> {
    return this.call('enqueue_prospects', R.EnqueueResult, {p_prospects: prospects})
  }

  pull(limit = 50): Promise<R.PullResult> {
    return this.call('pull_prospects_for_validator', R.PullResult, {p_limit: limit})
  }

  submit(assessments: readonly R.Assessment[]): Promise<R.SubmitResult> {
    return this.call('submit_assessments', R.SubmitResult, {p_assessments: assessments})
  }

  sweep(): Promise<R.SweepResult> {
    return this.call('sweep_consensus', R.SweepResult)
  }

  eligibility(epoch?: number): Promise<R.EligibilityReport> {
    return this.call('epoch_eligibility', R.EligibilityReport, {p_epoch: epoch ?? null})
  }

  minerWeights(epoch?: number): Promise<R.MinerWeightsReport> {
    return this.call('epoch_miner_weights', R.MinerWeightsReport, {p_epoch: epoch ?? null})
  }

  closeEpoch(epoch?: number): Promise<R.EpochClosure> {
    return this.call('close_epoch', R.EpochClosure, {p_epoch: epoch ?? null})
  }

  clearOldEpochs(): Promise<R.ClearResult> {
    return this.call('clear_old_validation_tracking', R.ClearResult)
  }

  /** Gives back leases the caller will not vote on, so another validator can take the slot now. */
  release(prospectIds: readonly string[], reason: R.ReleaseReason = 'cannot_judge'): Promise<R.ReleaseResult> {
    return this.call('release_leases', R.ReleaseResult, {p_prospect_ids: prospectIds, p_reason: reason})
  }

  listProspects(
    filter: {
      status?: R.ProspectListing['prospects'][number]['consensus_status']
      minerHotkey?: string
      limit?: number
    } = {},
  ): Promise<R.ProspectListing> {
    return this.call('list_prospects', R.ProspectListing, {
      p_status: filter.status ?? null,
      p_miner_hotkey: filter.minerHotkey ?? null,
      p_limit: filter.limit ?? 100,
    })
  }

  /** Which of these emails are leads already (lower-cased): the validators' duplicate check. */
  async knownLeadEmails(emails: readonly string[]): Promise<ReadonlySet<string>> {
    return new Set(await this.call('known_lead_emails', z.array(z.string()), {p_emails: emails}))
  }

  /** Records hotkey -> coldkey from the metagraph: hotkeys under one coldkey are one owner. */
  recordHotkeyOwners(owners: Readonly<Record<string, string>>): Promise<{recorded: number}> {
    return this.call('record_hotkey_owners', z.object({recorded: z.number().int()}), {p_owners: owners})
  }

  stats(epoch?: number): Promise<R.ConsensusStats> {
    return this.call('consensus_stats', R.ConsensusStats, {p_epoch: epoch ?? null})
  }

  /** Everything `leadpoet metrics` exports, in one read. */
  metrics(): Promise<R.ConsensusMetrics> {
    return this.call('consensus_metrics', R.ConsensusMetrics)
  }

  /** Adds known-answer leads (operator): all of them, or none when one is refused. */
  addGoldenLeads(leads: readonly R.GoldenLeadInput[]): Promise<R.GoldenAddResult> {
    return this.call('golden_add', R.GoldenAddResult, {p_leads: leads})
  }

  listGoldenLeads(options: {includeRetired?: boolean} = {}): Promise<R.GoldenListing> {
    return this.call('golden_list', R.GoldenListing, {p_include_retired: options.includeRetired ?? false})
  }

  /** Golden leads stop being served; what is already out is still decided and scored. */
  retireGoldenLeads(goldenIds: readonly string[]): Promise<R.GoldenRetireResult> {
    return this.call('golden_retire', R.GoldenRetireResult, {p_golden_ids: goldenIds})
  }

  prospect(prospectId: string): Promise<R.ProspectConsensus> {
    return this.call('prospect_consensus', R.ProspectConsensus, {p_prospect_id: prospectId})
  }
}
