-- Consensus engine: every state change is one of these functions, one transaction each.
--
-- Conventions
-- * The caller is whoever the request's JWT claims say (request.jwt.claims: hotkey, app_role), as
--   PostgREST sets them; the direct Postgres and PGlite adapters set the same claims. No function
--   takes a hotkey parameter.
-- * Public functions are the RPC API: SECURITY DEFINER, search_path pinned to pg_catalog, pg_temp (pg_temp last, so a temporary object never shadows a name), EXECUTE only for
--   authenticated and service_role. Helpers live in schema leadpoet, which is not exposed.
-- * Errors carry a stable SQLSTATE of class LP (the client maps it to a name and an exit code):
--     LP400 invalid input      LP401 no identity claims   LP403 wrong role
--     LP404 unknown prospect   LP409 epoch not over       LP413 batch over the cap
--   Nothing is written when a function raises.
-- * Advisory lock keys (class, object): (71001, 0) queue order; (71002, epoch) decisions in an epoch.

-- ---------------------------------------------------------------------------------------------
-- Identity

create type leadpoet.caller as (hotkey text, app_role text);

create function leadpoet.require_caller(p_roles text[])
returns leadpoet.caller
language plpgsql stable
set search_path = pg_catalog, pg_temp
as $$
declare
  v_claims jsonb := coalesce(nullif(current_setting('request.jwt.claims', true), '')::jsonb, '{}'::jsonb);
  v_service boolean := v_claims ->> 'role' = 'service_role';
  -- The service-role key is the project owner's: it acts as the operator.
  v_role text := case when v_service then 'operator' else v_claims ->> 'app_role' end;
  v_hotkey text := case when v_service then coalesce(v_claims ->> 'hotkey', 'service_role') else v_claims ->> 'hotkey' end;
begin
  if v_role is null or v_hotkey is null or length(v_hotkey) not between 1 and 128 then
    raise exception using errcode = 'LP401',
      message = 'not authenticated: the request carries no hotkey and app_role claims';
  end if;
  if not (v_role = any (p_roles)) then
    raise exception using errcode = 'LP403',
      message = format('forbidden: this needs the %s role, the caller is %s', array_to_string(p_roles, ' or '), v_role);
  end if;
  return row (v_hotkey, v_role)::leadpoet.caller;
end
$$;

-- ---------------------------------------------------------------------------------------------
-- Input checks shared by the batch functions

-- A batch is a JSON array within the batch cap; `p_what` names its items in the messages.
create function leadpoet.require_batch(p_items jsonb, p_what text, p_allow_empty boolean default false)
returns void
language plpgsql stable
set search_path = pg_catalog, pg_temp
as $$
declare
  v_max integer := (select s.max_batch_size from leadpoet.settings s);
begin
  if p_items is null or jsonb_typeof(p_items) <> 'array' then
    raise exception using errcode = 'LP400', message = format('%s must be a JSON array', p_what);
  end if;
  if jsonb_array_length(p_items) = 0 and not p_allow_empty then
    raise exception using errcode = 'LP400', message = format('empty batch: no %s', p_what);
  end if;
  if jsonb_array_length(p_items) > v_max then
    raise exception using errcode = 'LP413',
      message = format('batch of %s %s is over the cap of %s', jsonb_array_length(p_items), p_what, v_max);
  end if;
end
$$;

