-- Late dossiers that have processing steps loaded (CapNhatTienDoHoSoMC), one row each, with the
-- department that held the dossier. Steps are taken in the order they were done; a step overran
-- by the working days between its planned end (NgayKetThucTheoQuyDinh) and when it was done.
-- A step done late because the step before it was late is not to blame for those days, so each
-- step is charged only the delay it added: its overrun minus the previous step's. The department
-- charged the most held the dossier (ties: the earlier step). A late dossier whose steps added no
-- delay has no department.
create or replace table fct_late_holdup as
with as_of as (
    -- the day in-progress dossiers are judged on, as dim_period takes it
    select coalesce((select cast(value as date) from meta where key = 'as_of'), current_date) as as_of
),

-- finished late, or still in progress and overdue on the data's date
late as (
    select
        d.dossier_id,
        d.agency_code,
        d.procedure_code,
        d.received_date,
        d.due_date,
        d.end_date,
        case when d.end_date is not null then 'finished_late' else 'overdue' end as late_state,
        coalesce(d.end_date, a.as_of) - d.due_date as late_days    -- calendar days past the due date
    from fct_dossier as d
    cross join as_of as a
    where d.finished_class = 'late'
       or (d.end_date is null and open_class(d.due_date, d.status, a.as_of) = 'overdue')
),

steps as (
    select
        s.dossier_id,
        s.department,
        s.action,
        s.acted_at,
        cast(s.acted_at as date) as acted_date,
        cast(s.planned_end as date) as planned_date
    from raw_dossier_step as s
    semi join late using (dossier_id)
    where s.acted_at is not null
),

overruns as (
    select
        s.*,
        -- working days after the planned end (0 when on time); calendar days outside dim_date
        greatest(coalesce(da.workday_index - dp.workday_index, s.acted_date - s.planned_date, 0), 0)
            as overrun_days
    from steps as s
    left join dim_date as da on da.day = s.acted_date
    left join dim_date as dp on dp.day = s.planned_date
),

charged as (
    select
        *,
        greatest(overrun_days - lag(overrun_days, 1, 0) over (
            partition by dossier_id order by acted_at, planned_date nulls first, department), 0) as added_days
    from overruns
),

step_counts as (
    select
        dossier_id,
        count(*) as steps,
        count(*) filter (overrun_days > 0) as overrun_steps
    from charged
    group by dossier_id
),

worst_step as (
    select
        dossier_id,
        department,
        action as step_action,
        planned_date as step_planned_end,
        acted_date as step_acted_date,
        overrun_days,
        added_days
    from charged
    where added_days > 0
    qualify row_number() over (partition by dossier_id order by added_days desc, acted_at, department) = 1
),

final as (
    select
        l.*,
        c.steps,
        c.overrun_steps,
        w.department,
        w.step_action,
        w.step_planned_end,
        w.step_acted_date,
        w.overrun_days,        -- working days the department's step ran past its planned end
        w.added_days           -- of which the delay it added itself
    from late as l
    join step_counts as c using (dossier_id)
    left join worst_step as w using (dossier_id)
)

select * from final
order by agency_code, dossier_id
