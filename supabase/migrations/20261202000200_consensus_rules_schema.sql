-- The consensus rules, second round: tables and columns. Functions are in the next migration.
--
-- * Eligibility counts what the seed counts (decisions taken with a full quorum of votes), and every
--   validator's participation (leases taken, voted, released, lapsed) is recorded per epoch.
-- * Probation: a validator found ineligible is refused at pull for the next epoch(s).
-- * The quorum timeout counts from a prospect's first lease: work nobody pulled is never thrown away;
--   optionally it expires, a third status that counts nowhere.
-- * The seed's `status` column follows every decision, so a rolled-back deployment (the seed's fetcher
--   reads status = 'pending') never serves decided work again.
-- * Weight commits belong to the hotkey that made them (validators keep their own).

-- ---------------------------------------------------------------------------------------------
-- Settings

alter table leadpoet.settings
  add column min_decided_per_epoch integer not null default 1
    check (min_decided_per_epoch between 0 and 1000000),
  add column max_abandoned_share numeric(5, 4) not null default 0.5
    check (max_abandoned_share between 0 and 1),
  add column probation_epochs integer not null default 1
    check (probation_epochs between 0 and 100),
  -- Off (null) by default: a prospect nobody has pulled waits for validators however long it takes.
  add column unpulled_expiry_blocks integer
    check (unpulled_expiry_blocks is null or unpulled_expiry_blocks between 1 and 100000000),
  -- The SS58 network prefix every caller's hotkey must carry (Bittensor: 42).
  add column ss58_prefix integer not null default 42 check (ss58_prefix between 0 and 16383);

-- ---------------------------------------------------------------------------------------------
-- prospect_queue

alter table public.prospect_queue
  add column first_leased_block bigint,
  add column decision_votes integer,
  add column full_quorum boolean;

comment on column public.prospect_queue.first_leased_block is
  'Chain-clock block of its first lease: the quorum timeout counts from here, never from enqueue.';
comment on column public.prospect_queue.decision_votes is 'Votes it had when it was decided.';
comment on column public.prospect_queue.full_quorum is
  'Decided with a full quorum of votes. Only these decisions count for (or against) a validator''s eligibility.';

update public.prospect_queue q
   set first_leased_block = l.first_block
  from (select prospect_id, min(leased_block) as first_block from leadpoet.prospect_leases group by prospect_id) l
 where q.id = l.prospect_id;

update public.prospect_queue q
   set decision_votes = v.votes,
       full_quorum = v.votes >= (select s.quorum from leadpoet.settings s)
  from (select prospect_id, count(*)::integer as votes from public.validation_tracking group by prospect_id) v
 where q.id = v.prospect_id and q.consensus_status in ('accepted', 'rejected');
update public.prospect_queue
   set decision_votes = 0, full_quorum = false
 where consensus_status in ('accepted', 'rejected') and decision_votes is null;

-- Expired: never pulled within unpulled_expiry_blocks. Neither accepted nor rejected; counts nowhere.
alter table public.prospect_queue
  drop constraint prospect_queue_consensus_status_check,
  add constraint prospect_queue_consensus_status_check
    check (consensus_status in ('pending', 'accepted', 'rejected', 'expired'));

-- The seed's column follows the decisions already taken (decide() keeps it so from now on).
update public.prospect_queue
   set status = consensus_status
 where consensus_status in ('accepted', 'rejected') and status is distinct from consensus_status;

-- The quorum timeout's scan: pending prospects by their first lease. Prospects never pulled are
-- found by the older index on queued_block (the optional expiry).
create index prospect_queue_first_leased_idx on public.prospect_queue (first_leased_block)
  where consensus_status = 'pending' and first_leased_block is not null;

-- ---------------------------------------------------------------------------------------------
-- Leases: the epoch each was taken in (participation is counted by it) and why one was given back.

alter table leadpoet.prospect_leases
  add column epoch_number bigint,
  add column release_reason text;

update leadpoet.prospect_leases l
   set epoch_number = l.leased_block / (select s.blocks_per_epoch from leadpoet.settings s);
update leadpoet.prospect_leases set release_reason = 'unspecified' where state = 'released';
alter table leadpoet.prospect_leases
  alter column epoch_number set not null,
  add constraint prospect_leases_release_reason_check check (
    (state = 'released') = (release_reason is not null)
    and (release_reason is null or release_reason in ('cannot_judge', 'network_unhealthy', 'shutting_down', 'unspecified')));