create function leadpoet.is_uuid(p_value jsonb)
returns boolean
language sql immutable
set search_path = pg_catalog, pg_temp
as $$
  select jsonb_typeof(p_value) = 'string'
         and (p_value #>> '{}') ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
$$;

-- ---------------------------------------------------------------------------------------------
-- The chain clock

create function leadpoet.current_block()
returns bigint
language sql stable
set search_path = pg_catalog, pg_temp
as $$
  select a.block_number
         + greatest(0, floor(extract(epoch from (now() - a.seen_at)) / s.block_seconds))::bigint
    from leadpoet.chain_anchor a cross join leadpoet.settings s
$$;

-- Never behind a closed epoch: a decision is always counted in an epoch that is still open, even if
-- a chain refresh moved the anchor back a little.
create function leadpoet.current_epoch(p_block bigint)
returns bigint
language sql stable
set search_path = pg_catalog, pg_temp
as $$
  select greatest(p_block / s.blocks_per_epoch,
                  coalesce((select max(c.epoch_number) from leadpoet.epoch_closures c), -1) + 1)
    from leadpoet.settings s
$$;

-- When a block is expected, on the anchor's reckoning.
create function leadpoet.block_time(p_block bigint)
returns timestamptz
language sql stable
set search_path = pg_catalog, pg_temp
as $$
  select a.seen_at + make_interval(secs => ((p_block - a.block_number) * s.block_seconds)::double precision)
    from leadpoet.chain_anchor a cross join leadpoet.settings s
$$;

-- The open epoch a decision taken now belongs to, held open (shared lock) until this transaction
-- ends: close_epoch() takes the same lock exclusively, so it never snapshots an epoch while a
-- decision stamped with it is still in flight.
create function leadpoet.lock_decision_epoch()
returns bigint
language plpgsql volatile
set search_path = pg_catalog, pg_temp
as $$
declare
  v_epoch bigint;
begin
  loop
    v_epoch := leadpoet.current_epoch(leadpoet.current_block());
    perform pg_advisory_xact_lock_shared(71002, (v_epoch % 2147483647)::integer);
    exit when not exists (select 1 from leadpoet.epoch_closures c where c.epoch_number = v_epoch);
  end loop;
  return v_epoch;
end
$$;

create function leadpoet.clock_json()
returns jsonb
language sql stable
set search_path = pg_catalog, pg_temp
as $$
  select jsonb_build_object(
           'block', b.block,
           'epoch', e.epoch,
           'epoch_start_block', e.epoch * s.blocks_per_epoch,
           'next_epoch_block', (e.epoch + 1) * s.blocks_per_epoch,
           'next_epoch_at', leadpoet.block_time((e.epoch + 1) * s.blocks_per_epoch),
           'blocks_per_epoch', s.blocks_per_epoch,
           'block_seconds', s.block_seconds,
           'anchor_block', a.block_number,
           'anchor_seen_at', a.seen_at)
    from leadpoet.chain_anchor a
   cross join leadpoet.settings s
   cross join lateral (select leadpoet.current_block() as block) b
   cross join lateral (select leadpoet.current_epoch(b.block) as epoch) e
$$;

create function public.consensus_clock()
returns jsonb
language plpgsql stable security definer
set search_path = pg_catalog, pg_temp
as $$
begin
  perform leadpoet.require_caller(array['miner', 'validator', 'operator']);
  return leadpoet.clock_json();
end
$$;

-- Once an epoch has been closed, a clock that jumps more than three epochs from where it stands is
-- refused unless forced: a typo or the wrong network would otherwise stamp decisions (and closings)
-- into epochs far away, and a closed epoch keeps the clock from ever coming back below it.
create function public.set_chain_anchor(p_block bigint, p_seen_at timestamptz default null, p_force boolean default false)
returns jsonb
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_seen_at timestamptz := coalesce(p_seen_at, now());
  v_now_block bigint;
  v_limit bigint := 3 * (select s.blocks_per_epoch from leadpoet.settings s);
begin
  perform leadpoet.require_caller(array['operator']);
  if p_block is null or p_block < 0 then
    raise exception using errcode = 'LP400', message = 'block must be a non-negative integer';
  end if;
  if v_seen_at > now() + interval '5 minutes' then
    raise exception using errcode = 'LP400', message = 'seen_at is in the future';
  end if;
  v_now_block := leadpoet.current_block();
  if not coalesce(p_force, false) and abs(p_block - v_now_block) > v_limit
     and exists (select 1 from leadpoet.epoch_closures) then
    raise exception using errcode = 'LP400', message = format(
      'block %s is %s blocks from the clock (block %s): more than three epochs away once epochs have been closed; force it if the chain really is there',
      p_block, abs(p_block - v_now_block), v_now_block);
  end if;
  update leadpoet.chain_anchor set block_number = p_block, seen_at = v_seen_at, updated_at = now();
  return leadpoet.clock_json();
end
$$;

-- ---------------------------------------------------------------------------------------------
-- Settings

create function leadpoet.settings_json()
returns jsonb
language sql stable
set search_path = pg_catalog, pg_temp
as $$
  select to_jsonb(s) - 'singleton' from leadpoet.settings s
$$;

create function public.consensus_settings()
returns jsonb
language plpgsql stable security definer
set search_path = pg_catalog, pg_temp
as $$
begin
  perform leadpoet.require_caller(array['miner', 'validator', 'operator']);
  return leadpoet.settings_json();
end
$$;

create function public.update_consensus_settings(p_changes jsonb)
returns jsonb
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_allowed text[] := array['quorum', 'majority', 'eligibility_threshold', 'lease_seconds',
                            'max_live_leases_per_validator', 'blocks_per_epoch', 'block_seconds',
                            'max_batch_size', 'quorum_timeout_blocks'];
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
  if exists (select 1 from jsonb_each(p_changes) e where jsonb_typeof(e.value) <> 'number') then
    raise exception using errcode = 'LP400', message = 'every setting is a number';
  end if;
  begin
    select * into v_new from jsonb_populate_record((select s from leadpoet.settings s), p_changes);
    update leadpoet.settings s
       set quorum = v_new.quorum, majority = v_new.majority,
           eligibility_threshold = v_new.eligibility_threshold, lease_seconds = v_new.lease_seconds,
           max_live_leases_per_validator = v_new.max_live_leases_per_validator,
           blocks_per_epoch = v_new.blocks_per_epoch, block_seconds = v_new.block_seconds,
           max_batch_size = v_new.max_batch_size, quorum_timeout_blocks = v_new.quorum_timeout_blocks,
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
-- Enqueue (miners)

create function public.enqueue_prospects(p_prospects jsonb)
returns jsonb
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_caller leadpoet.caller := leadpoet.require_caller(array['miner']);
  v_bad record;
  v_ids jsonb;
begin
  perform leadpoet.require_batch(p_prospects, 'prospects');
  select a.i, jsonb_typeof(a.e) as kind, octet_length(a.e::text) as size into v_bad
    from jsonb_array_elements(p_prospects) with ordinality a (e, i)
   where jsonb_typeof(a.e) <> 'object' or octet_length(a.e::text) > 65536
   order by a.i limit 1;
  if found then
    raise exception using errcode = 'LP400', message = case
      when v_bad.kind <> 'object' then format('prospect %s is a JSON %s, not an object', v_bad.i, v_bad.kind)
      else format('prospect %s is %s bytes, over the 64 KiB limit', v_bad.i, v_bad.size) end;
  end if;

  -- The insert trigger serializes enqueues (queue order is commit order).
  with inserted as (
    insert into public.prospect_queue (miner_hotkey, prospect, queued_block)
    select v_caller.hotkey, a.e, leadpoet.current_block()
      from jsonb_array_elements(p_prospects) with ordinality a (e, i) order by a.i
    returning id, queue_seq
  )
  select jsonb_agg(i.id order by i.queue_seq) into v_ids from inserted i;
  return jsonb_build_object('enqueued', jsonb_array_length(v_ids), 'prospect_ids', v_ids);
end
$$;

-- ---------------------------------------------------------------------------------------------
-- Pull (validators)

-- Planner settings: every statement in a pull is meant to be an index walk that stops early (the
-- queue in queue_seq order up to LIMIT, or key lookups). A generic plan cannot see the LIMIT and the
-- queue position, and stale statistics (a queue that grew since the last ANALYZE) make a bitmap scan
-- of every pending row plus a sort look cheap; either makes a pull's cost grow with the queue.
-- jit = off: the penalty cost of the disabled scans (on the one-row settings tables, where a
-- sequential scan is the only path) would otherwise trigger JIT compilation, 50 ms a statement.
create function public.pull_prospects_for_validator(p_limit integer default 50)
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
  v_expires_block bigint;
  v_position bigint;
  v_live integer;
  v_room integer;
  v_candidates uuid[];
  v_held jsonb;
  v_taken jsonb;
  v_taken_ids uuid[];
  v_last_read bigint;
  v_first_skipped bigint;
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
  v_expires_block := v_block + ceil(s.lease_seconds / s.block_seconds)::bigint;

  -- One pull at a time per validator (its lease cap and queue position); others never wait on it.
  insert into leadpoet.validator_queue_positions (validator_hotkey) values (v_caller.hotkey)
  on conflict do nothing;
  select p.last_seq into v_position from leadpoet.validator_queue_positions p
   where p.validator_hotkey = v_caller.hotkey for update;

  select count(*) into v_live from leadpoet.prospect_leases l
   where l.validator_hotkey = v_caller.hotkey and l.state = 'live' and l.expires_block > v_block;

  -- Leases this validator already holds and has not voted on come back first: a pull whose answer
  -- was lost (a crash, a dropped connection) is picked up by the next one instead of sitting out
  -- its lease.
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

  if v_room > 0 then
    -- Candidates, unlocked and in queue order: slots reopened behind this validator's position,
    -- then the queue ahead of it. Both walks stop after v_room rows that can be taken.
    v_candidates := array(
      select c.id from (
        (select q.id, q.queue_seq from public.prospect_queue q
          where q.consensus_status = 'pending' and q.reopened and q.queue_seq <= v_position
            and q.pull_count < s.quorum and not (v_caller.hotkey = any (q.validators_pulled))
          order by q.queue_seq limit v_room)
        union all
        (select q.id, q.queue_seq from public.prospect_queue q
          where q.consensus_status = 'pending' and q.queue_seq > v_position
            and q.pull_count < s.quorum and not (v_caller.hotkey = any (q.validators_pulled))
          order by q.queue_seq limit v_room)
      ) c order by c.queue_seq limit v_room);

    -- Take what is still free. SKIP LOCKED: a row another transaction holds right now is passed over
    -- (the position below stays before it). `id = any(array)` keeps this on the primary key.
    with free as (
      select q.id from public.prospect_queue q
       where q.id = any (v_candidates)
         and q.consensus_status = 'pending' and q.pull_count < s.quorum
         and not (v_caller.hotkey = any (q.validators_pulled))
       order by q.queue_seq
         for update skip locked
    ), taken as (
      update public.prospect_queue q
         set validators_pulled = q.validators_pulled || v_caller.hotkey,
             pull_count = q.pull_count + 1,
             reopened = q.reopened and q.pull_count + 1 < s.quorum
        from free
       where q.id = free.id
      returning q.id, q.queue_seq, q.prospect, q.created_at
    ), leased as (
      insert into leadpoet.prospect_leases (prospect_id, validator_hotkey, leased_block, expires_block)
      select t.id, v_caller.hotkey, v_block, v_expires_block from taken t
      returning prospect_id
    )
    select coalesce(jsonb_agg(jsonb_build_object('prospect_id', t.id, 'lead_id', t.id, 'prospect', t.prospect,
                                                 'queued_at', t.created_at, 'lease_expires_block', v_expires_block)
                              order by t.queue_seq), '[]'::jsonb),
           coalesce(array_agg(t.id), '{}')
      into v_taken, v_taken_ids
      from taken t;

    -- Move the position over what was read ahead of it, but stay before any row that was skipped
    -- and may still have a slot for this validator.
    select max(q.queue_seq),
           min(q.queue_seq) filter (where not (q.id = any (v_taken_ids))
                                      and q.consensus_status = 'pending' and q.pull_count < s.quorum
                                      and not (v_caller.hotkey = any (q.validators_pulled)))
      into v_last_read, v_first_skipped
      from public.prospect_queue q
     where q.id = any (v_candidates) and q.queue_seq > v_position;
    if v_last_read is not null then
      update leadpoet.validator_queue_positions p
         set last_seq = greatest(v_position, coalesce(v_first_skipped - 1, v_last_read)), updated_at = now()
       where p.validator_hotkey = v_caller.hotkey;
    end if;
    v_live := v_live + coalesce(cardinality(v_taken_ids), 0);
  end if;

  v_taken := v_held || coalesce(v_taken, '[]'::jsonb);
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
-- Decide

create type leadpoet.decision as (prospect_id uuid, consensus_status text, decision_reason text);

-- Decides every listed prospect that is pending and has a full quorum of votes, or, with
-- p_timed_out, whatever votes it has (the quorum timeout: accepted only with a majority of valid
-- votes, else rejected as quorum_timeout). The caller holds the prospects' row locks, so each
-- decision is taken exactly once. An accepted lead whose email is already in leads (in any case) is
-- recorded as rejected (duplicate_email) instead of failing the transaction.
create function leadpoet.decide(p_prospect_ids uuid[], p_epoch bigint, p_timed_out boolean default false)
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
    select q.id, q.queue_seq, q.miner_hotkey, q.prospect, lower(btrim(q.prospect ->> 'email')) as email,
           v.votes, v.valid_votes, v.mean_score, v.validators
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
     where t.valid_votes >= s.majority
       and not exists (select 1 from public.leads l where lower(l.email) = t.email)
     -- Unique keys taken in one order by every transaction (no deadlock between two batches holding
     -- the same emails); within a batch the earlier prospect in the queue wins an email.
     order by t.email, t.queue_seq
    on conflict do nothing
    returning prospect_id
  ), decided as (
    update public.prospect_queue q
       set consensus_status = case when n.prospect_id is not null then 'accepted' else 'rejected' end,
           decision_reason = case when n.prospect_id is not null then 'majority_valid'
                                  when t.valid_votes >= s.majority then 'duplicate_email'
                                  when t.votes < s.quorum then 'quorum_timeout'
                                  else 'majority_invalid' end,
           majority_valid = t.valid_votes >= s.majority,
           consensus_timestamp = now(),
           consensus_epoch = p_epoch,
           reopened = false
      from tally t
      left join new_leads n on n.prospect_id = t.id
     where q.id = t.id
    returning q.id, q.consensus_status, q.decision_reason
  )
  select d.id, d.consensus_status, d.decision_reason from decided d;
