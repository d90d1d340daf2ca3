-- one row per counted dossier (refused and not-yet-received ones are left out, docs/domain.md)
create or replace table fct_dossier as
with dossiers as (
    select * from stg_dossier where is_counted
),

procedures as (
    select procedure_code, field_code, statutory_days, has_fee from dim_procedure
),

final as (
    select
        d.dossier_id,
        d.agency_code,
        d.procedure_code,
        coalesce(d.field_code, p.field_code) as field_code,
        channel,
        status,
        received_date,
        due_date,
        end_date,
        supplement_count,
        -- the dossier's own fee list (or vendor column), else the procedure catalogue's flag; null:
        -- neither says (not in the online-payment denominator, and not "no fee": docs/inputs.md)
        coalesce(d.has_fee, p.has_fee) as has_fee,
        paid_online,
        result_by_post,
        original_due_date,
        rescheduled_due_date,
        digitised,
        electronic_result,
        apology_issued,
        apology_date,
        apology_new_due_date,
        case when end_date is not null then finished_class(end_date, due_date, status) end as finished_class,
        case when end_date is not null
             then finished_class_766(end_date, due_date, status, supplement_count) end as finished_class_766,
        p.statutory_days,
        -- working days from receipt to the end of processing (0 = the same day); unknown for a
        -- withdrawn dossier whose record has no end date (its end date is assumed)
        case when not d.is_end_date_assumed then e.workday_index - r.workday_index end as processing_workdays
    from dossiers as d
    left join procedures as p using (procedure_code)
    left join dim_date as r on r.day = d.received_date
    left join dim_date as e on e.day = d.end_date
)

select * from final
order by received_date, agency_code
;

-- the dossiers that can be late in some period: finished late, or (open_class) past their due date
-- while still open and not waiting on the citizen. A small slice of fct_dossier, so that listing a
-- period's late dossiers (warehouse/queries_late.py) does not scan every dossier.
-- With the working-day index of the due and end days, so that ranking a year's late dossiers by
-- working days late needs no join per row.
create or replace table fct_dossier_late as
select d.*, du.workday_index as due_workday_index, en.workday_index as end_workday_index
from fct_dossier as d
left join dim_date as du on du.day = d.due_date
left join dim_date as en on en.day = d.end_date
where d.finished_class = 'late'
   or (d.due_date is not null and d.status not in (5, 6, 8) and (d.end_date is null or d.end_date > d.due_date))
order by d.received_date, d.agency_code
;

-- per agency and day, the counts of dossiers received and finished that day: the periodic report of
-- any window (queries.report_for_range) is sums of these (carried over = received before the window
-- minus finished before it, in progress = received by its end minus finished by it), plus the
-- overdue ones from fct_dossier_late. Exact only where processing never ends before receipt, so the
-- dossiers that do are kept apart (fct_dossier_irregular) and the report then reads fct_dossier.
create or replace table fct_dossier_irregular as
select * from fct_dossier where end_date < received_date;

create or replace table agg_dossier_day as
with received as (
    select agency_code, received_date as day,
           count(*) as received_new,
           count(*) filter (channel = 2) as received_online,
           count(*) filter (channel = 1) as received_direct,
           count(*) filter (channel = 3) as received_postal
    from fct_dossier group by all
),

finished as (
    select agency_code, end_date as day,
           count(*) as finished,
           count(*) filter (finished_class = 'early') as finished_early,
           count(*) filter (finished_class = 'on_time') as finished_on_time,
           count(*) filter (finished_class = 'late') as finished_late
    from fct_dossier where end_date is not null group by all
)

select agency_code, day,
       coalesce(r.received_new, 0) as received_new, coalesce(r.received_online, 0) as received_online,
       coalesce(r.received_direct, 0) as received_direct, coalesce(r.received_postal, 0) as received_postal,
       coalesce(f.finished, 0) as finished, coalesce(f.finished_early, 0) as finished_early,
       coalesce(f.finished_on_time, 0) as finished_on_time, coalesce(f.finished_late, 0) as finished_late
from received as r full join finished as f using (agency_code, day)
order by day, agency_code
