-- Pull cost (issue 11: a pull stays flat, p95 under 15 ms with 1,000,000 queued) and the live
-- golden rule judged per expected verdict (issue 14).
--
-- Where a pull's time went (perf on the backend, 1,000,000 queued): about a third planning (every
-- statement planned again on every call, plan_cache_mode = force_custom_plan), a fifth index
-- insertion for the rows it leases, the rest the lease inserts' foreign-key checks, helper SQL
-- functions parsed and planned again in every transaction, and the batch copied once per item.
--
-- * Pull and submit run their statements with generic plans, planned once per session. A generic plan
--   cannot see the LIMIT or the queue position, which is why custom plans were forced; it no
--   longer needs to: every statement is a key probe or an ordered walk of a partial index that
--   matches its ORDER BY, and the scans a generic plan could prefer (sequential, bitmap) are off.
--   test/consensus/pull-plan.test.ts counts the rows a pull reads, so a plan that walks the queue
--   fails it.
-- * A lease is an update of its queue row. prospect_queue leaves a fifth of each page free, so the
--   second and third lease of a row (which change no indexed column) can be HOT updates that
--   touch no index. Pages written before this migration keep their old fill until rewritten.
-- * The helper functions a pull calls on every call are PL/pgSQL, whose plans live for the
--   session: a SQL function (not inlined, as one with SET search_path is not) is parsed and planned
--   again in every transaction up to PostgreSQL 17.
-- * The live golden rule also judges a validator's golden votes of each expected verdict apart,
--   so one that always says the same thing is stopped after min_golden_votes golden votes.
-- * Those min_golden_votes golden votes come early: each epoch, a validator's first
--   min_golden_votes golden slots fall at five times golden_rate (at most one item in two), the
--   rest at golden_rate. At 0.05, a validator that fails the live rule is stopped after about 40
--   items of an epoch instead of about 200; every validator judges about 10 more golden leads an
--   epoch. The places stay secret (the hash now also takes the epoch, as the counts restart each
--   epoch). The cost: a validator knows its first items of an epoch are more often golden, so it
--   can be careful there and careless after; the golden_rate slots that follow still judge it, at
--   the close over all its golden votes of the epoch (the warm-up's ones too, which a careless
--   validator then needs about 15 more wrong golden votes to outweigh).

alter table public.prospect_queue set (fillfactor = 80);

-- Golden slots count per epoch: served and slots restart in each epoch.
alter table leadpoet.golden_validator_state add column epoch_number bigint;

-- Submit: the same reasoning (every statement probes its batch's rows by key; the LATERAL
-- probes carry their own limit) and the same saving.
alter function public.submit_assessments(jsonb) set plan_cache_mode = force_generic_plan;

-- ---------------------------------------------------------------------------------------------
-- Helpers: same results, PL/pgSQL.

create or replace function leadpoet.current_block()
returns bigint
language plpgsql stable
set search_path = pg_catalog, pg_temp
as $$
begin
  return (select a.block_number
                 + greatest(0, floor(extract(epoch from (now() - a.seen_at)) / s.block_seconds))::bigint
            from leadpoet.chain_anchor a cross join leadpoet.settings s);
end
$$;

create or replace function leadpoet.block_time(p_block bigint)
returns timestamptz
language plpgsql stable
set search_path = pg_catalog, pg_temp
as $$
begin
  return (select a.seen_at + make_interval(secs => ((p_block - a.block_number) * s.block_seconds)::double precision)
            from leadpoet.chain_anchor a cross join leadpoet.settings s);
end
$$;

create or replace function leadpoet.current_epoch(p_block bigint)
returns bigint
language plpgsql stable
set search_path = pg_catalog, pg_temp
as $$
begin
  return (select greatest(p_block / s.blocks_per_epoch,
                          coalesce((select max(c.epoch_number) from leadpoet.epoch_closures c), -1) + 1)
            from leadpoet.settings s);
end
$$;

-- The serve index (0-based, counting the items a validator was served by pulls in the epoch) of its
-- k-th golden slot of the epoch: the first p_warmup_slots at five times p_rate (at most 0.5), one in
-- each stretch of 1/that, the rest one in each stretch of 1/p_rate after them; within its stretch at
-- u_k in [0, 1) from a hash of the secret, the validator, the epoch and k. Strictly increasing in k.
create function leadpoet.golden_slot_position(p_secret text, p_hotkey text, p_epoch bigint, p_slot bigint,
                                              p_rate numeric, p_warmup_slots integer)
returns bigint
language plpgsql immutable
set search_path = pg_catalog, pg_temp
as $$
declare
  v_warmup_rate numeric := least(0.5, 5 * p_rate);
  v_u numeric := ('x' || left(encode(sha256(convert_to(p_secret || ':' || p_hotkey || ':' || p_epoch || ':' || p_slot,
                                                       'UTF8')), 'hex'), 8))::bit(32)::bigint / 4294967296.0;
begin
  if p_slot < p_warmup_slots then
    return floor((p_slot + v_u) / v_warmup_rate)::bigint;
  end if;
  return ceil(p_warmup_slots / v_warmup_rate)::bigint + floor((p_slot - p_warmup_slots + v_u) / p_rate)::bigint;