end
$$;

-- ---------------------------------------------------------------------------------------------
-- Submit (validators)

create function leadpoet.assessment_problem(p_item jsonb)
returns text
language sql immutable
set search_path = pg_catalog, pg_temp
as $$
  select case
    when jsonb_typeof(p_item) is distinct from 'object' then 'must be a JSON object'
    when exists (select 1 from jsonb_object_keys(p_item) k
                  where k not in ('prospect_id', 'is_valid', 'score', 'rejection_reasons'))
      then 'unknown field ' || (select min(k) from jsonb_object_keys(p_item) k
                                 where k not in ('prospect_id', 'is_valid', 'score', 'rejection_reasons'))
    when not coalesce(leadpoet.is_uuid(p_item -> 'prospect_id'), false) then 'prospect_id must be a UUID'
    when jsonb_typeof(p_item -> 'is_valid') is distinct from 'boolean' then 'is_valid must be true or false'
    when jsonb_typeof(p_item -> 'score') is distinct from 'number' then 'score must be a number'
    when (p_item -> 'score')::numeric not between 0 and 1 then 'score must be between 0 and 1'
    when jsonb_typeof(p_item -> 'rejection_reasons') not in ('array', 'null')
      then 'rejection_reasons must be an array'
    when octet_length((p_item -> 'rejection_reasons')::text) > 16384
      then 'rejection_reasons is over 16 KiB'
    when exists (select 1
                   from jsonb_array_elements(case when jsonb_typeof(p_item -> 'rejection_reasons') = 'array'
                                                  then p_item -> 'rejection_reasons' else '[]'::jsonb end) r
                  where jsonb_typeof(r) <> 'object'
                     or jsonb_typeof(r -> 'check') is distinct from 'string'
                     or jsonb_typeof(r -> 'message') is distinct from 'string')
      then 'each rejection reason must be an object with a check and a message'
  end
