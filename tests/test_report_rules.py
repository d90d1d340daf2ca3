"""The periodic report against answers worked out by hand from the rules of docs/domain.md.

Period: March 2025 (01/03/2025 to 31/03/2025), data as of 31/12/2025. Agency A's dossiers:

 id   received        due             end (source)          status ch  expected
 D1   03-03           03-10           03-07 finished        10     2   new, finished early
 D2   03-04 09:00     03-04 08:00     03-04 16:00 finished  10     1   new, on time (same date; times ignored)
 D3   03-05           03-12           03-14 finished        10     1   new, late
 D4   03-06           none            03-20 finished        10     3   new, on time (no due date)
 D5   03-06           03-08           03-25 finished         7     2   new, on time (withdrawn)
 D6   03-10           03-15           -                      5     1   new, in progress not due (supplement)
 D7   02-20           03-05           03-03 finished        10     1   carried over, finished early
 D8   02-10           02-28           -                      4     1   carried over, in progress overdue
 D9   03-11           -               refused 03-12          3     1   not a dossier (refused)
 D10  (not received)  -               -                      1     2   not a dossier (newly registered)
 D11  04-02           04-09           04-05                 10     1   after the period: not counted
 D12  02-01           02-10           02-15                 10     1   finished before the period: not counted
 D13  03-28           04-05           04-03                 10     2   new, in progress not due at 31/03
 D14  03-20           03-27           04-10                 10     1   new, in progress overdue at 31/03
 D15  03-12           03-19           03-19 returned (NgayTra) 10   1   new, on time
 D16  03-12           03-13           03-18 refused date     8     1   new, late (end = NgayTuChoi)
 D17  03-25           03-31           -                      4     2   new, in progress not due (due 31/03)
 D18  03-03           03-20           03-18 finished, 2 supplements  1  new, early (766: late)
 D19  02-25           03-01           03-01 finished        10     1   carried over, on time
 D20  02-25           03-02           02-28 finished        10     1   finished before the period: not counted

Carried over 3 (D7 D8 D19); new 12: online 4 (D1 D5 D13 D17), postal 1 (D4), direct 7.
Finished 10: early 3 (D1 D7 D18), on time 5 (D2 D4 D5 D15 D19), late 2 (D3 D16).
In progress 5: not due 3 (D6 D13 D17), overdue 2 (D8 D14). 3 + 12 = 10 + 5.
On-time rate 8/10 = 0.8. 766: timely finished 7 (D18 is late) + not due 3 = 10 of 15 received.
"""

import datetime as dt

import polars as pl
import pytest

from tests.conftest import dossier
from warehouse import queries
from warehouse.metrics import METRICS

MARCH = [
    dossier("D1", "2025-03-03", "2025-03-10", "2025-03-07", channel=2),
    dossier("D2", "2025-03-04 09:00", "2025-03-04 08:00", "2025-03-04 16:00"),
    dossier("D3", "2025-03-05", "2025-03-12", "2025-03-14"),
    dossier("D4", "2025-03-06", None, "2025-03-20", channel=3),
    dossier("D5", "2025-03-06", "2025-03-08", "2025-03-25", status=7, channel=2),
    dossier("D6", "2025-03-10", "2025-03-15", None, status=5),
    dossier("D7", "2025-02-20", "2025-03-05", "2025-03-03"),
    dossier("D8", "2025-02-10", "2025-02-28", None, status=4),
    dossier("D9", "2025-03-11", None, None, status=3, refused="2025-03-12"),
    dossier("D10", None, None, None, status=1, channel=2),
    dossier("D11", "2025-04-02", "2025-04-09", "2025-04-05"),
    dossier("D12", "2025-02-01", "2025-02-10", "2025-02-15"),
    dossier("D13", "2025-03-28", "2025-04-05", "2025-04-03", channel=2),
    dossier("D14", "2025-03-20", "2025-03-27", "2025-04-10"),
    dossier("D15", "2025-03-12", "2025-03-19", None, returned="2025-03-19 15:00"),
    dossier("D16", "2025-03-12", "2025-03-13", None, status=8, refused="2025-03-18"),
    dossier("D17", "2025-03-25", "2025-03-31", None, status=4, channel=2),
    dossier("D18", "2025-03-03", "2025-03-20", "2025-03-18", supplements=2),
    dossier("D19", "2025-02-25", "2025-03-01", "2025-03-01"),
    dossier("D20", "2025-02-25", "2025-03-02", "2025-02-28"),
]

