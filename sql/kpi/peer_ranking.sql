-- Ranks a relation of candidates: one row per period, peer group, KPI and agency with at least
-- value, numerator, denominator, score, higher_is_better and unranked_reason (null = eligible),
-- and no columns named like the ones it adds (is_ranked, rank, ...).
-- Ties (equal scores to 9 decimals) share a rank and leave a gap (1, 1, 3). percentile = the share
-- of the other ranked peers that are not strictly ahead: 1 - (rank - 1) / (n - 1), 1 when alone.
-- The change is against the previous period of the same kind (dim_period), same peer group and KPI.
create or replace macro peer_ranking(candidates) as table
with input_ as (
    select *, unranked_reason is null as is_ranked
    from query_table(candidates)
),

ranked as (
    select
        *,
        case when is_ranked then rank() over (
            partition by period_kind, period_key, peer_group, kpi, is_ranked
            order by case when higher_is_better then -round(score, 9) else round(score, 9) end
        ) end as rank,
        count(*) filter (where is_ranked) over peers as ranked_count,
        median(value) filter (where is_ranked) over peers as peer_median,
        -- the peer group's own rate: sums of every member, never an average of rates
        sum(numerator) over peers / nullif(sum(denominator) over peers, 0) as peer_value
    from input_
    window peers as (partition by period_kind, period_key, peer_group, kpi)
),

with_percentile as (
    select
        *,
        case when is_ranked then
            case when ranked_count = 1 then 1.0 else 1.0 - (rank - 1) / (ranked_count - 1) end
        end as percentile
    from ranked
),

previous_periods as (
    select
        period_kind,
        period_key,
        lag(period_key) over (partition by period_kind order by start_date) as previous_key
    from dim_period
),

final as (
    select
        c.*,
        p.rank as previous_rank,
        p.value as previous_value,
        p.rank - c.rank as rank_change,          -- positive: moved up
        c.value - p.value as value_change
    from with_percentile as c
    left join previous_periods as pp
        on pp.period_kind = c.period_kind and pp.period_key = c.period_key
    left join with_percentile as p
        on p.period_kind = c.period_kind
       and p.period_key = pp.previous_key
       and p.peer_group = c.peer_group
       and p.kpi = c.kpi
       and p.agency_code = c.agency_code
)

select * from final;
