"""What the "Cơ quan của tôi" page needs beyond the target, ranking, 766, unit and late queries:
the list of agencies to pick from, one agency's counts for a period, and who took over the area
of an agency that ended (the old districts and communes after 01/07/2025).

Each function takes a `store.Reader` (or anything with `.query(sql, params)`) and plain values and
returns a polars DataFrame.
"""

from __future__ import annotations

import polars as pl

from warehouse.metrics import MEASURES

_COUNTS = ", ".join(f"r.{c}" for c in MEASURES)


def agencies(r) -> pl.DataFrame:
    """Every agency, ended ones included (a link to an old commune must still open it), in peer-group
    order then by name, with its unit (to tell apart the many communes of one name) and validity."""
    return r.query(
        """select a.agency_code, a.agency_name, a.agency_level, a.peer_group, g.peer_group_label,
                  g.sort_order as peer_group_order, a.unit_label, a.valid_from, a.valid_to, a.verified
           from dim_agency as a
           join dim_peer_group as g using (peer_group)
           order by g.sort_order, a.agency_name collate vi, a.agency_code"""
    )


def has_dossiers(r) -> bool:
    """Whether the warehouse holds any dossier at all (an empty one still has agencies and periods)."""
    return bool(r.query(
        "select exists (select 1 from agg_periodic_report where carried_over + received_new > 0) as any_"
    ).item())


def agency_report(r, kind: str, key: str, agency_code: str) -> pl.DataFrame:
    """The agency's row of the periodic report for a period (no row: it had no dossiers then)."""
    return r.query(
        f"""select r.agency_code, {_COUNTS}
            from agg_periodic_report as r
            where r.period_kind = $kind and r.period_key = $key and r.agency_code = $agency""",
        {"kind": kind, "key": key, "agency": agency_code},
    )


def successors(r, agency_code: str) -> pl.DataFrame:
    """The new communes' UBNDs (from 01/07/2025) whose area took in an old commune's or an old
    district's communes (ref_unit_crosswalk), by name; empty for any other agency."""
    return r.query(
        """with me as (
               select * from dim_agency where agency_code = $agency and unit_version = 1
           ),
           old_communes as (
               select u.unit_code
               from dim_unit as u join me
                 on u.hierarchy_version = 1 and u.unit_level = 'commune'
                and ((me.agency_level = 'commune' and u.unit_code = me.unit_code)
                     or (me.agency_level = 'district' and u.parent_code = me.unit_code))
           ),
           new_communes as (
               select distinct x.new_commune_code as unit_code
               from ref_unit_crosswalk as x join old_communes as o on o.unit_code = x.old_commune_code
           )
           select a.agency_code, a.agency_name, a.unit_label
           from dim_agency as a join new_communes as n on a.unit_version = 2 and a.unit_code = n.unit_code
           order by a.agency_name collate vi, a.agency_code""",
        {"agency": agency_code},
    )


def ceased(r, agency_code: str) -> dict | None:
    """For an agency that had ended by the data's date (dim_agency_successor): how the pages name it,
    the agency that took over its dossiers (successor_display, null when unknown), and its dossiers
    not handed over: still open on the data's date (and overdue then), or finished after it ended.
    None for an agency still in existence (or a build without dim_agency_successor)."""
    found = r.query("select count(*) as n from duckdb_tables() where table_name = 'dim_agency_successor'")
    if not found["n"][0]:
        return None
    rows = r.query(
        """with as_of as (
               select coalesce((select cast(value as date) from meta where key = 'as_of'),
                               current_date) as as_of
           )
           select s.agency_code, s.agency_display, s.ended_on, s.successor_agency_code, s.successor_display,
                  a.as_of,
                  count(d.dossier_id) filter (where d.end_date is null) as still_open,
                  count(d.dossier_id) filter (where d.end_date is null
                                               and open_class(d.due_date, d.status, a.as_of) = 'overdue')
                      as still_overdue,
                  count(d.dossier_id) filter (where d.end_date is not null) as finished_after
           from dim_agency_successor as s
           cross join as_of as a
           left join fct_dossier as d
               on d.agency_code = s.agency_code and (d.end_date is null or d.end_date > s.ended_on)
           where s.agency_code = $agency and s.ended_on < a.as_of
           group by all""",
        {"agency": agency_code},
    )
    return rows.row(0, named=True) if rows.height else None


def last_period(r, kind: str, until) -> dict | None:
    """The latest period of a kind that began on or before `until` (an ended agency's last day), as
    its dim_period row; None when none did."""
    rows = r.query(
        """select period_key, period_label, start_date, end_date, eval_date, year from dim_period
           where period_kind = $kind and start_date <= $until order by start_date desc limit 1""",
        {"kind": kind, "until": until},
    )
    return rows.row(0, named=True) if rows.height else None
