-- Rankings inside peer groups: for every period, peer group, KPI of the registry (and the 766 total
-- when agg_score_766 exists) and agency, its value and volume, whether it is ranked and why not,
-- its rank (ties share it), the change from the previous period of the same kind, the group's
-- median and the agency's percentile. Fairness rule: ref_ranking_rule (macros/ranking_*.sql).
create or replace table agg_ranking as
with periods as (
    select period_kind, period_key, start_date, end_date from dim_period
),

-- every registry KPI per agency and period: numerator and denominator sums (kpi_long, generated
-- from warehouse/metrics.py); volume = the KPI's denominator. Counts (overdue_count) are not
-- ranked: a count grows with the agency's size, and its rate (late_share) is ranked instead
registry_values as (
    select
        v.period_kind, v.period_key, v.agency_code, v.kpi,
        k.higher_is_better, k.bounded,
        sum(v.numerator) as numerator,
        sum(v.denominator) as denominator,
        sum(v.numerator) / nullif(sum(v.denominator), 0) as value,
        sum(v.denominator) as volume
    from kpi_long('periods') as v
    join dim_kpi as k using (kpi)
    where k.unit <> 'count'
    group by all
),

-- the Decision 766 total (0..100 points), ranked on its value; volume = dossiers received
score_766_values as (
    select
        s.period_kind, s.period_key, s.agency_code, 'score_766' as kpi,
        true as higher_is_better, false as bounded,
        null::double as numerator, null::double as denominator,
        s.total_points::double as value,
        coalesce(r.carried_over + r.received_new, 0)::double as volume,
        s.unscored_points::double as unscored_points
    from agg_score_766 as s
    left join agg_periodic_report as r using (period_kind, period_key, agency_code)
),

metric_values as (
    select * from registry_values
    union all by name select * from score_766_values
),

-- agencies listed in a period: those that existed in it, and any with figures in it
agencies as (
    select p.period_kind, p.period_key, a.agency_code
    from periods as p
    join dim_agency as a on agency_active(a.valid_from, a.valid_to, p.start_date, p.end_date)
    where a.verified
    union
    select period_kind, period_key, agency_code from metric_values
),

kpis as (
    select distinct kpi, higher_is_better, bounded from metric_values
),

-- the rule of each peer group and KPI: the most specific row of ref_ranking_rule
rules as (
    select g.peer_group, k.kpi, r.min_volume, r.method, r.z
    from dim_peer_group as g
    cross join kpis as k
    join ref_ranking_rule as r
        on (r.kpi is null or r.kpi = k.kpi)
       and (r.peer_group is null or r.peer_group = g.peer_group)
    qualify row_number() over (
        partition by g.peer_group, k.kpi
        order by r.kpi is null, r.peer_group is null, r.min_volume desc
    ) = 1
),

candidates as (
    select
        a.period_kind,
        a.period_key,
        d.peer_group,
        k.kpi,
        a.agency_code,
        d.agency_name,
        d.unit_label,
        k.higher_is_better,
        k.bounded,
        coalesce(r.carried_over + r.received_new, 0) as dossiers,   -- all dossiers of the period
        -- ranked unless it ceased before the period began; a unit founded later that has figures in
        -- the period (dossiers moved to it) stays ranked, as it was before the reorganisation rule
        agency_active(null, d.valid_to, p.start_date, p.end_date) as is_active,
        v.numerator,
        v.denominator,
        v.value,
        coalesce(v.volume, 0) as volume,
        u.min_volume,
        case when u.method = 'wilson' and k.bounded then 'wilson' else 'raw' end as score_method,
        ranking_score(u.method, k.bounded, k.higher_is_better, v.numerator, v.denominator, v.value, u.z)
            as score,
        v.unscored_points,
        min(v.unscored_points) filter (v.value is not null) over peers as peer_min_unscored,
        ranking_exclusion(d.peer_group, agency_active(null, d.valid_to, p.start_date, p.end_date),
                          coalesce(r.carried_over + r.received_new, 0), v.value,
                          coalesce(v.volume, 0), u.min_volume, v.unscored_points,
                          min(v.unscored_points) filter (v.value is not null) over peers) as unranked_reason
    from agencies as a
    join periods as p using (period_kind, period_key)
    join dim_agency as d using (agency_code)
    cross join kpis as k
    left join metric_values as v
        on v.period_kind = a.period_kind and v.period_key = a.period_key
       and v.agency_code = a.agency_code and v.kpi = k.kpi
    left join agg_periodic_report as r
        on r.period_kind = a.period_kind and r.period_key = a.period_key and r.agency_code = a.agency_code
    join rules as u on u.peer_group = d.peer_group and u.kpi = k.kpi
    window peers as (partition by a.period_kind, a.period_key, d.peer_group, k.kpi)
),

final as (
    select * from peer_ranking('candidates')
)

select * from final
order by period_kind, period_key, peer_group, kpi, is_ranked desc, rank, agency_code