$$;

-- Outcomes per assessment: recorded, unchanged (the identical vote was already in: a retry),
-- and the refusals conflicting_vote, not_pulled, lease_expired, lease_released, already_decided. Refusals do not
-- fail the batch; malformed input does, before anything is written.
-- Planner settings as for the pull: a submit touches its batch's rows by key and nothing else.
create function public.submit_assessments(p_assessments jsonb)
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
  v_bad record;
  v_ids uuid[];
  v_unknown text;
  v_block bigint;
  v_epoch bigint;
  v_outcomes jsonb;
  v_recorded uuid[];
  v_decisions jsonb;
begin
  perform leadpoet.require_batch(p_assessments, 'assessments');
  select a.i, p.problem into v_bad
    from jsonb_array_elements(p_assessments) with ordinality a (e, i)
   cross join lateral (select leadpoet.assessment_problem(a.e) as problem) p
   where p.problem is not null
   order by a.i limit 1;
  if found then
    raise exception using errcode = 'LP400', message = format('assessment %s: %s', v_bad.i, v_bad.problem);
  end if;
  select (a.e ->> 'prospect_id')::uuid::text into v_unknown
    from jsonb_array_elements(p_assessments) a (e)
   group by (a.e ->> 'prospect_id')::uuid having count(*) > 1 limit 1;
  if found then
    raise exception using errcode = 'LP400', message = format('prospect %s appears twice in the batch', v_unknown);
  end if;

  v_ids := array(select (a.e ->> 'prospect_id')::uuid from jsonb_array_elements(p_assessments) a (e));
  select string_agg(i.id::text, ', ') into v_unknown
    from unnest(v_ids) i (id)
   where i.id <> all (array(select q.id from public.prospect_queue q where q.id = any (v_ids)));
  if v_unknown is not null then
    raise exception using errcode = 'LP404', message = 'unknown prospect: ' || v_unknown;
  end if;

  -- Lock the batch's prospects in one order (by id), so concurrent batches cannot deadlock. Every
  -- vote on a prospect is written and counted under its lock: that makes each decision exactly-once.
  perform 1 from public.prospect_queue q where q.id = any (v_ids) order by q.id for update;
  v_block := leadpoet.current_block();
  v_epoch := leadpoet.lock_decision_epoch();

  with input as (
    select (a.e ->> 'prospect_id')::uuid as prospect_id,
           (a.e ->> 'is_valid')::boolean as is_valid,
           round((a.e -> 'score')::numeric, 2) as score,
           case when jsonb_typeof(a.e -> 'rejection_reasons') = 'array'
                then a.e -> 'rejection_reasons' else '[]'::jsonb end as reasons,
           a.i as position
      from jsonb_array_elements(p_assessments) with ordinality a (e, i)
  ), classified as (
    -- One key probe per assessment, whatever the planner believes about the tables' sizes: a plain
    -- join here was hash-joined against a sequential scan of the queue. `limit 1` keeps each LATERAL
    -- from being flattened back into such a join (each finds one row by its key anyway).
    select i.*,
           case
             when v.id is not null and v.is_valid = i.is_valid and v.score = i.score
                  and v.rejection_reasons = i.reasons then 'unchanged'
             when v.id is not null then 'conflicting_vote'
             when l.state is null then 'not_pulled'
             when l.state = 'released' then 'lease_released'
             when l.state = 'expired' or l.expires_block <= v_block then 'lease_expired'
             when q.consensus_status is distinct from 'pending' then 'already_decided'
             else 'recorded'
           end as outcome
      from input i
     cross join lateral (select p.consensus_status from public.prospect_queue p
                          where p.id = i.prospect_id limit 1) q
      left join lateral (select t.id, t.is_valid, t.score, t.rejection_reasons from public.validation_tracking t
                          where t.prospect_id = i.prospect_id and t.validator_hotkey = v_caller.hotkey limit 1) v on true
      left join lateral (select x.state, x.expires_block from leadpoet.prospect_leases x
                          where x.prospect_id = i.prospect_id and x.validator_hotkey = v_caller.hotkey limit 1) l on true
  ), inserted as (
    insert into public.validation_tracking (lead_id, prospect_id, validator_hotkey, score, is_valid,
                                            rejection_reasons, epoch_number)
    select c.prospect_id, c.prospect_id, v_caller.hotkey, c.score, c.is_valid, c.reasons, v_epoch
      from classified c
     where c.outcome = 'recorded'
    returning prospect_id
  ), voted as (
    update leadpoet.prospect_leases l set state = 'voted'
      from inserted n
     where l.prospect_id = n.prospect_id and l.validator_hotkey = v_caller.hotkey
    returning l.prospect_id
  )
  select jsonb_agg(jsonb_build_object('prospect_id', c.prospect_id, 'outcome', c.outcome) order by c.position),
         coalesce(array_agg(c.prospect_id) filter (where c.outcome = 'recorded'), '{}')
    into v_outcomes, v_recorded
    from classified c;

  select coalesce(jsonb_object_agg(d.prospect_id::text,
                                   jsonb_build_object('decision', d.consensus_status,
                                                      'decision_reason', d.decision_reason)), '{}'::jsonb)
    into v_decisions
    from leadpoet.decide(v_recorded, v_epoch) d;

  return (
    select jsonb_build_object(
             'epoch', v_epoch,
             'results', jsonb_agg(o.item || coalesce(v_decisions -> (o.item ->> 'prospect_id'), '{}'::jsonb)
                                  order by o.n),
             'recorded', count(*) filter (where o.item ->> 'outcome' = 'recorded'),
             'unchanged', count(*) filter (where o.item ->> 'outcome' = 'unchanged'),
             'refused', count(*) filter (where o.item ->> 'outcome' not in ('recorded', 'unchanged')),
             'accepted', (select count(*) from jsonb_each(v_decisions) d where d.value ->> 'decision' = 'accepted'),
             'rejected', (select count(*) from jsonb_each(v_decisions) d where d.value ->> 'decision' = 'rejected'))
      from jsonb_array_elements(v_outcomes) with ordinality o (item, n));
