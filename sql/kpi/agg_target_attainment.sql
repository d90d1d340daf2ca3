-- Plan-target attainment per year, agency and KPI with a target, and for the province as a whole:
-- the target that applies (an agency's own row overrides its level's default), the value so far
-- this year, met or not, the gap in dossiers, and a year-end projection flagged at risk when it
-- misses. A count KPI (overdue_count: "at most N late dossiers") is the count itself, projected at
-- its pace so far. Method: docs/targets_rankings.md.
create or replace table agg_target_attainment as
with as_of as (
    -- the data's date, as dim_period uses it
    select coalesce((select cast(value as date) from meta where key = 'as_of'), current_date) as as_of
),

years as (
    select year, start_date, end_date from dim_period where period_kind = 'year'
),

targets as (
    select t.*, k.unit = 'count' as is_count from ref_plan_target as t join dim_kpi as k using (kpi)
),

-- the value so far: the year's rows of the KPI's summary table (= the sum of its months up to the
-- data's date for counts; right for the carried-over stock of the 766 ratio too)
year_periods as (
    select period_kind, period_key from dim_period where period_kind = 'year'
),

year_by_agency as (
    select cast(period_key as integer) as year, agency_code, kpi,
           sum(numerator) as numerator, sum(denominator) as denominator
    from kpi_long('year_periods')
    group by all
),

year_values as (
    select * from year_by_agency
    union all
    select year, null, kpi, sum(numerator), sum(denominator) from year_by_agency group by all
),

-- agencies of a year: those that existed in it or had figures in it
agency_years as (
    select y.year, a.agency_code
    from years as y
    join dim_agency as a on agency_active(a.valid_from, a.valid_to, y.start_date, y.end_date)
    union
    select year, agency_code from year_by_agency
),

-- the part of the year the agency existed (districts until 30/06/2025, new communes from 01/07/2025)
agencies as (
    select
        ay.year,
        a.agency_code,
        a.agency_name,
        a.agency_level,
        a.peer_group,
        greatest(y.start_date, coalesce(a.valid_from, y.start_date)) as clipped_from,
        least(y.end_date, coalesce(a.valid_to, y.end_date)) as clipped_to,
        y.start_date,
        y.end_date
    from agency_years as ay
    join years as y using (year)
    join dim_agency as a using (agency_code)
),

-- the target that applies: the agency's own row, else its level's default
agency_targets as (
    select
        'agency' as scope,
        a.year,
        a.agency_code,
        a.agency_name,
        a.agency_level,
        a.peer_group,
        -- dossiers outside the agency's validity: judge it on the whole year
        case when a.clipped_from <= a.clipped_to then a.clipped_from else a.start_date end as active_from,
        case when a.clipped_from <= a.clipped_to then a.clipped_to else a.end_date end as active_to,
        t.kpi,
        t.is_count,
        t.comparator,
        t.target_value,
        t.agency_code is not null as is_agency_specific
    from agencies as a
    join targets as t
        on t.year = a.year
       and (t.agency_code = a.agency_code or (t.agency_code is null and t.agency_level = a.agency_level))
    qualify row_number() over (
        partition by a.year, a.agency_code, t.kpi
        order by t.agency_code is null, t.target_value
    ) = 1
),

-- agency_level 'province' = the province as a whole, the whole year
province_targets as (
    select
        'province' as scope,
        y.year,
        null::varchar as agency_code,
        'Toàn tỉnh' as agency_name,
        'province' as agency_level,
        null::varchar as peer_group,
        y.start_date as active_from,
        y.end_date as active_to,
        t.kpi,
        t.is_count,
        t.comparator,
        t.target_value,
        false as is_agency_specific
    from years as y
    join targets as t on t.year = y.year and t.agency_level = 'province' and t.agency_code is null
    qualify row_number() over (partition by y.year, t.kpi order by t.target_value) = 1
),

all_targets as (
    select * from agency_targets
    union all
    select * from province_targets
),

-- the recent pace: the last three calendar months up to the data's date (the current month so far
-- and the two before it)
recent_periods as (
    select p.period_kind, p.period_key
    from dim_period as p
    cross join as_of
    where p.period_kind = 'month'
      and p.start_date >= date_trunc('month', as_of.as_of) - interval 2 month
),

