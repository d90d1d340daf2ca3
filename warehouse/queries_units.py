"""Queries over administrative units and fields: roll-ups, drill-down, the series across July 2025.

Roll-up rules (docs/units_report.md, sql/marts/dim_unit_membership.sql):

- the province row holds every agency of the warehouse;
- an old district (hierarchy version 1, until 30/06/2025) holds its own UBND and its communes' UBNDs;
- an old commune (version 1) or a new commune (version 2, from 01/07/2025) holds its UBND(s);
- province = departments + central agencies + old districts + new communes + other agencies
  (unverified, or without a known unit), each agency in exactly one of these parts.

Period functions read the summary tables (`agg_unit_report`, `agg_commune_series`,
`agg_report_detail`); the `*_for_range` functions serve `python -m etl report` for any window and
run the same SQL macros over `fct_dossier`.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from warehouse.kpi_sql import metric_columns, sums
from warehouse.metrics import MEASURES, REPORT_COLUMNS

_SUMS = sums()
_METRIC_COLS = metric_columns()   # the registry's dossier KPIs (over agg_periodic_report's columns)
_REPORT_SUMS = sums(REPORT_COLUMNS)
# the report's rate, rounded as the report exports it
_ON_TIME = metric_columns(keys=["on_time_rate"], rounded=True)

LEVELS = ("province", "district", "commune")

# the parts the province is the sum of (dim_unit_membership.province_part), in report order
PROVINCE_PARTS = {
    "department": "Sở, ban, ngành cấp tỉnh",
    "central": "Cơ quan Trung ương đóng trên địa bàn",
    "district": "Cấp huyện, gồm UBND huyện và các xã (đến 30/06/2025)",
    "commune": "Cấp xã (từ 01/07/2025)",
    "other": "Đơn vị chưa xác định địa bàn",
}

NO_FIELD = "Chưa xác định lĩnh vực"


# ---------------------------------------------------------------- named periods (summary tables)

def unit_report(r, kind: str, key: str, level: str, hierarchy_version: int | None = None,
                parent_code: str | None = None) -> pl.DataFrame:
    """Units of one level for a period (optionally one hierarchy version, or the units of a parent),
    with their counts and every registry KPI. A district row includes its communes."""
    if level not in LEVELS:
        raise ValueError(f"unknown unit level: {level}")
    return r.query(
        f"""select hierarchy_version, unit_level, unit_code, unit_name, unit_label, parent_code,
                   sum(agencies)::bigint as agencies, {_SUMS}, {_METRIC_COLS}
            from agg_unit_report
            where period_kind = $kind and period_key = $key and unit_level = $level
              and ($version is null or hierarchy_version = $version)
              and ($parent is null or parent_code = $parent)
            group by all
            order by hierarchy_version, unit_code""",
        {"kind": kind, "key": key, "level": level, "version": hierarchy_version, "parent": parent_code},
    )


def unit_children(r, kind: str, key: str, hierarchy_version: int | None, unit_level: str,
                  unit_code: str | None) -> pl.DataFrame:
    """What a unit's row is the sum of, for drill-down: `child_kind` 'unit' rows (districts, communes)
    and 'agency' rows (departments, central agencies, a district's own UBND, a commune's UBND).

    - province: departments, central agencies and other agencies (one row each), old districts
      (whole), new communes;
    - old district: its own UBND(s), its communes;
    - commune: its UBND(s).
    """
    return r.query(
        f"""
        with parent_members as (
            select m.agency_code, m.province_part, a.agency_level
            from dim_unit_membership as m
            join dim_agency as a using (agency_code)
            where m.unit_level = $level
              and m.hierarchy_version is not distinct from $version
              and m.unit_code is not distinct from $code
        ),
        -- agencies that count towards the parent directly rather than through a child unit
        direct_agencies as (
            select agency_code from parent_members
            where ($level = 'province' and province_part in ('department', 'central', 'other'))
               or ($level = 'district' and agency_level = 'district')
               or $level = 'commune'
        ),
        agency_rows as (
            select 'agency' as child_kind, a.peer_group, null::tinyint as hierarchy_version,
                   a.agency_level as unit_level, r.agency_code as code, a.agency_name as name,
                   a.agency_name as label, r.* exclude (period_kind, period_key, agency_code)
            from agg_periodic_report as r
            join direct_agencies using (agency_code)
            join dim_agency as a using (agency_code)
            where r.period_kind = $kind and r.period_key = $key
        ),
        unit_rows as (
            select 'unit' as child_kind, null as peer_group, u.hierarchy_version, u.unit_level,
                   u.unit_code as code, u.unit_name as name, u.unit_label as label,
                   u.* exclude (period_kind, period_key, hierarchy_version, unit_level, unit_code, unit_name,
                                unit_label, parent_code, level_order, agencies)
            from agg_unit_report as u
            where u.period_kind = $kind and u.period_key = $key
              and (($level = 'province' and ((u.hierarchy_version = 1 and u.unit_level = 'district')
                                             or (u.hierarchy_version = 2 and u.unit_level = 'commune')))
                   or ($level = 'district' and u.hierarchy_version = 1 and u.unit_level = 'commune'
                       and u.parent_code = $code))
        ),
        children as (
            select * from agency_rows
            union all by name
            select * from unit_rows
        )
        select child_kind, peer_group, hierarchy_version, unit_level, code, name, label,
               {_SUMS}, {_METRIC_COLS}
        from children
        group by all
        order by child_kind, hierarchy_version, unit_level, code
        """,
        {"kind": kind, "key": key, "level": unit_level, "version": hierarchy_version, "code": unit_code},
    )


def _detail_rows(agency_code: str | None, unit: tuple | None) -> tuple[str, dict]:
    """agg_report_detail rows of a period for the province, one agency or one unit's agencies."""
    version, level, code = unit if unit is not None else (None, None, None)
    sql = """
        members as (
            select agency_code from dim_unit_membership
            where unit_level = $level and hierarchy_version is not distinct from $version
              and unit_code is not distinct from $code
        ),
        rows_ as (
            select d.* from agg_report_detail as d
            where d.period_kind = $kind and d.period_key = $key
              and ($agency is null or d.agency_code = $agency)
              and ($level is null or d.agency_code in (select agency_code from members))
        )"""
    return sql, {"agency": agency_code, "level": level, "version": version, "code": code}


