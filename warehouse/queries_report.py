"""The periodic report of a named period per agency, for the Báo cáo page (docs/report.md).

It reads the summary table `agg_periodic_report` and lists the same agencies as
`queries.report_for_range` (those that existed during the period or had dossiers in it, zeros where
they had none), so that the page's table and the .xlsx office form of the same dates hold the same
rows. Coarser tables on the page (per peer group, per part of the province, the totals row) are sums
of these rows (`warehouse.narrative.rollup`).
"""

from __future__ import annotations

import polars as pl

from warehouse.kpi_sql import metric_columns, sums
from warehouse.metrics import REPORT_COLUMNS

_SUMS = sums(REPORT_COLUMNS, source="c", fill=True)


def agency_report(r, kind: str, key: str) -> pl.DataFrame:
    """One row per agency of the period: peer group, unit, the part of the province it counts in,
    the report columns and the on-time rate (the registry's formula; null without finished dossiers)."""
    return r.query(
        f"""
        with period as (
            select start_date, end_date from dim_period where period_kind = $kind and period_key = $key
        ),
        counts as (
            select * from agg_periodic_report where period_kind = $kind and period_key = $key
        ),
        agencies as (
            select a.agency_code from dim_agency as a, period as p
            where agency_active(a.valid_from, a.valid_to, p.start_date, p.end_date)
            union
            select agency_code from counts
        )
        select x.agency_code, a.agency_name, a.peer_group, g.peer_group_label,
               g.sort_order as peer_group_order, a.unit_label,
               coalesce(m.province_part, 'other') as province_part,
               {_SUMS}, {metric_columns(keys=["on_time_rate"])}
        from agencies as x
        join dim_agency as a using (agency_code)
        join dim_peer_group as g using (peer_group)
        left join dim_unit_membership as m on m.agency_code = x.agency_code and m.unit_level = 'province'
        left join counts as c on c.agency_code = x.agency_code
        group by all
        order by peer_group_order, x.agency_code
        """,
        {"kind": kind, "key": key},
    )