create index prospect_leases_epoch_idx on leadpoet.prospect_leases (epoch_number, validator_hotkey);

-- ---------------------------------------------------------------------------------------------
-- Eligibility snapshots: participation and the rules each validator failed, by name.

alter table leadpoet.epoch_validator_eligibility
  add column timeout_votes integer not null default 0,
  add column leases integer not null default 0,
  add column voted integer not null default 0,
  add column released integer not null default 0,
  add column lapsed integer not null default 0,
  add column abandoned_share numeric,
  add column failed_rules text[] not null default '{}';
update leadpoet.epoch_validator_eligibility
   set failed_rules = case reason when 'agreement_below_threshold' then array['agreement_below_threshold']
                                  when 'no_decided_leads' then array['too_few_decided']
                                  else '{}' end;
alter table leadpoet.epoch_validator_eligibility
  drop column reason,
  add constraint epoch_validator_eligibility_rules_check check (eligible = (cardinality(failed_rules) = 0));

-- ---------------------------------------------------------------------------------------------
-- Probation: who is refused at pull in which epoch, because of which closed epoch. Written when an
-- epoch is closed, with the per-epoch counts the safety rule reads: when fewer than `quorum`
-- candidates would be left able to pull, nobody is refused in that epoch.

create table leadpoet.validator_probations (
  epoch_number bigint not null,
  validator_hotkey text not null,
  source_epoch bigint not null references leadpoet.epoch_closures (epoch_number),
  failed_rules text[] not null,
  primary key (epoch_number, validator_hotkey)
);

create table leadpoet.epoch_probation_status (
  epoch_number bigint primary key,
  -- validators seen in the closed epochs this epoch's probation was decided from
  candidates integer not null,
  on_probation integer not null,
  updated_at timestamptz not null default now()
);

alter table leadpoet.validator_probations enable row level security;
alter table leadpoet.epoch_probation_status enable row level security;

-- ---------------------------------------------------------------------------------------------
-- Weight commits: each belongs to the hotkey that made it (the caller); its epoch is the chain's.

alter table leadpoet.weight_commits rename column epoch to chain_epoch;
alter index leadpoet.weight_commits_one_live_per_epoch rename to weight_commits_one_live_per_chain_epoch;
alter table leadpoet.weight_commits
  add constraint weight_commits_vectors_check check (
    cardinality(uids) = cardinality(weights) and cardinality(uids) between 1 and 65536
    and 0 <= all (uids) and 65535 >= all (uids) and 0 <= all (weights) and 65535 >= all (weights)
    and 0 <= all (salt) and 65535 >= all (salt)),
  add constraint weight_commits_chain_epoch_check check (chain_epoch >= 0);

-- ---------------------------------------------------------------------------------------------
-- Fair turns for every miner. Pulls serve the queue in (fair_round, queue_seq) order: a miner's
-- k-th waiting prospect is in round k counted from where the validators are when it is queued, so
-- a flood from one miner is interleaved with everyone else's prospects instead of standing in front
-- of them. Rounds are assigned under the enqueue lock, always past every validator's position, so
-- the order stays append-only for every validator (nothing is ever queued behind a position).

alter table leadpoet.settings
  add column max_pending_per_miner integer not null default 1000
    check (max_pending_per_miner between 1 and 1000000);

alter table public.prospect_queue
  add column fair_round bigint,
  -- Who profits from the prospect: its miner's coldkey when the metagraph snapshot knows it, else
  -- the miner's hotkey. A validator never judges a prospect of its own owner.
  add column owner_key text;

create table leadpoet.miner_queue_rounds (
  miner_hotkey text primary key,
  last_round bigint not null default 0
);

-- Every pending prospect takes the round it would have had under fair turns from the start.
with numbered as (
  select q.id, row_number() over (partition by q.miner_hotkey order by q.queue_seq) as n
    from public.prospect_queue q
   where q.consensus_status = 'pending'
)
update public.prospect_queue q set fair_round = n.n from numbered n where q.id = n.id;
update public.prospect_queue set fair_round = 0 where fair_round is null;
update public.prospect_queue set owner_key = miner_hotkey;
insert into leadpoet.miner_queue_rounds (miner_hotkey, last_round)
select q.miner_hotkey, max(q.fair_round) from public.prospect_queue q group by q.miner_hotkey;
alter table public.prospect_queue
  alter column fair_round set not null,
  alter column owner_key set not null;