def field_report(r, kind: str, key: str, agency_code: str | None = None,
                 unit: tuple[int | None, str, str | None] | None = None) -> pl.DataFrame:
    """Per field for a period: the whole province, one agency (`agency_code`) or one unit
    (`unit` = (hierarchy_version, unit_level, unit_code)). Counts and every registry KPI."""
    rows, params = _detail_rows(agency_code, unit)
    return r.query(
        f"""
        with {rows}
        select d.field_code, {_field_name('d')} as field_name,
               count(distinct d.agency_code) as agencies, {_SUMS}, {_METRIC_COLS}
        from rows_ as d
        left join ref_field as f using (field_code)
        group by all
        order by d.field_code nulls last
        """,
        {"kind": kind, "key": key, **params},
    )


def procedure_report(r, kind: str, key: str, agency_code: str | None = None,
                     unit: tuple[int | None, str, str | None] | None = None,
                     field_code: str | None = None) -> pl.DataFrame:
    """Per procedure for a period (optionally of one field): the whole province, one agency or one
    unit, as `field_report`. Counts and every registry KPI."""
    rows, params = _detail_rows(agency_code, unit)
    return r.query(
        f"""
        with {rows}
        select d.procedure_code, coalesce(p.procedure_name, d.procedure_code) as procedure_name,
               d.field_code, count(distinct d.agency_code) as agencies, {_SUMS}, {_METRIC_COLS}
        from rows_ as d
        left join (select procedure_code, any_value(procedure_name) as procedure_name
                   from dim_procedure group by all) as p using (procedure_code)
        where $field is null or d.field_code = $field
        group by all
        order by d.procedure_code nulls last, d.field_code
        """,
        {"kind": kind, "key": key, "field": field_code, **params},
    )


def commune_series(r, unit_code: str, kind: str = "month") -> pl.DataFrame:
    """One new commune (hierarchy version 2) across 1 July 2025, oldest period first: before the
    reorganisation its figures are those of the old communes that became it (ref_unit_crosswalk);
    `is_approximate` where a split old commune is involved (shown as "ước tính")."""
    return r.query(
        f"""select p.period_key, p.period_label, p.start_date, p.end_date, s.unit_code, s.unit_label,
                   s.is_approximate, s.old_communes,
                   case when s.is_approximate then 'ước tính' end as approximate_label,
                   {_SUMS}, {_METRIC_COLS}
            from agg_commune_series as s
            join dim_period as p using (period_kind, period_key)
            where s.period_kind = $kind and s.unit_code = $code
            group by all
            order by p.start_date""",
        {"kind": kind, "code": unit_code},
    )


def province_unit(r) -> dict | None:
    """The province the warehouse serves: hierarchy_version, unit_code, unit_name (None without units)."""
    rows = r.query(
        """select m.hierarchy_version, m.unit_code, u.unit_name
           from dim_unit_membership as m
           left join dim_unit as u using (hierarchy_version, unit_code)
           where m.unit_level = 'province' limit 1"""
    )
    return rows.row(0, named=True) if rows.height else None


def agency_groups(r) -> pl.DataFrame:
    """Every agency with its peer group (and label, sort order), unit label and province part."""
    return r.query(
        """select a.agency_code, a.agency_name, a.agency_level, a.peer_group, g.peer_group_label,
                  g.sort_order as peer_group_order, a.unit_version, a.unit_code, a.unit_label,
                  a.district_code, m.province_part
           from dim_agency as a
           join dim_peer_group as g using (peer_group)
           left join dim_unit_membership as m on m.agency_code = a.agency_code and m.unit_level = 'province'
           order by g.sort_order, a.agency_code"""
    )


