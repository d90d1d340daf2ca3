"""Queries of the reporting-integrity checks (page "Trung thực số liệu").

Counts come from `agg_integrity` (period x agency x check); lists of dossiers from
`fct_integrity_issue`, filtered to one agency and one check. Each function takes a `store.Reader`
(or anything with `.query(sql, params)`) and plain values, and returns a polars DataFrame.
Quarantined records whose agency could not be told are listed under UNKNOWN_AGENCY.
"""

from __future__ import annotations

import polars as pl

UNKNOWN_AGENCY = "?"
UNKNOWN_AGENCY_LABEL = "Không xác định được đơn vị"

# an issue belongs to a period when its date falls in it; bulk closures found on calendar months
# count in calendar periods, those found on reporting months (15th to 14th) in reporting periods
_IN_PERIOD = """
    i.event_date between p.start_date and p.end_date
    and (i.period_basis is null
         or i.period_basis = case when p.period_kind like 'rep\\_%' escape '\\' then 'rep_month'
                                  else 'month' end)
"""


def checks(r) -> pl.DataFrame:
    """The catalogue: key, labels, severity, description, in display order."""
    return r.query("select * from dim_integrity_check order by sort_order")


def settings(r) -> dict[str, float]:
    rows = r.query("select setting_key, value from ref_integrity_setting")
    return dict(zip(rows["setting_key"].to_list(), rows["value"].to_list()))


def inputs_loaded(r) -> dict[str, int]:
    """How much of what some checks need is in the warehouse (0: the check cannot find anything)."""
    counted = r.query("select count(*) as n from duckdb_tables() "
                      "where table_name = 'agg_integrity_inputs'")["n"][0]
    row = r.query(
        "select * from agg_integrity_inputs" if counted else
        """select (select count(*) from raw_dossier_step) as steps,
                  (select count(distinct dossier_id) from raw_dossier_history) as history_dossiers,
                  (select count(*) from quarantine) as quarantined"""
    ).row(0, named=True)
    return {k: int(v or 0) for k, v in row.items()}


def integrity_totals(r, kind: str, key: str) -> pl.DataFrame:
    """Per check, in catalogue order: issues in the period and how many agencies they concern."""
    return r.query(
        """select c.check_key, c.label, c.short_label, c.severity, c.severity_label, c.description,
                  coalesce(sum(a.issues), 0)::bigint as issues,
                  count(distinct coalesce(a.agency_code, $unknown)) filter (where a.issues > 0) as agencies
           from dim_integrity_check as c
           left join agg_integrity as a
               on a.check_key = c.check_key and a.period_kind = $kind and a.period_key = $key
           group by all
           order by min(c.sort_order)""",
        {"kind": kind, "key": key, "unknown": UNKNOWN_AGENCY},
    )


def integrity_counts(r, kind: str, key: str, peer_group: str | None = None) -> pl.DataFrame:
    """One row per agency with at least one issue in the period: its name, peer group, dossiers
    finished in the period, one column of issues per check (catalogue order) and `total`, the sum
    over the checks of severity high and medium plus quarantined records (late_department, a
    diagnosis rather than a fault, stays out). Ordered by serious issues, then total."""
    catalogue = checks(r)
    long = r.query(
        """with issues as (
               select coalesce(agency_code, $unknown) as agency_code, check_key, sum(issues)::bigint as issues
               from agg_integrity
               where period_kind = $kind and period_key = $key
               group by all
           ),
           volumes as (
               select agency_code, sum(finished)::bigint as finished,
                      sum(received_new)::bigint as received_new
               from agg_periodic_report
               where period_kind = $kind and period_key = $key
               group by all
           )
           select i.agency_code,
                  coalesce(a.agency_name, $unknown_label) as agency_name,
                  a.peer_group,
                  coalesce(g.peer_group_label, '') as peer_group_label,
                  coalesce(v.finished, 0) as finished,
                  coalesce(v.received_new, 0) as received_new,
                  i.check_key,
                  i.issues
           from issues as i
           left join dim_agency as a using (agency_code)
           left join dim_peer_group as g using (peer_group)
           left join volumes as v using (agency_code)
           where $peer is null or a.peer_group = $peer""",
        {"kind": kind, "key": key, "unknown": UNKNOWN_AGENCY, "unknown_label": UNKNOWN_AGENCY_LABEL,
         "peer": peer_group},
    )
    keys = catalogue["check_key"].to_list()
    base = ["agency_code", "agency_name", "peer_group", "peer_group_label", "finished", "received_new"]
    if long.height == 0:
        return pl.DataFrame(schema={**{c: long.schema[c] for c in base}, **{k: pl.Int64 for k in keys},
                                    "serious": pl.Int64, "total": pl.Int64})
    wide = long.pivot(on="check_key", index=base, values="issues")
    wide = wide.with_columns([pl.col(k).fill_null(0).cast(pl.Int64) if k in wide.columns
                              else pl.lit(0, dtype=pl.Int64).alias(k) for k in keys])
    serious = catalogue.filter(pl.col("severity") == "high")["check_key"].to_list()
    counted = [k for k in keys if k != "late_department"]
    return (
        wide.select(base + keys)
        .with_columns(pl.sum_horizontal(serious).alias("serious"), pl.sum_horizontal(counted).alias("total"))
        .filter(pl.col("total") + pl.col("late_department") > 0)
        .sort(["serious", "total", "agency_name"], descending=[True, True, False])
    )


def integrity_issues(r, kind: str, key: str, agency_code: str, check_key: str,
                     limit: int = 2000) -> pl.DataFrame:
    """The dossiers (or loaded records) of one agency behind one check in a period, with the
    procedure, dates, the department that held the dossier when it was late, and why."""
    return r.query(
        f"""select i.dossier_id, i.record_ref, i.procedure_code,
                   coalesce(pr.procedure_name, i.procedure_code) as procedure_name,
                   i.received_date, i.due_date, i.end_date, i.event_date,
                   i.department, i.held_days, i.explanation, i.source_file, i.source_row
            from fct_integrity_issue as i
            join dim_period as p on p.period_kind = $kind and p.period_key = $key
            left join dim_procedure as pr using (procedure_code)
            where {_IN_PERIOD}
              and i.check_key = $check
              and coalesce(i.agency_code, $unknown) = $agency
            order by i.event_date, i.dossier_id, i.source_file, i.source_row
            limit $limit""",
        {"kind": kind, "key": key, "check": check_key, "agency": agency_code, "unknown": UNKNOWN_AGENCY,
         "limit": limit},
    )


def late_departments(r, kind: str, key: str, agency_code: str | None = None) -> pl.DataFrame:
    """Late dossiers with processing steps in a period, per department that held them (null: no
    step added delay), for one agency or the whole province; most first."""
    return r.query(
        f"""select i.department, count(*) as dossiers, sum(i.held_days)::bigint as held_days
            from fct_integrity_issue as i
            join dim_period as p on p.period_kind = $kind and p.period_key = $key
            where {_IN_PERIOD}
              and i.check_key = 'late_department'
              and ($agency is null or coalesce(i.agency_code, $unknown) = $agency)
            group by all
            order by dossiers desc, i.department nulls last""",
        {"kind": kind, "key": key, "agency": agency_code, "unknown": UNKNOWN_AGENCY},
    )
