-- The periodic report table (Circular 01/2020/TT-VPCP) per agency, field and procedure and per
-- period, by DOMAIN.md. Counts add up: any coarser table is a sum of these rows.
-- `periods` names a relation with period_kind, period_key, start_date, end_date, eval_date;
-- eval_date is the day in-progress dossiers are judged on (the period end, or the data's date
-- when the period is not over yet).
create or replace macro periodic_report(periods) as table
with periods as (
    select period_kind, period_key, start_date as period_start, end_date as period_end, eval_date
    from query_table(periods)
),

-- a dossier matters to a period when it was received by its end and not finished before its start
in_period as (
    select p.*, d.*
    from periods as p
    join fct_dossier as d
        on d.received_date <= p.period_end
       and coalesce(d.end_date, date '9999-12-31') >= p.period_start
),

flagged as (
    select
        *,
        received_date < period_start as is_carried_over,
        received_date >= period_start as is_new,
        end_date is not null and end_date <= period_end as is_finished,
        open_class(due_date, status, eval_date) as open_state,
        open_class_766(due_date, status, eval_date, supplement_count) as open_state_766
    from in_period
),

final as (
    select
        period_kind,
        period_key,
        agency_code,
        field_code,
        procedure_code,
        count(*) filter (is_carried_over) as carried_over,
        count(*) filter (is_new) as received_new,
        count(*) filter (is_new and channel = 2) as received_online,
        count(*) filter (is_new and channel = 1) as received_direct,
        count(*) filter (is_new and channel = 3) as received_postal,
        count(*) filter (is_finished) as finished,
        count(*) filter (is_finished and finished_class = 'early') as finished_early,
        count(*) filter (is_finished and finished_class = 'on_time') as finished_on_time,
        count(*) filter (is_finished and finished_class = 'late') as finished_late,
        count(*) filter (not is_finished) as in_progress,
        count(*) filter (not is_finished and open_state = 'not_due') as in_progress_not_due,
        count(*) filter (not is_finished and open_state = 'overdue') as in_progress_overdue,
        -- inputs of the other KPIs of the metrics registry
        count(*) filter (is_new and supplement_count > 0) as received_supplement_requested,
        count(*) filter (is_finished and status = 7) as finished_withdrawn,
        count(*) filter (is_new and has_fee) as received_with_fee,
        count(*) filter (is_new and has_fee and paid_online) as received_paid_online,
        count(*) filter (is_new and digitised) as received_digitised,
        count(*) filter (is_finished and electronic_result) as finished_electronic_result,
        count(*) filter (is_finished and finished_class = 'late' and apology_issued) as finished_late_with_apology,
        count(*) filter (is_finished and finished_class_766 in ('early', 'on_time')) as finished_timely_766,
        count(*) filter (not is_finished and open_state_766 = 'not_due') as in_progress_not_due_766,
        count(*) filter (is_finished and supplement_count > 1) as finished_repeat_supplement,
        count(*) filter (is_finished and status = 8) as finished_stopped,
        -- processing time in working days, and against the statutory time where the catalogue has it
        coalesce(sum(processing_workdays) filter (is_finished), 0) as finished_workdays,
        count(*) filter (is_finished and statutory_days is not null) as finished_with_statutory,
        coalesce(sum(processing_workdays) filter (is_finished and statutory_days is not null), 0)
            as finished_workdays_with_statutory,
        coalesce(sum(statutory_days) filter (is_finished and statutory_days is not null), 0)
            as finished_statutory_days
    from flagged
    group by all
)

select * from final
