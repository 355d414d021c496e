-- Golden leads: known-answer leads mixed into validators' pulls, so false positives and negatives
-- are measured, per validator and for the consensus, where the truth is known.
--
-- * A golden lead is served as an ordinary queue row (a "golden instance" in public.prospect_queue,
--   golden_lead_id set), through the same leases, votes and decisions as a miner's prospect: up to
--   `quorum` validators judge one instance, so the consensus is scored on it too. It never enters
--   `leads`, never weights a miner and never counts as a miner's prospect (no miner, no mailbox key,
--   no fair round; the fair-order scans pass it over).
-- * Each validator's golden slots fall at golden_rate of the items it is served, at places a secret
--   hash chooses (leadpoet.golden_slot_index): deterministic for the database, unpredictable to the
--   validator. The same golden lead is never served twice to one validator (golden_serves).
-- * Nothing a validator can call says which items were golden: validators never see a prospect's
--   miner, a golden lead accepted by consensus is a known lead to the validators that judged it
--   (as an accepted prospect is), and golden figures are shown to a validator only for closed epochs.
-- * Each validator is served valid and invalid golden leads in turn, so one that always says the
--   same thing scores about 50 % whatever the set holds.
-- * Eligibility gains min_golden_accuracy, applied once a validator has min_golden_votes golden votes
--   in the epoch; under that it is reported as not applied. Once failed, the validator's pulls are
--   refused for the rest of the epoch.
-- Errors as before (LP400 bad input, nothing written; LP403 wrong role), plus LP407 unknown golden lead.

-- ---------------------------------------------------------------------------------------------
-- Tables

alter table leadpoet.settings
  add column golden_rate numeric(5, 4) not null default 0.05 check (golden_rate between 0 and 0.5),
  add column min_golden_accuracy numeric(5, 4) not null default 0.7 check (min_golden_accuracy between 0 and 1),
  add column min_golden_votes integer not null default 10 check (min_golden_votes between 1 and 1000000);
analyze leadpoet.settings;

