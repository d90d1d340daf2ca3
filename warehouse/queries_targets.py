"""Plan-target attainment and peer-group rankings: named queries over agg_target_attainment and
agg_ranking (methods: docs/targets_rankings.md).

Each function takes a `store.Reader` (or anything with `.query(sql, params)`) and plain values and
returns a polars DataFrame (or a dict for one row).
"""

from __future__ import annotations

import polars as pl

from warehouse.metrics import SCORE_766 as _SCORE_766_METRIC

SCORE_766 = _SCORE_766_METRIC.key            # the 766 score's key in agg_ranking
SCORE_766_LABEL = _SCORE_766_METRIC.label

# why an agency is listed but not ranked (agg_ranking.unranked_reason), as users read it
UNRANKED_REASONS = {
    "below_min_volume": "Chưa đủ số hồ sơ tối thiểu",
    "no_volume": "Không có hồ sơ tính chỉ số",
    "no_dossiers": "Không có hồ sơ trong kỳ",
    "unverified": "Đơn vị chưa xác minh",
    "missing_input": "Không có dữ liệu cho một số chỉ tiêu mà các đơn vị cùng nhóm có",
    "not_active": "Đơn vị đã thôi hoạt động trước kỳ này",
}

_RANKING_DERIVED = ("is_ranked", "rank", "ranked_count", "peer_median", "peer_value", "percentile",
                    "previous_rank", "previous_value", "rank_change", "value_change")


def _one(frame: pl.DataFrame) -> dict | None:
    return frame.row(0, named=True) if frame.height else None


# --- plan targets --------------------------------------------------------------------------------------

def attainment(r, year: int, agency_code: str | None = None) -> pl.DataFrame:
    """Every KPI with a target for one agency (or, without `agency_code`, the province as a whole)
    in a year: the target that applies, value so far, met, gap, year-end projection, at risk."""
    return r.query(
        """select t.*, k.label, k.fmt, k.unit, k.higher_is_better, k.sort_order
           from agg_target_attainment as t
           join dim_kpi as k using (kpi)
           where t.year = $year
             and (($agency is null and t.scope = 'province') or t.agency_code = $agency)
           order by k.sort_order""",
        {"year": year, "agency": agency_code},
    )


def at_risk(r, year: int, peer_group: str | None = None, kpi: str | None = None) -> pl.DataFrame:
    """Agencies (and the province) whose year-end projection misses a target: the largest
    year-end shortfall first, in the KPI's own units (dossiers for a share)."""
    return r.query(
        """select t.*, k.label, k.fmt, k.unit, k.higher_is_better, k.sort_order
           from agg_target_attainment as t
           join dim_kpi as k using (kpi)
           where t.year = $year and t.is_at_risk
             and ($peer is null or t.peer_group = $peer)
             and ($kpi is null or t.kpi = $kpi)
           order by t.scope desc, t.year_end_gap_units desc nulls last, k.sort_order, t.agency_name""",
        {"year": year, "peer": peer_group, "kpi": kpi},
    )


# --- rankings ------------------------------------------------------------------------------------------

def ranking_kpis(r) -> pl.DataFrame:
    """The KPIs the ranking table holds, in the registry's order; the 766 total last when built."""
    return r.query(
        f"""with present as (select distinct kpi from agg_ranking)
            select k.kpi, k.label, k.fmt, k.higher_is_better, k.bounded, k.sort_order
            from dim_kpi as k semi join present using (kpi)
            union all
            select '{SCORE_766}', '{SCORE_766_LABEL}', 'score', true, false, 1000
            from present where kpi = '{SCORE_766}'
            order by sort_order"""
    )


def ranking_peer_groups(r, kind: str, key: str) -> pl.DataFrame:
    """Peer groups of a period with at least one agency that has figures in it, with how many
    agencies each lists (those without dossiers included) and how many existed in the period. Groups
    of agencies that all ceased before the period (the districts after 30/06/2025) come last: a
    period's views lead with the units that existed in it."""
    return r.query(
        """select g.peer_group, g.peer_group_label, count(distinct a.agency_code) as agencies,
                  count(distinct a.agency_code) filter (where a.dossiers > 0 or a.value is not null)
                      as agencies_with_figures,
                  count(distinct a.agency_code) filter (where a.is_active) as agencies_active
           from agg_ranking as a
           join dim_peer_group as g using (peer_group)
           where a.period_kind = ? and a.period_key = ?
           group by all
           having count(*) filter (where a.dossiers > 0 or a.value is not null) > 0
           order by count(*) filter (where a.is_active) = 0, min(g.sort_order)""",
        [kind, key],
    )


