-- Undoes 20261125000200_consensus_schema (the seed's Rollback Plan): every table, column, index and
-- view consensus added. The pre-consensus tables stay, and so do the rows of leads (accepted leads
-- included); only the consensus columns go. The roles anon/authenticated/service_role stay: they are
-- cluster-wide and hosted Supabase owns them. Row level security stays on for the kept tables: turning
-- it off could open them to roles that hold table grants.
drop trigger if exists prospect_queue_serialize_enqueue on public.prospect_queue;
drop view if exists public.consensus_results;
drop table if exists public.validation_tracking;
drop schema if exists leadpoet cascade;

drop index if exists public.leads_prospect_id_key;
drop index if exists public.leads_email_lower_idx;
alter table public.leads
  drop column if exists prospect_id,
  drop column if exists consensus_score,
  drop column if exists validator_count,
  drop column if exists consensus_validators,
  drop column if exists consensus_status,
  drop column if exists epoch_number;

drop index if exists public.prospect_queue_queue_seq_key;
drop index if exists public.prospect_queue_pending_idx;
drop index if exists public.prospect_queue_reopened_idx;
drop index if exists public.prospect_queue_pending_since_idx;
drop index if exists public.prospect_queue_consensus_epoch_idx;
alter table public.prospect_queue
  drop constraint if exists prospect_queue_consensus_status_check,
  drop column if exists validators_pulled,
  drop column if exists pull_count,
  drop column if exists consensus_status,
  drop column if exists consensus_timestamp,
  drop column if exists consensus_epoch,
  drop column if exists majority_valid,
  drop column if exists decision_reason,
  drop column if exists reopened,
  drop column if exists queue_seq,
  drop column if exists queued_block;
