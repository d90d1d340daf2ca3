"""Named queries of the Decision 766 index (Bộ chỉ số 766) for the pages.

They read only the summary tables `agg_score_766` (one row per period and agency),
`agg_score_766_indicator` (one row per period, agency and indicator) and the data table of the index
(`ref_766_group`, `ref_766_indicator`, `ref_766_band`). Each takes a `store.Reader` (or anything with
`.query(sql, params)`) and returns a polars DataFrame. Points are full precision; pages round them.
"""

from __future__ import annotations

import polars as pl

# what the status of an indicator means, as users read it
STATUS_LABELS = {
    "scored": "Tính điểm",
    "no_cases": "Không phát sinh: đạt điểm tối đa",
    "no_data": "Không có dữ liệu",
}
GROUP_COLUMNS = ["points_transparency", "points_timeliness", "points_online", "points_payment",
                 "points_digitisation", "points_satisfaction"]
_STATUS_CASE = "case status " + " ".join(f"when '{k}' then '{v}'" for k, v in STATUS_LABELS.items()) + " end"


def groups(r) -> pl.DataFrame:
    """The six groups: key, portal code (as the national portal's exports name them), label, maximum."""
    return r.query("select * from ref_766_group order by sort_order")


def indicators(r) -> pl.DataFrame:
    """Every indicator of the data table with its group, maximum points, threshold and source."""
    return r.query(
        """select g.sort_order as group_order, g.group_label, i.*
           from ref_766_indicator as i join ref_766_group as g using (group_key)
           order by g.sort_order, i.sort_order"""
    )


def score_table(r, kind: str, key: str, peer_group: str) -> pl.DataFrame:
    """Agencies of a peer group for a period, best first: each group's points, the total out of 100,
    the maximum attainable from the inputs present, the points lost and the band.

    Ties share a rank (1, 1, 3); an agency without any input (total null) is listed last, unranked.
    """
    return r.query(
        """
        with scores as (
            select s.*, a.unit_label
            from agg_score_766 as s
            join dim_agency as a using (agency_code)
            where s.period_kind = $kind and s.period_key = $key and s.peer_group = $peer
        )
        select
            *,
            case when total_points is not null
                 then rank() over (partition by total_points is null order by round(total_points, 2) desc) end
                as rank,
            count(total_points) over () as ranked_count,
            median(total_points) over () as peer_median
        from scores
        order by total_points is null, rank, agency_name
        """,
        {"kind": kind, "key": key, "peer": peer_group},
    )


def agency_score(r, kind: str, key: str, agency_code: str) -> dict | None:
    """One agency's row of agg_score_766 for a period, with its rank in its peer group."""
    rows = r.query(
        """
        with peers as (
            select agency_code, total_points,
                   case when total_points is not null then rank() over (
                       partition by total_points is null order by round(total_points, 2) desc) end as rank,
                   count(total_points) over () as ranked_count
            from agg_score_766
            where period_kind = $kind and period_key = $key
              and peer_group = (select peer_group from dim_agency where agency_code = $agency)
        )
        select s.*, p.rank, p.ranked_count
        from agg_score_766 as s
        join peers as p using (agency_code)
        where s.period_kind = $kind and s.period_key = $key and s.agency_code = $agency
        """,
        {"kind": kind, "key": key, "agency": agency_code},
    )
    return rows.row(0, named=True) if rows.height else None


def agency_groups(r, kind: str, key: str, agency_code: str) -> pl.DataFrame:
    """One agency's six groups for a period: points, maximum, maximum attainable, points lost."""
    return r.query(
        """select g.group_key, g.portal_code, g.group_label,
                  sum(i.points) as points,
                  g.max_points,
                  coalesce(sum(i.max_points) filter (i.has_data), 0) as attainable_points,
                  coalesce(sum(i.points_lost), 0) as points_lost,
                  count(*) filter (not i.has_data) as indicators_no_data
           from ref_766_group as g
           join agg_score_766_indicator as i
             on i.group_key = g.group_key
            and i.period_kind = $kind and i.period_key = $key and i.agency_code = $agency
           group by all
           order by any_value(g.sort_order)""",
        {"kind": kind, "key": key, "agency": agency_code},
    )


