-- The periodic report table (Circular 01/2020/TT-VPCP) per agency, field and procedure and per
-- period, by the rules of docs/domain.md. Counts add up: any coarser table is a sum of these rows.
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

owing as (
    select
        *,
        (is_finished and finished_class = 'late') or (not is_finished and open_state = 'overdue') as is_late_owing
    from flagged
),

-- sums of 0/1 rather than count(*) filter (...): the same counts (a null condition counts 0), about
-- a quarter faster over millions of rows, as each filtered aggregate costs a pass of its own
final as (
    select
        period_kind,
        period_key,
        agency_code,
        field_code,
        procedure_code,
        sum(case when is_carried_over then 1 else 0 end)::bigint as carried_over,
        sum(case when is_new then 1 else 0 end)::bigint as received_new,
        sum(case when is_new and channel = 2 then 1 else 0 end)::bigint as received_online,
        sum(case when is_new and channel = 1 then 1 else 0 end)::bigint as received_direct,
        sum(case when is_new and channel = 3 then 1 else 0 end)::bigint as received_postal,
        sum(case when is_finished then 1 else 0 end)::bigint as finished,
        sum(case when is_finished and finished_class = 'early' then 1 else 0 end)::bigint as finished_early,
        sum(case when is_finished and finished_class = 'on_time'
            then 1 else 0 end)::bigint as finished_on_time,
        sum(case when is_finished and finished_class = 'late' then 1 else 0 end)::bigint as finished_late,
        sum(case when not is_finished then 1 else 0 end)::bigint as in_progress,
        sum(case when not is_finished and open_state = 'not_due'
            then 1 else 0 end)::bigint as in_progress_not_due,
        sum(case when not is_finished and open_state = 'overdue'
            then 1 else 0 end)::bigint as in_progress_overdue,
        -- inputs of the other KPIs of the metrics registry
        sum(case when is_new and supplement_count > 0
            then 1 else 0 end)::bigint as received_supplement_requested,
        sum(case when is_finished and status = 7 then 1 else 0 end)::bigint as finished_withdrawn,
        -- fees: whether any dossier of the period (carried over or new) says, the 766 payment
        -- indicator's input (docs/inputs.md), and how many new ones have a fee
        sum(case when has_fee is not null then 1 else 0 end)::bigint as dossiers_fee_known,
        sum(case when is_new and has_fee then 1 else 0 end)::bigint as received_with_fee,
        sum(case when is_new and has_fee and paid_online then 1 else 0 end)::bigint as received_paid_online,
        sum(case when is_new and digitised then 1 else 0 end)::bigint as received_digitised,
        -- how the result was returned (HinhThuc), of finished dossiers whose record says it
        sum(case when is_finished and result_by_post is not null then 1 else 0 end)::bigint as finished_return_known,
        sum(case when is_finished and result_by_post then 1 else 0 end)::bigint as finished_by_post,
        sum(case when is_finished and electronic_result
            then 1 else 0 end)::bigint as finished_electronic_result,
        -- late dossiers owe the citizen an apology slip: finished late in the period, or open and
        -- overdue at its eval date; counted only where a source says whether one was issued (null =
        -- unknown, docs/late.md), so a province without slip data reads "no data", not 0%
        sum(case when is_late_owing and apology_issued then 1 else 0 end)::bigint as late_with_apology,
        sum(case when is_late_owing and apology_issued is not null
            then 1 else 0 end)::bigint as late_apology_known,
        sum(case when is_finished and finished_class_766 in ('early', 'on_time')
            then 1 else 0 end)::bigint as finished_timely_766,
        sum(case when not is_finished and open_state_766 = 'not_due'
            then 1 else 0 end)::bigint as in_progress_not_due_766,
        sum(case when is_finished and supplement_count > 1
            then 1 else 0 end)::bigint as finished_repeat_supplement,
        sum(case when is_finished and status = 8 then 1 else 0 end)::bigint as finished_stopped,
        -- processing time in working days, and against the statutory time where the catalogue has it
        -- (a withdrawn dossier with no end date of its own has no processing time: left out)
        coalesce(sum(case when is_finished then processing_workdays else 0 end), 0) as finished_workdays,
        sum(case when is_finished and processing_workdays is not null
            then 1 else 0 end)::bigint as finished_timed,
        sum(case when is_finished and statutory_days is not null and processing_workdays is not null
            then 1 else 0 end)::bigint as finished_with_statutory,
        coalesce(sum(case when is_finished and statutory_days is not null
            then processing_workdays else 0 end), 0)
            as finished_workdays_with_statutory,
        coalesce(sum(case when is_finished and statutory_days is not null and processing_workdays is not null
            then statutory_days else 0 end), 0)
            as finished_statutory_days
    from owing
    group by all
)

select * from final
