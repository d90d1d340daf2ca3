-- The counting rules of docs/domain.md ("Counting a dossier in a period"), in one place.
-- Every report, summary table and test goes through these macros.

-- refused (3) and newly registered, not yet received (1) are not dossiers for these counts
create or replace macro is_counted_dossier(status, received_date) as
    status not in (1, 3) and received_date is not null;

-- the day processing ended: processing finished, else result returned, else refused (the 766
-- formula: processed, else returned, else stopped / refused / withdrawn). A dossier the citizen
-- withdrew (7) is closed even when its record carries none of these dates: it ends on the earliest
-- day it can have been withdrawn, the day it was received, so it is never in progress or overdue
-- (docs/report.md, "Withdrawn without an end date"). Called without status and received_at, the
-- plain rule
create or replace macro dossier_end_date(finished_at, returned_at, refused_at, status := null, received_at := null) as
    cast(coalesce(finished_at, returned_at, refused_at, case when status = 7 then received_at end) as date);

-- the end date is that fallback: no date of its own, so no processing time either
create or replace macro is_end_date_assumed(finished_at, returned_at, refused_at, status) as
    status = 7 and finished_at is null and returned_at is null and refused_at is null;

-- a finished dossier: calendar dates compared, local time
create or replace macro finished_class(end_date, due_date, status) as
    case
        when status = 7 then 'on_time'            -- withdrawn by the citizen
        when due_date is null then 'on_time'
        when end_date < due_date then 'early'
        when end_date = due_date then 'on_time'
        else 'late'
    end;

-- 766 timeliness is stricter: more than one supplement request makes a dossier late
create or replace macro finished_class_766(end_date, due_date, status, supplement_count) as
    case when supplement_count > 1 then 'late' else finished_class(end_date, due_date, status) end;

-- a dossier still in progress at the end of a period
create or replace macro open_class(due_date, status, period_end) as
    case
        when due_date is null then 'not_due'
        when status in (5, 6, 8) then 'not_due'   -- waiting on the citizen: supplement, fees, stopped
        when due_date >= period_end then 'not_due'
        else 'overdue'
    end;

create or replace macro open_class_766(due_date, status, period_end, supplement_count) as
    case when supplement_count > 1 then 'overdue' else open_class(due_date, status, period_end) end;
