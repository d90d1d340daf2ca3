"""Named, parameterised queries: the only place the app, the CLI and the tests read the warehouse.

Each function takes a `store.Reader` (or anything with `.query(sql, params)`) and plain values,
and returns a polars DataFrame. Pages read the summary tables (`agg_*`, `dim_*`); only the
report for an arbitrary date range runs over `fct_dossier`.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from warehouse.kpi_sql import metric_columns, sums
from warehouse.metrics import REPORT_COLUMNS, metric_tables

PERIOD_KINDS = {
    "year": "Năm",
    "half": "6 tháng",
    "quarter": "Quý",
    "month": "Tháng",
    "rep_year": "Kỳ báo cáo năm (15/12–14/12)",
    "rep_half": "Kỳ báo cáo 6 tháng",
    "rep_quarter": "Kỳ báo cáo quý",
    "rep_month": "Kỳ báo cáo tháng (15–14)",
}

_SUMS = sums()
_METRIC_COLS = metric_columns()


def _other_table_metrics(r, kind: str, key: str | None = None) -> list[pl.DataFrame]:
    """The registry KPIs kept in other summary tables than agg_periodic_report (PAKN, ratings), per
    period_key of a kind (or for one period); one frame per table."""
    frames = []
    for table in metric_tables()[1:]:
        cols = metric_columns(table)
        frames.append(r.query(
            f"""select period_key, {cols} from {table}
                where period_kind = $kind and ($key is null or period_key = $key) group by period_key""",
            {"kind": kind, "key": key},
        ))
    return frames


def meta(r) -> dict[str, str]:
    rows = r.query("select key, value from meta")
    return dict(zip(rows["key"].to_list(), rows["value"].to_list()))


def periods(r, kind: str) -> pl.DataFrame:
    return r.query(
        """select period_key, period_label, start_date, end_date, eval_date, year
           from dim_period where period_kind = ? order by start_date desc""",
        [kind],
    )


def period(r, kind: str, key: str) -> dict | None:
    rows = r.query(
        "select * from dim_period where period_kind = ? and period_key = ?", [kind, key]
    )
    return rows.row(0, named=True) if rows.height else None


_WINDOW = """
    window_ as (
        select 'range' as period_kind, 'range' as period_key,
               $from::date as start_date, $to::date as end_date,
               least($to::date, coalesce((select cast(value as date) from meta where key = 'as_of'),
                                         current_date)) as eval_date
    )"""

# the periodic report's rules over the dossiers themselves (any warehouse)
_COUNTS_FROM_DOSSIERS = """
    counts as (
        select agency_code,
               sum(columns(* exclude (period_kind, period_key, agency_code, field_code, procedure_code)))
        from periodic_report('window_') group by agency_code
    )"""

# the same counts from the daily table (sql/kpi/agg_dossier_day.sql): received or finished in the window
# are sums over its days; carried over = received before the window minus finished before it; in
# progress = received by its end minus finished by it; the overdue ones are judged as the rules
# (open_class) judge them, from fct_dossier_late, which holds every dossier that can be overdue.
# Valid when no dossier ends before it was received (fct_dossier_irregular empty).
_COUNTS_FROM_DAYS = """
    days as (
        select d.agency_code,
               coalesce(sum(received_new) filter (day < w.start_date), 0)
                   - coalesce(sum(finished) filter (day < w.start_date), 0) as carried_over,
               coalesce(sum(received_new) filter (day >= w.start_date), 0) as received_new,
               coalesce(sum(received_online) filter (day >= w.start_date), 0) as received_online,
               coalesce(sum(received_direct) filter (day >= w.start_date), 0) as received_direct,
               coalesce(sum(received_postal) filter (day >= w.start_date), 0) as received_postal,
               coalesce(sum(finished) filter (day >= w.start_date), 0) as finished,
               coalesce(sum(finished_early) filter (day >= w.start_date), 0) as finished_early,
               coalesce(sum(finished_on_time) filter (day >= w.start_date), 0) as finished_on_time,
               coalesce(sum(finished_late) filter (day >= w.start_date), 0) as finished_late,
               coalesce(sum(received_new), 0) - coalesce(sum(finished), 0) as in_progress
        from agg_dossier_day as d cross join window_ as w
        where d.day <= w.end_date
        group by d.agency_code
    ),
    overdue as (
        select d.agency_code, count(*) as in_progress_overdue
        from fct_dossier_late as d cross join window_ as w
        where d.received_date <= w.end_date
          and coalesce(d.end_date, date '9999-12-31') >= w.start_date
          and not (d.end_date is not null and d.end_date <= w.end_date)
          and open_class(d.due_date, d.status, w.eval_date) = 'overdue'
        group by d.agency_code
    ),
    counts as (
        select days.*, days.in_progress - coalesce(o.in_progress_overdue, 0) as in_progress_not_due,
               coalesce(o.in_progress_overdue, 0) as in_progress_overdue
        from days left join overdue as o using (agency_code)
        where days.carried_over + days.received_new > 0
    )"""


def _has_table(r, name: str) -> bool:
    return r.query("select count(*) as n from duckdb_tables() where table_name = $t", {"t": name})["n"][0] > 0


def _has_daily_counts(r) -> bool:
    """Whether this warehouse has the daily table and no dossier that makes it inexact."""
    tables = r.query("select count(*) as n from duckdb_tables() where table_name in "
                     "('agg_dossier_day', 'fct_dossier_late', 'fct_dossier_irregular')")["n"][0]
    return tables == 3 and r.query("select count(*) as n from fct_dossier_irregular")["n"][0] == 0


def report_for_range(r, date_from: dt.date, date_to: dt.date, from_days: bool | None = None) -> pl.DataFrame:
    """The periodic report for any window, one row per agency that existed in it or had dossiers.
    From the daily counts where the warehouse allows it (`from_days` None), else over the dossiers."""
    cols = ", ".join(f"coalesce(r.{c}, 0)::bigint as {c}" for c in REPORT_COLUMNS)
    if from_days is None:
        from_days = _has_daily_counts(r)
    counts = _COUNTS_FROM_DAYS if from_days else _COUNTS_FROM_DOSSIERS
    return r.query(
        f"""
        with {_WINDOW},
        {counts},
        agencies as (
            select agency_code from dim_agency
            where agency_active(valid_from, valid_to, $from::date, $to::date)
            union
            select agency_code from counts
        )
        select a.agency_code, d.agency_name, {cols},
               {metric_columns(keys=["on_time_rate"], summed=False, rounded=True)}
        from agencies as a
        join dim_agency as d using (agency_code)
        left join counts as r using (agency_code)
        order by a.agency_code
        """,
        {"from": date_from, "to": date_to},
    )


def province_summary(r, kind: str, key: str) -> pl.DataFrame:
    """One row: the province's totals and every registry KPI for a period."""
    summary = r.query(
        f"""select count(distinct agency_code) as agencies, {_SUMS}, {_METRIC_COLS}
            from agg_periodic_report where period_kind = ? and period_key = ?""",
        [kind, key],
    )
    for other in _other_table_metrics(r, kind, key):
        values = other.drop("period_key")
        if values.height == 0:
            values = pl.DataFrame({c: [None] for c in values.columns}, schema=values.schema)
        summary = pl.concat([summary, values], how="horizontal")
    return summary


