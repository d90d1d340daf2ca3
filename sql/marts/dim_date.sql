-- calendar days with a running count of working days (Monday to Friday, not a holiday in
-- ref_holiday), so working days between two dates are a subtraction
create or replace table dim_date as
with bounds as (
    select
        coalesce(min(received_date), current_date) - interval 400 day as first_day,
        greatest(coalesce(max(received_date), current_date), current_date) + interval 800 day as last_day
    from stg_dossier
),

days as (
    select cast(unnest(generate_series(first_day, last_day, interval 1 day)) as date) as day
    from bounds
),

flagged as (
    select
        d.day,
        isodow(d.day) <= 5 and h.holiday is null as is_workday
    from days as d
    left join ref_holiday as h on h.holiday = d.day
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
