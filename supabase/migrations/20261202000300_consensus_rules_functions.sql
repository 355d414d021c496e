-- The consensus rules, second round: functions (the tables are in the previous migration). Each
-- function here replaces the one of the same name in 20261125000300_consensus_functions or
-- 20261125000500_weight_commits; conventions and error classes as there, plus:
--     LP406 the caller is not eligible (details: its figures and the rules it failed)
--     LP410 the epoch is over but not closed yet (its weights are not final)

-- ---------------------------------------------------------------------------------------------
-- Identity: the hotkey claim must be a canonical SS58 address with the configured prefix (checksum
-- verified), so one key is one caller: `Hotkey `, `hotkey` or any other spelling is refused. The
-- service-role key is the project owner's and carries no hotkey of ours.

create or replace function leadpoet.require_caller(p_roles text[])
returns leadpoet.caller
language plpgsql stable
set search_path = pg_catalog, pg_temp
as $$
declare
  v_claims jsonb := coalesce(nullif(current_setting('request.jwt.claims', true), '')::jsonb, '{}'::jsonb);
  v_service boolean := v_claims ->> 'role' = 'service_role';
  v_role text := case when v_service then 'operator' else v_claims ->> 'app_role' end;
  v_hotkey text := case when v_service then coalesce(v_claims ->> 'hotkey', 'service_role') else v_claims ->> 'hotkey' end;
begin
  if v_role is null or v_hotkey is null then
    raise exception using errcode = 'LP401',
      message = 'not authenticated: the request carries no hotkey and app_role claims';
  end if;
  if not v_service
     and not leadpoet.is_ss58_address_remembered(v_hotkey, (select s.ss58_prefix from leadpoet.settings s)) then
    raise exception using errcode = 'LP401',
      message = format('not authenticated: the hotkey claim %s is not an SS58 address of network %s',
                       left(v_hotkey, 80), (select s.ss58_prefix from leadpoet.settings s));
  end if;
  if not (v_role = any (p_roles)) then
    raise exception using errcode = 'LP403',
      message = format('forbidden: this needs the %s role, the caller is %s', array_to_string(p_roles, ' or '), v_role);
  end if;
  return row (v_hotkey, v_role)::leadpoet.caller;
end
$$;

-- ---------------------------------------------------------------------------------------------
-- Settings

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
                            'max_pending_per_miner'];
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
-- Probation

-- The safety rule, judged with the quorum in force now (the operator may change it after a close):
-- probation in an epoch is lifted when fewer than `quorum` of its candidates would be left able to pull.
create function leadpoet.probation_lifted(p_epoch bigint)
returns boolean
language sql stable
set search_path = pg_catalog, pg_temp
as $$
  select coalesce((select st.candidates - st.on_probation < s.quorum
                     from leadpoet.epoch_probation_status st cross join leadpoet.settings s
                    where st.epoch_number = p_epoch), false)
$$;

-- Whether `p_hotkey` is refused at pull in epoch `p_epoch`: its probation row unless the epoch's
-- probation is lifted (primary-key probes). Null when it may pull.
create function leadpoet.probation_of(p_hotkey text, p_epoch bigint)
returns leadpoet.validator_probations
language sql stable
set search_path = pg_catalog, pg_temp
as $$
  select p from leadpoet.validator_probations p
   where p.epoch_number = p_epoch and p.validator_hotkey = p_hotkey and not leadpoet.probation_lifted(p_epoch)
$$;

-- After closing `p_epoch`: its ineligible validators are on probation for the next probation_epochs
-- epochs. For the safety rule each target epoch records its candidates (the validators recorded in
-- the closed epochs its probation is drawn from) and how many of them are on probation.
create function leadpoet.record_probation(p_epoch bigint)
returns void
language plpgsql volatile
set search_path = pg_catalog, pg_temp
as $$
declare
  s leadpoet.settings;
  v_target bigint;
  v_candidates integer;
  v_refused integer;
begin
  select * into s from leadpoet.settings;
  if s.probation_epochs = 0 then
    return;
  end if;
  for v_target in select g from generate_series(p_epoch + 1, p_epoch + s.probation_epochs) g loop
    insert into leadpoet.validator_probations (epoch_number, validator_hotkey, source_epoch, failed_rules)
    select v_target, e.validator_hotkey, p_epoch, e.failed_rules
      from leadpoet.epoch_validator_eligibility e
     where e.epoch_number = p_epoch and not e.eligible
    on conflict do nothing;

    select count(distinct e.validator_hotkey) into v_candidates
      from leadpoet.epoch_validator_eligibility e
     where e.epoch_number between v_target - 1 - s.probation_epochs and v_target - 1;
    select count(*) into v_refused from leadpoet.validator_probations p where p.epoch_number = v_target;
    insert into leadpoet.epoch_probation_status (epoch_number, candidates, on_probation)
    values (v_target, v_candidates, v_refused)
    on conflict (epoch_number) do update
      set candidates = excluded.candidates, on_probation = excluded.on_probation, updated_at = now();
  end loop;
end
$$;

create function leadpoet.probation_json(p_epoch bigint)
returns jsonb
language sql stable
set search_path = pg_catalog, pg_temp
as $$
  select jsonb_build_object(
           'epoch', p_epoch,
           'on_probation', coalesce(st.on_probation, 0),
           'candidates', coalesce(st.candidates, 0),
           'lifted', leadpoet.probation_lifted(p_epoch))
    from (select 1) one
    left join leadpoet.epoch_probation_status st on st.epoch_number = p_epoch
$$;

create function leadpoet.raise_not_eligible(p_hotkey text, p_epoch bigint, p_what text)
returns void
language plpgsql stable
set search_path = pg_catalog, pg_temp
as $$
declare
  e leadpoet.epoch_validator_eligibility;