def ranking_rule(r, peer_group: str, kpi: str) -> dict | None:
    """The rule of ref_ranking_rule that applies to a peer group and KPI (the most specific row)."""
    return _one(r.query(
        """select min_volume, method, z, note,
                  kpi is not null as is_kpi_specific, peer_group is not null as is_group_specific
           from ref_ranking_rule
           where (kpi is null or kpi = $kpi) and (peer_group is null or peer_group = $peer)
           order by kpi is null, peer_group is null, min_volume desc
           limit 1""",
        {"kpi": kpi, "peer": peer_group},
    ))


def ranking(r, kind: str, key: str, peer_group: str, kpi: str, min_volume: int | None = None) -> pl.DataFrame:
    """Agencies of a peer group for a period and KPI, ranked ones first by rank.

    Without `min_volume` this is agg_ranking as built under ref_ranking_rule. With it, eligibility is
    recomputed for that minimum (the same score, exclusion rule and ranking macro as the build), for
    the period and the one before it, so the change in rank compares like with like.
    """
    if min_volume is None:
        source = """
        ranked as (
            select * from agg_ranking
            where period_kind = $kind and period_key = $key and peer_group = $peer and kpi = $kpi
        )"""
    else:
        source = f"""
        two_periods as (
            select period_key from dim_period
            where period_kind = $kind
              and start_date <= (select start_date from dim_period
                                 where period_kind = $kind and period_key = $key)
            order by start_date desc
            limit 2
        ),
        candidates as (
            select * exclude ({", ".join(_RANKING_DERIVED)}, unranked_reason, min_volume),
                   $min_volume::integer as min_volume,
                   ranking_exclusion(peer_group, is_active, dossiers, value, volume, $min_volume,
                                     unscored_points, peer_min_unscored) as unranked_reason
            from agg_ranking
            where period_kind = $kind and peer_group = $peer and kpi = $kpi
              and period_key in (select period_key from two_periods)
        ),
        ranked as (
            select * from peer_ranking('candidates') where period_key = $key
        )"""
    params = {"kind": kind, "key": key, "peer": peer_group, "kpi": kpi}
    if min_volume is not None:
        params["min_volume"] = int(min_volume)
    return r.query(
        f"""
        with {source}
        select x.*, p.finished, p.finished_late
        from ranked as x
        left join agg_periodic_report as p using (period_kind, period_key, agency_code)
        order by x.is_ranked desc, x.rank, x.agency_name
        """,
        params,
    )


def agency_rankings(r, kind: str, key: str, agency_code: str) -> pl.DataFrame:
    """One agency's place in its peer group on every KPI for a period."""
    return r.query(
        """select a.*, coalesce(k.label, ?) as label, k.sort_order
           from agg_ranking as a left join dim_kpi as k using (kpi)
           where a.period_kind = ? and a.period_key = ? and a.agency_code = ?
           order by coalesce(k.sort_order, 1000)""",
        [SCORE_766_LABEL, kind, key, agency_code],
    )


def ranking_all_groups(r, kind: str, key: str, kpi: str) -> pl.DataFrame:
    """The ranking of every peer group of a period for a KPI (`ranking`), stacked in peer-group order
    with each row's `peer_group_label` (the projector's ranking and late slides). Agencies that did
    not exist in the period (ceased before it began) are left out: they are never ranked, and a view
    of the period does not name them."""
    groups = ranking_peer_groups(r, kind, key)
    frames = [
        ranking(r, kind, key, group, kpi).filter(pl.col("is_active"))
        .with_columns(pl.lit(label).alias("peer_group_label"))
        for group, label in groups.select("peer_group", "peer_group_label").iter_rows()
    ]
    frames = [f for f in frames if f.height]
    if not frames:
        return pl.DataFrame(schema={"peer_group_label": pl.String, "is_ranked": pl.Boolean,
                                    "finished_late": pl.Int64})
    return pl.concat(frames, how="vertical_relaxed")


WEAKEST_KPI = "on_time_rate"


def weakest(r, kind: str, key: str, limit: int | None = None) -> pl.DataFrame:
    """THE weakest agencies of a period, the one list the ranking page's bottom, the A4 brief, the
    drafted paragraph and the slides name: agencies ranked on the on-time rate in their peer group
    (`ranking`: the rule of ref_ranking_rule, its minimum volume, the Wilson bound, never an agency
    that had ceased before the period), with late dossiers, lowest ranking score first (the score
    orders each peer group's ranking, so every group's list keeps its bottom-of-table order), then
    more late dossiers, then name. Columns of `ranking`, plus `on_time_rate` (= value)."""
    rows = ranking_all_groups(r, kind, key, WEAKEST_KPI)
    if rows.height == 0 or "score" not in rows.columns:
        return rows.with_columns(pl.lit(None, pl.Float64).alias(WEAKEST_KPI)).head(0)
    chosen = (rows.filter(pl.col("is_ranked") & (pl.col("finished_late") > 0))
              .sort(["score", "finished_late", "agency_name"], descending=[False, True, False])
              .with_columns(pl.col("value").alias(WEAKEST_KPI)))
    return chosen if limit is None else chosen.head(limit)
