"""The KPI registry (warehouse/metrics.py) as SQL, generated at build time so that no KPI is defined twice.

`registry_sql()` is run by `warehouse.build.apply_sql` between the schema layer and the macros layer of
sql/ (warehouse/sql_order.py). It creates

- `dim_kpi`: one row per registry metric (key, label, unit, format, direction, bounded, order);
- the table macro `kpi_long(periods)`: for the periods listed in the relation `periods` (a table or
  CTE name with period_kind and period_key, e.g. 'dim_period'), one row per agency row of each KPI's
  summary table (`Metric.table`: agg_periodic_report, agg_pakn_rating) and registry KPI, with that
  row's numerator and denominator. A KPI over any set of rows is then sum(numerator) /
  sum(denominator), exactly `Metric.sql()` (rates are never averaged). A count KPI has a null
  denominator: its value is sum(numerator);
- the macro `target_tolerance()`: the slack of every target verdict (metrics.TARGET_TOLERANCE), read by
  sql/macros/target_met.sql, so SQL and Python judge a target the same way.

The table macro takes its KPI tables as parameters, so it is bound when it is called and can be created
before those tables.

The query modules build their select lists here too (`sums`, `metric_columns`), so that a column
summed or a KPI computed is written once for every query that reads a summary table.
"""

from __future__ import annotations

from warehouse.metrics import DEFAULT_TABLE, MEASURES, METRICS, TARGET_TOLERANCE, metric_tables, metrics_of


def sums(columns: list[str] = MEASURES, source: str = "", fill: bool = False) -> str:
    """`sum(c)::bigint as c` for each column (of the relation aliased `source`); `fill`: zero, not
    null, where no row matches (a left join's missing counts)."""
    prefix = f"{source}." if source else ""
    if fill:
        return ", ".join(f"coalesce(sum({prefix}{c}), 0)::bigint as {c}" for c in columns)
    return ", ".join(f"sum({prefix}{c})::bigint as {c}" for c in columns)


def metric_columns(table: str = DEFAULT_TABLE, keys: list[str] | None = None, summed: bool = True,
                   rounded: bool = False) -> str:
    """Every registry KPI over `table` (or those named in `keys`) as `expression as key`: over the
    sums of the grouped rows (`summed`) or of one row; `rounded` to the export's digits."""
    metrics = [METRICS[k] for k in keys] if keys else metrics_of(table)
    return ", ".join(f"{m.sql(summed=summed, rounded=rounded)} as {m.key}" for m in metrics)


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def dim_kpi_sql() -> str:
    rows = ",\n        ".join(
        f"({_quote(m.key)}, {_quote(m.label)}, {_quote(m.unit)}, {_quote(m.fmt)}, "
        f"{str(m.higher_is_better).lower()}, {str(m.bounded).lower()}, {i}, {_quote(m.description)})"
        for i, m in enumerate(METRICS.values(), start=1)
    )
    return f"""
create or replace table dim_kpi as
select * from (values
        {rows}
) as t(kpi, label, unit, fmt, higher_is_better, bounded, sort_order, description);
"""


def kpi_long_sql() -> str:
    tables = metric_tables()
    selects = []
    for i, table in enumerate(tables):
        metrics = metrics_of(table)
        parts = ",\n        ".join(
            f"{{'kpi': {_quote(m.key)}, 'numerator': ({m.numerator})::double, "
            f"'denominator': {'null' if m.denominator is None else '(' + m.denominator + ')'}::double}}"
            for m in metrics
        )
        selects.append(
            f"""select t.period_kind, t.period_key, t.agency_code, unnest([
        {parts}
    ], recursive := true)
from query_table(table_{i}) as t
semi join query_table(periods) as p using (period_kind, period_key)"""
        )
    # the summary tables are parameters with defaults: a macro binds a table named in its body when
    # it is created, a parameter only when it is called (the tables do not exist yet at that point)
    params = ", ".join(f"table_{i} := {_quote(table)}" for i, table in enumerate(tables))
    body = "\nunion all by name\n".join(selects)
    return f"""
create or replace macro kpi_long(periods, {params}) as table
{body};
"""


def tolerance_sql() -> str:
    return f"\ncreate or replace macro target_tolerance() as {TARGET_TOLERANCE!r}::double;\n"


def registry_sql() -> str:
    return ("-- generated from warehouse/metrics.py by warehouse/kpi_sql.py\n"
            + dim_kpi_sql() + kpi_long_sql() + tolerance_sql())
