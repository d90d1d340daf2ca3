-- PAKN and satisfaction ratings per agency and period (the periods of dim_period), additive counts.
-- A PAKN is judged like a dossier under the 766 rule: it matters to a period when received by its end
-- and not resolved before its start; it is handled on time when resolved on or before its due date
-- (no due date: on time), or still open at the period's evaluation date and not yet due.
create or replace table agg_pakn_rating as
with periods as (
    select period_kind, period_key, start_date as period_start, end_date as period_end, eval_date
    from dim_period
),

pakn_in_period as (
    select p.*, k.*
    from periods as p
    join stg_pakn as k
        on k.received_date <= p.period_end
       and coalesce(k.resolved_date, date '9999-12-31') >= p.period_start
),

pakn_flagged as (
    select
        *,
        received_date < period_start as is_carried_over,
        resolved_date is not null and resolved_date <= period_end as is_resolved,
        due_date is null or resolved_date <= due_date as is_resolved_on_time,
        due_date is null or due_date >= eval_date as is_not_due
    from pakn_in_period
),

pakn_counts as (
    select
        period_kind,
        period_key,
        agency_code,
        count(*) filter (is_carried_over) as pakn_carried_over,
        count(*) filter (not is_carried_over) as pakn_received_new,
        count(*) as pakn_total,
        count(*) filter (is_resolved) as pakn_resolved,
        count(*) filter (is_resolved and is_resolved_on_time) as pakn_resolved_on_time,
        count(*) filter (is_resolved and not is_resolved_on_time) as pakn_resolved_late,
        count(*) filter (not is_resolved) as pakn_open,
        count(*) filter (not is_resolved and is_not_due) as pakn_open_not_due,
        count(*) filter (not is_resolved and not is_not_due) as pakn_open_overdue,
        -- the 766 numerator: resolved on time + still open and not yet due
        count(*) filter (case when is_resolved then is_resolved_on_time else is_not_due end) as pakn_on_time,
        -- the citizen's rating of the answer, for PAKN resolved in the period
        count(*) filter (is_resolved and satisfied is not null) as pakn_rated,
        count(*) filter (is_resolved and satisfied) as pakn_satisfied
    from pakn_flagged
    group by all
),

rating_counts as (
    select
        p.period_kind,
        p.period_key,
        r.agency_code,
        count(*) as ratings,
        count(*) filter (r.satisfied) as ratings_satisfied,
        count(r.score) as ratings_scored,
        coalesce(sum(r.score), 0) as ratings_score_sum   -- 1..5 each: average = sum / scored
    from periods as p
    join stg_rating as r on r.rated_date between p.period_start and p.period_end
    group by all
),

final as (
    select
        period_kind,
        period_key,
        agency_code,
        coalesce(columns(* exclude (period_kind, period_key, agency_code)), 0)::bigint
    from pakn_counts
    full join rating_counts using (period_kind, period_key, agency_code)
)

select * from final
order by period_kind, period_key, agency_code
