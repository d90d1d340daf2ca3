"""Properties of the unit roll-ups over random dossier sets on the hand-made province
(tests/units_fixtures.py): every roll-up equals the sum of its parts (province, districts, communes
of either era, the commune series, drill-down children), and any window reconciles with the agency
report.
"""

import datetime as dt

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.units_fixtures import DAY0, dossier_sets, make_unit_warehouse
from warehouse import queries
from warehouse import queries_units as qu
from warehouse.metrics import MEASURES, REPORT_COLUMNS

_SUM_ALL = ", ".join(f"sum({c})::bigint as {c}" for c in MEASURES)


def _mismatches(r, left: str, right: str, keys: str) -> pl.DataFrame:
    """Rows where two relations keyed by `keys` differ in any measure (missing rows count as zero)."""
    diff = " or ".join(f"coalesce(l.{c}, 0) <> coalesce(r.{c}, 0)" for c in MEASURES)
    return r.query(f"select * from ({left}) as l full join ({right}) as r using ({keys}) where {diff}")


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=dossier_sets(), start=st.integers(0, 70), length=st.integers(0, 50))
def test_rollups_equal_the_sum_of_their_parts(tmp_path_factory, rows, start, length):
    r = make_unit_warehouse(tmp_path_factory.mktemp("prop_units"), dossiers=rows)
    try:
        per_period = "period_kind, period_key"
        # province = every agency
        assert _mismatches(
            r, f"select {per_period}, {_SUM_ALL} from agg_periodic_report group by all",
            f"select {per_period}, {_SUM_ALL} from agg_unit_report where unit_level = 'province' "
            "group by all",
            per_period).height == 0
        # province = departments + central + old districts (whole) + new communes + other agencies
        assert _mismatches(
            r, f"""select {per_period}, {_SUM_ALL} from (
                     select a.* from agg_periodic_report a join dim_agency g using (agency_code)
                     where g.peer_group in ('department', 'central', 'unverified')
                     union all by name
                     select * from agg_unit_report
                     where (hierarchy_version = 1 and unit_level = 'district')
                        or (hierarchy_version = 2 and unit_level = 'commune')) group by all""",
            f"select {per_period}, {_SUM_ALL} from agg_unit_report where unit_level = 'province' "
            "group by all",
            per_period).height == 0
        # old district = its own UBND + its communes
        assert _mismatches(
            r, f"""select {per_period}, unit_code, {_SUM_ALL} from (
                     select a.*, g.unit_code from agg_periodic_report a join dim_agency g using (agency_code)
                     where g.agency_level = 'district'
                     union all by name
                     select * exclude (unit_code), parent_code as unit_code from agg_unit_report
                     where hierarchy_version = 1 and unit_level = 'commune') group by all""",
            f"""select {per_period}, unit_code, {_SUM_ALL} from agg_unit_report
                where unit_level = 'district' group by all""",
            f"{per_period}, unit_code").height == 0
        # a commune of either era = its UBND
        assert _mismatches(
            r, f"""select {per_period}, g.unit_version as hierarchy_version, g.unit_code, {_SUM_ALL}
                   from agg_periodic_report a join dim_agency g using (agency_code)
                   where g.agency_level = 'commune' group by all""",
            f"""select {per_period}, hierarchy_version, unit_code, {_SUM_ALL} from agg_unit_report
                where unit_level = 'commune' group by all""",
            f"{per_period}, hierarchy_version, unit_code").height == 0
        # the series loses and adds nothing: new communes + old communes (all of them are mapped)
        assert _mismatches(
            r, f"select {per_period}, {_SUM_ALL} from agg_unit_report where unit_level = 'commune' "
               "group by all",
            f"select {per_period}, {_SUM_ALL} from agg_commune_series group by all",
            per_period).height == 0
        # drill-down: the children of every unit row add up to it (a sample: the month of July)
        july = r.query("select * from agg_unit_report where period_kind = 'month' and period_key = '2025-07'")
        for row in july.iter_rows(named=True):
            kids = qu.unit_children(r, "month", "2025-07", row["hierarchy_version"], row["unit_level"],
                                    row["unit_code"])
            assert {c: kids[c].sum() for c in REPORT_COLUMNS} == {c: row[c] for c in REPORT_COLUMNS}
        # any window: units, parts and fields reconcile with the agency report
        date_from = DAY0 + dt.timedelta(days=start)
        date_to = date_from + dt.timedelta(days=length)
        agency = queries.report_for_range(r, date_from, date_to)
        total = {c: agency[c].sum() for c in REPORT_COLUMNS}
        units = qu.unit_report_for_range(r, date_from, date_to)
        province = units.filter(pl.col("unit_level") == "province")
        assert {c: province[c].sum() for c in REPORT_COLUMNS} == total
        parts = qu.province_parts_for_range(r, date_from, date_to)
        assert {c: parts[c].sum() for c in REPORT_COLUMNS} == total
        fields = qu.field_report_for_range(r, date_from, date_to)
        assert {c: fields[c].sum() for c in REPORT_COLUMNS} == total
        for row in units.iter_rows(named=True):
            assert row["carried_over"] + row["received_new"] == row["finished"] + row["in_progress"]
    finally:
        r.close()
