"""Queries for the drill-down page "Theo địa bàn" (docs/drill.md) that queries_units.py lacks:
what a URL code names (a unit, an agency, a field, a procedure), an agency's row for a period,
unit centroids for the map, and the dossiers of a node.

Figures of units, fields and procedures come from queries_units (summary tables); only
`dossiers` reads fct_dossier, always for one period and one agency or unit, cut at `limit` rows.
A field or procedure code of NO_CODE means "dossiers without one" (a null code in the data).
"""

from __future__ import annotations

import polars as pl

from warehouse.kpi_sql import metric_columns, sums
from warehouse.queries_late import period_dates

LIMIT = 500
NO_CODE = "_"

_SUMS = sums()
_METRIC_COLS = metric_columns()

# TrangThaiHoSo as a citizen-facing office says it (docs/domain.md#status-codes)
STATUS_LABELS = {
    1: "Mới đăng ký", 2: "Đã tiếp nhận", 3: "Từ chối tiếp nhận", 4: "Đang xử lý",
    5: "Yêu cầu bổ sung", 6: "Yêu cầu thực hiện nghĩa vụ tài chính", 7: "Công dân rút hồ sơ",
    8: "Dừng xử lý", 9: "Đã xử lý xong", 10: "Đã trả kết quả",
}
# where a dossier stands in the period (the periodic report's columns)
STATE_LABELS = {
    "early": "Giải quyết trước hạn",
    "on_time": "Giải quyết đúng hạn",
    "late": "Giải quyết trễ hạn",
    "not_due": "Đang giải quyết, trong hạn",
    "overdue": "Đang giải quyết, quá hạn",
}


def _code(code: str | None) -> str | None:
    return None if code == NO_CODE else code


def unit_info(r, hierarchy_version: int, unit_level: str, unit_code: str) -> dict | None:
    """A district or commune of the province the warehouse serves (one that holds an agency), with
    its parent; None for a code the province does not have."""
    rows = r.query(
        """select u.hierarchy_version, u.unit_level, u.unit_code, u.unit_name, u.unit_label,
                  u.parent_code, u.parent_name, u.lat, u.lon
           from dim_unit as u
           where u.hierarchy_version = $version and u.unit_level = $level and u.unit_code = $code
             and exists (select 1 from dim_unit_membership as m
                         where m.hierarchy_version = u.hierarchy_version and m.unit_level = u.unit_level
                           and m.unit_code = u.unit_code)""",
        {"version": hierarchy_version, "level": unit_level, "code": unit_code},
    )
    return rows.row(0, named=True) if rows.height else None


def unit_centroids(r) -> pl.DataFrame:
    """Centroids (lat, lon) of every district and commune that holds an agency of the warehouse."""
    return r.query(
        """select u.hierarchy_version, u.unit_level, u.unit_code, u.unit_label, u.lat, u.lon
           from dim_unit as u
           join (select distinct hierarchy_version, unit_level, unit_code from dim_unit_membership
                 where unit_level <> 'province') as m using (hierarchy_version, unit_level, unit_code)
           where u.lat is not null and u.lon is not null
           order by u.hierarchy_version, u.unit_level, u.unit_code"""
    )


def unit_agencies(r, hierarchy_version: int, unit_level: str, unit_code: str) -> pl.DataFrame:
    """The agencies a unit row is the sum of (dim_unit_membership), by name."""
    return r.query(
        """select a.agency_code, a.agency_name, a.agency_level
           from dim_unit_membership as m
           join dim_agency as a using (agency_code)
           where m.hierarchy_version = $version and m.unit_level = $level and m.unit_code = $code
           order by a.agency_name, a.agency_code""",
        {"version": hierarchy_version, "level": unit_level, "code": unit_code},
    )


def agency_info(r, agency_code: str) -> dict | None:
    """An agency and the units it counts towards below the province (its old district, its old or
    new commune), for the breadcrumb; None for an unknown code."""
    rows = r.query(
        """select a.agency_code, a.agency_name, a.agency_level, a.unit_version, a.unit_code,
                  p.province_part,
                  d.unit_code as district_code, du.unit_name as district_name,
                  c.hierarchy_version as commune_version, c.unit_code as commune_code,
                  cu.unit_name as commune_name
           from dim_agency as a
           left join dim_unit_membership as p
               on p.agency_code = a.agency_code and p.unit_level = 'province'
           left join dim_unit_membership as d
               on d.agency_code = a.agency_code and d.unit_level = 'district'
           left join dim_unit as du
               on du.hierarchy_version = d.hierarchy_version and du.unit_code = d.unit_code
           left join dim_unit_membership as c
               on c.agency_code = a.agency_code and c.unit_level = 'commune'
           left join dim_unit as cu
               on cu.hierarchy_version = c.hierarchy_version and cu.unit_code = c.unit_code
           where a.agency_code = $code
           limit 1""",
        {"code": agency_code},
    )
    return rows.row(0, named=True) if rows.height else None


