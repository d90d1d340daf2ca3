"""Queries only the projector slides need (pages/trinh_chieu.py); the rest come from queries_targets.

Each function takes a `store.Reader` (or anything with `.query(sql, params)`) and plain values and
returns a polars DataFrame.
"""

from __future__ import annotations

import polars as pl


def missed_targets(r, year: int) -> pl.DataFrame:
    """Agencies (and the province) whose part of the year is over and that missed a target: the
    largest shortfall first, in the KPI's own units (dossiers for a share). The closed year's
    counterpart of queries_targets.at_risk, which lists only years still running."""
    return r.query(
        """select t.*, k.label, k.fmt, k.unit, k.higher_is_better, k.sort_order
           from agg_target_attainment as t
           join dim_kpi as k using (kpi)
           where t.year = $year and t.is_final and not t.is_met
           order by t.scope desc, t.gap_units desc nulls last, k.sort_order, t.agency_name""",
        {"year": year},
    )
