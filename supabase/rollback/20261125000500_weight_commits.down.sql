-- Undoes 20261125000500_weight_commits. Unrevealed commits' salts go with the table.
drop function if exists
  public.weight_commits_open(integer, text), public.weight_commit_in_epoch(integer, text, bigint),
  public.save_weight_commit(jsonb), public.update_weight_commit(uuid, text, bigint, text);
drop function if exists leadpoet.weight_commit_json(leadpoet.weight_commits);
drop table if exists leadpoet.weight_commits;