begin
  select * into e from leadpoet.epoch_validator_eligibility x
   where x.epoch_number = p_epoch and x.validator_hotkey = p_hotkey;
  raise exception using errcode = 'LP406',
    message = format('%s: validator %s was not eligible in epoch %s (%s)', p_what, p_hotkey, p_epoch,
                     case when e.validator_hotkey is null then 'no record in that epoch'
                          else 'failed ' || array_to_string(e.failed_rules, ', ') end),
    detail = jsonb_build_object(
      'epoch', p_epoch,
      'validator_hotkey', p_hotkey,
      'decided_leads', coalesce(e.decided_leads, 0),
      'matching_votes', coalesce(e.matching_votes, 0),
      'agreement', coalesce(e.agreement, 0),
      'threshold', (select s.eligibility_threshold from leadpoet.settings s),
      'leases', coalesce(e.leases, 0),
      'abandoned_share', e.abandoned_share,
      'failed_rules', to_jsonb(coalesce(e.failed_rules, array['no_record']))
    )::text;
end
$$;

-- ---------------------------------------------------------------------------------------------
-- Enqueue (miners): fair turns, quotas and sizes, refused per row

-- The fields a prospect may carry (the lead schema, src/lead.ts: test/db/prospect-fields.test.ts
-- keeps the two lists equal). Anything else is refused by name at enqueue.
create function leadpoet.prospect_fields()
returns text[]
language sql immutable
set search_path = pg_catalog, pg_temp
as $$
  select array['business', 'full_name', 'first', 'last', 'email', 'role', 'website', 'industry', 'sub_industry',
               'region', 'linkedin', 'source_url', 'source_type', 'license_doc_hash', 'license_doc_url',
               'description', 'phone_numbers', 'founded_year', 'ownership_type', 'company_type',
               'number_of_locations', 'socials', 'company_linkedin', 'employee_count', 'country', 'state', 'city']
$$;

-- Why one prospect cannot be queued as it is (null when it can): an unknown field, named; a field
-- over 2 KiB; a prospect over 16 KiB.
create function leadpoet.prospect_problem(p_prospect jsonb)
returns jsonb
language sql immutable
set search_path = pg_catalog, pg_temp
as $$
  select case
    when exists (select 1 from jsonb_object_keys(p_prospect) k where not (k = any (leadpoet.prospect_fields())))
      then jsonb_build_object('outcome', 'unknown_field', 'message', 'unknown field ' ||
             (select string_agg(left(k, 64), ', ' order by k) from jsonb_object_keys(p_prospect) k
               where not (k = any (leadpoet.prospect_fields()))))
    when octet_length(p_prospect::text) > 16384
      then jsonb_build_object('outcome', 'too_large',
             'message', format('the prospect is %s bytes of JSON, over 16 KiB', octet_length(p_prospect::text)))
    when exists (select 1 from jsonb_each(p_prospect) e where octet_length(e.value::text) > 2048)
      then jsonb_build_object('outcome', 'too_large', 'message', 'field ' ||
             (select string_agg(e.key, ', ' order by e.key) from jsonb_each(p_prospect) e
               where octet_length(e.value::text) > 2048) || ' is over 2 KiB')
  end
$$;

