-- the official calendar in force (docs/calendar.md): the days that change the Monday-to-Friday
-- rule. ref_calendar_package (the `holidays` package, refilled by warehouse/official_calendar.py at every
-- build) with the loaded override laid over it: an override row wins for its day.
-- kind 'nghỉ' = a day off, 'làm bù' = a day worked; source 'package' or 'override'
create or replace table dim_official_day as
with package as (
    select day, kind, name from ref_calendar_package
),

override as (
    select day, kind, name from ref_calendar_override
),

final as (
    select day, kind, name, 'package' as source
    from package
    where day not in (select day from override)
    union all
    select day, kind, name, 'override' as source
    from override
)

select * from final
order by day
