"""Named queries of the portal's published Decision 766 scores (fct_published_766) beside ours.

The province among the 34, its departments and communes against the score computed from our
dossiers (agg_score_766), why the two differ (`cause`: the one place the rules are written), and the
running month's early estimate. Each takes a `store.Reader` (or anything with `.query(sql, params)`)
and plain parameters, and returns a polars DataFrame (or a dict); docs/chi_so_766.md explains them.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from warehouse import fmt, queries_published_match
from warehouse.queries_766 import GROUP_COLUMNS

SCOPE_LABELS = {"month": "Tháng", "year_to_date": "Lũy kế năm"}
# the published points have two decimals: a total within this of ours is the same score
TOLERANCE = 0.05
# fewer finished dossiers than this on our side and a timeliness gap: the portal counts dossiers we lack
FEW_DOSSIERS = 10
CAUSES = {
    "unmatched": "Chưa khớp được với cơ quan, đơn vị nào của tỉnh",
    "no_dossiers": "Cổng có chấm điểm nhưng kho dữ liệu không có hồ sơ nào của đơn vị trong kỳ",
    "missing_input": "Phía ta không có dữ liệu đầu vào cho nhóm",
    "window": "Khác khoảng thời gian tính điểm",
    "portal_dossiers": "Cổng tính những hồ sơ mà kho dữ liệu không có",
    "other": "Chưa rõ nguyên nhân",
}


def our_period(scope: str, period_key: str) -> tuple[str, str]:
    """The period of agg_score_766 a published period is compared with: the month itself, or for a
    year to date our whole year (the warehouse has no year-to-date period)."""
    return ("month", period_key) if scope == "month" else ("year", period_key[:4])


def periods(r) -> pl.DataFrame:
    """Every loaded (scope, period_key), newest first: provinces and own agencies published, whether
    any own agency's row is simulated by the demo."""
    return r.query(
        """select scope, period_key,
                  count(*) filter (agency_kind = 'province') as provinces,
                  count(*) filter (is_own_agency) as own_agencies,
                  bool_or(simulated) filter (is_own_agency) as agencies_simulated,
                  bool_or(simulated) filter (agency_kind = 'province') as provinces_simulated
           from fct_published_766
           group by all
           order by scope, period_key desc"""
    )


def province_standing(r, scope: str, period_key: str) -> dict | None:
    """Our province among the provinces published for the period: name, total, the portal's rank,
    how many provinces, the best province and the median total. None when ours is not among them."""
    rows = r.query(
        """with p as (
               select * from fct_published_766
               where scope = $scope and period_key = $key and agency_kind = 'province'
           ),
           best as (select portal_name, total_points from p order by portal_rank, total_points desc limit 1)
           select o.portal_code, o.portal_name, o.total_points, o.portal_rank, o.simulated,
                  (select count(*) from p) as provinces,
                  (select median(total_points) from p) as median_total,
                  b.portal_name as best_name, b.total_points as best_total
           from p as o, best as b
           where o.is_own_province""",
        {"scope": scope, "key": period_key},
    )
    return rows.row(0, named=True) if rows.height else None


def province_groups(r, scope: str, period_key: str) -> pl.DataFrame:
    """The six groups of our province beside the best province (the first of the portal's ranking)
    and the median of the provinces, with each group's maximum (ref_766_group)."""
    parts = " union all ".join(
        f"""select '{c.removeprefix('points_')}' as group_key,
                   any_value({c}) filter (is_own_province) as own_points,
                   arg_min({c}, portal_rank) as best_points,
                   median({c}) as median_points
            from p""" for c in GROUP_COLUMNS)
    return r.query(
        f"""with p as (
                select * from fct_published_766
                where scope = $scope and period_key = $key and agency_kind = 'province'
            ),
            g as ({parts})
            select r.group_key, r.portal_code, r.group_label, r.max_points, g.own_points, g.best_points,
                   g.median_points
            from ref_766_group as r join g using (group_key)
            order by r.sort_order""",
        {"scope": scope, "key": period_key},
    )


