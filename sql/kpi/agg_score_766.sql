-- The Decision 766 score per period and agency: each group's points, the total out of 100, the
-- maximum attainable from the inputs present, the points lost (what can be won back) and a band.
-- A group whose indicators all lack input has null points ("không có dữ liệu"), not zero.
-- The six group columns follow ref_766_group's keys; the total sums every indicator of the table.
create or replace table agg_score_766 as
with indicators as (
    select * from agg_score_766_indicator
),

totals as (
    select
        period_kind,
        period_key,
        agency_code,
        sum(points) filter (group_key = 'transparency') as points_transparency,
        sum(points) filter (group_key = 'timeliness') as points_timeliness,
        sum(points) filter (group_key = 'online') as points_online,
        sum(points) filter (group_key = 'payment') as points_payment,
        sum(points) filter (group_key = 'digitisation') as points_digitisation,
        sum(points) filter (group_key = 'satisfaction') as points_satisfaction,
        sum(points) as total_points,
        sum(max_points) as max_points,                                   -- 100 with the seeded table
        coalesce(sum(max_points) filter (has_data), 0) as attainable_points,
        -- points left unscored for lack of input ("không có dữ liệu"): total + lost + unscored = maximum
        coalesce(sum(max_points) filter (not has_data), 0) as unscored_points,
        coalesce(sum(points_lost), 0) as points_lost,
        count(*) filter (not has_data) as indicators_no_data,
        count(*) as indicators
    from indicators
    group by all
),

banded as (
    select
        t.*,
        b.band_key,
        b.band_label
    from totals as t
    left join ref_766_band as b
        on t.total_points >= b.min_points
    qualify row_number() over (partition by t.period_kind, t.period_key, t.agency_code
                               order by b.min_points desc nulls last) = 1
),

final as (
    select
        b.period_kind,
        b.period_key,
        b.agency_code,
        a.agency_name,
        a.peer_group,
        b.* exclude (period_kind, period_key, agency_code),
        -- the total as a share of what the present inputs allow (for agencies missing an input)
        100.0 * b.total_points / nullif(b.attainable_points, 0) as score_of_attainable
    from banded as b
    left join dim_agency as a using (agency_code)
)

select * from final
order by period_kind, period_key, agency_code
