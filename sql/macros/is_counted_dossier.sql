-- The counting rules of docs/domain.md ("Counting a dossier in a period"), in one place.
-- Every report, summary table and test goes through these macros.

-- refused (3) and newly registered, not yet received (1) are not dossiers for these counts
create or replace macro is_counted_dossier(status, received_date) as
    status not in (1, 3) and received_date is not null;