end
$$;

-- ---------------------------------------------------------------------------------------------
-- Sweep (operator)

create function public.sweep_consensus()
returns jsonb
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  s leadpoet.settings;
  v_block bigint;
  v_epoch bigint;
  v_expired integer;
  v_reopened integer;
  v_decisions jsonb;
  v_pending jsonb;
begin
  perform leadpoet.require_caller(array['operator']);
  select * into s from leadpoet.settings;
  v_block := leadpoet.current_block();

  -- Lapsed leases give their slot back, to a different validator (the lapsed one stays in
  -- validators_pulled). Prospects another transaction holds right now are left for the next sweep,
  -- so two sweeps, or a sweep and a vote, never wait on each other.
  with lapsed as (
    select q.id from public.prospect_queue q
     where q.id = any (array(select distinct l.prospect_id from leadpoet.prospect_leases l
                              where l.state = 'live' and l.expires_block <= v_block))
     order by q.id
       for update skip locked
  ), expired as (
    update leadpoet.prospect_leases l set state = 'expired'
      from lapsed
     where l.prospect_id = lapsed.id and l.state = 'live' and l.expires_block <= v_block
    returning l.prospect_id
  ), reopened as (
    update public.prospect_queue q
       set pull_count = q.pull_count - e.n,
           reopened = q.consensus_status = 'pending'
      from (select x.prospect_id, count(*)::integer as n from expired x group by x.prospect_id) e
     where q.id = e.prospect_id
    returning q.id
  )
  select (select count(*) from expired), (select count(*) from reopened) into v_expired, v_reopened;

  -- The quorum timeout: what has waited quorum_timeout_blocks is decided with the votes it has, so
  -- nothing waits forever for validators that are not there (or that all gave it back).
  v_epoch := leadpoet.lock_decision_epoch();
  select coalesce(jsonb_agg(to_jsonb(d)), '[]'::jsonb) into v_decisions
    from leadpoet.decide(array(
           select q.id from public.prospect_queue q
            where q.id = any (array(select p.id from public.prospect_queue p
                                     where p.consensus_status = 'pending'
                                       and p.queued_block <= v_block - s.quorum_timeout_blocks
                                     order by p.queued_block limit 10000))
            order by q.id
              for update skip locked), v_epoch, true) d;

  select jsonb_build_object(
           'total', count(*),
           'unclaimed', count(*) filter (where q.pull_count = 0),
           'waiting_for_validators', count(*) filter (where q.pull_count between 1 and s.quorum - 1),
           'waiting_for_votes', count(*) filter (where q.pull_count >= s.quorum))
    into v_pending
    from public.prospect_queue q
   where q.consensus_status = 'pending';

  return jsonb_build_object(
    'block', v_block,
    'epoch', v_epoch,
    'expired_leases', v_expired,
    'reopened_prospects', v_reopened,
    'timed_out', jsonb_array_length(v_decisions),
    'accepted', (select count(*) from jsonb_array_elements(v_decisions) d where d ->> 'consensus_status' = 'accepted'),
    'rejected', (select count(*) from jsonb_array_elements(v_decisions) d where d ->> 'consensus_status' = 'rejected'),
    'pending', v_pending);
end
$$;

-- ---------------------------------------------------------------------------------------------
-- Epochs: eligibility, miner weights, close, clear (operator)

create type leadpoet.eligibility as (
  validator_hotkey text, decided_leads integer, matching_votes integer, agreement numeric,
  eligible boolean, reason text);