end
$$;
drop function leadpoet.golden_slot_index(text, text, bigint, numeric);

create or replace function leadpoet.wilson_upper_bound(p_successes numeric, p_trials numeric)
returns numeric
language plpgsql immutable
set search_path = pg_catalog, pg_temp
as $$
begin
  return case when p_trials <= 0 then 1 else
    (p_successes / p_trials + 1.9208 / p_trials
     + 1.96 * sqrt(p_successes / p_trials * (1 - p_successes / p_trials) / p_trials + 0.9604 / (p_trials * p_trials)))
    / (1 + 3.8416 / p_trials) end;
end
$$;


-- ---------------------------------------------------------------------------------------------
-- Pull (validators): as in 20261202000900_golden_leads, with generic plans, the batch built in
-- place, golden slots counted per epoch with the first ones early, and the live golden rule per
-- expected verdict.

create or replace function public.pull_prospects_for_validator(p_limit integer default 50)
returns jsonb
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
set plan_cache_mode = force_generic_plan
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
  v_batch jsonb[] := '{}';
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
  -- fails min_golden_accuracy is refused for the rest of the epoch: every further vote would only
  -- weigh on the consensus. "Beyond doubt": at least min_golden_votes of them, and even the upper
  -- bound of their 95 % Wilson interval under the threshold, over all its golden votes or over those
  -- of one expected verdict (at least half min_golden_votes of them). Golden leads are served valid
  -- and invalid in turn, so a validator that always says the same thing is wrong on every one of one
  -- kind: that shows after min_golden_votes golden votes, where its overall 50 % would need more
  -- than twice as many. The bound keeps an honest validator's unlucky first votes from stopping it
  -- (the plain rule, at the close, judges the whole epoch). No figures are given: they would say
  -- which of its items were golden.
  if exists (with mine as (
               select g.expected_valid, count(*)::numeric as votes,
                      (count(*) filter (where g.is_valid = g.expected_valid))::numeric as correct
                 from leadpoet.golden_votes g
                where g.epoch_number = v_epoch and g.validator_hotkey = v_caller.hotkey
                group by g.expected_valid)
             select 1 from (select sum(m.votes) as votes, sum(m.correct) as correct from mine m) x
              where x.votes >= s.min_golden_votes
                and (leadpoet.wilson_upper_bound(x.correct, x.votes) < s.min_golden_accuracy
                     or exists (select 1 from mine m
                                 where m.votes >= ceil(s.min_golden_votes / 2.0)
                                   and leadpoet.wilson_upper_bound(m.correct, m.votes) < s.min_golden_accuracy))) then
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

  -- Golden slots: this validator's k-th golden slot of the epoch falls on its serve index
  -- leadpoet.golden_slot_position (the first min_golden_votes of them early, the rest at golden_rate),
  -- at places nobody outside the database can predict. Slots due in this batch take room from the
  -- queue's rows.
  insert into leadpoet.golden_validator_state (validator_hotkey) values (v_caller.hotkey) on conflict do nothing;
  select * into v_golden from leadpoet.golden_validator_state g where g.validator_hotkey = v_caller.hotkey for update;
  if v_golden.epoch_number is distinct from v_epoch then
    v_golden.served := 0;
    v_golden.slots := 0;
  end if;
  if s.golden_rate > 0 and v_room > 0 then
    loop
      v_next_slot := leadpoet.golden_slot_position(v_secret, v_caller.hotkey, v_epoch, v_golden.slots + v_golden_due,
                                                   s.golden_rate, s.min_golden_votes);
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
  -- (Items are collected in an array, appended in place: jsonb || jsonb would copy the batch for each item.)
  v_real := coalesce(v_taken, '[]'::jsonb);
  v_real_count := jsonb_array_length(v_real);
  loop
    if v_golden_used < v_golden_due
       and leadpoet.golden_slot_position(v_secret, v_caller.hotkey, v_epoch, v_golden.slots + v_golden_used,
                                         s.golden_rate, s.min_golden_votes) <= v_golden.served + v_served then
      v_item := leadpoet.serve_golden_lead(v_caller.hotkey, v_block, v_expires_block, v_epoch, s.quorum,
                  coalesce((v_real -> greatest(v_real_index - 1, 0) ->> 'queued_at')::timestamptz, now()));
      v_golden_used := v_golden_used + 1;
      if v_item is not null then
        v_batch := array_append(v_batch, v_item);
        v_served := v_served + 1;
        v_live := v_live + 1;
      end if;
    elsif v_real_index < v_real_count then
      v_batch := array_append(v_batch, v_real -> v_real_index);
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
    while leadpoet.golden_slot_position(v_secret, v_caller.hotkey, v_epoch, v_golden.slots,
                                        s.golden_rate, s.min_golden_votes) < v_golden.served loop
      v_golden.slots := v_golden.slots + 1;
    end loop;
  end if;
  update leadpoet.golden_validator_state g
     set served = v_golden.served, slots = v_golden.slots, epoch_number = v_epoch
   where g.validator_hotkey = v_caller.hotkey and (v_served > 0 or v_golden_used > 0);

  v_taken := v_held || to_jsonb(v_batch);
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
-- Access

revoke execute on function leadpoet.golden_slot_position(text, text, bigint, bigint, numeric, integer) from public;
