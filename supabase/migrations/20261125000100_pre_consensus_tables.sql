-- The tables Leadpoet ran before consensus. A project that already has them keeps them (and their
-- rows) as they are; an empty database gets them here, so every later migration has one starting point.

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
