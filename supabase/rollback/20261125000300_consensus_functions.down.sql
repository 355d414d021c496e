-- Undoes 20261125000300_consensus_functions: every RPC function. The helpers and types in schema
-- leadpoet go with the schema in the next rollback step.
drop function if exists
  public.consensus_clock(), public.set_chain_anchor(bigint, timestamptz, boolean),
  public.consensus_settings(), public.update_consensus_settings(jsonb),
  public.enqueue_prospects(jsonb), public.pull_prospects_for_validator(integer),
  public.submit_assessments(jsonb), public.sweep_consensus(),
  public.epoch_eligibility(bigint), public.epoch_miner_weights(bigint),
  public.close_epoch(bigint), public.clear_old_validation_tracking(),
  public.prospect_consensus(uuid), public.release_leases(jsonb),
  public.list_prospects(text, text, integer), public.consensus_stats(bigint),
  public.known_lead_emails(jsonb);