EXPECTED_A = dict(
    carried_over=3, received_new=12, received_online=4, received_direct=7, received_postal=1,
    finished=10, finished_early=3, finished_on_time=5, finished_late=2,
    in_progress=5, in_progress_not_due=3, in_progress_overdue=2, on_time_rate=0.8,
)


def _row(frame: pl.DataFrame, agency: str) -> dict:
    return frame.filter(pl.col("agency_code") == agency).row(0, named=True)


def test_report_for_a_range_matches_hand_count(reader_for):
    r = reader_for(MARCH)
    report = queries.report_for_range(r, dt.date(2025, 3, 1), dt.date(2025, 3, 31))
    row = _row(report, "A")
    assert {k: row[k] for k in EXPECTED_A} == EXPECTED_A
    assert row["carried_over"] + row["received_new"] == row["finished"] + row["in_progress"]


def test_agency_without_dossiers_reports_zeros_and_no_rate(reader_for):
    r = reader_for(MARCH)
    row = _row(queries.report_for_range(r, dt.date(2025, 3, 1), dt.date(2025, 3, 31)), "B")
    assert row["received_new"] == row["finished"] == row["in_progress"] == 0
    assert row["on_time_rate"] is None


def test_summary_table_for_the_calendar_month_equals_the_range_report(reader_for):
    r = reader_for(MARCH)
    agg = r.query("select * from agg_periodic_report where period_kind = 'month' and period_key = '2025-03'")
    row = _row(agg, "A")
    assert {k: row[k] for k in EXPECTED_A if k != "on_time_rate"} == {
        k: v for k, v in EXPECTED_A.items() if k != "on_time_rate"
    }


def test_766_timeliness_counts_more_than_one_supplement_as_late(reader_for):
    r = reader_for(MARCH)
    summary = queries.province_summary(r, "month", "2025-03").row(0, named=True)
    assert summary["finished_timely_766"] == 7
    assert summary["in_progress_not_due_766"] == 3
    assert summary["timeliness_766"] == pytest.approx(10 / 15)
    assert summary["on_time_rate"] == pytest.approx(0.8)


def test_every_registry_metric_is_computable_and_a_fraction(reader_for):
    r = reader_for(MARCH)
    summary = queries.province_summary(r, "month", "2025-03").row(0, named=True)
    for key, metric in METRICS.items():
        value = summary[key]
        assert value is None or 0.0 <= value <= (1.0 if metric.bounded else 1e9), key


def test_february_carries_into_march(reader_for):
    """What is in progress at the end of February is exactly March's carried-over count."""
    r = reader_for(MARCH)
    feb = _row(queries.report_for_range(r, dt.date(2025, 2, 1), dt.date(2025, 2, 28)), "A")
    # February: D7 D8 D12 D19 D20 received; D12 and D20 finished; D7 D8 D19 still open on 28/02
    assert (feb["received_new"], feb["finished"], feb["in_progress"]) == (5, 2, 3)
    # D8 is due 28/02, the period's last day: not yet due (due >= end of period)
    assert (feb["in_progress_not_due"], feb["in_progress_overdue"]) == (3, 0)


def test_reporting_window_runs_15th_to_14th(reader_for):
    r = reader_for(MARCH)
    p = queries.period(r, "rep_month", "2025-03")
    assert (p["start_date"], p["end_date"]) == (dt.date(2025, 2, 15), dt.date(2025, 3, 14))
    q1 = queries.period(r, "rep_quarter", "2025-Q1")
    assert (q1["start_date"], q1["end_date"]) == (dt.date(2024, 12, 15), dt.date(2025, 3, 14))
    agg = _row(r.query("select * from agg_periodic_report "
                       "where period_kind = 'rep_month' and period_key = '2025-03'"), "A")
    rng = _row(queries.report_for_range(r, dt.date(2025, 2, 15), dt.date(2025, 3, 14)), "A")
    assert {k: agg[k] for k in EXPECTED_A if k != "on_time_rate"} == {
        k: rng[k] for k in EXPECTED_A if k != "on_time_rate"
    }
    # by hand: received 15/02-14/03: D1-D7 D15 D16 D18 D19 D20 -> 12 (D9 refused);
    # carried over from before 15/02: D8, and D12 which finished on 15/02 itself
    assert rng["received_new"] == 12
    assert rng["carried_over"] == 2


