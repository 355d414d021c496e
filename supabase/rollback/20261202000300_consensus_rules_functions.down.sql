-- Undoes 20261202000300_consensus_rules_functions: the functions it added go. The functions it
-- replaced keep their new bodies until the earlier rollback steps drop them: rollback files run as a
-- set, newest first, back to the tables Leadpoet had before consensus (the seed's Rollback Plan).
drop function if exists leadpoet.probation_of(text, bigint), leadpoet.probation_lifted(bigint),
  leadpoet.record_probation(bigint), leadpoet.probation_json(bigint),
  leadpoet.raise_not_eligible(text, bigint, text), leadpoet.eligibility_json(leadpoet.eligibility);
drop function if exists public.update_weight_commit(uuid, text, bigint, text, bigint), public.release_leases(jsonb, text), public.weight_commits_open(integer),
  public.weight_commit_in_epoch(integer, bigint), public.epoch_eligibility(bigint), public.close_epoch(bigint),
  public.consensus_stats(bigint);
drop function if exists leadpoet.live_eligibility(bigint, text);
drop type if exists leadpoet.eligibility;
drop function if exists public.record_hotkey_owners(jsonb), leadpoet.prospect_fields(), leadpoet.prospect_problem(jsonb);
drop trigger if exists prospect_queue_prepare on public.prospect_queue;
drop function if exists leadpoet.prepare_queued_prospect();
drop index if exists leadpoet.validator_queue_positions_round_idx;
do $$
begin
  execute format('alter role anon in database %I reset statement_timeout', current_database());
  execute format('alter role authenticated in database %I reset statement_timeout', current_database());
end
$$;