-- A vote counts in the epoch its prospect was decided in, so each decided vote counts exactly once.
-- Validators that voted in the epoch but saw nothing decided in it are listed as not eligible.
create function leadpoet.live_eligibility(p_epoch bigint)
returns setof leadpoet.eligibility
language sql stable
set search_path = pg_catalog, pg_temp
as $$
  with decided as (
    select v.validator_hotkey,
           count(*)::integer as decided_leads,
           (count(*) filter (where v.is_valid = q.majority_valid))::integer as matching_votes
      from public.prospect_queue q
      join public.validation_tracking v on v.prospect_id = q.id
     where q.consensus_epoch = p_epoch
     group by v.validator_hotkey
  ), voters as (
    select validator_hotkey from decided
    union
    select v.validator_hotkey from public.validation_tracking v where v.epoch_number = p_epoch
  )
  select w.validator_hotkey,
         coalesce(d.decided_leads, 0),
         coalesce(d.matching_votes, 0),
         case when coalesce(d.decided_leads, 0) = 0 then 0
              else round(d.matching_votes::numeric / d.decided_leads, 4) end,
         coalesce(d.decided_leads, 0) > 0 and d.matching_votes >= s.eligibility_threshold * d.decided_leads,
         case when coalesce(d.decided_leads, 0) = 0 then 'no_decided_leads'
              when d.matching_votes >= s.eligibility_threshold * d.decided_leads then 'agreement_at_or_above_threshold'
              else 'agreement_below_threshold' end
    from voters w
    left join decided d using (validator_hotkey)
   cross join leadpoet.settings s
   order by w.validator_hotkey
$$;

create type leadpoet.miner_weight as (miner_hotkey text, accepted_leads integer, share numeric);

create function leadpoet.live_miner_weights(p_epoch bigint)
returns setof leadpoet.miner_weight
language sql stable
set search_path = pg_catalog, pg_temp
as $$
  select q.miner_hotkey,
         count(*)::integer,
         count(*)::numeric / sum(count(*)) over ()
    from public.prospect_queue q
   where q.consensus_epoch = p_epoch and q.consensus_status = 'accepted'
   group by q.miner_hotkey
   order by q.miner_hotkey
$$;

create function leadpoet.resolve_epoch(p_epoch bigint, p_default_offset integer)
returns bigint
language plpgsql stable
set search_path = pg_catalog, pg_temp
as $$
declare
  v_epoch bigint := coalesce(p_epoch, leadpoet.current_epoch(leadpoet.current_block()) + p_default_offset);
begin
  if v_epoch < 0 then
    raise exception using errcode = 'LP400', message = format('epoch %s does not exist', v_epoch);
  end if;
  return v_epoch;
end
$$;

create function public.epoch_eligibility(p_epoch bigint default null)
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
  if v_closed then
    select coalesce(jsonb_agg(to_jsonb(e) - 'epoch_number' order by e.validator_hotkey), '[]'::jsonb) into v_rows
      from leadpoet.epoch_validator_eligibility e
     where e.epoch_number = v_epoch
       and (v_caller.app_role = 'operator' or e.validator_hotkey = v_caller.hotkey);
  else
    select coalesce(jsonb_agg(to_jsonb(e) order by e.validator_hotkey), '[]'::jsonb) into v_rows
      from leadpoet.live_eligibility(v_epoch) e
     where v_caller.app_role = 'operator' or e.validator_hotkey = v_caller.hotkey;
  end if;
  return jsonb_build_object(
    'epoch', v_epoch,
    'closed', v_closed,
    'threshold', (select s.eligibility_threshold from leadpoet.settings s),
    'validators', v_rows);
end
$$;

create function public.epoch_miner_weights(p_epoch bigint default null)
returns jsonb
language plpgsql stable security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_epoch bigint;
  v_closed boolean;
  v_rows jsonb;
begin
  perform leadpoet.require_caller(array['operator']);
  v_epoch := leadpoet.resolve_epoch(p_epoch, 0);
  v_closed := exists (select 1 from leadpoet.epoch_closures c where c.epoch_number = v_epoch);
  if v_closed then
    select coalesce(jsonb_agg(to_jsonb(w) - 'epoch_number' order by w.miner_hotkey), '[]'::jsonb) into v_rows
      from leadpoet.epoch_miner_weights w where w.epoch_number = v_epoch;
  else
    select coalesce(jsonb_agg(to_jsonb(w) order by w.miner_hotkey), '[]'::jsonb) into v_rows
      from leadpoet.live_miner_weights(v_epoch) w;
  end if;
  return jsonb_build_object(
    'epoch', v_epoch,
    'closed', v_closed,
    'accepted_leads', (select coalesce(sum((m ->> 'accepted_leads')::integer), 0) from jsonb_array_elements(v_rows) m),
    'miners', v_rows);
end
$$;

-- Snapshots an epoch that is over (default: the previous one). Idempotent: closing it again returns
-- the snapshot taken the first time.
create function public.close_epoch(p_epoch bigint default null)
returns jsonb
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_caller leadpoet.caller := leadpoet.require_caller(array['operator']);
  v_epoch bigint := leadpoet.resolve_epoch(p_epoch, -1);
  v_current bigint := leadpoet.current_epoch(leadpoet.current_block());
  v_closure leadpoet.epoch_closures;
  v_already boolean := false;
begin
  if v_epoch >= v_current then
    raise exception using errcode = 'LP409',
      message = format('epoch %s is not over yet: the current epoch is %s', v_epoch, v_current);
  end if;
  -- Waits for decisions still being stamped with this epoch (see lock_decision_epoch).
  perform pg_advisory_xact_lock(71002, (v_epoch % 2147483647)::integer);

  insert into leadpoet.epoch_closures (epoch_number, closed_by, decided_leads, accepted_leads)
  select v_epoch, v_caller.hotkey, count(*), count(*) filter (where q.consensus_status = 'accepted')
    from public.prospect_queue q
   where q.consensus_epoch = v_epoch
  on conflict (epoch_number) do nothing
  returning * into v_closure;

  if v_closure.epoch_number is null then
    v_already := true;
    select * into v_closure from leadpoet.epoch_closures c where c.epoch_number = v_epoch;
  else
    insert into leadpoet.epoch_validator_eligibility
    select v_epoch, e.* from leadpoet.live_eligibility(v_epoch) e;
    insert into leadpoet.epoch_miner_weights
    select v_epoch, w.* from leadpoet.live_miner_weights(v_epoch) w;
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
                  from leadpoet.epoch_miner_weights w where w.epoch_number = v_epoch));
end
$$;

-- The seed's clear_old_validation_tracking: deletes the votes (and leases) of closed epochs older than
-- the previous one. An epoch that is not closed keeps its votes, however old.
create function public.clear_old_validation_tracking()
returns jsonb
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_current bigint;
  v_epochs bigint[];
  v_votes integer;
  v_leases integer;
  v_unclosed jsonb;
