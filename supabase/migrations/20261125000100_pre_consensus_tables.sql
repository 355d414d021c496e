-- The tables Leadpoet ran before consensus. A project that already has them keeps them (and their
-- rows) as they are; an empty database gets them here, so every later migration has one starting point.

-- Roles hosted Supabase already has; a plain Postgres or PGlite gets them here (roles are cluster-wide).
do $$
begin
  if not exists (select 1 from pg_catalog.pg_roles where rolname = 'anon') then
    create role anon nologin noinherit;
  end if;
  if not exists (select 1 from pg_catalog.pg_roles where rolname = 'authenticated') then
    create role authenticated nologin noinherit;
  end if;
  if not exists (select 1 from pg_catalog.pg_roles where rolname = 'service_role') then
    create role service_role nologin noinherit bypassrls;
  end if;
end
$$;

create table if not exists public.prospect_queue (
  id uuid primary key default gen_random_uuid(),
  miner_hotkey text not null,
  prospect jsonb not null,
  status text not null default 'pending',
  created_at timestamptz not null default now()
);

create table if not exists public.leads (
  id uuid primary key default gen_random_uuid(),
  email text unique,
  company text,
  validated_at timestamptz default now(),
  validator_hotkey text,
  miner_hotkey text,
  score numeric,
  metadata jsonb
);

-- Closed from the start: on hosted Supabase the default privileges would otherwise open new tables
-- to anon and authenticated until the next migration.
alter table public.prospect_queue enable row level security;
alter table public.leads enable row level security;
revoke all on public.prospect_queue, public.leads from anon, authenticated;