def province_trend(r, kind: str = "month") -> pl.DataFrame:
    """The province per period of a kind, oldest first: volumes and every registry KPI."""
    trend = r.query(
        f"""select p.period_key, p.period_label, p.start_date, {_SUMS}, {_METRIC_COLS}
            from agg_periodic_report as a
            join dim_period as p using (period_kind, period_key)
            where a.period_kind = ?
            group by all order by p.start_date""",
        [kind],
    )
    for other in _other_table_metrics(r, kind):
        trend = trend.join(other, on="period_key", how="left", maintain_order="left")
    return trend


def province_targets(r, year: int) -> pl.DataFrame:
    """Targets of the province as a whole for a year."""
    return r.query(
        """select kpi, comparator, target_value from ref_plan_target
           where year = ? and agency_level = 'province' and agency_code is null""",
        [year],
    )


def level_targets(r, year: int) -> pl.DataFrame:
    return r.query(
        """select agency_level, kpi, comparator, target_value from ref_plan_target
           where year = ? and agency_code is null""",
        [year],
    )


def peer_groups(r, kind: str, key: str) -> pl.DataFrame:
    """Peer groups with agencies active in the period."""
    return r.query(
        """select g.peer_group, g.peer_group_label, count(distinct a.agency_code) as agencies
           from agg_periodic_report as r
           join dim_agency as a using (agency_code)
           join dim_peer_group as g using (peer_group)
           where r.period_kind = ? and r.period_key = ?
           group by all order by min(g.sort_order)""",
        [kind, key],
    )