begin
  perform leadpoet.require_caller(array['operator']);
  v_current := leadpoet.current_epoch(leadpoet.current_block());

  v_epochs := array(select c.epoch_number from leadpoet.epoch_closures c
                     where c.cleared_at is null and c.epoch_number < v_current - 1
                     order by c.epoch_number for update);
  with doomed as (
    select q.id from public.prospect_queue q where q.consensus_epoch = any (v_epochs)
  ), votes as (
    delete from public.validation_tracking v using doomed d where v.prospect_id = d.id returning 1
  ), leases as (
    delete from leadpoet.prospect_leases l using doomed d where l.prospect_id = d.id returning 1
  )
  select (select count(*) from votes), (select count(*) from leases) into v_votes, v_leases;
  update leadpoet.epoch_closures c set cleared_at = now() where c.epoch_number = any (v_epochs);

  select coalesce(jsonb_agg(x.epoch order by x.epoch), '[]'::jsonb) into v_unclosed
    from (select distinct q.consensus_epoch as epoch
            from public.validation_tracking v
            join public.prospect_queue q on q.id = v.prospect_id
           where q.consensus_epoch < v_current - 1
             and not exists (select 1 from leadpoet.epoch_closures c where c.epoch_number = q.consensus_epoch)) x;

  return jsonb_build_object(
    'current_epoch', v_current,
    'cleared_epochs', to_jsonb(v_epochs),
    'deleted_votes', v_votes,
    'deleted_leases', v_leases,
    'unclosed_epochs_kept', v_unclosed);
end
$$;

-- ---------------------------------------------------------------------------------------------
-- Release (validators): give back leases the caller will not vote on (its checks could not reach a
-- verdict), so the slot goes to another validator now instead of when the lease lapses. The caller
-- stays in validators_pulled: it does not get the prospect again.
create function public.release_leases(p_prospect_ids jsonb)
returns jsonb
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_caller leadpoet.caller := leadpoet.require_caller(array['validator']);
  v_ids uuid[];
  v_released uuid[];