def test_open_period_judges_in_progress_on_the_data_date(reader_for):
    """March not over (data as of 20/03): a dossier due 25/03 is not yet overdue."""
    r = reader_for([dossier("E1", "2025-03-10", "2025-03-25", None, status=4),
                    dossier("E2", "2025-03-10", "2025-03-18", None, status=4)], as_of="2025-03-20")
    row = _row(queries.report_for_range(r, dt.date(2025, 3, 1), dt.date(2025, 3, 31)), "A")
    assert (row["in_progress_not_due"], row["in_progress_overdue"]) == (1, 1)


def test_period_straddling_the_reorganisation(reader_for):
    """Agencies that ended on 30/06/2025 and those that began on 01/07/2025 both appear in Q3 reports
    only when they existed or had dossiers in the window."""
    agencies = [("OLD", "UBND xã cũ", "commune", None, dt.date(2025, 6, 30)),
                ("NEW", "UBND xã mới", "commune", dt.date(2025, 7, 1), None)]
    r = reader_for([dossier("S1", "2025-06-25", "2025-07-03", "2025-07-02", agency="OLD"),
                    dossier("S2", "2025-07-02", "2025-07-04", "2025-07-07", agency="NEW")],
                   agencies=agencies)
    june_july = queries.report_for_range(r, dt.date(2025, 6, 15), dt.date(2025, 7, 14))
    assert set(june_july["agency_code"]) == {"OLD", "NEW"}
    old, new = _row(june_july, "OLD"), _row(june_july, "NEW")
    assert (old["received_new"], old["finished_early"]) == (1, 1)
    assert (new["received_new"], new["finished_late"]) == (1, 1)
    august = queries.report_for_range(r, dt.date(2025, 8, 1), dt.date(2025, 8, 31))
    assert set(august["agency_code"]) == {"NEW"}


def test_processing_time_in_working_days_against_the_statutory_time(reader_for):
    """Statutory time of P1: 2 working days. Tuesday 04/03/2025 is made a holiday.
    W1 received Mon 03/03, finished Wed 05/03: working days Tue (holiday) and Wed -> 1.
    W2 received Fri 07/03, finished Mon 10/03: the weekend does not count -> 1.
    W3 received and finished Mon 10/03 -> 0.
    W4 finished after the month: not in March's figures. W5 has 2 supplement requests, 3 days.
    March: finished 4 (W1 W2 W3 W5), 1 + 1 + 0 + 3 = 5 working days, average 1,25;
    against 4 x 2 = 8 statutory days: 62,5%. One of the four had more than one supplement request."""
    r = reader_for(
        [dossier("W1", "2025-03-03", "2025-03-06", "2025-03-05"),
         dossier("W2", "2025-03-07", "2025-03-11", "2025-03-10"),
         dossier("W3", "2025-03-10", "2025-03-12", "2025-03-10"),
         dossier("W4", "2025-03-27", "2025-04-01", "2025-04-01"),
         dossier("W5", "2025-03-17", "2025-03-25", "2025-03-20", supplements=2)],
        procedures=[("P1", "Thủ tục một", "F1", 2)], holidays=["2025-03-04"],
    )
    summary = queries.province_summary(r, "month", "2025-03").row(0, named=True)
    assert summary["finished"] == 4
    assert summary["finished_workdays"] == 5
    assert summary["avg_processing_days"] == pytest.approx(1.25)
    assert summary["processing_time_ratio"] == pytest.approx(5 / 8)
    assert summary["repeat_supplement_share"] == pytest.approx(1 / 4)
