-- The counting rules of DOMAIN.md ("When is a dossier early, on time, late"), in one place.
-- Every report, summary table and test goes through these macros.

-- refused (3) and newly registered, not yet received (1) are not dossiers for these counts
create or replace macro is_counted_dossier(status, received_date) as
    status not in (1, 3) and received_date is not null;
