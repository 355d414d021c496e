-- Consensus engine: tables, columns and indexes. Functions are in the next migration.
--
-- Layout: the tables Leadpoet's clients already know stay in `public` under their old names
-- (prospect_queue, leads, validation_tracking, consensus_results). The engine's own state lives in
-- schema `leadpoet`, which the Data API does not expose. Nobody but the functions touches either:
-- RLS is on everywhere with no policies, and anon/authenticated hold no table privileges.

create schema leadpoet;
revoke all on schema leadpoet from public;

-- One row: the rules of consensus. Changed only through update_consensus_settings().
create table leadpoet.settings (
  singleton boolean primary key default true check (singleton),
  quorum integer not null default 3 check (quorum between 1 and 15),
  majority integer not null default 2,
  eligibility_threshold numeric(5, 4) not null default 0.10 check (eligibility_threshold between 0 and 1),
  lease_seconds integer not null default 900 check (lease_seconds between 12 and 86400),
  max_live_leases_per_validator integer not null default 500 check (max_live_leases_per_validator between 1 and 100000),
  blocks_per_epoch integer not null default 360 check (blocks_per_epoch between 1 and 100000),
  block_seconds numeric(6, 3) not null default 12 check (block_seconds > 0),
  max_batch_size integer not null default 500 check (max_batch_size between 1 and 10000),
  -- The fallback when a quorum does not come (too few validators online, or every one of them gave
  -- the lead back): after this many blocks in the queue the sweep decides with the votes there are.
  quorum_timeout_blocks integer not null default 720 check (quorum_timeout_blocks between 1 and 1000000),
  updated_at timestamptz not null default now(),
  constraint settings_majority_is_a_majority check (majority * 2 > quorum and majority <= quorum)
);
insert into leadpoet.settings default values;

-- The database's clock is the chain's: the last block a chain-aware command saw, and when. Between
-- refreshes the block number moves on at block_seconds per block. Epochs and leases are counted in
-- blocks of this clock, so a test moves time by moving the anchor.
create table leadpoet.chain_anchor (
  singleton boolean primary key default true check (singleton),
  block_number bigint not null check (block_number >= 0),
  seen_at timestamptz not null,
  updated_at timestamptz not null default now()
);
insert into leadpoet.chain_anchor (block_number, seen_at) values (0, now());

-- prospect_queue: the seed's consensus columns plus what the engine needs to pull in queue order.
alter table public.prospect_queue
  add column if not exists validators_pulled text[] not null default '{}',
  add column if not exists pull_count integer not null default 0,
  add column if not exists consensus_status text default 'pending',
  add column if not exists consensus_timestamp timestamptz,
  add column if not exists consensus_epoch bigint,
  add column if not exists majority_valid boolean,
  add column if not exists decision_reason text,
  add column if not exists reopened boolean not null default false,
  add column if not exists queue_seq bigint,
  add column if not exists queued_block bigint;

comment on column public.prospect_queue.validators_pulled is
  'Every validator that ever pulled this prospect (a lapsed lease included): nobody pulls it twice.';
comment on column public.prospect_queue.pull_count is
  'Validators holding it now (a live lease or a vote); it is pullable while this is below the quorum.';
comment on column public.prospect_queue.reopened is
  'A lease lapsed and the slot is open again: pulls look behind their queue position for these.';
comment on column public.prospect_queue.majority_valid is
  'What the votes said (valid_count >= majority), even when the decision was overruled (duplicate email).';
comment on column public.prospect_queue.queued_block is
  'Chain-clock block it was queued at: the quorum timeout counts from here.';
comment on column public.prospect_queue.queue_seq is
  'Queue order. Assigned under the enqueue lock, so a larger number is never visible before a smaller one.';

-- Rows that predate consensus and were already handled by the old flow take no part in it.
update public.prospect_queue set consensus_status = null
 where status is distinct from 'pending' and consensus_status = 'pending';

alter table public.prospect_queue
  drop constraint if exists prospect_queue_consensus_status_check,
  add constraint prospect_queue_consensus_status_check
    check (consensus_status in ('pending', 'accepted', 'rejected'));

create sequence leadpoet.prospect_queue_seq;
update public.prospect_queue q
   set queue_seq = o.n
  from (select id, row_number() over (order by created_at, id) as n from public.prospect_queue) o
 where q.id = o.id;
select pg_catalog.setval('leadpoet.prospect_queue_seq',
                         coalesce((select max(queue_seq) from public.prospect_queue), 0) + 1, false);
alter table public.prospect_queue
  alter column queue_seq set default nextval('leadpoet.prospect_queue_seq'),
  alter column queue_seq set not null;

-- Rows queued before consensus start their quorum timeout now.
update public.prospect_queue set queued_block = 0 where queued_block is null;
alter table public.prospect_queue alter column queued_block set default 0, alter column queued_block set not null;

create unique index prospect_queue_queue_seq_key on public.prospect_queue (queue_seq);

-- Queue order is commit order: every insert (the enqueue function's, or an operator's direct one)
-- takes this lock before any queue_seq is drawn, and holds it to commit. A pull can therefore never
-- see a later prospect while an earlier one is still uncommitted and move its position past it.
create function leadpoet.serialize_enqueue()
returns trigger
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
begin
  perform pg_advisory_xact_lock(71001, 0);
  return null;
end
$$;
create trigger prospect_queue_serialize_enqueue
  before insert on public.prospect_queue
  for each statement execute function leadpoet.serialize_enqueue();