recent_by_agency as (
    select agency_code, kpi, sum(numerator) as numerator, sum(denominator) as denominator
    from kpi_long('recent_periods')
    group by all
),

recent_values as (
    select * from recent_by_agency
    union all
    select null, kpi, sum(numerator), sum(denominator) from recent_by_agency group by all
),

measured as (
    select
        t.*,
        coalesce(v.numerator, 0) as numerator,
        case when not t.is_count then coalesce(v.denominator, 0) end as denominator,
        -- a count is its numerator (null: no figures for the agency this year, as for a share)
        case when t.is_count then v.numerator else v.numerator / nullif(v.denominator, 0) end as value,
        coalesce(rv.numerator / nullif(rv.denominator, 0), v.numerator / nullif(v.denominator, 0))
            as recent_value,
        -- days of the agency's part of the year elapsed by the data's date, and still to come
        greatest(0, least(o.as_of, t.active_to) - t.active_from + 1) as elapsed_days,
        greatest(0, t.active_to - greatest(o.as_of, t.active_from - 1)) as remaining_days
    from all_targets as t
    cross join as_of as o
    left join year_values as v
        on v.year = t.year and v.agency_code is not distinct from t.agency_code and v.kpi = t.kpi
    left join recent_values as rv
        on rv.agency_code is not distinct from t.agency_code and rv.kpi = t.kpi
),

-- year-end projection: the denominator runs on at its pace so far (linear run-rate to the end of
-- the agency's year), and the rest of the year performs at the recent three months' rate. A count
-- runs on at its own pace so far: a month's count holds the dossiers still overdue at its end, which
-- the next month counts again, so recent months would overstate its pace. Whole dossiers: a count's
-- projection is rounded, so 3 late in 273 days do not become "4,01" by 31/12
projected as (
    select
        *,
        case when elapsed_days > 0 then denominator * remaining_days / elapsed_days end
            as remaining_denominator,
        case when is_count and value is not null and elapsed_days > 0
             then round(numerator * remaining_days / elapsed_days) end as remaining_count
    from measured
),

computed as (
    select
        scope,
        year,
        agency_code,
        agency_name,
        agency_level,
        peer_group,
        kpi,
        is_count,
        comparator,
        target_value,
        is_agency_specific,
        active_from,
        active_to,
        elapsed_days,
        remaining_days,
        remaining_days = 0 as is_final,
        numerator,
        denominator,
        value,
        target_met(comparator, value, target_value) as is_met,
        case when is_count then case when value is not null then target_gap(comparator, target_value, numerator, 1) end
             else target_gap(comparator, target_value, numerator, denominator) end as gap_units,
        recent_value,
        remaining_denominator,
        case when is_count then numerator + coalesce(remaining_count, 0)
             else numerator + coalesce(recent_value * remaining_denominator, 0) end as projected_numerator,
        denominator + coalesce(remaining_denominator, 0) as projected_denominator,
        case when is_count then case when value is not null then numerator + coalesce(remaining_count, 0) end
             else (numerator + coalesce(recent_value * remaining_denominator, 0))
                  / nullif(denominator + coalesce(remaining_denominator, 0), 0) end as projected_value,
        -- what the rest of the year must average for the year to end on target (a floor: at least
        -- this; a ceiling: at most this; above 1 or below 0: out of reach at this volume). For a
        -- count, how many the rest of the year may still add (a ceiling: at most this many more late
        -- dossiers; below 0: already over) or must still add (a floor)
        case when is_count then case when value is not null and remaining_days > 0 then target_value - numerator end
             else (target_value * (denominator + remaining_denominator) - numerator)
                  / nullif(remaining_denominator, 0) end as required_remaining_value,
        -- units to turn good beyond the projection for the year to end on target
        case when is_count then case when value is not null
                                     then target_gap(comparator, target_value, numerator + coalesce(remaining_count, 0), 1) end
             else target_gap(comparator, target_value,
                             numerator + coalesce(recent_value * remaining_denominator, 0),
                             denominator + coalesce(remaining_denominator, 0)) end as year_end_gap_units
    from projected
),

final as (
    select
        *,
        target_met(comparator, projected_value, target_value) as is_projected_met,
        coalesce(remaining_days > 0 and not target_met(comparator, projected_value, target_value), false)
            as is_at_risk
    from computed
)

select * from final
order by year, scope, agency_code, kpi