def agency_indicators(r, kind: str, key: str, agency_code: str) -> pl.DataFrame:
    """One agency's indicators for a period, the points that can be won back first.

    `needed` is how many more dossiers (procedures, PAKN, ratings: the numerator's unit) would have
    to meet the indicator, with the same denominator, for full points: ceil(threshold x denominator)
    - numerator. Indicators without data come last, labelled "Không có dữ liệu".
    """
    return r.query(
        f"""select g.group_label, g.portal_code, d.indicator_label, d.numerator_label, d.denominator_label,
                  i.indicator_key, i.group_key, i.source, i.numerator, i.denominator, i.ratio, i.threshold,
                  i.points, i.max_points, i.points_lost, i.status, {_STATUS_CASE} as status_label,
                  case when i.status = 'scored' and i.points_lost > 0
                       then greatest(0, ceil(i.threshold * i.denominator - target_tolerance())::bigint
                                        - i.numerator) end
                      as needed
           from agg_score_766_indicator as i
           join ref_766_indicator as d using (indicator_key)
           join ref_766_group as g on g.group_key = i.group_key
           where i.period_kind = $kind and i.period_key = $key and i.agency_code = $agency
           order by i.has_data desc, i.points_lost desc, g.sort_order, d.sort_order""",
        {"kind": kind, "key": key, "agency": agency_code},
    )


def score_trend(r, kind: str, agency_code: str) -> pl.DataFrame:
    """One agency's total and group points per period of a kind, oldest first."""
    cols = ", ".join(f"s.{c}" for c in GROUP_COLUMNS)
    return r.query(
        f"""select p.period_key, p.period_label, p.start_date, {cols},
                  s.total_points, s.attainable_points, s.points_lost, s.band_label
           from agg_score_766 as s
           join dim_period as p using (period_kind, period_key)
           where s.period_kind = $kind and s.agency_code = $agency
           order by p.start_date""",
        {"kind": kind, "agency": agency_code},
    )


def peer_group_summary(r, kind: str, key: str) -> pl.DataFrame:
    """Per peer group for a period: agencies scored, the median, lowest and highest total, and the
    average points of each of the six groups (columns `points_<group_key>`)."""
    averages = ", ".join(f"avg({c}) as {c}" for c in GROUP_COLUMNS)
    return r.query(
        f"""
        select s.peer_group, g.peer_group_label, g.sort_order,
               count(s.total_points) as agencies,
               median(s.total_points) as median_total,
               min(s.total_points) as min_total,
               max(s.total_points) as max_total,
               {averages}
        from agg_score_766 as s
        join dim_peer_group as g using (peer_group)
        where s.period_kind = $kind and s.period_key = $key and s.total_points is not null
        group by all
        order by g.sort_order
        """,
        {"kind": kind, "key": key},
    )


def peer_group_groups(r, kind: str, key: str) -> pl.DataFrame:
    """Per peer group and group of the index, over the agencies scored in the period that have input
    for the group: how many, their average points and average maximum attainable (the points of the
    indicators with input), and the group's maximum. A group scored out of what has input: a point
    no agency can have input for (reuse of digitised data) is neither won nor lost. No row for a
    group without input in the whole peer group."""
    return r.query(
        """
        with per_agency as (
            select s.peer_group, i.group_key, s.agency_code,
                   sum(i.points) filter (i.has_data) as points,
                   sum(i.max_points) filter (i.has_data) as attainable
            from agg_score_766 as s
            join agg_score_766_indicator as i using (period_kind, period_key, agency_code)
            where s.period_kind = $kind and s.period_key = $key and s.total_points is not null
            group by all
        )
        select p.peer_group, p.group_key, count(*) as agencies, avg(p.points) as points,
               avg(p.attainable) as attainable_points, any_value(g.max_points) as max_points
        from per_agency as p
        join ref_766_group as g using (group_key)
        where p.attainable > 0
        group by all
        """,
        {"kind": kind, "key": key},
    )


def period_scores(r, kind: str, key: str) -> pl.DataFrame:
    """Every agency scored in a period, by agency code: its name, the six groups' points under the
    portal's codes (ref_766_group.portal_code, in the group order; null = no input for the group),
    the total and the points left unscored for lack of input (`python -m etl score766`)."""
    codes = r.query("select group_key, portal_code from ref_766_group order by sort_order")
    groups_sql = ", ".join(f"sum(i.points) filter (i.group_key = '{g}') as \"{c}\""
                           for g, c in zip(codes["group_key"], codes["portal_code"]))
    return r.query(
        f"""select s.agency_code, s.agency_name, {groups_sql},
                   s.total_points as "TONG_SCORE", s.unscored_points
            from agg_score_766 as s
            join agg_score_766_indicator as i using (period_kind, period_key, agency_code)
            where s.period_kind = $kind and s.period_key = $key
            group by s.agency_code, s.agency_name, s.total_points, s.unscored_points
            order by s.agency_code""",
        {"kind": kind, "key": key},
    )


def has_period(r, kind: str, key: str) -> bool:
    """Whether the warehouse holds this period (dim_period)."""
    return r.query("select count(*) as n from dim_period where period_kind = $kind and period_key = $key",
                   {"kind": kind, "key": key})["n"][0] > 0