def province_trend(r, scope: str) -> pl.DataFrame:
    """Our province's published total and rank over every loaded period of a scope, oldest first."""
    return r.query(
        """select period_key, total_points, portal_rank,
                  (select count(*) from fct_published_766 as q
                   where q.scope = p.scope and q.period_key = p.period_key
                     and q.agency_kind = 'province') as provinces
           from fct_published_766 as p
           where scope = $scope and is_own_province
           order by period_key""",
        {"scope": scope},
    )


def agency_comparison(r, scope: str, period_key: str) -> pl.DataFrame:
    """Every published department and commune of our province for the period (unmatched ones too)
    beside our score: `pub_<col>` and `our_<col>` for the six groups and the total, `diff_<col>` =
    ours − published (null when either is absent), our finished dossiers (the timeliness
    indicator's denominator), whether the windows differ, and the likely cause (`cause`)."""
    kind, key = our_period(scope, period_key)
    cols = [*GROUP_COLUMNS, "total_points"]
    select = ", ".join(f"p.{c} as pub_{c}, s.{c} as our_{c}, s.{c} - p.{c} as diff_{c}" for c in cols)
    frame = r.query(
        f"""with p as (
                select * from fct_published_766
                where scope = $scope and period_key = $key and is_own_agency
            ),
            s as (select * from agg_score_766 where period_kind = $kind and period_key = $our_key),
            finished as (
                select agency_code, sum(denominator)::bigint as our_dossiers
                from agg_score_766_indicator
                where period_kind = $kind and period_key = $our_key and group_key = 'timeliness'
                group by all
            ),
            our_window as (
                -- our period ends at its last day or at the data's date, whichever is first
                select least(d.end_date, (select value from meta where key = 'as_of')::date) as our_until
                from dim_period as d
                where d.period_kind = $kind and d.period_key = $our_key
            )
            select p.agency_kind, p.portal_code, p.portal_name, p.agency_code, a.agency_name, p.match_method,
                   p.simulated, s.agency_code is not null as has_score, {select},
                   f.our_dossiers,
                   last_day(strptime($key || '-01', '%Y-%m-%d')::date) as published_until,
                   w.our_until
            from p
            left join s using (agency_code)
            left join finished as f using (agency_code)
            left join dim_agency as a using (agency_code)
            left join our_window as w on true
            order by abs(s.total_points - p.total_points) desc nulls first, p.agency_kind, p.portal_name""",
        {"scope": scope, "key": period_key, "kind": kind, "our_key": key},
    )
    labels = dict(r.query("select group_key, group_label from ref_766_group order by sort_order").iter_rows())
    causes = [cause(row, labels) for row in frame.iter_rows(named=True)]
    return frame.with_columns(
        pl.Series("window_differs", [_window_differs(row) for row in frame.iter_rows(named=True)],
                  dtype=pl.Boolean),
        pl.Series("cause_code", [c[0] for c in causes], dtype=pl.String),
        pl.Series("cause_text", [c[1] for c in causes], dtype=pl.String),
    )


def _window_differs(row: dict) -> bool:
    until = row.get("our_until")
    return until is not None and until != row["published_until"]


