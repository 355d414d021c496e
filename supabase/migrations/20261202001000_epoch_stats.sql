-- Stats an operator can trust, and the figures the Prometheus metrics are made of.
--
-- * close_epoch snapshots what `stats` reads (leadpoet.snapshot_epoch_stats): decisions, unanimity,
--   time to consensus and the golden scores. `epoch clear` deletes a closed epoch's votes and leases
--   later; its stats are read from the snapshot and stay what they were at closing.
-- * consensus_stats reports per epoch: time to consensus (avg, p50, p95), agreement and unanimity,
--   work distribution (share, Gini), participation, golden FP/FN per validator and for the consensus,
--   eligibility with failed rules, weights committed per validator (when the database knows them),
--   and the queue now (depth, oldest pending age, last decision).
-- * consensus_metrics: everything the metrics exporter prints, in one read.

-- ---------------------------------------------------------------------------------------------
-- Snapshots (one row per closed epoch; per validator, the golden scores next to the eligibility
-- snapshot that already holds participation and agreement)

create table leadpoet.epoch_stats (
  epoch_number bigint primary key references leadpoet.epoch_closures (epoch_number),
  decided integer not null,
  accepted integer not null,
  rejected integer not null,
  duplicate_emails integer not null,
  quorum_timeouts integer not null,
  expired_unpulled integer not null,
  -- decisions taken with a full quorum of votes: unanimity is counted among these
  full_quorum integer not null,
  -- null when the votes were already cleared at snapshot time (epochs closed before this migration)
  unanimous integer,
  seconds_to_consensus_avg numeric,
  seconds_to_consensus_p50 numeric,
  seconds_to_consensus_p95 numeric,
  snapshot_at timestamptz not null default now()
);

-- Golden scores by validator; validator_hotkey '' is the consensus (a primary key cannot hold null).
create table leadpoet.epoch_golden_scores (
  epoch_number bigint not null references leadpoet.epoch_closures (epoch_number),
  validator_hotkey text not null,
  golden_votes integer not null,
  true_positive integer not null,
  false_positive integer not null,
  true_negative integer not null,
  false_negative integer not null,
  accuracy numeric,
  primary key (epoch_number, validator_hotkey)
);

alter table leadpoet.epoch_stats enable row level security;
alter table leadpoet.epoch_golden_scores enable row level security;

