-- Undoes 20261125000100_pre_consensus_tables by keeping them: prospect_queue and leads are the tables
-- Leadpoet had before consensus, and their rows (leads above all) outlive any rollback.
select 1;
