-- Undoes 20261202000900_golden_leads: the golden tables, columns, settings and functions go, golden
-- instances leave the queue (with their leases and votes). The functions it replaced keep their new
-- bodies until the earlier rollback steps drop them (rollback files run as a set, newest first).
drop trigger if exists validation_tracking_score_golden on public.validation_tracking;
delete from public.validation_tracking v using public.prospect_queue q
 where v.prospect_id = q.id and q.golden_lead_id is not null;
delete from public.prospect_queue where golden_lead_id is not null;
drop function if exists public.golden_add(jsonb), public.golden_list(boolean), public.golden_retire(jsonb),
  leadpoet.golden_lead_json(leadpoet.golden_leads), leadpoet.golden_scores(bigint),
  leadpoet.score_golden_votes(), leadpoet.serve_golden_lead(text, bigint, bigint, bigint, integer, timestamptz),
  leadpoet.golden_slot_index(text, text, bigint, numeric), leadpoet.wilson_upper_bound(numeric, numeric), leadpoet.eligibility_without_golden(leadpoet.eligibility);
drop index if exists public.prospect_queue_golden_pending_idx;
alter table public.prospect_queue drop column if exists golden_lead_id;
drop table if exists leadpoet.golden_decisions, leadpoet.golden_votes, leadpoet.golden_serves,
  leadpoet.golden_validator_state, leadpoet.golden_secret, leadpoet.golden_leads;
alter table leadpoet.epoch_validator_eligibility
  drop column if exists golden_votes, drop column if exists golden_correct,
  drop column if exists golden_accuracy, drop column if exists golden_rule;
alter table leadpoet.settings
  drop column if exists golden_rate, drop column if exists min_golden_accuracy, drop column if exists min_golden_votes;