-- ---------------------------------------------------------------------------------------------
-- Live figures (an open epoch, and the snapshot's source)

create function leadpoet.live_epoch_stats(p_epoch bigint)
returns table (decided integer, accepted integer, rejected integer, duplicate_emails integer,
               quorum_timeouts integer, expired_unpulled integer, full_quorum integer, unanimous integer,
               seconds_to_consensus_avg numeric, seconds_to_consensus_p50 numeric, seconds_to_consensus_p95 numeric)
language sql stable
set search_path = pg_catalog, pg_temp
as $$
  with decided as (
    select q.*, extract(epoch from q.consensus_timestamp - q.created_at) as seconds
      from public.prospect_queue q
     where q.consensus_epoch = p_epoch and q.golden_lead_id is null -- miners' prospects; golden leads are scored apart
  )
  select (count(*) filter (where d.consensus_status in ('accepted', 'rejected')))::integer,
         (count(*) filter (where d.consensus_status = 'accepted'))::integer,
         (count(*) filter (where d.consensus_status = 'rejected'))::integer,
         (count(*) filter (where d.decision_reason = 'duplicate_email'))::integer,
         (count(*) filter (where d.decision_reason = 'quorum_timeout'))::integer,
         (count(*) filter (where d.consensus_status = 'expired'))::integer,
         (count(*) filter (where d.full_quorum))::integer,
         -- every vote the same way; a prospect whose votes are gone is not unanimous
         (count(*) filter (where d.full_quorum and v.votes > 0 and v.valid_votes in (0, v.votes)))::integer,
         round((avg(d.seconds) filter (where d.consensus_status in ('accepted', 'rejected')))::numeric, 3),
         round((percentile_cont(0.5) within group (order by d.seconds)
                  filter (where d.consensus_status in ('accepted', 'rejected')))::numeric, 3),
         round((percentile_cont(0.95) within group (order by d.seconds)
                  filter (where d.consensus_status in ('accepted', 'rejected')))::numeric, 3)
    from decided d
   cross join lateral (select count(*)::integer as votes, (count(*) filter (where t.is_valid))::integer as valid_votes
                         from public.validation_tracking t where t.prospect_id = d.id) v
$$;

-- The golden scores of an epoch (leadpoet.golden_scores): validator_hotkey null is the consensus.
create function leadpoet.epoch_golden_figures(p_epoch bigint)
returns table (validator_hotkey text, golden_votes integer, true_positive integer, false_positive integer,
               true_negative integer, false_negative integer, accuracy numeric)
language sql stable
set search_path = pg_catalog, pg_temp
as $$
  select g.validator_hotkey, g.golden_votes, g.true_positive, g.false_positive, g.true_negative,
         g.false_negative, g.accuracy
    from leadpoet.golden_scores(p_epoch) g
$$;

-- Weights for epoch E are set during epoch E + 1 (`epoch weights` sets the epoch that just ended):
-- the commits submitted in E + 1's blocks, by hotkey, the furthest along first. Only commit-reveal
-- commits are recorded in the database; plain set_weights leaves no row, so "none known" is not
-- "none set" on a subnet without commit-reveal.
create function leadpoet.epoch_weight_commits(p_epoch bigint)
returns table (validator_hotkey text, status text, chain_epoch bigint, closed_reason text)
language sql stable
set search_path = pg_catalog, pg_temp
as $$
  select distinct on (c.hotkey) c.hotkey, c.status, c.chain_epoch, c.closed_reason
    from leadpoet.weight_commits c cross join leadpoet.settings s
   where c.submitted_at_block >= (p_epoch + 1) * s.blocks_per_epoch
     and c.submitted_at_block < (p_epoch + 2) * s.blocks_per_epoch
   order by c.hotkey,
            array_position(array['revealed', 'committed', 'submitted', 'expired'], c.status),
            c.created_at desc
$$;

-- ---------------------------------------------------------------------------------------------
-- The snapshot close_epoch takes (idempotent: the first snapshot stays)

create function leadpoet.snapshot_epoch_stats(p_epoch bigint)
returns void
language plpgsql volatile
set search_path = pg_catalog, pg_temp
as $$
begin
  insert into leadpoet.epoch_stats
    (epoch_number, decided, accepted, rejected, duplicate_emails, quorum_timeouts, expired_unpulled, full_quorum,
     unanimous, seconds_to_consensus_avg, seconds_to_consensus_p50, seconds_to_consensus_p95)
  select p_epoch, s.decided, s.accepted, s.rejected, s.duplicate_emails, s.quorum_timeouts, s.expired_unpulled,
         s.full_quorum, s.unanimous, s.seconds_to_consensus_avg, s.seconds_to_consensus_p50, s.seconds_to_consensus_p95
    from leadpoet.live_epoch_stats(p_epoch) s
  on conflict (epoch_number) do nothing;
  insert into leadpoet.epoch_golden_scores
    (epoch_number, validator_hotkey, golden_votes, true_positive, false_positive, true_negative, false_negative,
     accuracy)
  select p_epoch, coalesce(g.validator_hotkey, ''), g.golden_votes, g.true_positive, g.false_positive,
         g.true_negative, g.false_negative, g.accuracy
    from leadpoet.epoch_golden_figures(p_epoch) g
  on conflict (epoch_number, validator_hotkey) do nothing;
end
$$;

-- Epochs closed before this migration: snapshotted now. Unanimity needs the votes: unknown (null)
-- where they were cleared already.
do $$
declare
  c record;
begin
  for c in select x.epoch_number, x.cleared_at from leadpoet.epoch_closures x order by x.epoch_number loop
    perform leadpoet.snapshot_epoch_stats(c.epoch_number);
    if c.cleared_at is not null then
      update leadpoet.epoch_stats set unanimous = null where epoch_number = c.epoch_number;
    end if;
  end loop;
end
$$;

-- ---------------------------------------------------------------------------------------------
-- Closing takes the stats snapshot too: close_epoch as 20261202000900_golden_leads defines it, plus the
-- one line `perform leadpoet.snapshot_epoch_stats`.

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
    perform leadpoet.snapshot_epoch_stats(v_epoch);
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
-- JSON pieces shared by consensus_stats and consensus_metrics

-- Golden counts with the seed's rates: FP rate = FP / (FP + TN), FN rate = FN / (FN + TP).
create function leadpoet.golden_json(p_votes integer, p_tp integer, p_fp integer, p_tn integer, p_fn integer,
                                     p_accuracy numeric)
returns jsonb
language sql immutable
set search_path = pg_catalog, pg_temp
as $$
  select case when p_votes is null then null else jsonb_build_object(
           'golden_votes', p_votes,
           'true_positive', p_tp, 'false_positive', p_fp, 'true_negative', p_tn, 'false_negative', p_fn,
           'accuracy', round(p_accuracy, 4),
           'false_positive_rate', round(p_fp::numeric / nullif(p_fp + p_tn, 0), 4),
           'false_negative_rate', round(p_fn::numeric / nullif(p_fn + p_tp, 0), 4)) end
$$;

-- The queue now: depth, the oldest pending prospect's age, the last decision.
create function leadpoet.queue_json()
returns jsonb
language sql stable
set search_path = pg_catalog, pg_temp
as $$
  select jsonb_build_object(
           'pending', p.pending,
           'never_pulled', p.never_pulled,
           'oldest_pending_seconds', round(extract(epoch from now() - p.oldest)::numeric, 3),
           'last_decision_at', d.last_at,
           'seconds_since_last_decision', round(extract(epoch from now() - d.last_at)::numeric, 3))
    from (select count(*)::integer as pending,
                 (count(*) filter (where q.first_leased_block is null))::integer as never_pulled,
                 min(q.created_at) as oldest
            from public.prospect_queue q where q.consensus_status = 'pending' and q.golden_lead_id is null) p
   cross join (select max(q.consensus_timestamp) as last_at
                 from public.prospect_queue q
                where q.consensus_status in ('accepted', 'rejected') and q.golden_lead_id is null) d
$$;

-- ---------------------------------------------------------------------------------------------
-- Monitoring (operator): an epoch's stats, from the closing snapshot for a closed epoch.

create or replace function public.consensus_stats(p_epoch bigint default null)
returns jsonb
language plpgsql stable security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_epoch bigint;
  v_closed boolean;
  v_stats leadpoet.epoch_stats;
  v_validators jsonb;
  v_work jsonb;
  v_agreement numeric;
  v_consensus_golden jsonb;
begin
  perform leadpoet.require_caller(array['operator']);
  v_epoch := leadpoet.resolve_epoch(p_epoch, 0);
  v_closed := exists (select 1 from leadpoet.epoch_closures c where c.epoch_number = v_epoch);

  select * into v_stats from leadpoet.epoch_stats s where s.epoch_number = v_epoch;
  if v_stats.epoch_number is null then
    select v_epoch, l.*, null into v_stats from leadpoet.live_epoch_stats(v_epoch) l;
  end if;

  -- Per validator: the eligibility snapshot for a closed epoch, live otherwise; golden scores and
  -- weight commits beside it. Work: the Gini of leases across validators (0 when all took the same
  -- share, towards 1 when one took all); agreement: matching votes over full-quorum votes.
  with validators as (
    select x.validator_hotkey, x.leases, x.voted, x.released, x.lapsed, x.decided_leads, x.matching_votes,
           x.timeout_votes, x.agreement, x.abandoned_share, x.eligible, x.failed_rules
      from leadpoet.epoch_validator_eligibility x where v_closed and x.epoch_number = v_epoch
    union all
    select l.validator_hotkey, l.leases, l.voted, l.released, l.lapsed, l.decided_leads, l.matching_votes,
           l.timeout_votes, l.agreement, l.abandoned_share, l.eligible, l.failed_rules
      from leadpoet.live_eligibility(v_epoch) l where not v_closed
  ), golden as (
    select g.validator_hotkey, g.golden_votes, g.true_positive, g.false_positive, g.true_negative, g.false_negative,
           g.accuracy
      from leadpoet.epoch_golden_scores g where v_closed and g.epoch_number = v_epoch
    union all
    select coalesce(f.validator_hotkey, ''), f.golden_votes, f.true_positive, f.false_positive, f.true_negative,
           f.false_negative, f.accuracy
      from leadpoet.epoch_golden_figures(v_epoch) f where not v_closed
  ), ranked as (
    select v.*, row_number() over (order by v.leases) as rank, sum(v.leases) over () as all_leases from validators v
  )
  select (select jsonb_build_object(
                   'validators', count(*),
                   'leases', coalesce(sum(r.leases), 0),
                   'gini', case when coalesce(sum(r.leases), 0) = 0 then null
                                else round(2 * sum(r.rank * r.leases)::numeric / (count(*) * sum(r.leases))
                                           - (count(*) + 1)::numeric / count(*), 4) end)
            from ranked r),
         (select round(sum(r.matching_votes)::numeric / nullif(sum(r.decided_leads), 0), 4) from ranked r),
         (select leadpoet.golden_json(g.golden_votes, g.true_positive, g.false_positive, g.true_negative,
                                      g.false_negative, g.accuracy)
            from golden g where g.validator_hotkey = ''),
         (select coalesce(jsonb_agg(jsonb_build_object(
                   'validator_hotkey', r.validator_hotkey,
                   'leases', r.leases, 'voted', r.voted, 'released', r.released, 'lapsed', r.lapsed,
                   'share_of_work', round(r.leases::numeric / nullif(r.all_leases, 0), 4),
                   'decided_leads', r.decided_leads,
                   'timeout_votes', r.timeout_votes,
                   'agreement', r.agreement,
                   'abandoned_share', r.abandoned_share,
                   'eligible', r.eligible,
                   'failed_rules', to_jsonb(r.failed_rules),
                   -- ineligible here, and not already in the epoch before
                   'newly_ineligible', not r.eligible and not exists (
                      select 1 from leadpoet.epoch_validator_eligibility p
                       where p.epoch_number = v_epoch - 1 and p.validator_hotkey = r.validator_hotkey
                         and not p.eligible),
                   'golden', leadpoet.golden_json(g.golden_votes, g.true_positive, g.false_positive, g.true_negative,
                                                  g.false_negative, g.accuracy),
                   'weights', case when w.validator_hotkey is null then null
                                   else jsonb_build_object('status', w.status, 'chain_epoch', w.chain_epoch,
                                                           'closed_reason', w.closed_reason) end)
                 order by r.validator_hotkey), '[]'::jsonb)
            from ranked r
            left join golden g on g.validator_hotkey = r.validator_hotkey
            left join leadpoet.epoch_weight_commits(v_epoch) w on w.validator_hotkey = r.validator_hotkey)
    into v_work, v_agreement, v_consensus_golden, v_validators;

  return jsonb_build_object(
    'epoch', v_epoch,
    'closed', v_closed,
    'snapshot_at', v_stats.snapshot_at,
    'decisions', jsonb_build_object(
      'decided', v_stats.decided, 'accepted', v_stats.accepted, 'rejected', v_stats.rejected,
      'duplicate_emails', v_stats.duplicate_emails, 'quorum_timeouts', v_stats.quorum_timeouts,
      'expired_unpulled', v_stats.expired_unpulled,
      'full_quorum', v_stats.full_quorum,
      'unanimous', v_stats.unanimous,
      'unanimity', round(v_stats.unanimous::numeric / nullif(v_stats.full_quorum, 0), 4),
      'agreement', v_agreement,
      'seconds_to_consensus_avg', v_stats.seconds_to_consensus_avg,
      'seconds_to_consensus_p50', v_stats.seconds_to_consensus_p50,
      'seconds_to_consensus_p95', v_stats.seconds_to_consensus_p95),
    'work', v_work,
    'consensus_golden', v_consensus_golden,
    'validators', v_validators,
    'queue', leadpoet.queue_json(),
    'probation', leadpoet.probation_json(v_epoch));
end
$$;

-- ---------------------------------------------------------------------------------------------
-- Metrics (operator): one read for the exporter. All-time counters, the queue now, the last closed
-- epoch's stats, and the epoch whose weights are due: the newest closed epoch E whose weight window
-- (epoch E + 1) is over.

create function public.consensus_metrics()
returns jsonb
language plpgsql stable security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_current bigint;
  v_last_closed bigint;
  v_weights_epoch bigint;
begin
  perform leadpoet.require_caller(array['operator']);
  v_current := leadpoet.current_epoch(leadpoet.current_block());
  select max(c.epoch_number) into v_last_closed from leadpoet.epoch_closures c;
  select max(c.epoch_number) into v_weights_epoch from leadpoet.epoch_closures c where c.epoch_number + 1 < v_current;

  return jsonb_build_object(
    'current_epoch', v_current,
    'last_closed_epoch', v_last_closed,
    'queue', leadpoet.queue_json(),
    'decisions_total', (
      select coalesce(jsonb_agg(jsonb_build_object('status', d.consensus_status, 'reason', d.decision_reason,
                                                   'count', d.n) order by d.consensus_status, d.decision_reason),
                      '[]'::jsonb)
        from (select q.consensus_status, q.decision_reason, count(*)::integer as n
                from public.prospect_queue q
               where q.consensus_status in ('accepted', 'rejected', 'expired') and q.golden_lead_id is null
               group by q.consensus_status, q.decision_reason) d),
    -- every hotkey that ever committed, so a first expiry is an increase from 0
    'weight_commits_expired_total', (
      select coalesce(jsonb_agg(jsonb_build_object('validator_hotkey', c.hotkey, 'count', c.n) order by c.hotkey),
                      '[]'::jsonb)
        from (select w.hotkey,
                     (count(*) filter (where w.status = 'expired'
                                         and w.closed_reason like 'WEIGHTS_COMMIT_EXPIRED:%'))::integer as n
                from leadpoet.weight_commits w group by w.hotkey) c),
    'last_closed', case when v_last_closed is not null then public.consensus_stats(v_last_closed) end,
    'weights_due', case when v_weights_epoch is not null then (
      select jsonb_build_object(
               'epoch', v_weights_epoch,
               'validators', coalesce(jsonb_agg(jsonb_build_object(
                                'validator_hotkey', e.validator_hotkey,
                                'weights_known', coalesce(w.status in ('submitted', 'committed', 'revealed'), false))
                              order by e.validator_hotkey), '[]'::jsonb))
        from leadpoet.epoch_validator_eligibility e
        left join leadpoet.epoch_weight_commits(v_weights_epoch) w on w.validator_hotkey = e.validator_hotkey
       where e.epoch_number = v_weights_epoch and e.eligible) end);
end
$$;

-- ---------------------------------------------------------------------------------------------
-- Access

revoke execute on function
  leadpoet.live_epoch_stats(bigint), leadpoet.epoch_golden_figures(bigint), leadpoet.epoch_weight_commits(bigint),
  leadpoet.snapshot_epoch_stats(bigint), leadpoet.golden_json(integer, integer, integer, integer, integer, numeric),
  leadpoet.queue_json()
  from public;
revoke execute on function public.consensus_metrics() from public, anon;
grant execute on function public.consensus_metrics() to authenticated, service_role;
alter function public.consensus_metrics() set jit = off;
alter function public.consensus_stats(bigint) set jit = off;
alter function public.close_epoch(bigint) set jit = off;
