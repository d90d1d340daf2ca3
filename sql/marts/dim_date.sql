-- calendar days with a running count of working days, so working days between two dates are a
-- subtraction. A working day is Monday to Friday, except a day off of the official calendar
-- (dim_official_day 'nghỉ'), plus a weekend day worked in exchange ('làm bù'): docs/calendar.md.
-- The range comes from the data (400 days before the first receipt, 800 after the later of the
-- last receipt and the data's date), never from the day the build runs, unless there is no data
-- at all.
create or replace table dim_date as
with as_of as (
    select max(try_cast(value as date)) as as_of from meta where key = 'as_of'
),

received as (
    select min(received_date) as first_received, max(received_date) as last_received from stg_dossier
),

bounds as (
    select
        coalesce(r.first_received, a.as_of, current_date) - interval 400 day as first_day,
        coalesce(greatest(r.last_received, a.as_of), current_date) + interval 800 day as last_day
    from received as r
    cross join as_of as a
),

days as (
    select cast(unnest(generate_series(first_day, last_day, interval 1 day)) as date) as day
    from bounds
),

flagged as (
    select
        d.day,
        case
            when o.kind = 'nghỉ' then false
            when o.kind = 'làm bù' then true
            else isodow(d.day) <= 5
        end as is_workday
    from days as d
    left join dim_official_day as o on o.day = d.day
),

final as (
    select
        day,
        is_workday,
        sum(is_workday::integer) over (order by day) as workday_index
    from flagged
)

select * from final
order by day
