-- The months in which an agency closed dossiers in bulk at the end (fct_integrity_issue's check 4,
-- docs/integrity.md): in a month (calendar, or reporting month ending on the 14th) that the data
-- covers from start to end, the agency's closures per working day in the period's last N
-- working days are at least `rate_ratio` times its closures per working day on the period's
-- other working days. Only agencies that existed the whole period are judged (a commune created
-- on 01/07 has no closures in the first half of the reporting month 15/06-14/07).
-- Kept apart from the per-dossier checks because a month's counts need every dossier the agency
-- closed in it: an incremental publish (warehouse/incremental.py) recomputes the per-dossier checks
-- for the dossiers a load touched, and this table whole.
create or replace table fct_bulk_closure_period as
with as_of as (
    -- the data's date, as dim_period takes it
    select coalesce((select cast(value as date) from meta where key = 'as_of'), current_date) as as_of
),

settings as (
    select
        cast(max(value) filter (setting_key = 'bulk_closure_last_workdays') as integer) as last_workdays,
        max(value) filter (setting_key = 'bulk_closure_rate_ratio') as rate_ratio,
        max(value) filter (setting_key = 'bulk_closure_min_closures') as min_closures
    from ref_integrity_setting
),

dossiers as (
    select agency_code, received_date, end_date from fct_dossier
),

bulk_periods as (
    select p.period_kind as period_basis, p.period_key, p.start_date, p.end_date
    from dim_period as p
    where p.period_kind in ('month', 'rep_month')
      and p.end_date <= (select as_of from as_of)
      and p.start_date >= (select min(received_date) from dossiers)
),

period_workdays as (
    select
        b.period_basis,
        b.period_key,
        d.day,
        row_number() over (partition by b.period_basis, b.period_key order by d.day desc) as from_end,
        count(*) over (partition by b.period_basis, b.period_key) as workdays
    from bulk_periods as b
    join dim_date as d on d.day between b.start_date and b.end_date and d.is_workday
),

windows as (
    select
        b.period_basis,
        b.period_key,
        b.start_date,
        b.end_date,
        min(w.day) as window_start,       -- the first of the last N working days
        any_value(w.workdays) as workdays,
        any_value(s.last_workdays) as last_workdays,
        any_value(s.rate_ratio) as rate_ratio,
        any_value(s.min_closures) as min_closures
    from bulk_periods as b
    join period_workdays as w using (period_basis, period_key)
    cross join settings as s
    where w.from_end <= s.last_workdays
    group by all
),

-- the calendar month and the reporting month (15th to 14th) each closure falls in
closure_periods as (
    select agency_code, end_date, 'month' as period_basis, strftime(end_date, '%Y-%m') as period_key
    from dossiers
    where end_date is not null
    union all
    select agency_code, end_date, 'rep_month',
           strftime(case when day(end_date) >= 15 then end_date + interval 1 month else end_date end, '%Y-%m')
    from dossiers
    where end_date is not null
),

closures as (
    select
        w.period_basis,
        w.period_key,
        c.agency_code,
        count(*) as closures,
        count(*) filter (c.end_date >= w.window_start) as closures_last
    from closure_periods as c
    join windows as w using (period_basis, period_key)
    group by all
),

flagged_periods as (
    select
        c.*,
        w.window_start,
        w.end_date,
        w.workdays,
        w.last_workdays,
        (c.closures_last / w.last_workdays)
            / nullif((c.closures - c.closures_last) / (w.workdays - w.last_workdays), 0) as rate_multiple
    from closures as c
    join windows as w using (period_basis, period_key)
    join dim_agency as a
        on a.agency_code = c.agency_code
       and coalesce(a.valid_from, w.start_date) <= w.start_date
       and coalesce(a.valid_to, w.end_date) >= w.end_date
    where w.workdays > w.last_workdays
      and c.closures_last >= w.min_closures
      and c.closures_last * (w.workdays - w.last_workdays)
          >= w.rate_ratio * w.last_workdays * (c.closures - c.closures_last)
),

final as (
    select * from flagged_periods
)

select * from final
order by period_basis, period_key, agency_code
;