# ---------------------------------------------------------------- any window (python -m etl report)

def _field_name(alias: str) -> str:
    return (f"coalesce(f.field_name, (select any_value(p.field_name) from dim_procedure as p "
            f"where p.field_code = {alias}.field_code), {alias}.field_code, '{NO_FIELD}')")


# the window and the agencies of queries.report_for_range: agencies that existed in it or had dossiers
_WINDOW = """
    window_ as (
        select 'range' as period_kind, 'range' as period_key,
               $from::date as start_date, $to::date as end_date,
               least($to::date, coalesce((select cast(value as date) from meta where key = 'as_of'),
                                         current_date)) as eval_date
    ),
    detail as (
        select * from periodic_report('window_')
    ),
    counts as (
        select agency_code,
               sum(columns(* exclude (period_kind, period_key, agency_code, field_code, procedure_code)))
        from detail group by agency_code
    ),
    agencies as (
        select agency_code from dim_agency
        where agency_active(valid_from, valid_to, $from::date, $to::date)
        union
        select agency_code from counts
    ),
    filled as (
        select 'range' as period_kind, 'range' as period_key, a.agency_code,
               {filled}
        from agencies as a
        left join counts as c using (agency_code)
    )"""


def _window(columns: list[str] = MEASURES) -> str:
    return _WINDOW.format(filled=", ".join(f"coalesce(c.{m}, 0)::bigint as {m}" for m in columns))


def _range(date_from: dt.date, date_to: dt.date) -> dict:
    return {"from": date_from, "to": date_to}


def unit_report_for_range(r, date_from: dt.date, date_to: dt.date) -> pl.DataFrame:
    """Every unit row (province, old districts, old and new communes) for a window, each the sum
    of the agencies of `queries.report_for_range` it holds (agencies without dossiers count zero)."""
    return r.query(
        f"""with {_window()},
            units as (select * from unit_rollup('filled'))
            select u.hierarchy_version, u.unit_level, u.unit_code, u.unit_name, u.unit_label, u.parent_code,
                   p.unit_name as parent_name, any_value(u.level_order) as level_order,
                   sum(u.agencies)::bigint as agencies, {_REPORT_SUMS}, {_ON_TIME}
            from units as u
            left join dim_unit as p
                on p.hierarchy_version = u.hierarchy_version and p.unit_code = u.parent_code
            group by all
            order by level_order, hierarchy_version, unit_code""",
        _range(date_from, date_to),
    )


def commune_series_for_range(r, date_from: dt.date, date_to: dt.date) -> pl.DataFrame:
    """New communes for a window, with the figures of the old communes that became them
    (kpi/commune_series.sql); `is_approximate` where a split old commune is involved."""
    return r.query(
        f"""with {_window()},
            units as (select * from unit_rollup('filled')),
            series as (select * from commune_series('units'))
            select unit_code, unit_name, unit_label, parent_code, is_approximate, old_communes,
                   {_REPORT_SUMS}, {_ON_TIME}
            from series
            group by all
            order by unit_code""",
        _range(date_from, date_to),
    )


def province_parts_for_range(r, date_from: dt.date, date_to: dt.date) -> pl.DataFrame:
    """The province for a window as the sum of its parts (PROVINCE_PARTS), one row per part present."""
    frame = r.query(
        f"""with {_window()}
            select m.province_part, count(*) as agencies, {_REPORT_SUMS}, {_ON_TIME}
            from filled
            join dim_unit_membership as m using (agency_code)
            where m.unit_level = 'province'
            group by all""",
        _range(date_from, date_to),
    )
    order = {p: i for i, p in enumerate(PROVINCE_PARTS)}
    return (
        frame.with_columns(
            pl.col("province_part").replace_strict(PROVINCE_PARTS, default=None).alias("part_label"),
            pl.col("province_part").replace_strict(order, default=len(order)).alias("_order"),
        )
        .sort("_order")
        .drop("_order")
    )


def field_report_for_range(r, date_from: dt.date, date_to: dt.date,
                           by_peer_group: bool = False) -> pl.DataFrame:
    """Per field for a window, the whole province (or per peer group of agencies with
    `by_peer_group`). Fields with no dossier in the window are not listed."""
    group = "a.peer_group, " if by_peer_group else ""
    return r.query(
        f"""with {_window()}
            select {group}d.field_code, {_field_name('d')} as field_name,
                   count(distinct d.agency_code) as agencies, {_REPORT_SUMS}, {_ON_TIME}
            from detail as d
            join dim_agency as a using (agency_code)
            left join ref_field as f using (field_code)
            group by all
            order by {group}d.field_code nulls last""",
        _range(date_from, date_to),
    )