-- Every insert into the queue (the enqueue function's, or an operator's direct one) is prepared
-- here, under the enqueue lock the statement trigger took: its fair round (one past the miner's last
-- round, and never before the furthest validator's position, so no row lands behind anyone's
-- position), its owner (the miner's coldkey when known) and its mailbox key.
create function leadpoet.prepare_queued_prospect()
returns trigger
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
declare
  v_frontier bigint := coalesce((select p.last_round from leadpoet.validator_queue_positions p
                                  order by p.last_round desc limit 1), 0);
begin
  if new.fair_round is null then
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
create trigger prospect_queue_prepare
  before insert on public.prospect_queue
  for each row execute function leadpoet.prepare_queued_prospect();
create index validator_queue_positions_round_idx on leadpoet.validator_queue_positions (last_round);

-- Outcomes per prospect, in input order: queued, or refused with a reason: unknown_field, too_large,
-- malformed_email or suspicious_email (leadpoet.mailbox_key), duplicate_email (its mailbox is an
-- accepted lead, or already waiting in the queue, any miner's, or earlier in this batch: the first
-- queued wins; a mailbox whose earlier copies were all rejected may be queued again), and
-- quota_exceeded (over max_pending_per_miner waiting prospects). A malformed batch (not an array of
-- objects, over the batch cap) is refused whole, before anything is written.
create or replace function public.enqueue_prospects(p_prospects jsonb)
returns jsonb
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_caller leadpoet.caller := leadpoet.require_caller(array['miner']);
  s leadpoet.settings;
  v_bad record;
  v_room integer;
  v_result jsonb;
begin
  select * into s from leadpoet.settings;
  perform leadpoet.require_batch(p_prospects, 'prospects');
  select a.i, jsonb_typeof(a.e) as kind into v_bad
    from jsonb_array_elements(p_prospects) with ordinality a (e, i)
   where jsonb_typeof(a.e) <> 'object'
   order by a.i limit 1;
  if found then
    raise exception using errcode = 'LP400', message = format('prospect %s is a JSON %s, not an object', v_bad.i, v_bad.kind);
  end if;

  -- Queue order is commit order, and fair rounds are read off the validators' positions: both
  -- under the enqueue lock (the statement trigger takes it too; taken first here so the quota
  -- count below cannot race another enqueue of the same miner).
  perform pg_advisory_xact_lock(71001, 0);
  v_room := s.max_pending_per_miner - (select count(*) from public.prospect_queue q
                                         where q.miner_hotkey = v_caller.hotkey and q.consensus_status = 'pending');

  -- Each row is judged in input order: its own problems first, then the quota; the ids are drawn
  -- here so the answer can name each queued row's id in input order.
  with raw as (
      select a.i, a.e, leadpoet.prospect_problem(a.e) as shape, leadpoet.mailbox_key(a.e ->> 'email') as mailbox,
             gen_random_uuid() as new_id
        from jsonb_array_elements(p_prospects) with ordinality a (e, i)
    ), input as (
      select r.i, r.e, r.new_id, (r.mailbox).key as mailbox_key,
             coalesce(r.shape,
                      case when (r.mailbox).refusal is not null
                           then jsonb_build_object('outcome', (r.mailbox).refusal, 'message', (r.mailbox).message) end,
                      case when exists (select 1 from public.leads l where l.mailbox_key = (r.mailbox).key)
                           then jsonb_build_object('outcome', 'duplicate_email', 'matches', 'accepted',
                                                   'message', format('%s is already an accepted lead', (r.mailbox).key))
                           when exists (select 1 from public.prospect_queue q
                                         where q.mailbox_key = (r.mailbox).key and q.consensus_status = 'pending')
                           then jsonb_build_object('outcome', 'duplicate_email', 'matches', 'pending',
                                                   'message', format('%s is already waiting in the queue', (r.mailbox).key))
                           when exists (select 1 from raw x
                                         where (x.mailbox).key = (r.mailbox).key and x.i < r.i and x.shape is null)
                           then jsonb_build_object('outcome', 'duplicate_email', 'matches', 'pending',
                                                   'message', format('%s is earlier in this batch', (r.mailbox).key))
                      end) as problem
        from raw r
    ), ranked as (
      select x.*, row_number() over (partition by x.problem is null order by x.i) as n from input x
    ), judged as (
      select r.i, r.e, r.new_id, r.mailbox_key, r.problem ->> 'matches' as matches,
             case when r.problem is not null then r.problem ->> 'outcome'
                  when r.n > greatest(v_room, 0) then 'quota_exceeded'
                  else 'queued' end as outcome,
             case when r.problem is not null then r.problem ->> 'message'
                  when r.n > greatest(v_room, 0) then format(
                    'the miner already has %s prospects waiting (max_pending_per_miner %s)',
                    s.max_pending_per_miner - v_room + r.n - 1, s.max_pending_per_miner) end as message
        from ranked r
    ), inserted as (
      insert into public.prospect_queue (id, miner_hotkey, prospect, queued_block, mailbox_key)
      select j.new_id, v_caller.hotkey, j.e, leadpoet.current_block(), j.mailbox_key
        from judged j where j.outcome = 'queued' order by j.i
      returning id
    )
    select jsonb_build_object(
             'enqueued', count(*) filter (where j.outcome = 'queued'),
             'refused', count(*) filter (where j.outcome <> 'queued'),
             'prospect_ids', coalesce(jsonb_agg(j.new_id order by j.i) filter (where j.outcome = 'queued'), '[]'::jsonb),
             'results', jsonb_agg(jsonb_strip_nulls(jsonb_build_object(
                          'index', j.i, 'outcome', j.outcome, 'message', j.message, 'matches', j.matches,
                          'prospect_id', case when j.outcome = 'queued' then j.new_id end)) order by j.i))
    into v_result
    from judged j;
  return v_result;
end
$$;

-- ---------------------------------------------------------------------------------------------
-- Pull (validators)

-- The queue is served in fair order, (fair_round, queue_seq): round-robin by miner, oldest first
-- within a miner. A validator never gets a prospect of its own owner (its hotkey, or its coldkey's).
-- Planner settings: as before, every statement is an index walk that stops early or a key probe.
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

  if v_room > 0 then
    -- Candidates, unlocked and in fair order: slots reopened behind this validator's position,
    -- then the queue ahead of it. Both walks stop after v_room rows that can be taken.
    v_candidates := array(
      select c.id from (
        (select q.id, q.fair_round, q.queue_seq from public.prospect_queue q
          where q.consensus_status = 'pending' and q.reopened and (q.fair_round, q.queue_seq) <= (v_round, v_position)
            and q.pull_count < s.quorum and not (v_caller.hotkey = any (q.validators_pulled)) and q.owner_key <> v_owner
          order by q.fair_round, q.queue_seq limit v_room)
        union all
        (select q.id, q.fair_round, q.queue_seq from public.prospect_queue q
          where q.consensus_status = 'pending' and (q.fair_round, q.queue_seq) > (v_round, v_position)
            and q.pull_count < s.quorum and not (v_caller.hotkey = any (q.validators_pulled)) and q.owner_key <> v_owner
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

-- As before, plus: the number of votes and whether they were a full quorum are recorded (eligibility
-- counts only full-quorum decisions), the seed's `status` column follows the decision, and a
-- duplicate is a lead with the same mailbox key (the unique index on leads settles races).
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
    select q.id, q.queue_seq, q.miner_hotkey, q.prospect, lower(btrim(q.prospect ->> 'email')) as email,
           coalesce(q.mailbox_key, leadpoet.mailbox_key_or_null(q.prospect ->> 'email')) as mailbox_key,
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
       and not exists (select 1 from public.leads l where l.mailbox_key = t.mailbox_key)
       and not exists (select 1 from public.leads l where lower(l.email) = t.email)
     -- Unique keys taken in one order by every transaction (no deadlock between two batches holding
     -- the same mailboxes); within a batch the earlier prospect in the queue wins a mailbox.
     order by t.mailbox_key, t.email, t.queue_seq
    on conflict do nothing
    returning prospect_id
  ), decided as (
    update public.prospect_queue q
       set consensus_status = case when n.prospect_id is not null then 'accepted' else 'rejected' end,
           status = case when n.prospect_id is not null then 'accepted' else 'rejected' end,
           decision_reason = case when n.prospect_id is not null then 'majority_valid'
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
  )
  select d.id, d.consensus_status, d.decision_reason from decided d;
end
$$;

-- ---------------------------------------------------------------------------------------------
-- Submit (validators)

-- Outcomes per assessment: recorded, unchanged (the identical vote was already in: a retry),
-- and the refusals conflicting_vote, not_pulled, lease_expired, lease_released, already_decided and
-- self_vote (the prospect is the caller's own owner's: its hotkey, or a hotkey under its coldkey).
-- Refusals do not fail the batch; malformed input does, before anything is written.
-- Planner settings as for the pull: a submit touches its batch's rows by key and nothing else.
create or replace function public.submit_assessments(p_assessments jsonb)
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
  v_owner text;
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
  v_owner := coalesce((select o.coldkey from leadpoet.hotkey_owners o where o.hotkey = v_caller.hotkey), v_caller.hotkey);

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
             when q.miner_hotkey = v_caller.hotkey or q.owner_key = v_owner
                  or q.miner_owner = v_owner then 'self_vote'
             when l.state is null then 'not_pulled'
             when l.state = 'released' then 'lease_released'
             when l.state = 'expired' or l.expires_block <= v_block then 'lease_expired'
             when q.consensus_status is distinct from 'pending' then 'already_decided'
             else 'recorded'
           end as outcome
      from input i
     cross join lateral (select p.consensus_status, p.miner_hotkey, p.owner_key,
                                (select o.coldkey from leadpoet.hotkey_owners o where o.hotkey = p.miner_hotkey) as miner_owner
                           from public.prospect_queue p
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

create or replace function public.sweep_consensus()
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
  v_unpulled_expired integer := 0;
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

  -- The quorum timeout: a prospect whose first lease is quorum_timeout_blocks old is decided with
  -- the votes it has, so nothing waits forever for validators that are not there (or that all gave
  -- it back). Its clock starts at the first lease: a backlog nobody has pulled yet is never decided.
  v_epoch := leadpoet.lock_decision_epoch();
  select coalesce(jsonb_agg(to_jsonb(d)), '[]'::jsonb) into v_decisions
    from leadpoet.decide(array(
           select q.id from public.prospect_queue q
            where q.id = any (array(select p.id from public.prospect_queue p
                                     where p.consensus_status = 'pending' and p.first_leased_block is not null
                                       and p.first_leased_block <= v_block - s.quorum_timeout_blocks
                                     order by p.first_leased_block limit 10000))
            order by q.id
              for update skip locked), v_epoch, true) d;

  -- Optionally, what nobody pulled for unpulled_expiry_blocks expires: neither accepted nor
  -- rejected, it counts nowhere (no miner is credited or penalised for it).
  if s.unpulled_expiry_blocks is not null then
    with stale as (
      select q.id from public.prospect_queue q
       where q.id = any (array(select p.id from public.prospect_queue p
                                where p.consensus_status = 'pending' and p.first_leased_block is null
                                  and p.queued_block <= v_block - s.unpulled_expiry_blocks
                                order by p.queued_block limit 10000))
         and q.first_leased_block is null and q.consensus_status = 'pending'
       order by q.id
         for update skip locked
    ), gone as (
      update public.prospect_queue q
         set consensus_status = 'expired', status = 'expired', decision_reason = 'unpulled_expiry',
             consensus_timestamp = now(), consensus_epoch = v_epoch, reopened = false
        from stale
       where q.id = stale.id
      returning 1
    )
    select count(*) into v_unpulled_expired from gone;
  end if;

  select jsonb_build_object(
           'total', count(*),
           'waiting_for_first_pull', count(*) filter (where q.first_leased_block is null),
           'waiting_for_validators', count(*) filter (where q.first_leased_block is not null and q.pull_count < s.quorum),
           'waiting_for_votes', count(*) filter (where q.pull_count >= s.quorum),
           'oldest_first_pull_wait_blocks', max(v_block - q.queued_block) filter (where q.first_leased_block is null))
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
    'expired_unpulled', v_unpulled_expired,
    'pending', v_pending,
    'probation', leadpoet.probation_json(v_epoch));
end
$$;

-- ---------------------------------------------------------------------------------------------
-- Release (validators): gives back leases the caller will not vote on, with the reason. The slot
-- goes to another validator now; the caller stays in validators_pulled. Releases count against the
-- validator's participation (max_abandoned_share).

drop function public.release_leases(jsonb);
create function public.release_leases(p_prospect_ids jsonb, p_reason text default 'cannot_judge')
returns jsonb
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_caller leadpoet.caller := leadpoet.require_caller(array['validator']);
  v_reasons text[] := array['cannot_judge', 'network_unhealthy', 'shutting_down'];
  v_ids uuid[];
  v_released uuid[];
begin
  perform leadpoet.require_batch(p_prospect_ids, 'prospect ids');
  if exists (select 1 from jsonb_array_elements(p_prospect_ids) e where not leadpoet.is_uuid(e)) then
    raise exception using errcode = 'LP400', message = 'prospect ids must be UUIDs';
  end if;
  if p_reason is null or not (p_reason = any (v_reasons)) then
    raise exception using errcode = 'LP400',
      message = format('reason must be one of %s', array_to_string(v_reasons, ', '));
  end if;
  v_ids := array(select distinct (e #>> '{}')::uuid from jsonb_array_elements(p_prospect_ids) e);

  perform 1 from public.prospect_queue q where q.id = any (v_ids) order by q.id for update;
  with released as (
    update leadpoet.prospect_leases l set state = 'released', release_reason = p_reason
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
    'reason', p_reason,
    'results', (select jsonb_agg(jsonb_build_object('prospect_id', i.id,
                                                    'outcome', case when i.id = any (v_released) then 'released' else 'not_held' end)
                                 order by i.id)
                  from unnest(v_ids) i (id)));
end
$$;

-- ---------------------------------------------------------------------------------------------
-- Eligibility

-- Everything that decides a validator's eligibility in one epoch, from raw votes and leases:
-- * agreement: its votes on prospects decided in the epoch with a full quorum (the seed counts
--   total_validations >= quorum); votes on prospects the quorum timeout decided with fewer are
--   counted apart (timeout_votes) and count neither way;
-- * participation: the leases it took in the epoch and what became of them (voted, released,
--   lapsed: pulled, never voted, never released);
-- * the rules, each failed one by name: too_few_decided (min_decided_per_epoch),
--   agreement_below_threshold (eligibility_threshold), too_many_abandoned (max_abandoned_share).
-- Every validator with a lease or a decided vote in the epoch has a row; with p_hotkey, only that
-- validator's (filtered before anything is counted: a validator's own call stays cheap).
drop function public.epoch_eligibility(bigint);
drop function public.close_epoch(bigint);
drop function public.consensus_stats(bigint);
drop function leadpoet.live_eligibility(bigint);
drop type leadpoet.eligibility;

create type leadpoet.eligibility as (
  validator_hotkey text, decided_leads integer, matching_votes integer, timeout_votes integer,
  agreement numeric, leases integer, voted integer, released integer, lapsed integer,
  abandoned_share numeric, eligible boolean, failed_rules text[]);

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
  ), figures as (
    select coalesce(v.validator_hotkey, l.validator_hotkey) as validator_hotkey,
           coalesce(v.decided_leads, 0) as decided_leads,
           coalesce(v.matching_votes, 0) as matching_votes,
           coalesce(v.timeout_votes, 0) as timeout_votes,
           coalesce(l.leases, 0) as leases, coalesce(l.voted, 0) as voted,
           coalesce(l.released, 0) as released, coalesce(l.lapsed, 0) as lapsed
      from votes v full join leases l on l.validator_hotkey = v.validator_hotkey
  ), judged as (
    select f.*,
           case when f.leases = 0 then null
                else round((f.released + f.lapsed)::numeric / f.leases, 4) end as abandoned_share,
           array_remove(array[
             case when f.decided_leads < s.min_decided_per_epoch then 'too_few_decided' end,
             case when f.matching_votes < s.eligibility_threshold * f.decided_leads then 'agreement_below_threshold' end,
             case when f.leases > 0 and (f.released + f.lapsed) > s.max_abandoned_share * f.leases
                  then 'too_many_abandoned' end
           ], null) as failed_rules
      from figures f cross join leadpoet.settings s
  )
  select j.validator_hotkey, j.decided_leads, j.matching_votes, j.timeout_votes,
         case when j.decided_leads = 0 then 0 else round(j.matching_votes::numeric / j.decided_leads, 4) end,
         j.leases, j.voted, j.released, j.lapsed, j.abandoned_share,
         cardinality(j.failed_rules) = 0, j.failed_rules
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
  -- A validator reads its own row only; filtered before the rows are built.
  if v_closed then
    select coalesce(jsonb_agg(to_jsonb(e) - 'epoch_number' order by e.validator_hotkey), '[]'::jsonb) into v_rows
      from leadpoet.epoch_validator_eligibility e
     where e.epoch_number = v_epoch
       and (v_caller.app_role = 'operator' or e.validator_hotkey = v_caller.hotkey);
  else
    select coalesce(jsonb_agg(leadpoet.eligibility_json(e) order by e.validator_hotkey), '[]'::jsonb) into v_rows
      from leadpoet.live_eligibility(v_epoch, case when v_caller.app_role = 'validator' then v_caller.hotkey end) e;
  end if;
  return jsonb_build_object(
    'epoch', v_epoch,
    'closed', v_closed,
    'rules', (select jsonb_build_object('eligibility_threshold', s.eligibility_threshold,
                                        'min_decided_per_epoch', s.min_decided_per_epoch,
                                        'max_abandoned_share', s.max_abandoned_share)
                from leadpoet.settings s),
    'validators', v_rows);
end
$$;

-- ---------------------------------------------------------------------------------------------
-- Miner weights: the operator any epoch (an open one live); a validator only a closed epoch, and only
-- one it was eligible in (the seed's rule: only validators meeting the threshold get the weights).

create or replace function public.epoch_miner_weights(p_epoch bigint default null)
returns jsonb
language plpgsql stable security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_caller leadpoet.caller := leadpoet.require_caller(array['validator', 'operator']);
  v_epoch bigint;
  v_current bigint := leadpoet.current_epoch(leadpoet.current_block());
  v_closed boolean;
  v_rows jsonb;
begin
  if p_epoch is null and v_caller.app_role = 'validator' and v_current = 0 then
    raise exception using errcode = 'LP409', message = 'no epoch is over yet: the current epoch is 0';
  end if;
  v_epoch := leadpoet.resolve_epoch(p_epoch, case when v_caller.app_role = 'validator' then -1 else 0 end);
  v_closed := exists (select 1 from leadpoet.epoch_closures c where c.epoch_number = v_epoch);
  if v_caller.app_role = 'validator' and not v_closed then
    if v_epoch >= v_current then
      raise exception using errcode = 'LP409',
        message = format('epoch %s is not over yet: the current epoch is %s', v_epoch, v_current);
    end if;
    raise exception using errcode = 'LP410',
      message = format('epoch %s is over but not closed yet: its weights are final once the operator closes it', v_epoch);
  end if;
  if v_caller.app_role = 'validator'
     and not exists (select 1 from leadpoet.epoch_validator_eligibility e
                      where e.epoch_number = v_epoch and e.validator_hotkey = v_caller.hotkey and e.eligible) then
    perform leadpoet.raise_not_eligible(v_caller.hotkey, v_epoch, 'no miner weights');
  end if;
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

-- ---------------------------------------------------------------------------------------------
-- Close: the snapshot (eligibility with participation and failed rules, miner weights), then the
-- probation it implies for the next epochs.

create function public.close_epoch(p_epoch bigint default null)
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
   where q.consensus_epoch = v_epoch and q.consensus_status in ('accepted', 'rejected')
  on conflict (epoch_number) do nothing
  returning * into v_closure;

  if v_closure.epoch_number is null then
    v_already := true;
    select * into v_closure from leadpoet.epoch_closures c where c.epoch_number = v_epoch;
  else
    insert into leadpoet.epoch_validator_eligibility
      (epoch_number, validator_hotkey, decided_leads, matching_votes, timeout_votes, agreement, leases, voted,
       released, lapsed, abandoned_share, eligible, failed_rules)
    select v_epoch, e.validator_hotkey, e.decided_leads, e.matching_votes, e.timeout_votes, e.agreement, e.leases,
           e.voted, e.released, e.lapsed, e.abandoned_share, e.eligible, e.failed_rules
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
-- Monitoring (operator)

create function public.consensus_stats(p_epoch bigint default null)
returns jsonb
language plpgsql stable security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_epoch bigint;
  v_decided jsonb;
  v_validators jsonb;
begin
  perform leadpoet.require_caller(array['operator']);
  v_epoch := leadpoet.resolve_epoch(p_epoch, 0);

  select jsonb_build_object(
           'decided', count(*) filter (where q.consensus_status in ('accepted', 'rejected')),
           'accepted', count(*) filter (where q.consensus_status = 'accepted'),
           'rejected', count(*) filter (where q.consensus_status = 'rejected'),
           'duplicate_emails', count(*) filter (where q.decision_reason = 'duplicate_email'),
           'quorum_timeouts', count(*) filter (where q.decision_reason = 'quorum_timeout'),
           'expired_unpulled', count(*) filter (where q.consensus_status = 'expired'),
           'seconds_to_consensus_avg', round(avg(extract(epoch from q.consensus_timestamp - q.created_at))
                                               filter (where q.consensus_status in ('accepted', 'rejected'))::numeric, 3),
           'seconds_to_consensus_p95', round((percentile_cont(0.95) within group
                                               (order by extract(epoch from q.consensus_timestamp - q.created_at))
                                               filter (where q.consensus_status in ('accepted', 'rejected')))::numeric, 3),
           'unanimous', count(*) filter (where q.full_quorum and v.votes > 0 and v.valid_votes in (0, v.votes)))
    into v_decided
    from public.prospect_queue q
   cross join lateral (select count(*)::integer as votes, (count(*) filter (where t.is_valid))::integer as valid_votes
                         from public.validation_tracking t where t.prospect_id = q.id) v
   where q.consensus_epoch = v_epoch;

  -- Work and agreement per validator: the closing snapshot for a closed epoch, live otherwise.
  select coalesce(jsonb_agg(jsonb_build_object(
           'validator_hotkey', e.validator_hotkey,
           'leases', e.leases, 'voted', e.voted, 'released', e.released, 'lapsed', e.lapsed,
           'share_of_work', round(e.leases::numeric / nullif(e.all_leases, 0), 4),
           'decided_leads', e.decided_leads,
           'timeout_votes', e.timeout_votes,
           'agreement', e.agreement,
           'abandoned_share', e.abandoned_share,
           'eligible', e.eligible,
           'failed_rules', to_jsonb(e.failed_rules))
         order by e.validator_hotkey), '[]'::jsonb)
    into v_validators
    from (select r.*, sum(r.leases) over () as all_leases
            from (select x.validator_hotkey, x.leases, x.voted, x.released, x.lapsed, x.decided_leads, x.timeout_votes,
                         x.agreement, x.abandoned_share, x.eligible, x.failed_rules
                    from leadpoet.epoch_validator_eligibility x where x.epoch_number = v_epoch
                  union all
                  select l.validator_hotkey, l.leases, l.voted, l.released, l.lapsed, l.decided_leads, l.timeout_votes,
                         l.agreement, l.abandoned_share, l.eligible, l.failed_rules
                    from leadpoet.live_eligibility(v_epoch) l
                   where not exists (select 1 from leadpoet.epoch_closures c where c.epoch_number = v_epoch)) r) e;

  return jsonb_build_object(
    'epoch', v_epoch,
    'closed', exists (select 1 from leadpoet.epoch_closures c where c.epoch_number = v_epoch),
    'decisions', v_decided,
    'validators', v_validators,
    'probation', leadpoet.probation_json(v_epoch));
end
$$;

-- ---------------------------------------------------------------------------------------------
-- Weight commits: the caller's own (its hotkey signs the chain calls). A validator can never read or
-- alter another hotkey's commits: every function is keyed by the caller's hotkey.

drop function public.weight_commits_open(integer, text);
drop function public.weight_commit_in_epoch(integer, text, bigint);

create function public.weight_commits_open(p_netuid integer)
returns jsonb
language plpgsql stable security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_caller leadpoet.caller := leadpoet.require_caller(array['validator', 'operator']);
begin
  return coalesce((select jsonb_agg(leadpoet.weight_commit_json(c) order by c.created_at, c.id)
                     from leadpoet.weight_commits c
                    where c.netuid = p_netuid and c.hotkey = v_caller.hotkey and c.status in ('submitted', 'committed')),
                  '[]'::jsonb);
end
$$;

create function public.weight_commit_in_epoch(p_netuid integer, p_chain_epoch bigint)
returns jsonb
language plpgsql stable security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_caller leadpoet.caller := leadpoet.require_caller(array['validator', 'operator']);
begin
  return (select leadpoet.weight_commit_json(c) from leadpoet.weight_commits c
           where c.netuid = p_netuid and c.hotkey = v_caller.hotkey and c.chain_epoch = p_chain_epoch
             and c.status <> 'expired'
           order by c.created_at desc limit 1);
end
$$;

-- Keeps a commit under the caller's hotkey. A commit naming another hotkey is refused: its salt
-- would be filed where the signer could not find it to reveal.
create or replace function public.save_weight_commit(p_commit jsonb)
returns jsonb
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_caller leadpoet.caller := leadpoet.require_caller(array['validator', 'operator']);
  v_saved leadpoet.weight_commits;
begin
  if p_commit is null or jsonb_typeof(p_commit) <> 'object' then
    raise exception using errcode = 'LP400', message = 'the commit must be a JSON object';
  end if;
  if p_commit ? 'hotkey' and p_commit ->> 'hotkey' is distinct from v_caller.hotkey then
    raise exception using errcode = 'LP403', message = format(
      'commits are kept under the caller''s hotkey (%s); this one is signed by %s', v_caller.hotkey, p_commit ->> 'hotkey');
  end if;
  begin
    insert into leadpoet.weight_commits (netuid, hotkey, chain_epoch, uids, weights, salt, version_key, commit_hash,
                                         submitted_at_block)
    select r.netuid, v_caller.hotkey, r.chain_epoch, r.uids, r.weights, r.salt, r.version_key, r.commit_hash,
           r.submitted_at_block
      from jsonb_populate_record(null::leadpoet.weight_commits, p_commit) r
    returning * into v_saved;
  exception
    when unique_violation then
      raise exception using errcode = 'LP412', message = format(
        'hotkey %s already has a live commit in chain epoch %s of subnet %s',
        v_caller.hotkey, p_commit ->> 'chain_epoch', p_commit ->> 'netuid');
    when not_null_violation or check_violation or invalid_text_representation or datatype_mismatch
         or numeric_value_out_of_range then
      raise exception using errcode = 'LP400', message = 'weight commit refused: ' || sqlerrm;
  end;
  return leadpoet.weight_commit_json(v_saved);
end
$$;

-- Moves one of the caller's commits along submitted -> committed -> revealed, or to expired. A
-- commit's chain epoch is the one of its inclusion block: `committed` may correct the epoch predicted
-- at submission (kept when another live commit already holds that epoch: the chain has both).
drop function public.update_weight_commit(uuid, text, bigint, text);
create function public.update_weight_commit(p_id uuid, p_status text, p_block bigint default null,
                                            p_reason text default null, p_chain_epoch bigint default null)
returns jsonb
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_caller leadpoet.caller := leadpoet.require_caller(array['validator', 'operator']);
  v_from text[] := case p_status when 'committed' then array['submitted', 'committed']
                                 when 'revealed' then array['submitted', 'committed']
                                 when 'expired' then array['submitted', 'committed'] end;
  v_row leadpoet.weight_commits;
begin
  if v_from is null then
    raise exception using errcode = 'LP400', message = 'status must be committed, revealed or expired';
  end if;
  update leadpoet.weight_commits c
     set status = p_status,
         commit_block = case when p_status = 'committed' then p_block else c.commit_block end,
         reveal_block = case when p_status = 'revealed' then p_block else c.reveal_block end,
         closed_reason = case when p_status = 'expired' then p_reason else c.closed_reason end,
         updated_at = now()
   where c.id = p_id and c.hotkey = v_caller.hotkey and c.status = any (v_from)
  returning * into v_row;
  if v_row.id is not null and p_status = 'committed' and p_chain_epoch is not null and p_chain_epoch <> v_row.chain_epoch then
    begin
      update leadpoet.weight_commits c set chain_epoch = p_chain_epoch where c.id = v_row.id returning * into v_row;
    exception when unique_violation then
      null;
    end;
  end if;
  if v_row.id is null then
    raise exception using errcode = 'LP400', message = format('commit %s is not an open commit of %s', p_id, v_caller.hotkey);
  end if;
  return leadpoet.weight_commit_json(v_row);
end
$$;


-- ---------------------------------------------------------------------------------------------
-- Duplicate check (validators): which of these mailboxes are leads already, by mailbox key (the
-- validator sends keys; any spelling of an email works too). Answers only for what it is asked about,
-- so it reveals no more than a validator could learn from a rejected duplicate.
create or replace function public.known_lead_emails(p_emails jsonb)
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
  return coalesce((select jsonb_agg(distinct l.mailbox_key)
                     from public.leads l
                    where l.mailbox_key = any (array(select leadpoet.mailbox_key_or_null(e #>> '{}')
                                                       from jsonb_array_elements(p_emails) e))),
                  '[]'::jsonb);
end
$$;

-- ---------------------------------------------------------------------------------------------
-- Reading one prospect, and the queue

-- A validator sees neither a prospect's miner nor how many validators hold it before the decision
-- (it could otherwise give back the prospects of miners it dislikes, or pick its friends'). Votes
-- are the operator's to see before a decision (a validator sees its own); miners see only their own
-- prospects.
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
    'miner_hotkey', case when v_hide_origin then null else q.miner_hotkey end,
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
             where (p_status is null or p.consensus_status = p_status)
               and (v_miner is null or p.miner_hotkey = v_miner)
             order by p.queue_seq desc
             limit p_limit) q), '[]'::jsonb));
end
$$;

-- ---------------------------------------------------------------------------------------------
-- Owners (operator): hotkey -> coldkey from the metagraph snapshot. Hotkeys under one coldkey are
-- one owner: none of them judges another's prospects.
create function public.record_hotkey_owners(p_owners jsonb)
returns jsonb
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_prefix integer;
  v_count integer;
begin
  perform leadpoet.require_caller(array['operator']);
  select s.ss58_prefix into v_prefix from leadpoet.settings s;
  if p_owners is null or jsonb_typeof(p_owners) <> 'object' then
    raise exception using errcode = 'LP400', message = 'owners must be a JSON object of {hotkey: coldkey}';
  end if;
  if (select count(*) from jsonb_object_keys(p_owners)) > 100000 then
    raise exception using errcode = 'LP413', message = 'at most 100,000 hotkeys at once';
  end if;
  if exists (select 1 from jsonb_each(p_owners) e
              where jsonb_typeof(e.value) <> 'string'
                 or not leadpoet.is_ss58_address(e.key, v_prefix)
                 or not leadpoet.is_ss58_address(e.value #>> '{}', v_prefix)) then
    raise exception using errcode = 'LP400', message = 'every hotkey and coldkey must be an SS58 address of the network';
  end if;
  insert into leadpoet.hotkey_owners (hotkey, coldkey, updated_at)
  select e.key, e.value #>> '{}', now() from jsonb_each(p_owners) e
  on conflict (hotkey) do update set coldkey = excluded.coldkey, updated_at = now();
  get diagnostics v_count = row_count;
  return jsonb_build_object('recorded', v_count);
end
$$;

-- ---------------------------------------------------------------------------------------------
-- The chain clock: a refreshed anchor is judged by the clock it makes (its block, moved on by the
-- time since it was seen), not by its block alone: an old seen_at would otherwise move the clock
-- by years through a block that looks near.
create or replace function public.set_chain_anchor(p_block bigint, p_seen_at timestamptz default null,
                                                   p_force boolean default false)
returns jsonb
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  s leadpoet.settings;
  v_seen_at timestamptz := coalesce(p_seen_at, now());
  v_now_block bigint;
  v_new_now_block bigint;
  v_limit bigint;
begin
  perform leadpoet.require_caller(array['operator']);
  select * into s from leadpoet.settings;
  v_limit := 3 * s.blocks_per_epoch;
  if p_block is null or p_block < 0 then
    raise exception using errcode = 'LP400', message = 'block must be a non-negative integer';
  end if;
  if v_seen_at > now() + interval '5 minutes' then
    raise exception using errcode = 'LP400', message = 'seen_at is in the future';
  end if;
  v_now_block := leadpoet.current_block();
  v_new_now_block := p_block + greatest(0, floor(extract(epoch from (now() - v_seen_at)) / s.block_seconds))::bigint;
  if not coalesce(p_force, false) and abs(v_new_now_block - v_now_block) > v_limit
     and exists (select 1 from leadpoet.epoch_closures) then
    raise exception using errcode = 'LP400', message = format(
      'block %s seen at %s would put the clock at block %s, %s blocks from where it is (block %s): more than three epochs away once epochs have been closed; force it if the chain really is there',
      p_block, v_seen_at, v_new_now_block, abs(v_new_now_block - v_now_block), v_now_block);
  end if;
  update leadpoet.chain_anchor set block_number = p_block, seen_at = v_seen_at, updated_at = now();
  return leadpoet.clock_json();
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
    'public.update_consensus_settings(jsonb)', 'public.pull_prospects_for_validator(integer)',
    'public.sweep_consensus()', 'public.release_leases(jsonb, text)', 'public.epoch_eligibility(bigint)',
    'public.epoch_miner_weights(bigint)', 'public.close_epoch(bigint)', 'public.consensus_stats(bigint)',
    'public.weight_commits_open(integer)', 'public.weight_commit_in_epoch(integer, bigint)',
    'public.save_weight_commit(jsonb)', 'public.update_weight_commit(uuid, text, bigint, text, bigint)',
    'public.record_hotkey_owners(jsonb)']::regprocedure[]
  loop
    execute format('revoke execute on function %s from public, anon', f);
    execute format('grant execute on function %s to authenticated, service_role', f);
  end loop;
  -- Every API function runs without JIT: a per-request function must stay a few milliseconds, and
  -- JIT compiles (tens to hundreds of milliseconds) whenever a plan's cost estimate crosses
  -- jit_above_cost, as a disabled scan's penalty cost or a guessed table size can make it.
  for f in
    select p.oid::regprocedure from pg_catalog.pg_proc p
     where p.pronamespace = 'public'::regnamespace
        or (p.pronamespace = 'leadpoet_hooks'::regnamespace and p.proname = 'pre_request')
  loop
    execute format('alter function %s set jit = off', f);
  end loop;
end
$$;

-- Bounded API cost: no request of an API role runs longer than this (PostgREST applies the
-- impersonated role's settings per request), in this database only (roles are cluster-wide).
-- Hosted Supabase's own defaults are the same.
do $$
begin
  execute format('alter role anon in database %I set statement_timeout = %L', current_database(), '3s');
  execute format('alter role authenticated in database %I set statement_timeout = %L', current_database(), '8s');
  perform pg_catalog.pg_notify('pgrst', 'reload config');
end
$$;
