-- Undoes 20261202000200_consensus_rules_schema. Decisions survive: the seed's `status` column already
-- says accepted or rejected for every decided prospect (decide() writes it), so the seed's fetcher,
-- which serves status = 'pending', never hands decided work out again. Prospects that expired unpulled
-- keep status 'expired'.
drop trigger if exists leads_key_mailbox on public.leads;
drop function if exists leadpoet.key_lead_mailbox();
drop index if exists public.leads_mailbox_key_key, public.prospect_queue_pending_mailbox_idx;
alter table public.leads drop column if exists mailbox_key;
alter table public.prospect_queue drop column if exists mailbox_key;
update public.prospect_queue
   set status = consensus_status
 where consensus_status in ('accepted', 'rejected', 'expired') and status is distinct from consensus_status;

drop table if exists leadpoet.validator_probations, leadpoet.epoch_probation_status;

alter table leadpoet.weight_commits
  drop constraint if exists weight_commits_vectors_check,
  drop constraint if exists weight_commits_chain_epoch_check;
alter index if exists leadpoet.weight_commits_one_live_per_chain_epoch rename to weight_commits_one_live_per_epoch;
alter table leadpoet.weight_commits rename column chain_epoch to epoch;

alter table leadpoet.epoch_validator_eligibility
  drop constraint if exists epoch_validator_eligibility_rules_check,
  add column reason text;
update leadpoet.epoch_validator_eligibility
   set reason = case when eligible then 'agreement_at_or_above_threshold'
                     when 'agreement_below_threshold' = any (failed_rules) then 'agreement_below_threshold'
                     else 'no_decided_leads' end;
alter table leadpoet.epoch_validator_eligibility
  alter column reason set not null,
  drop column timeout_votes, drop column leases, drop column voted, drop column released, drop column lapsed,
  drop column abandoned_share, drop column failed_rules;

drop index if exists leadpoet.prospect_leases_epoch_idx;
alter table leadpoet.prospect_leases
  drop constraint if exists prospect_leases_release_reason_check,
  drop column epoch_number,
  drop column release_reason;

drop index if exists public.prospect_queue_first_leased_idx;
-- An expired prospect was never pulled: before this migration it would still be pending.
update public.prospect_queue set consensus_status = 'pending', decision_reason = null, consensus_epoch = null,
                                 consensus_timestamp = null
 where consensus_status = 'expired';
alter table public.prospect_queue
  drop constraint prospect_queue_consensus_status_check,
  add constraint prospect_queue_consensus_status_check check (consensus_status in ('pending', 'accepted', 'rejected')),
  drop column first_leased_block,
  drop column decision_votes,
  drop column full_quorum;

alter table leadpoet.settings
  drop column min_decided_per_epoch,
  drop column max_abandoned_share,
  drop column probation_epochs,
  drop column unpulled_expiry_blocks,
  drop column ss58_prefix;

drop table if exists leadpoet.miner_queue_rounds, leadpoet.hotkey_owners;
alter table leadpoet.validator_queue_positions drop column if exists last_round;
update leadpoet.validator_queue_positions set last_seq = 0;
drop index if exists public.prospect_queue_miner_idx, public.prospect_queue_miner_pending_idx;
drop index if exists public.prospect_queue_pending_idx, public.prospect_queue_reopened_idx;
create index prospect_queue_pending_idx on public.prospect_queue (queue_seq) where consensus_status = 'pending';
create index prospect_queue_reopened_idx on public.prospect_queue (queue_seq)
  where consensus_status = 'pending' and reopened;
alter table public.prospect_queue drop column if exists fair_round, drop column if exists owner_key;
alter table leadpoet.settings drop column if exists max_pending_per_miner;