def load_log(r) -> pl.DataFrame:
    return r.query("select * from load_log order by started_at desc")


def warehouse_counts(r) -> pl.DataFrame:
    return r.query(
        """select
             (select count(*) from raw_dossier) as dossiers,
             (select count(*) from fct_dossier) as counted_dossiers,
             (select count(*) from dim_agency) as agencies,
             (select count(*) from dim_agency where not verified) as unverified_agencies,
             (select count(*) from dim_procedure) as procedures,
             (select max(received_date) from fct_dossier) as last_received,
             (select count(*) from ref_unit) as units"""
    )


def province_name(r, province_code: str | None) -> str | None:
    if not province_code:
        return None
    rows = r.query(
        "select unit_name from dim_unit where unit_level = 'province' and unit_code = ? "
        "order by hierarchy_version desc limit 1",
        [province_code],
    )
    return rows["unit_name"][0] if rows.height else None


def quarantine_reasons(r) -> pl.DataFrame:
    return r.query(
        """select q.kind, q.reason, count(*) as records, count(distinct q.source_file) as files,
                  max(l.started_at) as last_seen
           from quarantine q left join load_log l using (load_id)
           group by all order by records desc"""
    )


def quarantine_rows(r, reason: str | None = None, limit: int = 500) -> pl.DataFrame:
    return r.query(
        """select q.source_file, q.source_row, q.record_key, q.field, q.value, q.reason, l.started_at
           from quarantine q left join load_log l using (load_id)
           where $reason is null or q.reason = $reason
           order by l.started_at desc, q.source_file, q.source_row
           limit $limit""",
        {"reason": reason, "limit": limit},
    )


def unverified_codes(r) -> pl.DataFrame:
    """Agencies and procedures seen in dossiers but not in the reference lists, and dossier codes named
    by a loaded apology slip but not in the warehouse (the slip is kept and counts once its dossier is
    loaded, docs/late.md; until then it counts nowhere, so the data page shows it)."""
    return r.query(
        """select 'Cơ quan, đơn vị' as kind, a.agency_code as code, a.agency_name as name,
                  count(d.dossier_id) as dossiers
           from dim_agency a left join fct_dossier d using (agency_code)
           where not a.verified group by all
           union all
           select 'Thủ tục hành chính', p.procedure_code, p.procedure_name, count(d.dossier_id)
           from dim_procedure p left join fct_dossier d using (procedure_code)
           where not p.verified group by all
           union all
           select 'Phiếu xin lỗi của hồ sơ chưa có trong kho', s.dossier_id, min(s.source_file), 0
           from raw_apology_slip s anti join raw_dossier d using (dossier_id)
           group by all
           order by kind, dossiers desc, code"""
    )


def freshness(r) -> pl.DataFrame:
    """Per agency: the newest dossier received and how many days before the data's date that was."""
    # from the daily counts where the warehouse has them (the same figures, without reading every dossier)
    daily = _has_table(r, "agg_dossier_day")
    source = ("(select agency_code, day as received_date, received_new as n from agg_dossier_day "
              "where received_new > 0)" if daily
              else "(select agency_code, received_date, 1 as n from fct_dossier)")
    return r.query(
        f"""with as_of as (
               select coalesce((select cast(value as date) from meta where key = 'as_of'), current_date) as d
           )
           select a.agency_name, a.agency_code, g.peer_group_label,
                  max(f.received_date) as last_received,
                  (select d from as_of) - max(f.received_date) as days_since,
                  coalesce(sum(f.n) filter (where f.received_date > (select d from as_of) - 30), 0)::bigint
                      as received_last_30_days
           from {source} as f
           join dim_agency a using (agency_code)
           join dim_peer_group g using (peer_group)
           where a.valid_to is null or a.valid_to >= (select d from as_of)
           group by all
           order by days_since desc, a.agency_name"""
    )