-- The pull's two scans: pending rows in queue order, and the few reopened ones behind a position.
create index prospect_queue_pending_idx on public.prospect_queue (queue_seq)
  where consensus_status = 'pending';
create index prospect_queue_reopened_idx on public.prospect_queue (queue_seq)
  where consensus_status = 'pending' and reopened;
create index prospect_queue_pending_since_idx on public.prospect_queue (queued_block)
  where consensus_status = 'pending';
create index prospect_queue_consensus_epoch_idx on public.prospect_queue (consensus_epoch)
  where consensus_epoch is not null;

-- A pull is a lease: the slot is the validator's until expires_block on the chain clock.
create table leadpoet.prospect_leases (
  prospect_id uuid not null references public.prospect_queue (id) on delete cascade,
  validator_hotkey text not null,
  leased_at timestamptz not null default now(),
  leased_block bigint not null,
  expires_block bigint not null,
  state text not null default 'live' check (state in ('live', 'voted', 'expired', 'released')),
  primary key (prospect_id, validator_hotkey)
);
create index prospect_leases_live_by_validator_idx on leadpoet.prospect_leases (validator_hotkey, expires_block)
  where state = 'live';
create index prospect_leases_live_by_expiry_idx on leadpoet.prospect_leases (expires_block)
  where state = 'live';

-- How far each validator has read the queue. Everything behind it was either taken by the validator
-- or full when it passed; full rows come back only through `reopened`. This keeps a pull's cost
-- independent of how many pending prospects the validator already holds or voted on.
create table leadpoet.validator_queue_positions (
  validator_hotkey text primary key,
  last_seq bigint not null default 0,
  updated_at timestamptz not null default now()
);

-- One vote per (prospect, validator). lead_id is the prospect's id, the same for every vote on it.
create table public.validation_tracking (
  id uuid primary key default gen_random_uuid(),
  lead_id uuid not null,
  prospect_id uuid not null references public.prospect_queue (id) on delete cascade,
  validator_hotkey text not null,
  score numeric(3, 2) not null check (score between 0 and 1),
  is_valid boolean not null,
  rejection_reasons jsonb not null default '[]' check (jsonb_typeof(rejection_reasons) = 'array'),
  validation_timestamp timestamptz not null default now(),
  epoch_number bigint not null,
  created_at timestamptz not null default now(),
  constraint validation_tracking_one_vote_per_validator unique (prospect_id, validator_hotkey),
  constraint validation_tracking_lead_is_prospect check (lead_id = prospect_id)
);
create index validation_tracking_epoch_idx on public.validation_tracking (epoch_number);

-- leads: the seed's consensus columns. Accepted leads land here once, keyed by their prospect.
alter table public.leads
  add column if not exists prospect_id uuid,
  add column if not exists consensus_score numeric(3, 2),
  add column if not exists validator_count integer,
  add column if not exists consensus_validators text[],
  add column if not exists consensus_status text,
  add column if not exists epoch_number bigint,
  add column if not exists validated_at timestamptz default now();
create unique index leads_prospect_id_key on public.leads (prospect_id);
-- Validators ask whether an email is already a lead (their duplicate check), case-insensitively.
create index leads_email_lower_idx on public.leads (lower(email));

-- The seed's consensus_results, as a plain view: always current and free on insert (the seed's
-- materialized view was refreshed per statement, a scan of every vote for every vote).
create view public.consensus_results with (security_invoker = true) as
select v.lead_id,
       v.prospect_id,
       count(*)::integer as total_validations,
       (count(*) filter (where v.is_valid))::integer as valid_count,
       (count(*) filter (where not v.is_valid))::integer as invalid_count,
       array_agg(v.validator_hotkey order by v.validator_hotkey) as validators,
       round(avg(v.score), 2) as avg_score,
       max(v.validation_timestamp) as last_validated
  from public.validation_tracking v
 group by v.lead_id, v.prospect_id;

-- Closed epochs: what was paid for them. Written once by close_epoch(), read instead of the live
-- tally afterwards, so clearing votes never changes an epoch's rewards.
create table leadpoet.epoch_closures (
  epoch_number bigint primary key,
  closed_at timestamptz not null default now(),
  closed_by text not null,
  decided_leads integer not null,
  accepted_leads integer not null,
  cleared_at timestamptz
);

create table leadpoet.epoch_validator_eligibility (
  epoch_number bigint not null references leadpoet.epoch_closures (epoch_number) on delete cascade,
  validator_hotkey text not null,
  decided_leads integer not null,
  matching_votes integer not null,
  agreement numeric not null,
  eligible boolean not null,
  reason text not null,
  primary key (epoch_number, validator_hotkey)
);

create table leadpoet.epoch_miner_weights (
  epoch_number bigint not null references leadpoet.epoch_closures (epoch_number) on delete cascade,
  miner_hotkey text not null,
  accepted_leads integer not null,
  share numeric not null,
  primary key (epoch_number, miner_hotkey)
);

-- Access: the functions (security definer) are the only way in.
alter table public.prospect_queue enable row level security;
alter table public.leads enable row level security;
alter table public.validation_tracking enable row level security;
alter table leadpoet.settings enable row level security;
alter table leadpoet.chain_anchor enable row level security;
alter table leadpoet.prospect_leases enable row level security;
alter table leadpoet.validator_queue_positions enable row level security;
alter table leadpoet.epoch_closures enable row level security;
alter table leadpoet.epoch_validator_eligibility enable row level security;
alter table leadpoet.epoch_miner_weights enable row level security;

revoke all on public.prospect_queue, public.leads, public.validation_tracking, public.consensus_results
  from public, anon, authenticated;
