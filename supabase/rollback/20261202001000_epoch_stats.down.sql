-- Undoes 20261202001000_epoch_stats: the stats snapshots and consensus_metrics go; close_epoch is again
-- that of 20261202000900_golden_leads, consensus_stats that of 20261202000300_consensus_rules_functions.
drop function if exists public.consensus_metrics();

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

create or replace function public.consensus_stats(p_epoch bigint default null)
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

alter function public.close_epoch(bigint) set jit = off;
alter function public.consensus_stats(bigint) set jit = off;

drop function if exists leadpoet.snapshot_epoch_stats(bigint);
drop function if exists leadpoet.live_epoch_stats(bigint);
drop function if exists leadpoet.epoch_golden_figures(bigint);
drop function if exists leadpoet.epoch_weight_commits(bigint);
drop function if exists leadpoet.golden_json(integer, integer, integer, integer, integer, numeric);
drop function if exists leadpoet.queue_json();
drop table if exists leadpoet.epoch_golden_scores;
drop table if exists leadpoet.epoch_stats;
