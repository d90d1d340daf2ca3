"""Property tests: for any generated dossier set the report reconciles and rates stay in 0..1."""

import datetime as dt

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import make_warehouse
from warehouse import queries
from warehouse.metrics import METRICS, REPORT_COLUMNS

DAY0 = dt.date(2025, 1, 1)


@st.composite
def dossiers(draw):
    n = draw(st.integers(min_value=0, max_value=40))
    rows = []
    for i in range(n):
        received = DAY0 + dt.timedelta(days=draw(st.integers(0, 120)))
        due = (None if draw(st.booleans()) and draw(st.booleans())
               else received + dt.timedelta(days=draw(st.integers(0, 20))))
        status = draw(st.sampled_from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]))
        finished = None
        if status in (7, 9, 10) or (status == 8 and draw(st.booleans())):
            finished = received + dt.timedelta(days=draw(st.integers(0, 40)))
        rows.append(dict(
            dossier_id=f"P{i}", agency_code=draw(st.sampled_from(["A", "B"])), procedure_code="P1",
            field_code="F1", channel=draw(st.sampled_from([1, 2, 3])), status=status,
            received_at=None if status == 1 else dt.datetime.combine(received, dt.time(9)),
            due_at=None if due is None else dt.datetime.combine(due, dt.time(17)),
            finished_at=None if finished is None else dt.datetime.combine(finished, dt.time(10)),
            returned_at=None, refused_at=None, supplement_count=draw(st.integers(0, 3)),
            has_fee=draw(st.booleans()), paid_online=draw(st.sampled_from([None, 1, 2])),
            digitised=draw(st.booleans()), electronic_result=draw(st.booleans()),
            apology_issued=draw(st.booleans()),
        ))
    return rows


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=dossiers(), start=st.integers(0, 100), length=st.integers(0, 60))
def test_report_reconciles_for_any_dossiers_and_window(tmp_path_factory, rows, start, length):
    reader = make_warehouse(tmp_path_factory.mktemp("prop"), rows, as_of="2025-12-31")
    try:
        date_from = DAY0 + dt.timedelta(days=start)
        date_to = date_from + dt.timedelta(days=length)
        report = queries.report_for_range(reader, date_from, date_to)
        for r in report.iter_rows(named=True):
            assert r["carried_over"] + r["received_new"] == r["finished"] + r["in_progress"]
            assert r["finished"] == r["finished_early"] + r["finished_on_time"] + r["finished_late"]
            assert r["in_progress"] == r["in_progress_not_due"] + r["in_progress_overdue"]
            assert r["received_new"] == r["received_online"] + r["received_direct"] + r["received_postal"]
            assert r["on_time_rate"] is None or 0 <= r["on_time_rate"] <= 1
        # new dossiers are exactly the counted ones received in the window
        counted = [d for d in rows if d["status"] not in (1, 3)
                   and date_from <= d["received_at"].date() <= date_to]
        assert report["received_new"].sum() == len(counted)
        # the finest grain (agency, field, procedure) sums to the agency table
        mismatch = reader.query(
            """select * from (select period_kind, period_key, agency_code, sum(finished) f,
                                     sum(in_progress) i, sum(carried_over) c, sum(finished_workdays) w
                              from agg_report_detail group by all) d
               full join (select period_kind, period_key, agency_code, finished f, in_progress i,
                                 carried_over c, finished_workdays w from agg_periodic_report) a
               using (period_kind, period_key, agency_code)
               where d.f is distinct from a.f or d.i is distinct from a.i or d.c is distinct from a.c
                  or d.w is distinct from a.w"""
        )
        assert mismatch.height == 0
        # the province's monthly summary adds up from the agencies' and every KPI is a fraction
        agg = reader.query("select * from agg_periodic_report where period_kind = 'month'")
        for key, group in agg.group_by("period_key"):
            summary = queries.province_summary(reader, "month", key[0]).row(0, named=True)
            for col in REPORT_COLUMNS:
                assert summary[col] == group[col].sum()
            for m, metric in METRICS.items():
                assert summary[m] is None or 0 <= summary[m] <= (1 if metric.bounded else 1e9), m
    finally:
        reader.close()
