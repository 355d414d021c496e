-- Commit-reveal v2 weight commits, kept until revealed: a commit's salt exists nowhere else, and a
-- lost salt is a commit that can never be revealed. Operator-only (the table holds salts).
-- `hotkey` here is the chain hotkey that signed the commit (data about the chain), not the caller.

create table leadpoet.weight_commits (
  id uuid primary key default gen_random_uuid(),
  netuid integer not null check (netuid between 0 and 65535),
  hotkey text not null,
  epoch bigint not null,
  uids integer[] not null,
  weights integer[] not null,
  salt integer[] not null,
  version_key bigint not null check (version_key >= 0),
  commit_hash text not null,
  submitted_at_block bigint not null,
  status text not null default 'submitted' check (status in ('submitted', 'committed', 'revealed', 'expired')),
  commit_block bigint,
  reveal_block bigint,
  closed_reason text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
-- At most one live commit per (subnet, hotkey, chain epoch): two runs in an epoch commit once.
create unique index weight_commits_one_live_per_epoch on leadpoet.weight_commits (netuid, hotkey, epoch)
  where status <> 'expired';
create index weight_commits_open_idx on leadpoet.weight_commits (netuid, hotkey, created_at)
  where status in ('submitted', 'committed');
alter table leadpoet.weight_commits enable row level security;

create function leadpoet.weight_commit_json(c leadpoet.weight_commits)
returns jsonb
language sql stable
set search_path = pg_catalog, pg_temp
as $$
  select to_jsonb(c)
$$;

create function public.weight_commits_open(p_netuid integer, p_hotkey text)
returns jsonb
language plpgsql stable security definer
set search_path = pg_catalog, pg_temp
as $$
begin
  perform leadpoet.require_caller(array['operator']);
  return coalesce((select jsonb_agg(leadpoet.weight_commit_json(c) order by c.created_at, c.id)
                     from leadpoet.weight_commits c
                    where c.netuid = p_netuid and c.hotkey = p_hotkey and c.status in ('submitted', 'committed')),
                  '[]'::jsonb);
end
$$;

create function public.weight_commit_in_epoch(p_netuid integer, p_hotkey text, p_epoch bigint)
returns jsonb
language plpgsql stable security definer
set search_path = pg_catalog, pg_temp
as $$
begin
  perform leadpoet.require_caller(array['operator']);
  return (select leadpoet.weight_commit_json(c) from leadpoet.weight_commits c
           where c.netuid = p_netuid and c.hotkey = p_hotkey and c.epoch = p_epoch and c.status <> 'expired'
           order by c.created_at desc limit 1);
end
$$;

create function public.save_weight_commit(p_commit jsonb)
returns jsonb
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_saved leadpoet.weight_commits;
begin
  perform leadpoet.require_caller(array['operator']);
  begin
    insert into leadpoet.weight_commits (netuid, hotkey, epoch, uids, weights, salt, version_key, commit_hash,
                                         submitted_at_block)
    select r.netuid, r.hotkey, r.epoch, r.uids, r.weights, r.salt, r.version_key, r.commit_hash, r.submitted_at_block
      from jsonb_populate_record(null::leadpoet.weight_commits, p_commit) r
    returning * into v_saved;
  exception
    when unique_violation then
      raise exception using errcode = 'LP412', message = format(
        'hotkey %s already has a live commit in epoch %s of subnet %s', p_commit ->> 'hotkey', p_commit ->> 'epoch', p_commit ->> 'netuid');
    when not_null_violation or check_violation or invalid_text_representation or datatype_mismatch then
      raise exception using errcode = 'LP400', message = 'weight commit refused: ' || sqlerrm;
  end;
  return leadpoet.weight_commit_json(v_saved);
end
$$;

-- Moves a commit along submitted -> committed -> revealed, or to expired from any open state.
create function public.update_weight_commit(p_id uuid, p_status text, p_block bigint default null, p_reason text default null)
returns jsonb
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_from text[] := case p_status when 'committed' then array['submitted', 'committed']
                                 when 'revealed' then array['submitted', 'committed']
                                 when 'expired' then array['submitted', 'committed'] end;
  v_row leadpoet.weight_commits;
begin
  perform leadpoet.require_caller(array['operator']);
  if v_from is null then
    raise exception using errcode = 'LP400', message = 'status must be committed, revealed or expired';
  end if;
  update leadpoet.weight_commits c
     set status = p_status,
         commit_block = case when p_status = 'committed' then p_block else c.commit_block end,
         reveal_block = case when p_status = 'revealed' then p_block else c.reveal_block end,
         closed_reason = case when p_status = 'expired' then p_reason else c.closed_reason end,
         updated_at = now()
   where c.id = p_id and c.status = any (v_from)
  returning * into v_row;
  if v_row.id is null then
    raise exception using errcode = 'LP400', message = format('commit %s is not open (or does not exist)', p_id);
  end if;
  return leadpoet.weight_commit_json(v_row);
end
$$;

revoke execute on function leadpoet.weight_commit_json(leadpoet.weight_commits) from public;
revoke execute on function
  public.weight_commits_open(integer, text), public.weight_commit_in_epoch(integer, text, bigint),
  public.save_weight_commit(jsonb), public.update_weight_commit(uuid, text, bigint, text)
  from public, anon;
grant execute on function
  public.weight_commits_open(integer, text), public.weight_commit_in_epoch(integer, text, bigint),
  public.save_weight_commit(jsonb), public.update_weight_commit(uuid, text, bigint, text)
  to authenticated, service_role;
