"""The shortcuts that keep pages fast at 10 million dossiers give the same answers as the rules.

report_for_range from the daily counts (agg_dossier_day + fct_dossier_late) against the periodic
report macro over fct_dossier; the late-dossier slice against fct_dossier; freshness against a direct
count; a dossier that ends before it was received sends the report back to the dossiers.
"""

import datetime as dt

import polars as pl

from tests.conftest import dossier
from warehouse import queries, store

D = dt.date
WINDOWS = [(D(2025, 1, 1), D(2025, 12, 31)), (D(2025, 10, 1), D(2025, 10, 31)),
           (D(2024, 1, 1), D(2026, 11, 23)), (D(2025, 6, 15), D(2025, 7, 14)),
           (D(2026, 11, 1), D(2026, 12, 31)), (D(2026, 3, 5), D(2026, 3, 5)),
           (D(2023, 1, 1), D(2023, 12, 31))]


def test_report_from_daily_counts_equals_report_over_dossiers(demo_dir):
    r = store.Reader(demo_dir)
    try:
        assert queries._has_daily_counts(r)
        for date_from, date_to in WINDOWS:
            fast = queries.report_for_range(r, date_from, date_to, from_days=True)
            rules = queries.report_for_range(r, date_from, date_to, from_days=False)
            assert fast.equals(rules), (date_from, date_to)
        year = queries.report_for_range(r, D(2025, 1, 1), D(2025, 12, 31))
        assert year["in_progress_overdue"].sum() > 0 and year["carried_over"].sum() > 0
    finally:
        r.close()


def test_late_slice_holds_every_dossier_that_can_be_late(demo_dir):
    r = store.Reader(demo_dir)
    try:
        # late by finishing after the due day, or overdue while open on some day (open_class)
        missing = r.query(
            """select count(*) as n from fct_dossier as d
               where (d.finished_class = 'late'
                      or (d.due_date is not null and d.status not in (5, 6, 8)
                          and coalesce(d.end_date, date '9999-12-31') > d.due_date))
                 and d.dossier_id not in (select dossier_id from fct_dossier_late)"""
        )["n"][0]
        assert missing == 0
        share = r.query("select (select count(*) from fct_dossier_late) / "
                        "(select count(*) from fct_dossier) as s")
        assert 0 < share["s"][0] < 0.2
    finally:
        r.close()


def test_freshness_counts_the_last_30_days_of_each_agency(demo_dir):
    r = store.Reader(demo_dir)
    try:
        got = queries.freshness(r)
        direct = r.query(
            """select agency_code, max(received_date) as last_received,
                      count(*) filter (where received_date > date '2026-11-23' - 30) as n
               from fct_dossier group by 1"""
        )
        both = got.join(direct, on="agency_code")
        assert both.height == got.height > 0
        assert (both["last_received"] == both["last_received_right"]).all()
        assert (both["received_last_30_days"] == both["n"]).all()
    finally:
        r.close()


def test_a_dossier_ending_before_receipt_sends_the_report_back_to_the_dossiers(reader_for):
    r = reader_for([
        dossier("A1", "2025-03-03", "2025-03-10", "2025-03-05"),
        dossier("A2", "2025-03-04", "2025-03-06"),                       # open, overdue on 31/03
        dossier("A3", "2025-03-10", "2025-03-12", "2025-03-07"),         # ends before it was received
        dossier("A4", "2025-02-20", "2025-02-25", "2025-03-02"),         # carried over, finished late
    ], as_of="2025-04-30")
    assert not queries._has_daily_counts(r)
    row = queries.report_for_range(r, D(2025, 3, 1), D(2025, 3, 31)).filter(pl.col("agency_code") == "A")
    # worked out by hand from docs/domain.md's rules: A3 counts as received and finished in March
    assert row.select("carried_over", "received_new", "finished", "finished_late", "in_progress",
                      "in_progress_overdue").row(0) == (1, 3, 3, 1, 1, 1)
