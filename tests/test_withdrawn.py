"""A dossier withdrawn by the citizen (status 7) whose record carries no end date: closed, finished on
time on the day it was received, never in progress and never overdue (docs/report.md, "Withdrawn
without an end date"); it has no processing time. Worked out by hand; data as of 31/12/2025.

 id  received  due     end (source)        status  reading
 W1  03-03     03-10   none                7       withdrawn, no date: ends 03-03, finished on time
 W2  02-20     02-27   none                7       the same in February: not carried into March
 W3  03-05     03-12   03-20 finished      7       withdrawn after its due date, dated: on time
                                                   (and flagged by the integrity check)
 W4  03-17     none    none                7       withdrawn, no due date, no end date: ends 03-17
 N1  03-04     03-11   03-10 finished      10      early; 4 working days (Wed 05 .. Mon 10)
 O1  03-06     03-13   open                4       in progress, overdue from 14/03

March 2025, agency A: carried over 0 (W2 ended 20/02); new 5 (W1 W3 W4 N1 O1); finished 4: early 1
(N1), on time 3 (W1 W3 W4, withdrawn), late 0; in progress 1 (O1, overdue). 0 + 5 = 4 + 1.
Withdrawn finished 3. Processing time: N1 4 + W3 11 (Wed 05/03 to Thu 20/03: 06 07 10 11 12 13 14 17 18
19 20) = 15 working days over the 2 dossiers with an end date of their own: 7,5 days on average (W1 and
W4 have none; counting them as 0 days would give 15/4 = 3,75).
Late in March (finished late in it, or open and overdue on 31/03): O1 only. Overdue count 0 + 1 = 1.
February: new 1 (W2), finished 1 on time, in progress 0.
"""

import datetime as dt

import polars as pl

from tests.conftest import dossier
from warehouse import queries, queries_integrity, queries_late

DOSSIERS = [
    dossier("W1", "2025-03-03", "2025-03-10", None, status=7),
    dossier("W2", "2025-02-20", "2025-02-27", None, status=7),
    dossier("W3", "2025-03-05", "2025-03-12", "2025-03-20", status=7),
    dossier("W4", "2025-03-17", None, None, status=7),
    dossier("N1", "2025-03-04", "2025-03-11", "2025-03-10"),
    dossier("O1", "2025-03-06", "2025-03-13", None, status=4),
]
MARCH = dict(carried_over=0, received_new=5, finished=4, finished_early=1, finished_on_time=3,
             finished_late=0, in_progress=1, in_progress_not_due=0, in_progress_overdue=1,
             finished_withdrawn=3)


def _a(frame: pl.DataFrame) -> dict:
    return frame.filter(pl.col("agency_code") == "A").row(0, named=True)


def test_withdrawn_without_an_end_date_is_finished_on_time_on_its_receiving_day(reader_for):
    r = reader_for(DOSSIERS)
    ends = dict(r.query("select dossier_id, end_date from fct_dossier where status = 7").iter_rows())
    assert ends == {"W1": dt.date(2025, 3, 3), "W2": dt.date(2025, 2, 20), "W3": dt.date(2025, 3, 20),
                    "W4": dt.date(2025, 3, 17)}
    agg = _a(r.query("select * from agg_periodic_report "
                     "where period_kind = 'month' and period_key = '2025-03'"))
    assert {k: agg[k] for k in MARCH} == MARCH
    assert agg["carried_over"] + agg["received_new"] == agg["finished"] + agg["in_progress"]
    # the range report (daily counts + the overdue slice) says the same
    ranged = _a(queries.report_for_range(r, dt.date(2025, 3, 1), dt.date(2025, 3, 31)))
    assert {k: ranged[k] for k in MARCH if k != "finished_withdrawn"} == {
        k: v for k, v in MARCH.items() if k != "finished_withdrawn"}
    feb = _a(queries.report_for_range(r, dt.date(2025, 2, 1), dt.date(2025, 2, 28)))
    assert (feb["received_new"], feb["finished"], feb["finished_on_time"], feb["in_progress"]) == (1, 1, 1, 0)


def test_withdrawn_without_an_end_date_has_no_processing_time(reader_for):
    r = reader_for(DOSSIERS)
    summary = queries.province_summary(r, "month", "2025-03").row(0, named=True)
    assert (summary["finished_workdays"], summary["finished_timed"]) == (15, 2)
    assert summary["avg_processing_days"] == 7.5
    assert summary["on_time_rate"] == 1.0
    assert summary["overdue_count"] == 1


def test_never_on_the_late_list_nor_due_soon(reader_for):
    r = reader_for(DOSSIERS)
    for kind, key in [("month", "2025-03"), ("year", "2025")]:
        late = queries_late.late_dossiers(r, kind, key, agency="A")
        assert late["dossier_id"].to_list() == ["O1"], (kind, key)
        assert queries_late.late_summary(r, kind, key, agency="A")["late"] == 1
    assert queries_late.due_soon(r, 10, agency="A").height == 0
    # the dossiers that can be late in some period: O1, and W3, which was open past its due date
    # from 13/03 until its withdrawal on 20/03; never the undated withdrawals
    assert sorted(r.query("select dossier_id from fct_dossier_late")["dossier_id"].to_list()) == ["O1", "W3"]


def test_integrity_flags_only_the_dated_withdrawal_after_its_due_date(reader_for):
    """W1 and O1 have a processing step loaded (planned end 05/03, done 07/03): a late dossier with
    steps is listed under late_department, so W1 would be if it were still open and overdue."""
    steps = pl.DataFrame([
        {"dossier_id": d, "department": "Phòng chuyên môn", "acted_at": dt.datetime(2025, 3, 7, 10),
         "action": "Thẩm định", "step_status": "Đã xử lý", "planned_end": dt.datetime(2025, 3, 5, 17),
         "load_id": "L1", "source_file": "tien_do.json", "source_row": i}
        for i, d in enumerate(["W1", "O1"], start=1)])
    r = reader_for(DOSSIERS, extra_tables={"raw_dossier_step": steps})
    issues = r.query("select check_key, dossier_id, end_date from fct_integrity_issue order by dossier_id")
    assert issues.rows() == [("late_department", "O1", None),
                             ("withdrawn_returned_on_time", "W3", dt.date(2025, 3, 20))]
    counts = queries_integrity.integrity_counts(r, "month", "2025-03")
    assert _a(counts)["withdrawn_returned_on_time"] == 1