comment on column public.prospect_queue.fair_round is
  'Fair turns: the prospect''s round (its miner''s k-th waiting prospect, counted from the validators'' position when it was queued). Pulls serve (fair_round, queue_seq) order.';

-- The pull's two scans, now in fair order.
drop index public.prospect_queue_pending_idx;
drop index public.prospect_queue_reopened_idx;
create index prospect_queue_pending_idx on public.prospect_queue (fair_round, queue_seq)
  where consensus_status = 'pending';
create index prospect_queue_reopened_idx on public.prospect_queue (fair_round, queue_seq)
  where consensus_status = 'pending' and reopened;

-- A miner's prospects: its listing, and the pending count its quota is checked against.
create index prospect_queue_miner_idx on public.prospect_queue (miner_hotkey, queue_seq);
create index prospect_queue_miner_pending_idx on public.prospect_queue (miner_hotkey)
  where consensus_status = 'pending';

-- A validator's position becomes a place in fair order; every validator reads the queue again from
-- the start once (what it already pulled is passed over).
alter table leadpoet.validator_queue_positions add column last_round bigint not null default 0;
update leadpoet.validator_queue_positions set last_round = 0, last_seq = 0;

-- ---------------------------------------------------------------------------------------------
-- Owners: hotkeys under one coldkey are one owner (from the metagraph snapshot, `auth metagraph`).

create table leadpoet.hotkey_owners (
  hotkey text primary key,
  coldkey text not null,
  updated_at timestamptz not null default now()
);

alter table leadpoet.miner_queue_rounds enable row level security;
alter table leadpoet.hotkey_owners enable row level security;

-- The one-row tables are never auto-analysed (too small to reach the threshold): give the planner
-- their real size, so no per-request plan is costed as if they held a thousand rows.
analyze leadpoet.settings, leadpoet.chain_anchor;

-- ---------------------------------------------------------------------------------------------
-- One lead per real mailbox: the canonical mailbox key (leadpoet.mailbox_key, the previous
-- migration but one) on every accepted lead and every waiting prospect. Unique on leads, so two
-- spellings of one mailbox can never both be accepted, whoever decides them and however concurrently.

alter table public.leads add column mailbox_key text;
alter table public.prospect_queue add column mailbox_key text;

update public.leads set mailbox_key = leadpoet.mailbox_key_or_null(email) where email is not null;
update public.prospect_queue set mailbox_key = leadpoet.mailbox_key_or_null(prospect ->> 'email')
 where consensus_status = 'pending';

-- Leads that already share a mailbox cannot take a unique index: say which, and stop before any
-- change is made (the migration is one transaction; it never stops half-way).
do $$
declare
  v_report text;
  v_groups integer;
begin
  select count(*), string_agg(format('%s (%s leads: %s)', d.mailbox_key, d.n, d.emails), '; ')
    into v_groups, v_report
    from (select l.mailbox_key, count(*) as n, string_agg(l.email, ', ' order by l.email) as emails
            from public.leads l where l.mailbox_key is not null
           group by l.mailbox_key having count(*) > 1
           order by l.mailbox_key limit 20) d;
  if v_groups > 0 then
    raise exception using errcode = 'LP409', message = format(
      'public.leads holds %s mailbox(es) more than once, so the one-lead-per-mailbox index cannot be built. '
      'Keep one lead per mailbox (delete or merge the others), then migrate again. First ones: %s',
      (select count(*) from (select 1 from public.leads l where l.mailbox_key is not null
                              group by l.mailbox_key having count(*) > 1) x), v_report);
  end if;
end
$$;

create unique index leads_mailbox_key_key on public.leads (mailbox_key);
create index prospect_queue_pending_mailbox_idx on public.prospect_queue (mailbox_key)
  where consensus_status = 'pending';

-- Every lead gets its key however it is written (a decision, or an operator's direct insert).
create function leadpoet.key_lead_mailbox()
returns trigger
language plpgsql security definer
set search_path = pg_catalog, pg_temp
as $$
begin
  new.mailbox_key := leadpoet.mailbox_key_or_null(new.email);
  return new;
end
$$;
revoke execute on function leadpoet.key_lead_mailbox() from public;
create trigger leads_key_mailbox
  before insert or update of email on public.leads
  for each row execute function leadpoet.key_lead_mailbox();