def cause(row: dict, group_labels: dict[str, str]) -> tuple[str | None, str | None]:
    """The likely cause of the gap between our score and the published one, as (code, words): the
    first rule that holds, in the order of CAUSES; (None, None) when the totals agree (within
    TOLERANCE) and no group lacks input on our side. `row` is one row of agency_comparison."""
    if row["agency_code"] is None:
        if row.get("match_method") == "mapping":   # the mapping file says: no counterpart here
            return "unmatched", ("Tệp đối chiếu ghi: không có cơ quan tương ứng "
                                 f"(mã trên Cổng {row['portal_code']})")
        return "unmatched", (f"{CAUSES['unmatched']} (mã trên Cổng {row['portal_code']}): "
                             "thêm một dòng vào tệp đối chiếu rồi nạp lại")
    if not row["has_score"] or row["our_total_points"] is None:
        return "no_dossiers", CAUSES["no_dossiers"]
    missing = [g for g, label in group_labels.items()
               if row[f"our_points_{g}"] is None and row[f"pub_points_{g}"] is not None]
    if missing:
        return "missing_input", "; ".join(
            f"{CAUSES['missing_input']} “{group_labels[g]}” "
            f"(Cổng: {fmt.number(row[f'pub_points_{g}'], 2)} điểm)" for g in missing)
    gap = row["diff_total_points"]
    if gap is None or abs(gap) <= TOLERANCE:
        return None, None
    if _window_differs(row):
        return "window", (f"{CAUSES['window']}: điểm của ta tính đến {fmt.date(row['our_until'])}, "
                          f"Cổng tính đến {fmt.date(row['published_until'])}")
    timely_gap = row["diff_points_timeliness"]
    dossiers = row["our_dossiers"] or 0
    if timely_gap is not None and abs(timely_gap) > TOLERANCE and (timely_gap > 0 or dossiers < FEW_DOSSIERS):
        return "portal_dossiers", (
            f"{CAUSES['portal_dossiers']}: điểm “{group_labels.get('timeliness', 'timeliness')}” của Cổng "
            f"{fmt.number(row['pub_points_timeliness'], 2)}, "
            f"của ta {fmt.number(row['our_points_timeliness'], 2)} "
            f"trên {fmt.number(dossiers)} hồ sơ")
    return "other", f"{CAUSES['other']}: xem từng chỉ tiêu của đơn vị ở trang Cơ quan của tôi"


def running_month(r) -> dict:
    """The running month (the month of the data's date, meta as_of) and the last published month."""
    row = r.query(
        """select (select value from meta where key = 'as_of') as as_of,
                  (select max(period_key) from fct_published_766
                   where scope = 'month' and is_own_agency) as last_published"""
    ).row(0, named=True)
    as_of = dt.date.fromisoformat(row["as_of"][:10]) if row["as_of"] else None
    return {"as_of": as_of, "month": as_of.strftime("%Y-%m") if as_of else None,
            "last_published": row["last_published"]}


def running_estimates(r, month: str, last_published: str | None) -> pl.DataFrame:
    """Our departments and communes: our score so far for the running `month` (the early estimate of
    what the portal will publish), beside the last published month's published score and ours."""
    return r.query(
        """with est as (
               select s.agency_code, s.agency_name, a.agency_level, s.total_points as estimate_total
               from agg_score_766 as s join dim_agency as a using (agency_code)
               where s.period_kind = 'month' and s.period_key = $month
                 and a.agency_level in ('department', 'commune')
           ),
           last_pub as (
               select agency_code, any_value(total_points) as published_total
               from fct_published_766
               where scope = 'month' and period_key = $last and is_own_agency and agency_code is not null
               group by all
           ),
           last_ours as (
               select agency_code, total_points as last_our_total
               from agg_score_766 where period_kind = 'month' and period_key = $last
           )
           select e.*, p.published_total, o.last_our_total,
                  e.estimate_total - p.published_total as change_from_published
           from est as e
           left join last_pub as p using (agency_code)
           left join last_ours as o using (agency_code)
           order by e.agency_level desc, e.estimate_total nulls first, e.agency_name""",
        {"month": month, "last": last_published or ""},
    )


def unmatched_agencies(r) -> pl.DataFrame:
    """The portal's departments and communes of our province that matched no agency of ours, once
    each (queries_published_match.unmatched, by portal code), with the periods they were published in."""
    rows = queries_published_match.unmatched(r)
    return (rows.sort("period_key", descending=True)
            .group_by("portal_code", maintain_order=True)
            .agg(pl.col("portal_name").first(), pl.col("agency_kind").first(),
                 pl.col("period_key").unique().sort().str.join(", ").alias("periods"),
                 pl.col("simulated").any(), pl.col("deliberate").any().alias("mapped_to_none"))
            .sort("agency_kind", "portal_name"))