create table leadpoet.golden_leads (
  id uuid primary key default gen_random_uuid(),
  -- the order they were added in (the listing's)
  seq bigint generated always as identity,
  prospect jsonb not null,
  expected_valid boolean not null,
  note text,
  added_by text not null,
  added_at timestamptz not null default now(),
  retired_by text,
  retired_at timestamptz,
  -- queue rows made of it so far (each judged by up to `quorum` validators)
  instances integer not null default 0,
  check ((retired_at is null) = (retired_by is null))
);

-- The secret the golden slots are drawn from. Validators cannot read it (RLS on, no grants).
create table leadpoet.golden_secret (
  singleton boolean primary key default true check (singleton),
  secret text not null default gen_random_uuid()::text || gen_random_uuid()::text
);
insert into leadpoet.golden_secret default values;

-- Per validator: items served by pulls (golden ones included) and golden slots passed so far.
create table leadpoet.golden_validator_state (
  validator_hotkey text primary key,
  served bigint not null default 0,
  slots bigint not null default 0,
  -- golden leads served to it, by expected verdict (each validator's alternate, see serve_golden_lead)
  valid_served integer not null default 0,
  invalid_served integer not null default 0
);

-- Who was served which golden lead: never twice to one validator.
create table leadpoet.golden_serves (
  golden_lead_id uuid not null references leadpoet.golden_leads (id),
  validator_hotkey text not null,
  prospect_id uuid not null,
  served_block bigint not null,
  primary key (golden_lead_id, validator_hotkey)
);

-- Scores outlive the votes (clear_old_validation_tracking deletes those of old epochs).
create table leadpoet.golden_votes (
  prospect_id uuid not null,
  validator_hotkey text not null,
  golden_lead_id uuid not null references leadpoet.golden_leads (id),
  epoch_number bigint not null,
  is_valid boolean not null,
  expected_valid boolean not null,
  primary key (prospect_id, validator_hotkey)
);
create index golden_votes_epoch_idx on leadpoet.golden_votes (epoch_number, validator_hotkey);

create table leadpoet.golden_decisions (
  prospect_id uuid primary key,
  golden_lead_id uuid not null references leadpoet.golden_leads (id),
  epoch_number bigint not null,
  accepted boolean not null,
  expected_valid boolean not null,
  votes integer not null,
  full_quorum boolean not null
);
create index golden_decisions_epoch_idx on leadpoet.golden_decisions (epoch_number);

alter table leadpoet.golden_leads enable row level security;
alter table leadpoet.golden_secret enable row level security;
alter table leadpoet.golden_validator_state enable row level security;
alter table leadpoet.golden_serves enable row level security;
alter table leadpoet.golden_votes enable row level security;
alter table leadpoet.golden_decisions enable row level security;

alter table public.prospect_queue add column golden_lead_id uuid references leadpoet.golden_leads (id);
comment on column public.prospect_queue.golden_lead_id is
  'Set on a golden instance: a known-answer lead served like a prospect. No miner''s; never a lead.';
-- Golden instances still open for another validator, oldest first.
create index prospect_queue_golden_pending_idx on public.prospect_queue (queue_seq)
  where golden_lead_id is not null and consensus_status = 'pending';

alter table leadpoet.epoch_validator_eligibility
  add column golden_votes integer not null default 0,
  add column golden_correct integer not null default 0,
  add column golden_accuracy numeric,
  add column golden_rule text not null default 'not_applied'
    check (golden_rule in ('passed', 'failed', 'not_applied'));

-- ---------------------------------------------------------------------------------------------
-- Queue inserts: a golden instance is inserted by a pull, which holds the queue-order lock shared.
-- It takes no part in queue order (the fair-order scans pass it over), so it skips that lock; the
-- flag is transaction-local and set only by leadpoet.serve_golden_lead.

create or replace function leadpoet.serialize_enqueue()
returns trigger
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
begin
  if current_setting('leadpoet.golden_insert', true) = 'on' then
    return null;
  end if;
  perform pg_advisory_xact_lock(71001, 0);
  return null;
end
$$;

create or replace function leadpoet.prepare_queued_prospect()
returns trigger
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
declare
  v_frontier bigint;
begin
  -- A golden instance has no miner, no round and no mailbox key: it counts for no miner and never
  -- makes a miner's prospect a duplicate.
  if new.golden_lead_id is not null then
    new.fair_round := 0;
    new.owner_key := 'golden';
    new.mailbox_key := null;
    return new;
  end if;
  if new.fair_round is null then
    v_frontier := coalesce((select p.last_round from leadpoet.validator_queue_positions p
                             order by p.last_round desc limit 1), 0);
    insert into leadpoet.miner_queue_rounds as r (miner_hotkey, last_round)
    values (new.miner_hotkey, v_frontier + 1)
    on conflict (miner_hotkey) do update set last_round = greatest(r.last_round, v_frontier) + 1
    returning r.last_round into new.fair_round;
  end if;
  new.owner_key := coalesce(new.owner_key,
                            (select o.coldkey from leadpoet.hotkey_owners o where o.hotkey = new.miner_hotkey),
                            new.miner_hotkey);
  new.mailbox_key := coalesce(new.mailbox_key, leadpoet.mailbox_key_or_null(new.prospect ->> 'email'));
  return new;
end
$$;

-- ---------------------------------------------------------------------------------------------
-- Golden slots and serving

-- The serve index (0-based, counting every item a validator was served by pulls) of its k-th golden
-- slot: floor((k + u) / rate), u in [0, 1) from a hash of the secret, the validator and k. Exactly
-- `rate` of the items in the long run, one slot in each stretch of 1/rate items, at a place only the
-- database knows.
create function leadpoet.golden_slot_index(p_secret text, p_hotkey text, p_slot bigint, p_rate numeric)
returns bigint
language sql immutable
set search_path = pg_catalog, pg_temp
as $$
  select floor((p_slot + ('x' || left(encode(sha256(convert_to(p_secret || ':' || p_hotkey || ':' || p_slot, 'UTF8')),
                                              'hex'), 8))::bit(32)::bigint / 4294967296.0) / p_rate)::bigint
$$;

-- The upper bound of the 95 % Wilson score interval of `p_successes` out of `p_trials` (z = 1.96).
create function leadpoet.wilson_upper_bound(p_successes numeric, p_trials numeric)
returns numeric
language sql immutable
set search_path = pg_catalog, pg_temp
as $$
  select case when p_trials <= 0 then 1 else
    (p_successes / p_trials + 1.9208 / p_trials
     + 1.96 * sqrt(p_successes / p_trials * (1 - p_successes / p_trials) / p_trials + 0.9604 / (p_trials * p_trials)))
    / (1 + 3.8416 / p_trials) end
$$;

-- Leases one golden instance to the validator and returns it as a pulled item (the same keys as a
-- queue row's), or null when no golden lead is left that it was never served. The expected verdict
-- it has been served less of comes first, so each validator's golden leads are about half valid
-- whatever the set holds: a validator that always says one thing scores about 50 %. Then an open
-- instance waiting for more validators (so the consensus is measured too), else a new one of the
-- golden lead served least, ties in an order of the secret's. `p_queued_at`: a new instance shows
-- the queue time of the row next to it in the batch, not the moment of the pull.
create function leadpoet.serve_golden_lead(p_hotkey text, p_block bigint, p_expires_block bigint, p_epoch bigint,
                                           p_quorum integer, p_queued_at timestamptz)
returns jsonb
language plpgsql volatile
set search_path = pg_catalog, pg_temp
as $$
declare
  v_id uuid;
  v_golden_id uuid;
  v_item jsonb;
  v_secret text := (select s.secret from leadpoet.golden_secret s);
  v_state leadpoet.golden_validator_state;
  v_want_valid boolean;
  v_expected boolean;
  v_pass integer;
begin
  select * into v_state from leadpoet.golden_validator_state g where g.validator_hotkey = p_hotkey;
  v_want_valid := case when v_state.valid_served <> v_state.invalid_served then v_state.valid_served < v_state.invalid_served
                       else get_byte(sha256(convert_to(v_secret || p_hotkey || (v_state.valid_served + v_state.invalid_served), 'UTF8')), 0) % 2 = 0 end;

  -- Passes: an open instance of the wanted verdict, a new one of it, then either verdict likewise.
  for v_pass in 1..2 loop
    select q.id, q.golden_lead_id into v_id, v_golden_id
      from public.prospect_queue q
      join leadpoet.golden_leads g on g.id = q.golden_lead_id
     where q.golden_lead_id is not null and q.consensus_status = 'pending' and q.pull_count < p_quorum
       and not (p_hotkey = any (q.validators_pulled))
       and not exists (select 1 from leadpoet.golden_serves x
                        where x.golden_lead_id = q.golden_lead_id and x.validator_hotkey = p_hotkey)
       and g.retired_at is null and (v_pass = 2 or g.expected_valid = v_want_valid)
     order by q.queue_seq
     limit 1
       for update of q skip locked;
    exit when v_id is not null;
    select g.id into v_golden_id
      from leadpoet.golden_leads g
     where g.retired_at is null and (v_pass = 2 or g.expected_valid = v_want_valid)
       and not exists (select 1 from leadpoet.golden_serves x where x.golden_lead_id = g.id and x.validator_hotkey = p_hotkey)
     order by g.instances, sha256(convert_to(v_secret || p_hotkey || g.seq::text, 'UTF8'))
     limit 1
       for update of g skip locked;
    exit when v_golden_id is not null;
  end loop;

  if v_id is null then
    if v_golden_id is null then
      return null;
    end if;
    perform set_config('leadpoet.golden_insert', 'on', true);
    insert into public.prospect_queue (miner_hotkey, prospect, queued_block, golden_lead_id, created_at)
    select 'golden', g.prospect, p_block, g.id, p_queued_at from leadpoet.golden_leads g where g.id = v_golden_id
    returning id into v_id;
    perform set_config('leadpoet.golden_insert', 'off', true);
    update leadpoet.golden_leads g set instances = g.instances + 1 where g.id = v_golden_id;
  end if;

  update public.prospect_queue q
     set validators_pulled = q.validators_pulled || p_hotkey,
         pull_count = q.pull_count + 1,
         reopened = q.reopened and q.pull_count + 1 < p_quorum,
         first_leased_block = coalesce(q.first_leased_block, p_block)
   where q.id = v_id
  returning jsonb_build_object('prospect_id', q.id, 'lead_id', q.id, 'prospect', q.prospect,
                               'queued_at', q.created_at, 'lease_expires_block', p_expires_block)
    into v_item;
  insert into leadpoet.prospect_leases (prospect_id, validator_hotkey, leased_block, expires_block, epoch_number)
  values (v_id, p_hotkey, p_block, p_expires_block, p_epoch);
  insert into leadpoet.golden_serves (golden_lead_id, validator_hotkey, prospect_id, served_block)
  values (v_golden_id, p_hotkey, v_id, p_block);
  select g.expected_valid into v_expected from leadpoet.golden_leads g where g.id = v_golden_id;
  update leadpoet.golden_validator_state g
     set valid_served = g.valid_served + case when v_expected then 1 else 0 end,
         invalid_served = g.invalid_served + case when v_expected then 0 else 1 end
   where g.validator_hotkey = p_hotkey;
  return v_item;
end
$$;

-- Every vote on a golden instance is scored, however it was written.
create function leadpoet.score_golden_votes()
returns trigger
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
begin
  insert into leadpoet.golden_votes (prospect_id, validator_hotkey, golden_lead_id, epoch_number, is_valid, expected_valid)
  select n.prospect_id, n.validator_hotkey, q.golden_lead_id, coalesce(n.epoch_number, 0), n.is_valid, g.expected_valid
    from new_votes n
    join public.prospect_queue q on q.id = n.prospect_id
    join leadpoet.golden_leads g on g.id = q.golden_lead_id
   where n.is_valid is not null
  on conflict do nothing;
  return null;
end
$$;
create trigger validation_tracking_score_golden
  after insert on public.validation_tracking
  referencing new table as new_votes
  for each statement execute function leadpoet.score_golden_votes();

-- ---------------------------------------------------------------------------------------------
-- Golden scores: per validator (validator_hotkey) and for the consensus (validator_hotkey null), in
-- one epoch. A validator's votes count in the epoch they were cast; the consensus's decisions in the
-- epoch they were taken, with a full quorum only (a quorum timeout is no consensus). Positive means
-- "valid": a false positive is an invalid golden lead called valid.
create function leadpoet.golden_scores(p_epoch bigint)
returns table (validator_hotkey text, golden_votes integer, true_positive integer, false_positive integer,
               true_negative integer, false_negative integer, accuracy numeric)
language sql stable
set search_path = pg_catalog, pg_temp
as $$
  with answers as (
    select v.validator_hotkey, v.is_valid as said_valid, v.expected_valid
      from leadpoet.golden_votes v where v.epoch_number = p_epoch
    union all
    select null, d.accepted, d.expected_valid
      from leadpoet.golden_decisions d where d.epoch_number = p_epoch and d.full_quorum
  )
  select a.validator_hotkey, count(*)::integer,
         (count(*) filter (where a.said_valid and a.expected_valid))::integer,
         (count(*) filter (where a.said_valid and not a.expected_valid))::integer,
         (count(*) filter (where not a.said_valid and not a.expected_valid))::integer,
         (count(*) filter (where not a.said_valid and a.expected_valid))::integer,
         round((count(*) filter (where a.said_valid = a.expected_valid))::numeric / count(*), 4)
    from answers a
   group by a.validator_hotkey
   order by a.validator_hotkey nulls first
$$;


-- ---------------------------------------------------------------------------------------------
-- Settings: golden_rate, min_golden_accuracy and min_golden_votes join the settable ones.

create or replace function public.update_consensus_settings(p_changes jsonb)
returns jsonb
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_allowed text[] := array['quorum', 'majority', 'eligibility_threshold', 'lease_seconds',
                            'max_live_leases_per_validator', 'blocks_per_epoch', 'block_seconds',
                            'max_batch_size', 'quorum_timeout_blocks', 'min_decided_per_epoch',
                            'max_abandoned_share', 'probation_epochs', 'unpulled_expiry_blocks', 'ss58_prefix',
                            'max_pending_per_miner', 'golden_rate', 'min_golden_accuracy', 'min_golden_votes'];
  -- Settings that may be null (turned off).
  v_nullable text[] := array['unpulled_expiry_blocks'];
  v_unknown text;
  v_old leadpoet.settings;
  v_new leadpoet.settings;
begin
  perform leadpoet.require_caller(array['operator']);
  select * into v_old from leadpoet.settings for update;
  if p_changes is null or jsonb_typeof(p_changes) <> 'object' or p_changes = '{}'::jsonb then
    raise exception using errcode = 'LP400', message = 'settings changes must be a non-empty JSON object';
  end if;
  select k into v_unknown from jsonb_object_keys(p_changes) k where not (k = any (v_allowed)) limit 1;
  if v_unknown is not null then
    raise exception using errcode = 'LP400',
      message = format('unknown setting %s (known: %s)', v_unknown, array_to_string(v_allowed, ', '));
  end if;
  if exists (select 1 from jsonb_each(p_changes) e
              where jsonb_typeof(e.value) <> 'number' and not (jsonb_typeof(e.value) = 'null' and e.key = any (v_nullable))) then
    raise exception using errcode = 'LP400',
      message = format('every setting is a number (%s may also be null: off)', array_to_string(v_nullable, ', '));
  end if;
  begin
    select * into v_new from jsonb_populate_record((select s from leadpoet.settings s), p_changes);
    update leadpoet.settings s
       set quorum = v_new.quorum, majority = v_new.majority,
           eligibility_threshold = v_new.eligibility_threshold, lease_seconds = v_new.lease_seconds,
           max_live_leases_per_validator = v_new.max_live_leases_per_validator,
           blocks_per_epoch = v_new.blocks_per_epoch, block_seconds = v_new.block_seconds,
           max_batch_size = v_new.max_batch_size, quorum_timeout_blocks = v_new.quorum_timeout_blocks,
           min_decided_per_epoch = v_new.min_decided_per_epoch, max_abandoned_share = v_new.max_abandoned_share,
           probation_epochs = v_new.probation_epochs, unpulled_expiry_blocks = v_new.unpulled_expiry_blocks,
           ss58_prefix = v_new.ss58_prefix, max_pending_per_miner = v_new.max_pending_per_miner,
           golden_rate = v_new.golden_rate, min_golden_accuracy = v_new.min_golden_accuracy,
           min_golden_votes = v_new.min_golden_votes,
           updated_at = now();
  exception when check_violation or invalid_text_representation or numeric_value_out_of_range then
    raise exception using errcode = 'LP400', message = 'settings refused: ' || sqlerrm;
  end;
  if v_new.quorum > v_old.quorum then
    -- Rows that were full are behind every validator's queue position: reopen them.
    update public.prospect_queue q set reopened = true
     where q.consensus_status = 'pending' and q.pull_count >= v_old.quorum and q.pull_count < v_new.quorum;
  elsif v_new.quorum < v_old.quorum then
    -- Some pending prospects may already hold the new quorum of votes: decide them now.
    perform leadpoet.decide(array(
              select q.id from public.prospect_queue q
               where q.id = any (array(select v.prospect_id from public.validation_tracking v
                                         join public.prospect_queue p on p.id = v.prospect_id
                                        where p.consensus_status = 'pending'
                                        group by v.prospect_id having count(*) >= v_new.quorum))
               order by q.id
                 for update), leadpoet.lock_decision_epoch());
  end if;
  return leadpoet.settings_json();
end
$$;


-- ---------------------------------------------------------------------------------------------
-- Pull (validators): as before, with golden slots. A golden lead is leased like any row, placed in
-- the batch at its slot, in the same shape (prospect_id, lead_id, prospect, queued_at,
-- lease_expires_block).

create or replace function public.pull_prospects_for_validator(p_limit integer default 50)
returns jsonb
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
set plan_cache_mode = force_custom_plan
set enable_seqscan = off
set enable_bitmapscan = off
set jit = off
as $$
declare
  v_caller leadpoet.caller := leadpoet.require_caller(array['validator']);
  s leadpoet.settings;
  v_block bigint;
  v_epoch bigint;
  v_expires_block bigint;
  v_owner text;
  v_round bigint;
  v_position bigint;
  v_live integer;
  v_room integer;
  v_candidates uuid[];
  v_held jsonb;
  v_taken jsonb;
  v_taken_ids uuid[];
  v_last_read record;
  v_first_skipped record;
  v_probation leadpoet.validator_probations;
  v_golden leadpoet.golden_validator_state;
  v_secret text := (select g.secret from leadpoet.golden_secret g);
  v_golden_due integer := 0;
  v_golden_used integer := 0;
  v_next_slot bigint;
  v_real jsonb;
  v_real_count integer;
  v_real_index integer := 0;
  v_served integer := 0;
  v_item jsonb;
begin
  select * into s from leadpoet.settings;
  if p_limit is null or p_limit < 1 then
    raise exception using errcode = 'LP400', message = 'limit must be a positive integer';
  end if;
  if p_limit > s.max_batch_size then
    raise exception using errcode = 'LP413',
      message = format('limit %s is over the batch cap of %s', p_limit, s.max_batch_size);
  end if;
  v_block := leadpoet.current_block();
  -- Leases are counted in the epoch they are taken in; held open like a decision's (see lock_decision_epoch).
  v_epoch := leadpoet.lock_decision_epoch();
  v_probation := leadpoet.probation_of(v_caller.hotkey, v_epoch);
  if v_probation.validator_hotkey is not null then
    perform leadpoet.raise_not_eligible(v_caller.hotkey, v_probation.source_epoch, format('on probation in epoch %s', v_epoch));
  end if;
  -- The golden rule, live: a validator whose golden votes in this epoch show beyond doubt that it
  -- fails min_golden_accuracy (at least min_golden_votes of them, and even the upper bound of their
  -- 95 % Wilson interval under it) is refused for the rest of the epoch: every further vote would
  -- only weigh on the consensus. The bound keeps an honest validator's unlucky first votes from
  -- stopping it (the plain rule, at the close, judges the whole epoch). No figures are given: they
  -- would say which of its items were golden.
  if exists (select 1 from (select count(*)::numeric as votes,
                                   (count(*) filter (where g.is_valid = g.expected_valid))::numeric as correct
                              from leadpoet.golden_votes g
                             where g.epoch_number = v_epoch and g.validator_hotkey = v_caller.hotkey) x
              where x.votes >= s.min_golden_votes
                and leadpoet.wilson_upper_bound(x.correct, x.votes) < s.min_golden_accuracy) then
    raise exception using errcode = 'LP406',
      message = format('validator %s failed min_golden_accuracy in epoch %s: no more work in this epoch',
                       v_caller.hotkey, v_epoch),
      detail = jsonb_build_object('epoch', v_epoch, 'validator_hotkey', v_caller.hotkey,
                                  'failed_rules', jsonb_build_array('min_golden_accuracy'))::text;
  end if;
  v_expires_block := v_block + ceil(s.lease_seconds / s.block_seconds)::bigint;
  v_owner := coalesce((select o.coldkey from leadpoet.hotkey_owners o where o.hotkey = v_caller.hotkey), v_caller.hotkey);
  -- An enqueue in flight reads the positions to place its rows past them: it must not read them
  -- while this pull moves one (enqueues take this lock exclusively, pulls share it).
  perform pg_advisory_xact_lock_shared(71001, 0);

  -- One pull at a time per validator (its lease cap and queue position); others never wait on it.
  insert into leadpoet.validator_queue_positions (validator_hotkey) values (v_caller.hotkey)
  on conflict do nothing;
  select p.last_round, p.last_seq into v_round, v_position from leadpoet.validator_queue_positions p
   where p.validator_hotkey = v_caller.hotkey for update;

  select count(*) into v_live from leadpoet.prospect_leases l
   where l.validator_hotkey = v_caller.hotkey and l.state = 'live' and l.expires_block > v_block;

  -- Leases this validator already holds and has not voted on come back first: a pull whose answer
  -- was lost (a crash, a dropped connection) is picked up by the next one.
  select coalesce(jsonb_agg(jsonb_build_object('prospect_id', h.id, 'lead_id', h.id, 'prospect', h.prospect,
                                               'queued_at', h.created_at, 'lease_expires_block', h.expires_block)
                            order by h.expires_block, h.queue_seq), '[]'::jsonb)
    into v_held
    from (select q.id, q.prospect, q.created_at, q.queue_seq, l.expires_block
            from leadpoet.prospect_leases l
            join public.prospect_queue q on q.id = l.prospect_id
           where l.validator_hotkey = v_caller.hotkey and l.state = 'live' and l.expires_block > v_block
             and q.consensus_status = 'pending'
           order by l.expires_block, q.queue_seq
           limit p_limit) h;
  v_room := least(p_limit - jsonb_array_length(v_held), s.max_live_leases_per_validator - v_live);

  -- Golden slots: this validator's k-th golden slot falls on its serve index
  -- floor((k + u_k) / golden_rate), u_k a secret hash (leadpoet.golden_slot_index): exactly the rate,
  -- at places nobody outside the database can predict. Slots due in this batch take room from the
  -- queue's rows.
  insert into leadpoet.golden_validator_state (validator_hotkey) values (v_caller.hotkey) on conflict do nothing;
  select * into v_golden from leadpoet.golden_validator_state g where g.validator_hotkey = v_caller.hotkey for update;
  if s.golden_rate > 0 and v_room > 0 then
    loop
      v_next_slot := leadpoet.golden_slot_index(v_secret, v_caller.hotkey, v_golden.slots + v_golden_due, s.golden_rate);
      exit when v_golden_due >= v_room or v_next_slot >= v_golden.served + v_room;
      v_golden_due := v_golden_due + 1;
    end loop;
    -- Only as many as there are golden leads left for this validator: with none (none added, or all
    -- served to it already) the batch is the queue's alone.
    v_golden_due := least(v_golden_due, (select count(*) from (
                      select 1 from leadpoet.golden_leads g
                       where g.retired_at is null
                         and not exists (select 1 from leadpoet.golden_serves x
                                          where x.golden_lead_id = g.id and x.validator_hotkey = v_caller.hotkey)
                       limit v_golden_due) a));
    v_room := v_room - v_golden_due;
  end if;

  if v_room > 0 then
    -- Candidates, unlocked and in fair order: slots reopened behind this validator's position,
    -- then the queue ahead of it. Both walks stop after v_room rows that can be taken.
    v_candidates := array(
      select c.id from (
        (select q.id, q.fair_round, q.queue_seq from public.prospect_queue q
          where q.consensus_status = 'pending' and q.reopened and (q.fair_round, q.queue_seq) <= (v_round, v_position)
            and q.pull_count < s.quorum and not (v_caller.hotkey = any (q.validators_pulled)) and q.owner_key <> v_owner
            and q.golden_lead_id is null
          order by q.fair_round, q.queue_seq limit v_room)
        union all
        (select q.id, q.fair_round, q.queue_seq from public.prospect_queue q
          where q.consensus_status = 'pending' and (q.fair_round, q.queue_seq) > (v_round, v_position)
            and q.pull_count < s.quorum and not (v_caller.hotkey = any (q.validators_pulled)) and q.owner_key <> v_owner
            and q.golden_lead_id is null
          order by q.fair_round, q.queue_seq limit v_room)
      ) c order by c.fair_round, c.queue_seq limit v_room);

    -- Take what is still free. SKIP LOCKED: a row another transaction holds right now is passed over
    -- (the position below stays before it). The candidate ids drive each statement below through the
    -- primary key: with `id = any(array)` plus an ORDER BY ... LIMIT the planner may walk the fair-order
    -- index instead, filtering the whole queue behind the candidates (seen: 100,000 rows for one pull).
    with free as (
      select q.id from unnest(v_candidates) c (id)
        join public.prospect_queue q on q.id = c.id
       where q.consensus_status = 'pending' and q.pull_count < s.quorum
         and not (v_caller.hotkey = any (q.validators_pulled))
       order by q.fair_round, q.queue_seq
         for update of q skip locked
    ), taken as (
      update public.prospect_queue q
         set validators_pulled = q.validators_pulled || v_caller.hotkey,
             pull_count = q.pull_count + 1,
             reopened = q.reopened and q.pull_count + 1 < s.quorum,
             first_leased_block = coalesce(q.first_leased_block, v_block)
        from free
       where q.id = free.id
      returning q.id, q.fair_round, q.queue_seq, q.prospect, q.created_at
    ), leased as (
      insert into leadpoet.prospect_leases (prospect_id, validator_hotkey, leased_block, expires_block, epoch_number)
      select t.id, v_caller.hotkey, v_block, v_expires_block, v_epoch from taken t
      returning prospect_id
    )
    select coalesce(jsonb_agg(jsonb_build_object('prospect_id', t.id, 'lead_id', t.id, 'prospect', t.prospect,
                                                 'queued_at', t.created_at, 'lease_expires_block', v_expires_block)
                              order by t.fair_round, t.queue_seq), '[]'::jsonb),
           coalesce(array_agg(t.id), '{}')
      into v_taken, v_taken_ids
      from taken t;

    -- Move the position over what was read ahead of it, but stay before any row that was skipped
    -- and may still have a slot for this validator (just before it: same round, one seq earlier).
    select q.fair_round, q.queue_seq into v_last_read
      from unnest(v_candidates) c (id)
      join public.prospect_queue q on q.id = c.id
     where (q.fair_round, q.queue_seq) > (v_round, v_position)
     order by q.fair_round desc, q.queue_seq desc limit 1;
    select q.fair_round, q.queue_seq into v_first_skipped
      from unnest(v_candidates) c (id)
      join public.prospect_queue q on q.id = c.id
     where (q.fair_round, q.queue_seq) > (v_round, v_position)
       and not (q.id = any (v_taken_ids)) and q.consensus_status = 'pending' and q.pull_count < s.quorum
       and not (v_caller.hotkey = any (q.validators_pulled))
     order by q.fair_round, q.queue_seq limit 1;
    if v_last_read.fair_round is not null then
      update leadpoet.validator_queue_positions p
         set last_round = case when v_first_skipped.fair_round is null then v_last_read.fair_round
                               else v_first_skipped.fair_round end,
             last_seq = case when v_first_skipped.fair_round is null then v_last_read.queue_seq
                             else v_first_skipped.queue_seq - 1 end,
             updated_at = now()
       where p.validator_hotkey = v_caller.hotkey
         and (case when v_first_skipped.fair_round is null then v_last_read.fair_round else v_first_skipped.fair_round end,
              case when v_first_skipped.fair_round is null then v_last_read.queue_seq else v_first_skipped.queue_seq - 1 end)
             > (v_round, v_position);
    end if;
    v_live := v_live + coalesce(cardinality(v_taken_ids), 0);
  end if;

  -- The batch in serve order: a golden lead at each due slot, the queue's rows between. A slot with
  -- no golden lead left for this validator passes (it is not made up later: no bursts).
  v_real := coalesce(v_taken, '[]'::jsonb);
  v_real_count := jsonb_array_length(v_real);
  v_taken := '[]'::jsonb;
  loop
    if v_golden_used < v_golden_due
       and leadpoet.golden_slot_index(v_secret, v_caller.hotkey, v_golden.slots + v_golden_used, s.golden_rate)
           <= v_golden.served + v_served then
      v_item := leadpoet.serve_golden_lead(v_caller.hotkey, v_block, v_expires_block, v_epoch, s.quorum,
                  coalesce((v_real -> greatest(v_real_index - 1, 0) ->> 'queued_at')::timestamptz, now()));
      v_golden_used := v_golden_used + 1;
      if v_item is not null then
        v_taken := v_taken || jsonb_build_array(v_item);
        v_served := v_served + 1;
        v_live := v_live + 1;
      end if;
    elsif v_real_index < v_real_count then
      v_taken := v_taken || jsonb_build_array(v_real -> v_real_index);
      v_real_index := v_real_index + 1;
      v_served := v_served + 1;
    else
      exit;
    end if;
  end loop;
  -- Slots that fell among the items served without a golden lead to fill them pass: they are never
  -- made up later (no run of golden leads when the operator adds some).
  v_golden.slots := v_golden.slots + v_golden_used;
  v_golden.served := v_golden.served + v_served;
  if s.golden_rate > 0 then
    while leadpoet.golden_slot_index(v_secret, v_caller.hotkey, v_golden.slots, s.golden_rate) < v_golden.served loop
      v_golden.slots := v_golden.slots + 1;
    end loop;
  end if;
  update leadpoet.golden_validator_state g
     set served = v_golden.served, slots = v_golden.slots
   where g.validator_hotkey = v_caller.hotkey and (v_served > 0 or v_golden_used > 0);

  v_taken := v_held || v_taken;
  -- The batch must be voted on before its earliest lease ends.
  v_expires_block := coalesce((select min((p ->> 'lease_expires_block')::bigint) from jsonb_array_elements(v_taken) p), v_expires_block);
  return jsonb_build_object(
    'prospects', v_taken,
    'lease_expires_block', v_expires_block,
    'lease_expires_at', leadpoet.block_time(v_expires_block),
    'live_leases', v_live,
    'lease_cap', s.max_live_leases_per_validator,
    'block', v_block);
end
$$;



-- ---------------------------------------------------------------------------------------------
-- Decide: a golden instance is accepted or rejected by its majority alone (no lead is written, no
-- duplicate check), and the consensus's answer is scored.

create or replace function leadpoet.decide(p_prospect_ids uuid[], p_epoch bigint, p_timed_out boolean default false)
returns setof leadpoet.decision
language plpgsql volatile
set search_path = pg_catalog, pg_temp
as $$
declare
  s leadpoet.settings;
begin
  select * into s from leadpoet.settings;
  return query
  with tally as (
    -- Votes are counted per prospect through LATERAL, an index probe each, never a join over the
    -- whole vote table.
    select q.id, q.queue_seq, q.miner_hotkey, q.prospect, q.golden_lead_id, lower(btrim(q.prospect ->> 'email')) as email,
           coalesce(q.mailbox_key, leadpoet.mailbox_key_or_null(q.prospect ->> 'email')) as mailbox_key,
           v.votes, v.valid_votes, v.mean_score, v.validators,
           q.golden_lead_id is not null and v.valid_votes >= s.majority as golden_accepted
      from public.prospect_queue q
     cross join lateral (
           select count(*)::integer as votes,
                  (count(*) filter (where t.is_valid))::integer as valid_votes,
                  round(avg(t.score), 2) as mean_score,
                  array_agg(t.validator_hotkey order by t.validator_hotkey) as validators
             from public.validation_tracking t
            where t.prospect_id = q.id) v
     where q.id = any (p_prospect_ids) and q.consensus_status = 'pending' and (v.votes >= s.quorum or p_timed_out)
  ), new_leads as (
    insert into public.leads (prospect_id, email, company, miner_hotkey, score, metadata,
                              consensus_score, validator_count, consensus_validators,
                              consensus_status, epoch_number, validated_at)
    select t.id, t.email, t.prospect ->> 'business', t.miner_hotkey,
           t.mean_score, t.prospect, t.mean_score, t.votes, t.validators, 'accepted', p_epoch, now()
      from tally t
     where t.valid_votes >= s.majority and t.golden_lead_id is null
       and not exists (select 1 from public.leads l where l.mailbox_key = t.mailbox_key)
       and not exists (select 1 from public.leads l where lower(l.email) = t.email)
     -- Unique keys taken in one order by every transaction (no deadlock between two batches holding
     -- the same mailboxes); within a batch the earlier prospect in the queue wins a mailbox.
     order by t.mailbox_key, t.email, t.queue_seq
    on conflict do nothing
    returning prospect_id
  ), decided as (
    update public.prospect_queue q
       set consensus_status = case when n.prospect_id is not null or t.golden_accepted then 'accepted' else 'rejected' end,
           status = case when n.prospect_id is not null or t.golden_accepted then 'accepted' else 'rejected' end,
           decision_reason = case when n.prospect_id is not null or t.golden_accepted then 'majority_valid'
                                  when t.valid_votes >= s.majority then 'duplicate_email'
                                  when t.votes < s.quorum then 'quorum_timeout'
                                  else 'majority_invalid' end,
           majority_valid = t.valid_votes >= s.majority,
           decision_votes = t.votes,
           full_quorum = t.votes >= s.quorum,
           consensus_timestamp = now(),
           consensus_epoch = p_epoch,
           reopened = false
      from tally t
      left join new_leads n on n.prospect_id = t.id
     where q.id = t.id
    returning q.id, q.consensus_status, q.decision_reason
  ), golden as (
    -- The consensus's answer on each golden lead, scored against the known one (golden_scores).
    insert into leadpoet.golden_decisions (prospect_id, golden_lead_id, epoch_number, accepted, expected_valid,
                                           votes, full_quorum)
    select d.id, t.golden_lead_id, p_epoch, d.consensus_status = 'accepted', g.expected_valid, t.votes, t.votes >= s.quorum
      from decided d
      join tally t on t.id = d.id
      join leadpoet.golden_leads g on g.id = t.golden_lead_id
    on conflict (prospect_id) do nothing
    returning 1
  )
  select d.id, d.consensus_status, d.decision_reason from decided d;
end
$$;


-- ---------------------------------------------------------------------------------------------
-- Eligibility: the golden rule. As before, plus golden_votes, golden_correct, golden_accuracy and
-- golden_rule (passed, failed, or not_applied under min_golden_votes); a failed one is
-- min_golden_accuracy in failed_rules.

drop function leadpoet.eligibility_json(leadpoet.eligibility);
drop function leadpoet.live_eligibility(bigint, text);
drop type leadpoet.eligibility;

create type leadpoet.eligibility as (
  validator_hotkey text, decided_leads integer, matching_votes integer, timeout_votes integer,
  agreement numeric, leases integer, voted integer, released integer, lapsed integer,
  abandoned_share numeric, eligible boolean, failed_rules text[],
  golden_votes integer, golden_correct integer, golden_accuracy numeric, golden_rule text);

create function leadpoet.live_eligibility(p_epoch bigint, p_hotkey text default null)
returns setof leadpoet.eligibility
language sql stable
set search_path = pg_catalog, pg_temp
as $$
  with votes as (
    select v.validator_hotkey,
           (count(*) filter (where q.full_quorum))::integer as decided_leads,
           (count(*) filter (where q.full_quorum and v.is_valid = q.majority_valid))::integer as matching_votes,
           (count(*) filter (where not q.full_quorum))::integer as timeout_votes
      from public.prospect_queue q
      join public.validation_tracking v on v.prospect_id = q.id
     where q.consensus_epoch = p_epoch and q.consensus_status in ('accepted', 'rejected')
       and (p_hotkey is null or v.validator_hotkey = p_hotkey)
     group by v.validator_hotkey
  ), leases as (
    select l.validator_hotkey,
           count(*)::integer as leases,
           (count(*) filter (where l.state = 'voted'))::integer as voted,
           (count(*) filter (where l.state = 'released'))::integer as released,
           (count(*) filter (where l.state = 'expired'
                               or (l.state = 'live' and l.expires_block <= leadpoet.current_block())))::integer as lapsed
      from leadpoet.prospect_leases l
     where l.epoch_number = p_epoch and (p_hotkey is null or l.validator_hotkey = p_hotkey)
     group by l.validator_hotkey
  ), golden as (
    select g.validator_hotkey, count(*)::integer as golden_votes,
           (count(*) filter (where g.is_valid = g.expected_valid))::integer as golden_correct
      from leadpoet.golden_votes g
     where g.epoch_number = p_epoch and (p_hotkey is null or g.validator_hotkey = p_hotkey)
     group by g.validator_hotkey
  ), figures as (
    select coalesce(v.validator_hotkey, l.validator_hotkey) as validator_hotkey,
           coalesce(v.decided_leads, 0) as decided_leads,
           coalesce(v.matching_votes, 0) as matching_votes,
           coalesce(v.timeout_votes, 0) as timeout_votes,
           coalesce(l.leases, 0) as leases, coalesce(l.voted, 0) as voted,
           coalesce(l.released, 0) as released, coalesce(l.lapsed, 0) as lapsed,
           coalesce(g.golden_votes, 0) as golden_votes, coalesce(g.golden_correct, 0) as golden_correct
      from votes v full join leases l on l.validator_hotkey = v.validator_hotkey
      left join golden g on g.validator_hotkey = coalesce(v.validator_hotkey, l.validator_hotkey)
  ), judged as (
    select f.*,
           -- Under min_golden_votes golden votes the golden rule does not apply.
           case when f.golden_votes < s.min_golden_votes then 'not_applied'
                when f.golden_correct < s.min_golden_accuracy * f.golden_votes then 'failed'
                else 'passed' end as golden_rule,
           case when f.leases = 0 then null
                else round((f.released + f.lapsed)::numeric / f.leases, 4) end as abandoned_share,
           array_remove(array[
             case when f.decided_leads < s.min_decided_per_epoch then 'too_few_decided' end,
             case when f.matching_votes < s.eligibility_threshold * f.decided_leads then 'agreement_below_threshold' end,
             case when f.leases > 0 and (f.released + f.lapsed) > s.max_abandoned_share * f.leases
                  then 'too_many_abandoned' end,
             case when f.golden_votes >= s.min_golden_votes and f.golden_correct < s.min_golden_accuracy * f.golden_votes
                  then 'min_golden_accuracy' end
           ], null) as failed_rules
      from figures f cross join leadpoet.settings s
  )
  select j.validator_hotkey, j.decided_leads, j.matching_votes, j.timeout_votes,
         case when j.decided_leads = 0 then 0 else round(j.matching_votes::numeric / j.decided_leads, 4) end,
         j.leases, j.voted, j.released, j.lapsed, j.abandoned_share,
         cardinality(j.failed_rules) = 0, j.failed_rules,
         j.golden_votes, j.golden_correct,
         case when j.golden_votes = 0 then null else round(j.golden_correct::numeric / j.golden_votes, 4) end,
         j.golden_rule
    from judged j
   order by j.validator_hotkey
$$;

create function leadpoet.eligibility_json(e leadpoet.eligibility)
returns jsonb
language sql immutable
set search_path = pg_catalog, pg_temp
as $$
  select to_jsonb(e)
$$;

-- A validator's live row without its golden figures: counted live, they would tell it, vote by vote,
-- which of its items were golden. They are shown once the epoch is closed (totals only).
create function leadpoet.eligibility_without_golden(e leadpoet.eligibility)
returns jsonb
language sql immutable
set search_path = pg_catalog, pg_temp
as $$
  select to_jsonb(e) || jsonb_build_object(
           'golden_votes', null, 'golden_correct', null, 'golden_accuracy', null, 'golden_rule', null,
           'failed_rules', to_jsonb(array_remove(e.failed_rules, 'min_golden_accuracy')),
           'eligible', cardinality(array_remove(e.failed_rules, 'min_golden_accuracy')) = 0)
$$;

create or replace function public.epoch_eligibility(p_epoch bigint default null)
returns jsonb
language plpgsql stable security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_caller leadpoet.caller := leadpoet.require_caller(array['validator', 'operator']);
  v_epoch bigint := leadpoet.resolve_epoch(p_epoch, 0);
  v_closed boolean := exists (select 1 from leadpoet.epoch_closures c where c.epoch_number = v_epoch);
  v_rows jsonb;
begin
  -- A validator reads its own row only; filtered before the rows are built.
  if v_closed then
    select coalesce(jsonb_agg(to_jsonb(e) - 'epoch_number' order by e.validator_hotkey), '[]'::jsonb) into v_rows
      from leadpoet.epoch_validator_eligibility e
     where e.epoch_number = v_epoch
       and (v_caller.app_role = 'operator' or e.validator_hotkey = v_caller.hotkey);
  else
    select coalesce(jsonb_agg(case when v_caller.app_role = 'validator' then leadpoet.eligibility_without_golden(e)
                                   else leadpoet.eligibility_json(e) end
                              order by e.validator_hotkey), '[]'::jsonb) into v_rows
      from leadpoet.live_eligibility(v_epoch, case when v_caller.app_role = 'validator' then v_caller.hotkey end) e;
  end if;
  return jsonb_build_object(
    'epoch', v_epoch,
    'closed', v_closed,
    'rules', (select jsonb_build_object('eligibility_threshold', s.eligibility_threshold,
                                        'min_decided_per_epoch', s.min_decided_per_epoch,
                                        'max_abandoned_share', s.max_abandoned_share,
                                        'min_golden_accuracy', s.min_golden_accuracy,
                                        'min_golden_votes', s.min_golden_votes)
                from leadpoet.settings s),
    'validators', v_rows);
end
$$;

-- ---------------------------------------------------------------------------------------------

-- ---------------------------------------------------------------------------------------------
-- Close: miners' prospects only in the counts; the golden figures in the eligibility snapshot.

create or replace function public.close_epoch(p_epoch bigint default null)
returns jsonb
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_caller leadpoet.caller := leadpoet.require_caller(array['operator']);
  v_current bigint := leadpoet.current_epoch(leadpoet.current_block());
  v_epoch bigint;
  v_closure leadpoet.epoch_closures;
  v_already boolean := false;
begin
  if p_epoch is null and v_current = 0 then
    raise exception using errcode = 'LP409', message = 'no epoch is over yet: the current epoch is 0';
  end if;
  v_epoch := leadpoet.resolve_epoch(p_epoch, -1);
  if v_epoch >= v_current then
    raise exception using errcode = 'LP409',
      message = format('epoch %s is not over yet: the current epoch is %s', v_epoch, v_current);
  end if;
  -- Waits for decisions and leases still being stamped with this epoch (see lock_decision_epoch).
  perform pg_advisory_xact_lock(71002, (v_epoch % 2147483647)::integer);

  insert into leadpoet.epoch_closures (epoch_number, closed_by, decided_leads, accepted_leads)
  select v_epoch, v_caller.hotkey, count(*), count(*) filter (where q.consensus_status = 'accepted')
    from public.prospect_queue q
   where q.consensus_epoch = v_epoch and q.consensus_status in ('accepted', 'rejected') and q.golden_lead_id is null
  on conflict (epoch_number) do nothing
  returning * into v_closure;

  if v_closure.epoch_number is null then
    v_already := true;
    select * into v_closure from leadpoet.epoch_closures c where c.epoch_number = v_epoch;
  else
    insert into leadpoet.epoch_validator_eligibility
      (epoch_number, validator_hotkey, decided_leads, matching_votes, timeout_votes, agreement, leases, voted,
       released, lapsed, abandoned_share, eligible, failed_rules, golden_votes, golden_correct, golden_accuracy, golden_rule)
    select v_epoch, e.validator_hotkey, e.decided_leads, e.matching_votes, e.timeout_votes, e.agreement, e.leases,
           e.voted, e.released, e.lapsed, e.abandoned_share, e.eligible, e.failed_rules,
           e.golden_votes, e.golden_correct, e.golden_accuracy, e.golden_rule
      from leadpoet.live_eligibility(v_epoch) e;
    insert into leadpoet.epoch_miner_weights (epoch_number, miner_hotkey, accepted_leads, share)
    select v_epoch, w.miner_hotkey, w.accepted_leads, w.share from leadpoet.live_miner_weights(v_epoch) w;
    perform leadpoet.record_probation(v_epoch);
  end if;

  return jsonb_build_object(
    'epoch', v_epoch,
    'already_closed', v_already,
    'closed_at', v_closure.closed_at,
    'closed_by', v_closure.closed_by,
    'decided_leads', v_closure.decided_leads,
    'accepted_leads', v_closure.accepted_leads,
    'eligibility', (select coalesce(jsonb_agg(to_jsonb(e) - 'epoch_number' order by e.validator_hotkey), '[]'::jsonb)
                      from leadpoet.epoch_validator_eligibility e where e.epoch_number = v_epoch),
    'weights', (select coalesce(jsonb_agg(to_jsonb(w) - 'epoch_number' order by w.miner_hotkey), '[]'::jsonb)
                  from leadpoet.epoch_miner_weights w where w.epoch_number = v_epoch),
    'probation', (select coalesce(jsonb_agg(jsonb_build_object('epoch', p.epoch_number, 'validator_hotkey', p.validator_hotkey,
                                                               'failed_rules', p.failed_rules)
                                            order by p.epoch_number, p.validator_hotkey), '[]'::jsonb)
                    from leadpoet.validator_probations p where p.source_epoch = v_epoch));
end
$$;



-- ---------------------------------------------------------------------------------------------
-- Reading one prospect, and the queue: a validator never sees a prospect's miner, before or after the
-- decision (a golden instance has none); golden instances are not in the miners' queue listing.

create or replace function public.prospect_consensus(p_prospect_id uuid)
returns jsonb
language plpgsql stable security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_caller leadpoet.caller := leadpoet.require_caller(array['miner', 'validator', 'operator']);
  q public.prospect_queue;
  v_decided boolean;
  v_show_all boolean;
  v_hide_origin boolean;
begin
  select * into q from public.prospect_queue p where p.id = p_prospect_id;
  if not found or (v_caller.app_role = 'miner' and q.miner_hotkey <> v_caller.hotkey) then
    raise exception using errcode = 'LP404', message = 'unknown prospect: ' || coalesce(p_prospect_id::text, 'null');
  end if;
  v_decided := q.consensus_status in ('accepted', 'rejected', 'expired');
  v_show_all := v_caller.app_role = 'operator' or v_decided;
  v_hide_origin := v_caller.app_role = 'validator' and not v_decided;
  return jsonb_build_object(
    'prospect_id', q.id,
    'miner_hotkey', case when v_caller.app_role = 'validator' then null else q.miner_hotkey end,
    'queued_at', q.created_at,
    'consensus_status', q.consensus_status,
    'decision_reason', q.decision_reason,
    'consensus_epoch', q.consensus_epoch,
    'consensus_timestamp', q.consensus_timestamp,
    'holders', case when v_hide_origin then null else q.pull_count end,
    'votes_visible', v_show_all,
    'votes', (select coalesce(jsonb_agg(jsonb_build_object(
                       'validator_hotkey', v.validator_hotkey, 'is_valid', v.is_valid, 'score', v.score,
                       'rejection_reasons', v.rejection_reasons, 'validation_timestamp', v.validation_timestamp)
                     order by v.validation_timestamp, v.validator_hotkey), '[]'::jsonb)
                from public.validation_tracking v
               where v.prospect_id = q.id and (v_show_all or v.validator_hotkey = v_caller.hotkey)));
end
$$;

-- The queue, newest first, at most 1,000 rows a call (a miner's through its own index).
create or replace function public.list_prospects(p_status text default null, p_miner_hotkey text default null,
                                                 p_limit integer default 100)
returns jsonb
language plpgsql stable security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_caller leadpoet.caller := leadpoet.require_caller(array['miner', 'operator']);
  v_miner text := case when v_caller.app_role = 'miner' then v_caller.hotkey else p_miner_hotkey end;
begin
  if p_status is not null and p_status not in ('pending', 'accepted', 'rejected', 'expired') then
    raise exception using errcode = 'LP400', message = 'status must be pending, accepted, rejected or expired';
  end if;
  if p_limit is null or p_limit not between 1 and 1000 then
    raise exception using errcode = 'LP400', message = 'limit must be between 1 and 1000';
  end if;
  return jsonb_build_object('prospects', coalesce((
    select jsonb_agg(jsonb_build_object(
             'prospect_id', q.id, 'miner_hotkey', q.miner_hotkey, 'queued_at', q.created_at,
             'consensus_status', q.consensus_status, 'decision_reason', q.decision_reason,
             'consensus_epoch', q.consensus_epoch, 'holders', q.pull_count,
             'business', q.prospect ->> 'business', 'email', q.prospect ->> 'email')
           order by q.queue_seq desc)
      from (select * from public.prospect_queue p
             where p.golden_lead_id is null
               and (p_status is null or p.consensus_status = p_status)
               and (v_miner is null or p.miner_hotkey = v_miner)
             order by p.queue_seq desc
             limit p_limit) q), '[]'::jsonb));
end
$$;



-- ---------------------------------------------------------------------------------------------
-- Miner weights: accepted golden instances are no miner's.

create or replace function leadpoet.live_miner_weights(p_epoch bigint)
returns setof leadpoet.miner_weight
language sql stable
set search_path = pg_catalog, pg_temp
as $$
  select q.miner_hotkey,
         count(*)::integer,
         count(*)::numeric / sum(count(*)) over ()
    from public.prospect_queue q
   where q.consensus_epoch = p_epoch and q.consensus_status = 'accepted' and q.golden_lead_id is null
   group by q.miner_hotkey
   order by q.miner_hotkey
$$;

-- ---------------------------------------------------------------------------------------------
-- Duplicate check (validators): as before, plus the golden leads the consensus accepted among those
-- the caller judged: to it they are known leads, as an accepted prospect would be (a golden lead is
-- never served to it again, so this changes no verdict it gives).
create or replace function public.known_lead_emails(p_emails jsonb)
returns jsonb
language plpgsql stable security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_caller leadpoet.caller := leadpoet.require_caller(array['validator', 'operator']);
  v_keys text[];
begin
  perform leadpoet.require_batch(p_emails, 'emails', p_allow_empty => true);
  if exists (select 1 from jsonb_array_elements(p_emails) e where jsonb_typeof(e) <> 'string') then
    raise exception using errcode = 'LP400', message = 'emails must be strings';
  end if;
  v_keys := array(select leadpoet.mailbox_key_or_null(e #>> '{}') from jsonb_array_elements(p_emails) e);
  return coalesce((select jsonb_agg(distinct k.key)
                     from (select l.mailbox_key as key from public.leads l where l.mailbox_key = any (v_keys)
                           union all
                           select leadpoet.mailbox_key_or_null(q.prospect ->> 'email')
                             from leadpoet.golden_serves x
                             join public.prospect_queue q on q.id = x.prospect_id
                            where x.validator_hotkey = v_caller.hotkey and q.consensus_status = 'accepted'
                              and leadpoet.mailbox_key_or_null(q.prospect ->> 'email') = any (v_keys)) k),
                  '[]'::jsonb);
end
$$;

-- ---------------------------------------------------------------------------------------------
-- Golden leads (operator)

-- Adds known-answer leads: [{"prospect": {lead fields}, "is_valid": true|false, "note": "..."}].
-- Each must pass the checks a miner's prospect passes at enqueue (known fields, sizes, a well-formed
-- mailbox): anything else would be served, and stand out, as nothing a miner can queue. One bad
-- entry refuses the whole file (LP400, naming it); nothing is written.
create function public.golden_add(p_leads jsonb)
returns jsonb
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_caller leadpoet.caller := leadpoet.require_caller(array['operator']);
  v_bad record;
  v_ids jsonb;
begin
  if p_leads is null or jsonb_typeof(p_leads) <> 'array' then
    raise exception using errcode = 'LP400', message = 'golden leads must be a JSON array';
  end if;
  if jsonb_array_length(p_leads) = 0 then
    raise exception using errcode = 'LP400', message = 'empty batch: no golden leads';
  end if;
  if jsonb_array_length(p_leads) > 10000 then
    raise exception using errcode = 'LP413',
      message = format('batch of %s golden leads is over the cap of 10000', jsonb_array_length(p_leads));
  end if;
  select a.i, p.problem into v_bad
    from jsonb_array_elements(p_leads) with ordinality a (e, i)
   cross join lateral (
     select case
       when jsonb_typeof(a.e) <> 'object' then format('is a JSON %s, not an object', jsonb_typeof(a.e))
       when exists (select 1 from jsonb_object_keys(a.e) k where k not in ('prospect', 'is_valid', 'note'))
         then 'unknown key ' || (select string_agg(left(k, 64), ', ' order by k) from jsonb_object_keys(a.e) k
                                  where k not in ('prospect', 'is_valid', 'note')) || ' (known: prospect, is_valid, note)'
       when jsonb_typeof(a.e -> 'prospect') is distinct from 'object' then 'prospect must be a JSON object (the lead)'
       when jsonb_typeof(a.e -> 'is_valid') is distinct from 'boolean' then 'is_valid must be true or false (the expected verdict)'
       when a.e ? 'note' and jsonb_typeof(a.e -> 'note') not in ('string', 'null') then 'note must be a string'
       when leadpoet.prospect_problem(a.e -> 'prospect') is not null
         then leadpoet.prospect_problem(a.e -> 'prospect') ->> 'message'
       when (leadpoet.mailbox_key(a.e -> 'prospect' ->> 'email')).refusal is not null
         then (leadpoet.mailbox_key(a.e -> 'prospect' ->> 'email')).message
     end as problem) p
   where p.problem is not null
   order by a.i limit 1;
  if found then
    raise exception using errcode = 'LP400', message = format('golden lead %s: %s', v_bad.i, v_bad.problem);
  end if;

  with added as (
    insert into leadpoet.golden_leads (prospect, expected_valid, note, added_by)
    select a.e -> 'prospect', (a.e ->> 'is_valid')::boolean, a.e ->> 'note', v_caller.hotkey
      from jsonb_array_elements(p_leads) with ordinality a (e, i)
     order by a.i
    returning id
  )
  select coalesce(jsonb_agg(to_jsonb(a.id)), '[]'::jsonb) into v_ids from added a;
  return jsonb_build_object('added', jsonb_array_length(v_ids), 'golden_ids', v_ids);
end
$$;

create function leadpoet.golden_lead_json(g leadpoet.golden_leads)
returns jsonb
language sql stable
set search_path = pg_catalog, pg_temp
as $$
  select jsonb_build_object(
    'golden_id', g.id, 'prospect', g.prospect, 'is_valid', g.expected_valid, 'note', g.note,
    'added_at', g.added_at, 'added_by', g.added_by, 'retired_at', g.retired_at, 'retired_by', g.retired_by,
    'served', (select count(*) from leadpoet.golden_serves x where x.golden_lead_id = g.id),
    'votes', (select count(*) from leadpoet.golden_votes v where v.golden_lead_id = g.id),
    'correct_votes', (select count(*) from leadpoet.golden_votes v where v.golden_lead_id = g.id and v.is_valid = v.expected_valid),
    'consensus_decisions', (select count(*) from leadpoet.golden_decisions d where d.golden_lead_id = g.id and d.full_quorum),
    'consensus_correct', (select count(*) from leadpoet.golden_decisions d
                           where d.golden_lead_id = g.id and d.full_quorum and d.accepted = d.expected_valid))
$$;

create function public.golden_list(p_include_retired boolean default false)
returns jsonb
language plpgsql stable security definer
set search_path = pg_catalog, pg_temp
as $$
begin
  perform leadpoet.require_caller(array['operator']);
  return jsonb_build_object(
    'golden', coalesce((select jsonb_agg(leadpoet.golden_lead_json(g) order by g.seq)
                          from leadpoet.golden_leads g
                         where coalesce(p_include_retired, false) or g.retired_at is null), '[]'::jsonb),
    'golden_rate', (select s.golden_rate from leadpoet.settings s));
end
$$;

-- Retires golden leads: never served again (instances already out are still decided and scored).
-- Unknown ids refuse the whole call (LP404); retiring a retired one again changes nothing.
create function public.golden_retire(p_golden_ids jsonb)
returns jsonb
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_caller leadpoet.caller := leadpoet.require_caller(array['operator']);
  v_ids uuid[];
  v_unknown text;
  v_retired uuid[];
begin
  perform leadpoet.require_batch(p_golden_ids, 'golden ids');
  if exists (select 1 from jsonb_array_elements(p_golden_ids) e where not leadpoet.is_uuid(e)) then
    raise exception using errcode = 'LP400', message = 'golden ids must be UUIDs';
  end if;
  v_ids := array(select distinct (e #>> '{}')::uuid from jsonb_array_elements(p_golden_ids) e);
  select string_agg(i.id::text, ', ' order by i.id) into v_unknown
    from unnest(v_ids) i (id)
   where not exists (select 1 from leadpoet.golden_leads g where g.id = i.id);
  if v_unknown is not null then
    raise exception using errcode = 'LP407', message = 'unknown golden lead: ' || v_unknown;
  end if;
  with retired as (
    update leadpoet.golden_leads g set retired_at = now(), retired_by = v_caller.hotkey
     where g.id = any (v_ids) and g.retired_at is null
    returning g.id
  )
  select coalesce(array_agg(r.id), '{}') into v_retired from retired r;
  return jsonb_build_object(
    'retired', cardinality(v_retired),
    'results', (select jsonb_agg(jsonb_build_object('golden_id', i.id,
                                                    'outcome', case when i.id = any (v_retired) then 'retired'
                                                                    else 'already_retired' end)
                                 order by i.id)
                  from unnest(v_ids) i (id)));
end
$$;

-- ---------------------------------------------------------------------------------------------
-- Access

do $$
declare
  f regprocedure;
begin
  for f in
    select p.oid::regprocedure from pg_catalog.pg_proc p
     where p.pronamespace = 'leadpoet'::regnamespace
  loop
    execute format('revoke execute on function %s from public', f);
  end loop;
  foreach f in array array[
    'public.golden_add(jsonb)', 'public.golden_list(boolean)', 'public.golden_retire(jsonb)',
    'public.epoch_eligibility(bigint)']::regprocedure[]
  loop
    execute format('revoke execute on function %s from public, anon', f);
    execute format('grant execute on function %s to authenticated, service_role', f);
  end loop;
  for f in
    select p.oid::regprocedure from pg_catalog.pg_proc p
     where p.pronamespace = 'public'::regnamespace
  loop
    execute format('alter function %s set jit = off', f);
  end loop;
end
$$;