def agency_node(r, kind: str, key: str, agency_code: str) -> pl.DataFrame:
    """One agency's counts and every registry KPI for a period (no row when it had no report row)."""
    return r.query(
        f"""select agency_code, {_SUMS}, {_METRIC_COLS}
            from agg_periodic_report
            where period_kind = $kind and period_key = $key and agency_code = $code
            group by agency_code""",
        {"kind": kind, "key": key, "code": agency_code},
    )


def field_name(r, field_code: str) -> str | None:
    """The name of a field code (ref_field, else the procedure catalogue); None if no one knows it."""
    from warehouse.queries_units import NO_FIELD

    if field_code == NO_CODE:
        return NO_FIELD
    rows = r.query(
        """select coalesce((select any_value(field_name) from ref_field where field_code = $code),
                           (select any_value(field_name) from dim_procedure where field_code = $code),
                           (select any_value(field_code) from fct_dossier where field_code = $code))
                  as field_name""",
        {"code": field_code},
    )
    return rows["field_name"][0]


def procedure_name(r, procedure_code: str) -> str | None:
    """The name of a procedure code (its code when the catalogue lacks it but dossiers carry it)."""
    if procedure_code == NO_CODE:
        return "Chưa xác định thủ tục"
    rows = r.query(
        """select coalesce((select any_value(procedure_name) from dim_procedure where procedure_code = $code),
                           (select any_value(procedure_code) from fct_dossier where procedure_code = $code))
                  as procedure_name""",
        {"code": procedure_code},
    )
    return rows["procedure_name"][0]


def dossiers(r, kind: str, key: str, agency_code: str | None = None,
             unit: tuple[int, str, str] | None = None, field_code: str | None = None,
             procedure_code: str | None = None, limit: int = LIMIT) -> pl.DataFrame:
    """The dossiers a node's figures count in a period (carried over or newly received: received by
    the period's end and not finished before its start), of one agency or one unit's agencies,
    optionally of one field and one procedure (NO_CODE: without one). Where each stands in the
    period (`period_state`, STATE_LABELS) follows the periodic report's rules: finished by the
    period's end -> its finished class, else judged open on the eval date. Late ones first, then by
    date received. No personal data: fct_dossier carries none."""
    if agency_code is None and unit is None:
        raise ValueError("dossiers needs an agency or a unit")
    version, level, code = unit if unit is not None else (None, None, None)
    # the period's dates bound as constants: the filters on them reach fct_dossier's scan
    dates = period_dates(r, kind, key)
    # and the agencies as a list of values, which the scan filters on before it reads the other columns
    chosen = r.query(
        """select agency_code from dim_agency where agency_code = $agency
           union
           select agency_code from dim_unit_membership
           where unit_level = $level and hierarchy_version = $version and unit_code = $code""",
        {"agency": agency_code, "level": level, "version": version, "code": code},
    )["agency_code"].to_list()
    listed = {f"a{i}": agency for i, agency in enumerate(chosen)}
    in_list = ", ".join(f"${name}" for name in listed) or "null"
    return r.query(
        f"""
        with period as (
            select $start::date as start_date, $end::date as end_date, $eval::date as eval_date
            where $found
        ),
        in_period as (
            select d.*,
                   case when d.end_date is not null and d.end_date <= p.end_date then d.finished_class
                        else open_class(d.due_date, d.status, p.eval_date) end as period_state
            from fct_dossier as d
            cross join period as p
            where d.agency_code in ({in_list})
              and d.received_date <= p.end_date
              and coalesce(d.end_date, date '9999-12-31') >= p.start_date
              and d.received_date <= $end and (d.end_date is null or d.end_date >= $start)
              and ($by_field = false or d.field_code is not distinct from $field)
              and ($by_procedure = false or d.procedure_code is not distinct from $procedure)
        )
        select d.dossier_id, d.agency_code, a.agency_name, d.procedure_code,
               coalesce(pr.procedure_name, d.procedure_code) as procedure_name,
               d.field_code, coalesce(f.field_name, pf.field_name, d.field_code) as field_name,
               d.received_date, d.due_date, d.end_date, d.status, d.period_state,
               d.period_state in ('late', 'overdue') as is_late
        from in_period as d
        join dim_agency as a using (agency_code)
        left join (select procedure_code, any_value(procedure_name) as procedure_name
                   from dim_procedure group by all) as pr using (procedure_code)
        left join ref_field as f on f.field_code = d.field_code
        left join (select field_code, any_value(field_name) as field_name
                   from dim_procedure group by all) as pf on pf.field_code = d.field_code
        order by is_late desc, d.received_date, d.dossier_id
        limit $limit
        """,
        {**dates, **listed,
         "by_field": field_code is not None, "field": _code(field_code),
         "by_procedure": procedure_code is not None, "procedure": _code(procedure_code), "limit": limit},
    )
