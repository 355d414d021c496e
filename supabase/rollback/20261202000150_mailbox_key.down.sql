-- Undoes 20261202000150_mailbox_key: the mailbox key functions, their generated data and the result
-- type. Nothing else refers to them when this runs (later migrations' rollbacks run first).
do $$
declare
  f regprocedure;
begin
  for f in
    select p.oid::regprocedure from pg_catalog.pg_proc p
     where p.pronamespace = 'leadpoet'::regnamespace
       and (p.proname like 'mailbox\_%' or p.proname like 'punycode\_%')
  loop
    execute format('drop function %s', f);
  end loop;
end
$$;
drop type if exists leadpoet.mailbox_key_result;