begin
  perform leadpoet.require_batch(p_prospect_ids, 'prospect ids');
  if exists (select 1 from jsonb_array_elements(p_prospect_ids) e where not leadpoet.is_uuid(e)) then
    raise exception using errcode = 'LP400', message = 'prospect ids must be UUIDs';
  end if;
  v_ids := array(select distinct (e #>> '{}')::uuid from jsonb_array_elements(p_prospect_ids) e);

  perform 1 from public.prospect_queue q where q.id = any (v_ids) order by q.id for update;
  with released as (
    update leadpoet.prospect_leases l set state = 'released'
     where l.prospect_id = any (v_ids) and l.validator_hotkey = v_caller.hotkey and l.state = 'live'
    returning l.prospect_id
  ), reopened as (
    update public.prospect_queue q
       set pull_count = q.pull_count - 1, reopened = q.consensus_status = 'pending'
      from released r
     where q.id = r.prospect_id
    returning q.id
  )
  select coalesce(array_agg(r.id), '{}') into v_released from reopened r;

  return jsonb_build_object(
    'released', cardinality(v_released),
    'results', (select jsonb_agg(jsonb_build_object('prospect_id', i.id,
                                                    'outcome', case when i.id = any (v_released) then 'released' else 'not_held' end)
                                 order by i.id)
                  from unnest(v_ids) i (id)));
end
$$;

-- ---------------------------------------------------------------------------------------------
-- Duplicate check (validators): which of these emails are leads already. Answers only for the emails
-- asked about, so it reveals no more than a validator could learn from a rejected duplicate.
create function public.known_lead_emails(p_emails jsonb)
returns jsonb
language plpgsql stable security definer
set search_path = pg_catalog, pg_temp
as $$
begin
  perform leadpoet.require_caller(array['validator', 'operator']);
  perform leadpoet.require_batch(p_emails, 'emails', p_allow_empty => true);
  if exists (select 1 from jsonb_array_elements(p_emails) e where jsonb_typeof(e) <> 'string') then
    raise exception using errcode = 'LP400', message = 'emails must be strings';
  end if;
  return coalesce((select jsonb_agg(distinct lower(l.email))
                     from public.leads l
                    where lower(l.email) = any (array(select lower(btrim(e #>> '{}')) from jsonb_array_elements(p_emails) e))),
                  '[]'::jsonb);
end
$$;

-- ---------------------------------------------------------------------------------------------
-- Listing (operator; a miner sees its own prospects)
create function public.list_prospects(p_status text default null, p_miner_hotkey text default null,
                                      p_limit integer default 100)
returns jsonb
language plpgsql stable security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_caller leadpoet.caller := leadpoet.require_caller(array['miner', 'operator']);
  v_miner text := case when v_caller.app_role = 'miner' then v_caller.hotkey else p_miner_hotkey end;
begin
  if p_status is not null and p_status not in ('pending', 'accepted', 'rejected') then
    raise exception using errcode = 'LP400', message = 'status must be pending, accepted or rejected';
  end if;
  if p_limit is null or p_limit not between 1 and 10000 then
    raise exception using errcode = 'LP400', message = 'limit must be between 1 and 10000';
  end if;
  return jsonb_build_object('prospects', coalesce((
    select jsonb_agg(jsonb_build_object(
             'prospect_id', q.id, 'miner_hotkey', q.miner_hotkey, 'queued_at', q.created_at,
             'consensus_status', q.consensus_status, 'decision_reason', q.decision_reason,
             'consensus_epoch', q.consensus_epoch, 'holders', q.pull_count,
             'business', q.prospect ->> 'business', 'email', q.prospect ->> 'email')
           order by q.queue_seq desc)
      from (select * from public.prospect_queue p
             where (p_status is null or p.consensus_status = p_status)
               and (v_miner is null or p.miner_hotkey = v_miner)
             order by p.queue_seq desc
             limit p_limit) q), '[]'::jsonb));
end
$$;

-- ---------------------------------------------------------------------------------------------
-- Monitoring (operator): the seed's metrics for one epoch. Ground truth is not in the database, so
-- false positive/negative rates are for callers that know it (the simulator).
create function public.consensus_stats(p_epoch bigint default null)
returns jsonb
language plpgsql stable security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_epoch bigint;
  s leadpoet.settings;
  v_decided jsonb;
  v_validators jsonb;
begin
  perform leadpoet.require_caller(array['operator']);
  v_epoch := leadpoet.resolve_epoch(p_epoch, 0);
  select * into s from leadpoet.settings;

  select jsonb_build_object(
           'decided', count(*),
           'accepted', count(*) filter (where q.consensus_status = 'accepted'),
           'rejected', count(*) filter (where q.consensus_status = 'rejected'),
           'duplicate_emails', count(*) filter (where q.decision_reason = 'duplicate_email'),
           'seconds_to_consensus_avg', round(avg(extract(epoch from q.consensus_timestamp - q.created_at))::numeric, 3),
           'seconds_to_consensus_p95', round((percentile_cont(0.95) within group
                                               (order by extract(epoch from q.consensus_timestamp - q.created_at)))::numeric, 3),
           'unanimous', count(*) filter (where v.valid_votes in (0, v.votes)))
    into v_decided
    from public.prospect_queue q
   cross join lateral (select count(*)::integer as votes, (count(*) filter (where t.is_valid))::integer as valid_votes
                         from public.validation_tracking t where t.prospect_id = q.id) v
   where q.consensus_epoch = v_epoch;

  -- Work: leases taken in the epoch (by block) and what became of them; agreement: as eligibility.
  select coalesce(jsonb_agg(jsonb_build_object(
           'validator_hotkey', w.validator_hotkey,
           'leases', w.leases, 'voted', w.voted, 'expired', w.expired, 'released', w.released,
           'share_of_work', round(w.leases::numeric / nullif(w.all_leases, 0), 4),
           'decided_leads', coalesce(e.decided_leads, 0),
           'participation', round(coalesce(e.decided_leads, 0)::numeric / nullif((v_decided ->> 'decided')::integer, 0), 4),
           'agreement', e.agreement)
         order by w.validator_hotkey), '[]'::jsonb)
    into v_validators
    from (select l.validator_hotkey, count(*)::integer as leases,
                 (count(*) filter (where l.state = 'voted'))::integer as voted,
                 (count(*) filter (where l.state = 'expired'))::integer as expired,
                 (count(*) filter (where l.state = 'released'))::integer as released,
                 sum(count(*)) over () as all_leases
            from leadpoet.prospect_leases l
           where l.leased_block >= v_epoch * s.blocks_per_epoch and l.leased_block < (v_epoch + 1) * s.blocks_per_epoch
           group by l.validator_hotkey) w
    left join leadpoet.live_eligibility(v_epoch) e using (validator_hotkey);

  return jsonb_build_object('epoch', v_epoch, 'decisions', v_decided, 'validators', v_validators);
end
$$;

-- ---------------------------------------------------------------------------------------------
-- One prospect's consensus. Votes are the operator's to see before a decision: a validator that
-- could read them could copy them. Miners see only their own prospects.
create function public.prospect_consensus(p_prospect_id uuid)
returns jsonb
language plpgsql stable security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_caller leadpoet.caller := leadpoet.require_caller(array['miner', 'validator', 'operator']);
  q public.prospect_queue;
  v_show_all boolean;
begin
  select * into q from public.prospect_queue p where p.id = p_prospect_id;
  if not found or (v_caller.app_role = 'miner' and q.miner_hotkey <> v_caller.hotkey) then
    raise exception using errcode = 'LP404', message = 'unknown prospect: ' || coalesce(p_prospect_id::text, 'null');
  end if;
  v_show_all := v_caller.app_role = 'operator' or q.consensus_status in ('accepted', 'rejected');
  return jsonb_build_object(
    'prospect_id', q.id,
    'miner_hotkey', q.miner_hotkey,
    'queued_at', q.created_at,
    'consensus_status', q.consensus_status,
    'decision_reason', q.decision_reason,
    'consensus_epoch', q.consensus_epoch,
    'consensus_timestamp', q.consensus_timestamp,
    'holders', q.pull_count,
    'votes_visible', v_show_all,
    'votes', (select coalesce(jsonb_agg(jsonb_build_object(
                       'validator_hotkey', v.validator_hotkey, 'is_valid', v.is_valid, 'score', v.score,
                       'rejection_reasons', v.rejection_reasons, 'validation_timestamp', v.validation_timestamp)
                     order by v.validation_timestamp, v.validator_hotkey), '[]'::jsonb)
                from public.validation_tracking v
               where v.prospect_id = q.id and (v_show_all or v.validator_hotkey = v_caller.hotkey)));
end
$$;

-- ---------------------------------------------------------------------------------------------
-- Who may call what: the role check inside each function decides; EXECUTE keeps anon out entirely.

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
end
$$;

-- The RPC API, listed once: no execute for PUBLIC or anon, execute for authenticated and service_role.
do $$
declare
  f regprocedure;
begin
  foreach f in array array[
    'public.consensus_clock()', 'public.set_chain_anchor(bigint, timestamptz, boolean)',
    'public.consensus_settings()', 'public.update_consensus_settings(jsonb)',
    'public.enqueue_prospects(jsonb)', 'public.pull_prospects_for_validator(integer)',
    'public.submit_assessments(jsonb)', 'public.sweep_consensus()',
    'public.epoch_eligibility(bigint)', 'public.epoch_miner_weights(bigint)',
    'public.close_epoch(bigint)', 'public.clear_old_validation_tracking()',
    'public.prospect_consensus(uuid)', 'public.release_leases(jsonb)',
    'public.list_prospects(text, text, integer)', 'public.consensus_stats(bigint)',
    'public.known_lead_emails(jsonb)']::regprocedure[]
  loop
    execute format('revoke execute on function %s from public, anon', f);
    execute format('grant execute on function %s to authenticated, service_role', f);
  end loop;
end
$$;
