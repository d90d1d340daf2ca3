-- Rules of fair ranking inside peer groups (docs/targets_rankings.md), in one place.
-- The rule that applies to a KPI and peer group lives in the data table ref_ranking_rule.

-- Wilson score interval of a share k / n at z standard deviations (z = 1.96 for 95%): the lower
-- bound is what the share is "at least" given its volume, so 4/4 (0.51) ranks below 990/1000 (0.98)
create or replace macro wilson_share(k, n) as
    least(greatest(k / n, 0.0), 1.0);

create or replace macro wilson_lower(k, n, z) as
    case when n is null or n <= 0 or k is null then null else (
        wilson_share(k, n) + z * z / (2 * n)
        - z * sqrt(wilson_share(k, n) * (1 - wilson_share(k, n)) / n + z * z / (4 * n * n))
    ) / (1 + z * z / n) end;

-- the upper bound, by symmetry: upper(k, n) = 1 - lower(n - k, n)
create or replace macro wilson_upper(k, n, z) as
    1 - wilson_lower(n - k, n, z);

-- what an agency is ranked on: for a share (bounded KPI) under the 'wilson' method, the pessimistic
-- end of its 95% interval (lower bound when higher is better, upper bound when lower is better);
-- otherwise (method 'raw', or processing days and scores) the value itself
create or replace macro ranking_score(method, bounded, higher_is_better, numerator, denominator, value, z) as
    case
        when value is null then null
        when method = 'wilson' and bounded and higher_is_better then wilson_lower(numerator, denominator, z)
        when method = 'wilson' and bounded then wilson_upper(numerator, denominator, z)
        else value
    end;

-- why an agency is listed but not ranked (null: ranked). unscored / peer_min_unscored: the 766 total's
-- points left unscored for lack of input (docs/inputs.md), the agency's and the least in its peer group
-- (null for other KPIs): a total is compared only with totals scored on the same inputs, so an agency
-- missing an input its peers have is not ranked on it rather than ranked as if it had scored 0
create or replace macro ranking_exclusion(peer_group, dossiers, value, volume, min_volume,
                                          unscored, peer_min_unscored) as
    case
        when peer_group = 'unverified' then 'unverified'              -- not in the agency list yet
        when value is null and coalesce(dossiers, 0) = 0 then 'no_dossiers'
        when value is null then 'no_volume'                            -- dossiers, but none behind this KPI
        when unscored > peer_min_unscored + 1e-9 then 'missing_input'
        when volume < min_volume then 'below_min_volume'
    end;

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
