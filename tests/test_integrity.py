"""Reporting-integrity checks (docs/integrity.md) against answers worked out by hand.

Three small warehouses: dossier states and their loaded history (March 2025), bulk closures in
April 2025 (with a holiday), and quarantined records plus processing steps (June 2025). Dates are
2025 and the data's date is 31/12/2025 or later, so nothing here depends on the day the tests run.
"""

import datetime as dt

import polars as pl
import pytest

from tests.conftest import dossier, ts
from warehouse import build, store
from warehouse import queries_integrity as qi

HISTORY_SCHEMA = {
    "dossier_id": pl.String, "state_hash": pl.String, "status": pl.Int8, "received_at": pl.Datetime("us"),
    "due_at": pl.Datetime("us"), "finished_at": pl.Datetime("us"), "returned_at": pl.Datetime("us"),
    "refused_at": pl.Datetime("us"), "supplement_count": pl.Int32, "load_id": pl.String,
    "source_file": pl.String, "source_row": pl.Int64, "loaded_at": pl.Datetime("us"),
}
STEP_SCHEMA = {
    "dossier_id": pl.String, "department": pl.String, "acted_at": pl.Datetime("us"), "action": pl.String,
    "step_status": pl.String, "planned_end": pl.Datetime("us"), "load_id": pl.String,
    "source_file": pl.String, "source_row": pl.Int64,
}
QUARANTINE_SCHEMA = {
    "load_id": pl.String, "kind": pl.String, "source_file": pl.String, "source_row": pl.Int64,
    "record_key": pl.String, "field": pl.String, "value": pl.String, "reason": pl.String,
}
EXPERT, LEADER, DESK = "Phòng chuyên môn", "Lãnh đạo ký duyệt", "Bộ phận một cửa"


def done(dossier_id, received, due, finished, **extra) -> dict:
    """A dossier finished and its result returned the same day (status 10), unless told otherwise."""
    extra.setdefault("returned", finished if extra.get("status", 10) == 10 else None)
    return dossier(dossier_id, received, due, finished, **extra)


def state(dossier_id, loaded, status, due, finished=None, returned=None, supplements=0, row=1) -> dict:
    """One loaded state of a dossier (raw_dossier_history), loaded at 06:00 on `loaded`."""
    return dict(
        dossier_id=dossier_id, state_hash=f"{dossier_id}/{loaded}/{status}/{due}", status=status,
        received_at=ts("2025-03-03"), due_at=ts(due), finished_at=ts(finished), returned_at=ts(returned),
        refused_at=None, supplement_count=supplements, load_id="L-hist", source_file=f"dong_bo_{loaded}.json",
        source_row=row, loaded_at=ts(f"{loaded} 06:00"),
    )


def issues(r, check: str | None = None) -> pl.DataFrame:
    where = "" if check is None else f"where check_key = '{check}'"
    return r.query(f"select * from fct_integrity_issue {where} order by check_key, dossier_id")


def counts(r, kind: str, key: str) -> dict[tuple[str | None, str], int]:
    rows = r.query("select agency_code, check_key, issues from agg_integrity "
                   "where period_kind = ? and period_key = ?", [kind, key])
    return {(a, c): n for a, c, n in rows.iter_rows()}


# --------------------------------------------------------------------------------------------
# 1. Dossier states and history, March 2025 (agency A; B for the split by agency and period)
#
#  closed_no_result
#   C1  status 10, finished 07/03, no NgayTra, no electronic result          -> yes, dated 07/03
#   C2  status 10, finished 07/03, returned 08/03                            -> no
#   C3  status 10, finished 07/03, no NgayTra but an electronic result       -> no
#   C4  status 9, finished 07/03, no NgayTra (processed, awaiting collection) -> no
#   (agency C: its only dossier, status 10 with no NgayTra, is not flagged: C's export has no
#    return date at all, so it says nothing about results)
#   C5  history: 4 (04/03) -> 9 finished 06/03 (07/03) -> 4 (09/03) -> 10 finished 20/03
#       closed, then back in processing                                      -> yes, dated 06/03
#  due_moved_no_supplement
#   M1  due 10/03 (04/03) -> 17/03 (11/03), no supplement -> 10 finished 15/03  -> yes, 7 days, dated 11/03
#   M2  due 10/03 -> 15/03 with supplement 0 -> 1, then finished             -> no
#   M3  due 10/03 (status 4) -> 20/03 while status 6 (financial obligations)  -> no
#   M4  due 01/04 (20/03) -> 03/04 (28/03) -> 08/04 (02/04) -> finished 07/04
#       two moves, one row: 01/04 -> 08/04, 7 days in 2 moves                -> yes, dated 28/03 (first move)
#   M5  due 20/03 -> 18/03 (sooner)                                          -> no
#   M6  history holds only the first state (due 10/03); the current state has due 12/03, same
#       supplements, finished 12/03: dated by its end                        -> yes, 2 days, dated 12/03
#  withdrawn_returned_on_time
#   W1  withdrawn (7) 14/03, due 10/03                                       -> yes, 4 days after
#   W2  withdrawn 09/03, due 10/03                                           -> no
#   W3  received 03/03, refused (3) 17/03, due 10/03: leaves the counts      -> yes, 7 days after
#   W4  refused 17/03 but never received                                     -> no
#   W5  received 03/03, refused 05/03, due 10/03                             -> no
#  late_no_apology
#   L1  due 10/03, finished 12/03, no apology                                -> yes, 2 days late
#   L2  the same with an apology slip                                        -> no
#   L3  finished on the due date, no apology                                 -> no
#  repeat_supplement
#   R1  2 requests, finished 20/03                                           -> yes, dated 20/03
#   R2  3 requests, still open (5), received 05/03                           -> yes, dated 05/03
#   R3  1 request                                                            -> no
#  stopped
#   S1  status 8, received 03/03, due 10/03, open                            -> yes, dated 03/03; due passed
#   S2  status 8, ended (refused date) 12/03, due 20/03                      -> yes, dated 12/03
#  agency B
#   B1  late 2 days (due 10/03, finished 12/03), no apology                  -> late_no_apology, March
#   B2  status 10 finished 02/04 with no result                              -> closed_no_result, April
#
# March 2025, agency A: closed_no_result 2 (C1 C5), due_moved 3 (M1 M4 M6), withdrawn_returned 2
# (W1 W3), late_no_apology 1 (L1), repeat_supplement 2 (R1 R2), stopped 2 (S1 S2); agency B:
# late_no_apology 1. April 2025: B closed_no_result 1. Quarter I: the same as March for both.
# Reporting month 03/2025 (15/02-14/03): see test_counts_per_period_agency_and_check.
# --------------------------------------------------------------------------------------------

STATES = [
    done("C1", "2025-03-03", "2025-03-10", "2025-03-07", returned=None),
    done("C2", "2025-03-03", "2025-03-10", "2025-03-07", returned="2025-03-08"),
    done("C3", "2025-03-03", "2025-03-10", "2025-03-07", returned=None, electronic_result=True),
    done("C4", "2025-03-03", "2025-03-10", "2025-03-07", status=9),
    done("C5", "2025-03-03", "2025-03-25", "2025-03-20"),
    done("M1", "2025-03-03", "2025-03-17", "2025-03-15"),
    done("M2", "2025-03-03", "2025-03-15", "2025-03-14", supplements=1),
    done("M3", "2025-03-03", "2025-03-20", "2025-03-19"),
    done("M4", "2025-03-19", "2025-04-08", "2025-04-07"),
    done("M5", "2025-03-03", "2025-03-18", "2025-03-17"),
    done("M6", "2025-03-03", "2025-03-12", "2025-03-12"),
    done("W1", "2025-03-03", "2025-03-10", "2025-03-14", status=7),
    done("W2", "2025-03-03", "2025-03-10", "2025-03-09", status=7),
    dossier("W3", "2025-03-03", "2025-03-10", None, status=3, refused="2025-03-17"),
    dossier("W4", None, "2025-03-10", None, status=3, refused="2025-03-17"),
    dossier("W5", "2025-03-03", "2025-03-10", None, status=3, refused="2025-03-05"),
    done("L1", "2025-03-03", "2025-03-10", "2025-03-12"),
    done("L2", "2025-03-03", "2025-03-10", "2025-03-12", apology_issued=True),
    done("L3", "2025-03-03", "2025-03-10", "2025-03-10"),
    done("R1", "2025-03-03", "2025-03-25", "2025-03-20", supplements=2),
    dossier("R2", "2025-03-05", "2025-03-25", None, status=5, supplements=3),
    done("R3", "2025-03-03", "2025-03-25", "2025-03-20", supplements=1),
    dossier("S1", "2025-03-03", "2025-03-10", None, status=8),
    dossier("S2", "2025-03-03", "2025-03-20", None, status=8, refused="2025-03-12"),
    done("B1", "2025-03-03", "2025-03-10", "2025-03-12", agency="B"),
    done("B2", "2025-03-24", "2025-04-04", "2025-04-02", agency="B", returned=None),
    done("X1", "2025-03-03", "2025-03-10", "2025-03-07", agency="C", returned=None),
]
STATE_AGENCIES = [("A", "Đơn vị A", "department"), ("B", "Đơn vị B", "department"),
                  ("C", "UBND xã C", "commune")]

HISTORY = [
    state("C5", "2025-03-04", 4, "2025-03-25"),
    state("C5", "2025-03-07", 9, "2025-03-25", finished="2025-03-06 16:00"),
    state("C5", "2025-03-09", 4, "2025-03-25"),
    state("C5", "2025-03-21", 10, "2025-03-25", finished="2025-03-20", returned="2025-03-20"),
    state("M1", "2025-03-04", 4, "2025-03-10"),
    state("M1", "2025-03-11", 4, "2025-03-17"),
    state("M1", "2025-03-16", 10, "2025-03-17", finished="2025-03-15", returned="2025-03-15"),
    state("M2", "2025-03-04", 4, "2025-03-10"),
    state("M2", "2025-03-06", 5, "2025-03-15", supplements=1),
    state("M2", "2025-03-15", 10, "2025-03-15", finished="2025-03-14", returned="2025-03-14", supplements=1),
    state("M3", "2025-03-04", 4, "2025-03-10"),
    state("M3", "2025-03-08", 6, "2025-03-20"),
    state("M3", "2025-03-20", 10, "2025-03-20", finished="2025-03-19", returned="2025-03-19"),
    state("M4", "2025-03-20", 4, "2025-04-01"),
    state("M4", "2025-03-28", 4, "2025-04-03"),
    state("M4", "2025-04-02", 4, "2025-04-08"),
    state("M4", "2025-04-08", 10, "2025-04-08", finished="2025-04-07", returned="2025-04-07"),
    state("M5", "2025-03-04", 4, "2025-03-20"),
    state("M5", "2025-03-10", 4, "2025-03-18"),
    state("M6", "2025-03-04", 4, "2025-03-10"),
]


@pytest.fixture(scope="module")
def states_wh(tmp_path_factory):
    from tests.conftest import make_warehouse

    r = make_warehouse(tmp_path_factory.mktemp("states"), STATES, agencies=STATE_AGENCIES,
                       extra_tables={"raw_dossier_history": pl.DataFrame(HISTORY, schema=HISTORY_SCHEMA)})
    yield r
    r.close()


def test_each_dossier_check_finds_exactly_the_hand_picked_dossiers(states_wh):
    found = issues(states_wh).group_by("check_key").agg(pl.col("dossier_id").sort())
    got = dict(zip(found["check_key"], found["dossier_id"].to_list()))
    assert got == {
        "closed_no_result": ["B2", "C1", "C5"],
        "due_moved_no_supplement": ["M1", "M4", "M6"],
        "withdrawn_returned_on_time": ["W1", "W3"],
        "late_no_apology": ["B1", "L1"],
        "repeat_supplement": ["R1", "R2"],
        "stopped": ["S1", "S2"],
    }


def test_issue_dates_and_explanations(states_wh):
    rows = {(r["check_key"], r["dossier_id"]): r for r in issues(states_wh).iter_rows(named=True)}
    expected_dates = {
        ("closed_no_result", "C1"): "2025-03-07", ("closed_no_result", "C5"): "2025-03-06",
        ("closed_no_result", "B2"): "2025-04-02",
        ("due_moved_no_supplement", "M1"): "2025-03-11", ("due_moved_no_supplement", "M4"): "2025-03-28",
        ("due_moved_no_supplement", "M6"): "2025-03-12",
        ("withdrawn_returned_on_time", "W1"): "2025-03-14",
        ("withdrawn_returned_on_time", "W3"): "2025-03-17",
        ("late_no_apology", "L1"): "2025-03-12", ("repeat_supplement", "R1"): "2025-03-20",
        ("repeat_supplement", "R2"): "2025-03-05", ("stopped", "S1"): "2025-03-03",
        ("stopped", "S2"): "2025-03-12",
    }
    for k, day in expected_dates.items():
        assert rows[k]["event_date"] == dt.date.fromisoformat(day), k
    assert "lùi từ 10/03/2025 sang 17/03/2025 (lùi 7 ngày)" in \
        rows["due_moved_no_supplement", "M1"]["explanation"]
    assert "lùi từ 01/04/2025 sang 08/04/2025 (lùi 7 ngày, qua 2 lần)" in \
        rows["due_moved_no_supplement", "M4"]["explanation"]
    assert "lùi 2 ngày" in rows["due_moved_no_supplement", "M6"]["explanation"]
    assert ("Đã kết thúc xử lý ngày 06/03/2025 (trạng thái 9) rồi quay lại trạng thái 4 "
            "ở lần đồng bộ ngày 09/03/2025") in rows["closed_no_result", "C5"]["explanation"]
    assert "sau ngày hẹn trả 10/03/2025 4 ngày" in rows["withdrawn_returned_on_time", "W1"]["explanation"]
    assert "sau ngày hẹn trả 10/03/2025 7 ngày" in rows["withdrawn_returned_on_time", "W3"]["explanation"]
    assert "trễ 2 ngày so với ngày hẹn trả 10/03/2025" in rows["late_no_apology", "L1"]["explanation"]
    assert "Yêu cầu bổ sung 3 lần" in rows["repeat_supplement", "R2"]["explanation"]
    assert "hẹn trả 10/03/2025 đã qua" in rows["stopped", "S1"]["explanation"]
    # W3 is out of the periodic report's counts but its agency, procedure and dates are kept
    assert rows["withdrawn_returned_on_time", "W3"]["agency_code"] == "A"
    assert rows["withdrawn_returned_on_time", "W3"]["received_date"] == dt.date(2025, 3, 3)


def test_counts_per_period_agency_and_check(states_wh):
    march = {("A", "closed_no_result"): 2, ("A", "due_moved_no_supplement"): 3,
             ("A", "withdrawn_returned_on_time"): 2, ("A", "late_no_apology"): 1,
             ("A", "repeat_supplement"): 2, ("A", "stopped"): 2, ("B", "late_no_apology"): 1}
    assert counts(states_wh, "month", "2025-03") == march
    assert counts(states_wh, "month", "2025-04") == {("B", "closed_no_result"): 1}
    assert counts(states_wh, "quarter", "2025-Q1") == march
    assert counts(states_wh, "rep_month", "2025-03") == {
        ("A", "closed_no_result"): 2, ("A", "due_moved_no_supplement"): 2,
        ("A", "withdrawn_returned_on_time"): 1, ("A", "late_no_apology"): 1, ("A", "repeat_supplement"): 1,
        ("A", "stopped"): 2,
        ("B", "late_no_apology"): 1,
    }
    # reporting month 03/2025 is 15/02-14/03: C1 07/03, C5 06/03; M1 11/03, M6 12/03 (M4 28/03 is
    # later); W1 14/03 (W3 17/03 is later); L1 12/03; R2 05/03 (R1 20/03 later); S1 03/03, S2 12/03;
    # B1 12/03


def test_query_functions_for_the_page(states_wh):
    totals = qi.integrity_totals(states_wh, "month", "2025-03")
    by_check = dict(zip(totals["check_key"], totals["issues"]))
    assert by_check["due_moved_no_supplement"] == 3 and by_check["bulk_closure"] == 0
    assert totals.height == 10   # every check of the catalogue, even with no issue
    table = qi.integrity_counts(states_wh, "month", "2025-03")
    assert table["agency_code"].to_list() == ["A", "B"]   # A has 7 serious issues (2 + 3 + 2), B none
    a = table.row(0, named=True)
    assert (a["serious"], a["total"], a["late_no_apology"]) == (7, 12, 1)
    listed = qi.integrity_issues(states_wh, "month", "2025-03", "A", "due_moved_no_supplement")
    assert listed["dossier_id"].to_list() == ["M1", "M6", "M4"]    # by date: 11/03, 12/03, 28/03
    assert qi.integrity_issues(states_wh, "month", "2025-04", "A", "due_moved_no_supplement").height == 0
    assert qi.inputs_loaded(states_wh) == {"steps": 0, "history_dossiers": 7, "quarantined": 0}


# --------------------------------------------------------------------------------------------
# 2. Bulk closures, April 2025 on the official calendar (docs/calendar.md): 22 weekdays, less the
#    days off Mon 07/04 (Hùng Kings) and Wed 30/04, plus Sat 26/04 worked in exchange for Fri 02/05
#    = 21 working days; the last 3 are Sat 26/04, Mon 28/04 and Tue 29/04 (the window runs from
#    26/04 to the month's end). Every dossier is received on 03/03/2025, except E1 (03/02/2025),
#    so the data covers March and April fully.
#
#   A  4 closures on each of 26/04 (the Saturday worked), 28/04, 29/04 and 1 on 30/04 (a day off,
#      still in the window) = 13; one a working day on the other 18 working days (01/04-25/04
#      without 07/04) = 18.
#      13/3 = 4.33 a day against 18/18 = 1 a day: 4.3 times >= 3, and 13 >= 10 -> 13 issues.
#   B  10 on 29/04; 15 on 02/04 and 15 on 16/04. 10/3 = 3.33 against 30/18 = 1.67: 2.0 times < 3
#      -> none (with the ratio set to 2: 10 x 18 = 180 >= 2 x 3 x 30 = 180, flagged).
#   C  9 on 29/04 and nothing else: 9 < 10 closures -> none (with the minimum set to 9: flagged).
#   D  reporting month 04/2025 (15/03-14/04; working days 17/03-31/03: 11, 01/04-14/04: 10 less
#      07/04 = 9, so 20): 12 closures on its last 3 working days 10/04, 11/04, 14/04 and 6 on
#      17/03-24/03 (17, 18, 19, 20, 21, 24): 4 a day against 6/17 = 0.35: 11.3 times -> 12 issues,
#      on the reporting basis only. On calendar months: March has no closure in 27-31/03, April
#      none in 26-30/04 -> none.
#   A on the reporting basis (04/2025): 10/04, 11/04, 14/04 hold 3 of its closures, < 10 -> none.
# --------------------------------------------------------------------------------------------

def _closures(agency: str, days: list[str], prefix: str | None = None) -> list[dict]:
    prefix = prefix or agency
    return [done(f"{prefix}{i:02d}", "2025-03-03", "2025-05-30", f"2025-{d} 10:00", agency=agency)
            for i, d in enumerate(days, start=1)]


APRIL_WORKDAYS = ["04-01", "04-02", "04-03", "04-04", "04-08", "04-09", "04-10", "04-11", "04-14", "04-15",
                  "04-16", "04-17", "04-18", "04-21", "04-22", "04-23", "04-24", "04-25"]
BULK = (
    _closures("A", ["04-26"] * 4 + ["04-28"] * 4 + ["04-29"] * 4 + ["04-30"] + APRIL_WORKDAYS)
    + _closures("B", ["04-29"] * 10 + ["04-02"] * 15 + ["04-16"] * 15)
    + _closures("C", ["04-29"] * 9)
    + _closures("D", ["04-10"] * 4 + ["04-11"] * 4 + ["04-14"] * 4
                + ["03-17", "03-18", "03-19", "03-20", "03-21", "03-24"])
    + [done("E1", "2025-02-03", "2025-02-10", "2025-02-05", agency="E")]
)
BULK_AGENCIES = [(c, f"Đơn vị {c}", "department") for c in "ABCDE"]


def bulk_warehouse(directory):
    from tests.conftest import make_warehouse

    make_warehouse(directory, BULK, agencies=BULK_AGENCIES).close()   # the official calendar alone
    return directory


def test_bulk_closure_on_calendar_and_reporting_months(tmp_path):
    r = store.Reader(bulk_warehouse(tmp_path))
    found = issues(r, "bulk_closure")
    by = found.group_by("agency_code", "period_basis").len()
    assert sorted(by.iter_rows()) == [("A", "month", 13), ("D", "rep_month", 12)]
    a = found.filter(pl.col("agency_code") == "A")
    assert a["end_date"].min() == dt.date(2025, 4, 26) and a["end_date"].max() == dt.date(2025, 4, 30)
    assert ("trong 3 ngày làm việc cuối tháng 04/2025: đơn vị kết thúc 13/31 hồ sơ của kỳ (41,9%) "
            "trong những ngày này, mỗi ngày gấp 4,3 lần các ngày làm việc khác") in a["explanation"][0]
    d = found.filter(pl.col("agency_code") == "D")
    assert "cuối kỳ báo cáo tháng 04/2025 (đến 14/04/2025)" in d["explanation"][0]
    assert "12/18 hồ sơ" in d["explanation"][0]
    # calendar periods count calendar-month findings, reporting periods the reporting-month ones
    assert counts(r, "month", "2025-04") == {("A", "bulk_closure"): 13}
    assert counts(r, "quarter", "2025-Q2") == {("A", "bulk_closure"): 13}
    assert counts(r, "rep_month", "2025-04") == {("D", "bulk_closure"): 12}
    assert counts(r, "rep_quarter", "2025-Q2") == {("D", "bulk_closure"): 12}
    assert qi.integrity_issues(r, "month", "2025-04", "D", "bulk_closure").height == 0
    assert qi.integrity_issues(r, "rep_month", "2025-04", "D", "bulk_closure").height == 12
    r.close()


def test_bulk_closure_thresholds_are_data(tmp_path):
    """Lower the ratio to 2 and the minimum to 9 in ref_integrity_setting and rebuild (as
    `python -m etl build` does): B (exactly 2.0 times) and C (9 closures) are now flagged too."""
    bulk_dir = bulk_warehouse(tmp_path)
    with store.new_build(bulk_dir, from_current=True) as con:
        settings = "update ref_integrity_setting set value = ? where setting_key = ?"
        con.execute(settings, [2, "bulk_closure_rate_ratio"])
        con.execute(settings, [9, "bulk_closure_min_closures"])
        build.apply_sql(con)
    r = store.Reader(bulk_dir)
    by = issues(r, "bulk_closure").group_by("agency_code", "period_basis").len()
    assert sorted(by.iter_rows()) == [("A", "month", 13), ("B", "month", 10), ("C", "month", 9),
                                      ("D", "rep_month", 12)]
    assert qi.settings(r)["bulk_closure_rate_ratio"] == 2
    r.close()


# --------------------------------------------------------------------------------------------
# 3. Quarantined records and processing steps (agency A; K1 is a dossier of B received 02/04)
#
#  quarantine (one row per record: file and row; the load L1 ran on 06/05/2025)
#   Q1  xuat.csv row 5, 'A-250310-0007' (no such dossier), two faults      -> A (MaHoSo), 10/03
#   Q2  xuat.csv row 6, 'K1' (a dossier of B)                              -> B, 02/04 (its receiving date)
#   Q3  xuat.csv row 9, no MaHoSo                                          -> no agency, 06/05 (the load)
#   Q4  agencies.csv row 2 (an agency record)                              -> not a dossier: left out
#   Q5  tien_do.json row 3, a step of 'K1'                                 -> B, 02/04
#   Q6  xuat.csv row 12, 'Z-250301-0001' (no agency Z)                     -> no agency, 01/03
#
#  late dossiers and their steps (working days; weekends 07-08/06, 14-15/06)
#   T1  received 02/06, due 13/06, finished 18/06 (late). Specialist: planned 09/06, done 11/06:
#       2 days over, adds 2. Leader: planned 12/06, done 17/06: 3 over, adds 3 - 2 = 1. Desk
#       returns 18/06, planned 13/06: 3 over, adds 0                     -> Phòng chuyên môn, 2
#       (the step that overran most, 3 days, is not the one that made it late)
#   T2  due 06/06, finished 10/06. Specialist on time (04/06); leader planned 05/06, done 09/06:
#       2 over, adds 2; desk 10/06 for 06/06: 2 over, adds 0         -> Lãnh đạo ký duyệt, 2
#   T3  due 04/06, finished 06/06. Specialist planned 03/06, done 04/06: adds 1; leader planned
#       04/06, done 06/06: 2 over, adds 1; a tie goes to the earlier step -> Phòng chuyên môn, 1
#   T4  due 05/06, finished 09/06; only the desk's receipt is loaded, on time -> no department
#   T5  finished 05/06 before its due 06/06 though its specialist overran: not late -> not listed
#   T6  open (4), due 06/06: overdue. Specialist planned 04/06, done 16/06: 8 over -> Phòng chuyên môn, 8
#   T7  late (due 06/06, finished 10/06) with no step loaded             -> not listed
#   T8  waiting on the citizen (5), due 06/06: not overdue               -> not listed
#  June 2025, agency A: late_department 5 (T1 18/06, T2 10/06, T3 06/06, T4 09/06, T6 07/06: the
#  day after its due date); by department: Phòng chuyên môn 3, Lãnh đạo ký duyệt 1, none 1.
# --------------------------------------------------------------------------------------------

def step(dossier_id, department, acted, planned, action="Xử lý") -> dict:
    return dict(dossier_id=dossier_id, department=department, acted_at=ts(acted), action=action,
                step_status="Đã xử lý", planned_end=ts(f"{planned} 17:00"), load_id="L-step",
                source_file="tien_do.json", source_row=1)


RECEIVED = "2025-06-02"
STEP_DOSSIERS = [
    done("K1", "2025-04-02", "2025-04-10", "2025-04-08", agency="B"),
    done("T1", RECEIVED, "2025-06-13", "2025-06-18"),
    done("T2", RECEIVED, "2025-06-06", "2025-06-10"),
    done("T3", RECEIVED, "2025-06-04", "2025-06-06"),
    done("T4", RECEIVED, "2025-06-05", "2025-06-09"),
    done("T5", RECEIVED, "2025-06-06", "2025-06-05"),
    dossier("T6", RECEIVED, "2025-06-06", None, status=4),
    done("T7", RECEIVED, "2025-06-06", "2025-06-10"),
    dossier("T8", RECEIVED, "2025-06-06", None, status=5),
]
STEPS = [
    step("T1", DESK, "2025-06-02 09:00", "2025-06-02"), step("T1", EXPERT, "2025-06-11", "2025-06-09"),
    step("T1", LEADER, "2025-06-17", "2025-06-12"), step("T1", DESK, "2025-06-18", "2025-06-13"),
    step("T2", EXPERT, "2025-06-04", "2025-06-04"), step("T2", LEADER, "2025-06-09", "2025-06-05"),
    step("T2", DESK, "2025-06-10", "2025-06-06"),
    step("T3", EXPERT, "2025-06-04", "2025-06-03"), step("T3", LEADER, "2025-06-06", "2025-06-04"),
    step("T4", DESK, "2025-06-02 09:00", "2025-06-02"),
    step("T5", EXPERT, "2025-06-04", "2025-06-03"),
    step("T6", DESK, "2025-06-02 09:00", "2025-06-02"), step("T6", EXPERT, "2025-06-16", "2025-06-04"),
    step("T8", EXPERT, "2025-06-16", "2025-06-04"),
]
QUARANTINE = [
    ("L1", "dossier", "xuat.csv", 5, "A-250310-0007", "NgayTiepNhan", "31/02/2025", "ngày không hợp lệ"),
    ("L1", "dossier", "xuat.csv", 5, "A-250310-0007", "TrangThaiHoSo", "11",
     "mã trạng thái không hợp lệ (cần từ 1 đến 10)"),
    ("L1", "dossier", "xuat.csv", 6, "K1", "NgayTra", "2205-01-01",
     "ngày không thể có (trước năm 2000 hoặc sau hôm nay)"),
    ("L1", "dossier", "xuat.csv", 9, None, "MaHoSo", None, "thiếu mã hồ sơ"),
    ("L1", "agency", "agencies.csv", 2, "X", "MaDonVi", None, "thiếu tên đơn vị"),
    ("L1", "step", "tien_do.json", 3, "K1", "NgayKetThucTheoQuyDinh", "31/02/2025", "ngày không hợp lệ"),
    ("L1", "dossier", "xuat.csv", 12, "Z-250301-0001", "KenhThucHien", "4", "mã kênh không hợp lệ"),
]
LOAD_LOG = pl.DataFrame({"load_id": ["L1"], "kind": ["dossier"], "source": ["xuat.csv"],
                         "started_at": [dt.datetime(2025, 5, 6, 8, 0)]})


@pytest.fixture(scope="module")
def steps_wh(tmp_path_factory):
    from tests.conftest import make_warehouse

    r = make_warehouse(tmp_path_factory.mktemp("steps"), STEP_DOSSIERS, extra_tables={
        "raw_dossier_step": pl.DataFrame(STEPS, schema=STEP_SCHEMA),
        "quarantine": pl.DataFrame(QUARANTINE, schema=QUARANTINE_SCHEMA, orient="row"),
        "load_log": LOAD_LOG,
    })
    yield r
    r.close()


def test_quarantined_records_by_agency_and_date(steps_wh):
    q = issues(steps_wh, "quarantined").sort("source_file", "source_row")
    got = [(r["record_ref"], r["agency_code"], r["event_date"]) for r in q.iter_rows(named=True)]
    assert got == [
        ("tệp tien_do.json, dòng 3", "B", dt.date(2025, 4, 2)),
        ("tệp xuat.csv, dòng 5", "A", dt.date(2025, 3, 10)),
        ("tệp xuat.csv, dòng 6", "B", dt.date(2025, 4, 2)),
        ("tệp xuat.csv, dòng 9", None, dt.date(2025, 5, 6)),
        ("tệp xuat.csv, dòng 12", None, dt.date(2025, 3, 1)),
    ]
    q1 = q.filter(pl.col("source_row") == 5).row(0, named=True)
    assert q1["explanation"] == (
        "Bản ghi hồ sơ bị loại khi nạp: ngày không hợp lệ (NgayTiepNhan: 31/02/2025); "
        "mã trạng thái không hợp lệ (cần từ 1 đến 10) (TrangThaiHoSo: 11).")
    assert "bước xử lý" in q.filter(pl.col("source_file") == "tien_do.json")["explanation"][0]
    year = counts(steps_wh, "year", "2025")
    assert (year[("A", "quarantined")], year[("B", "quarantined")], year[(None, "quarantined")]) == (1, 2, 2)
    unknown = qi.integrity_issues(steps_wh, "year", "2025", qi.UNKNOWN_AGENCY, "quarantined")
    assert unknown["source_row"].to_list() == [12, 9]       # by date: 01/03, 06/05


def test_department_that_held_each_late_dossier(steps_wh):
    held = steps_wh.query("select * from fct_late_holdup order by dossier_id")
    got = {r["dossier_id"]: (r["department"], r["added_days"], r["overrun_days"])
           for r in held.iter_rows(named=True)}
    assert got == {
        "T1": (EXPERT, 2, 2), "T2": (LEADER, 2, 2), "T3": (EXPERT, 1, 1), "T4": (None, None, None),
        "T6": (EXPERT, 8, 8),
    }
    assert held.filter(pl.col("dossier_id") == "T6")["late_state"][0] == "overdue"
    late = issues(steps_wh, "late_department")
    assert dict(zip(late["dossier_id"], late["event_date"])) == {
        "T1": dt.date(2025, 6, 18), "T2": dt.date(2025, 6, 10), "T3": dt.date(2025, 6, 6),
        "T4": dt.date(2025, 6, 9), "T6": dt.date(2025, 6, 7),
    }
    t1 = late.filter(pl.col("dossier_id") == "T1")["explanation"][0]
    assert t1 == ('Giải quyết trễ 5 ngày; Phòng chuyên môn làm chậm hồ sơ 2 ngày làm việc (bước "Xử lý": '
                  'hạn 09/06/2025, thực hiện 11/06/2025).')
    assert "không bước xử lý nào làm chậm hồ sơ (1 bước đã nạp)" in \
        late.filter(pl.col("dossier_id") == "T4")["explanation"][0]
    assert counts(steps_wh, "month", "2025-06")[("A", "late_department")] == 5
    by_department = qi.late_departments(steps_wh, "month", "2025-06", "A")
    assert by_department.select("department", "dossiers").rows() == [(EXPERT, 3), (LEADER, 1), (None, 1)]
    # the list of another check shows the department that held the dossier too
    no_apology = qi.integrity_issues(steps_wh, "month", "2025-06", "A", "late_no_apology")
    assert dict(zip(no_apology["dossier_id"], no_apology["department"])) == {
        "T1": EXPERT, "T2": LEADER, "T3": EXPERT, "T4": None, "T7": None}


# --------------------------------------------------------------------------------------------
# 4. The demo warehouse exhibits every issue, concentrated in a few agencies
# --------------------------------------------------------------------------------------------

def test_demo_exhibits_every_issue_in_a_few_agencies(demo_dir):
    r = store.Reader(demo_dir)
    per_check = r.query(
        """select check_key, count(*) as n, count(distinct agency_code) as agencies
           from fct_integrity_issue group by 1"""
    )
    found = dict(zip(per_check["check_key"], per_check["n"]))
    assert set(found) == set(qi.checks(r)["check_key"])
    assert all(n >= 10 for n in found.values()), found
    # the serious ones sit in a few agencies: the top five hold most of them
    top = r.query(
        """with a as (select agency_code, count(*) n from fct_integrity_issue
                      where check_key in ('closed_no_result', 'due_moved_no_supplement', 'bulk_closure')
                      group by 1)
           select sum(n) filter (where rk <= 5) / sum(n) as share
           from (select *, row_number() over (order by n desc) rk from a)"""
    )["share"][0]
    assert top > 0.8
    # agg_integrity adds up to the issues of each year
    check = r.query(
        """select p.period_key,
                  (select count(*) from fct_integrity_issue i
                   where year(i.event_date) = p.year and coalesce(i.period_basis, 'month') = 'month') as fct,
                  (select sum(issues) from agg_integrity a
                   where a.period_kind = 'year' and a.period_key = p.period_key) as agg
           from dim_period p where p.period_kind = 'year'"""
    )
    assert check.filter(pl.col("fct") != pl.col("agg").fill_null(0)).height == 0
    assert r.query("select count(*) n from raw_dossier_step")["n"][0] > 0
    assert r.query("select count(*) n from quarantine where reason = 'ngày không hợp lệ'")["n"][0] > 0
    r.close()


def test_demo_integrity_is_deterministic_for_a_seed():
    """The same seed gives the same changed dossiers, history, steps and quarantine; another seed others."""
    import duckdb

    from etl import demo, demo_integrity
    from etl import demo_reference as ref

    agencies = ref.agencies()
    as_of = dt.date(2026, 11, 23)
    dossiers = demo.generate_dossiers(agencies, seed=3, scale=0.01, as_of=as_of)

    def run(seed: int) -> dict[str, pl.DataFrame]:
        con = duckdb.connect()
        store.configure(con)
        build.create_schema(con)
        build.insert_frame(con, "ref_agency", agencies.drop("demo_key"))
        build.insert_frame(con, "raw_dossier", dossiers)
        demo_integrity.add_integrity_issues(con, dossiers, agencies, seed=seed, as_of=as_of, load_id="demo")
        out = {t: con.sql(f"select * from {t} order by all").pl()
               for t in ("raw_dossier", "raw_dossier_history", "raw_dossier_step", "quarantine")}
        con.close()
        return out

    a, b, c = run(3), run(3), run(4)
    assert all(a[t].equals(b[t]) for t in a)
    assert not a["raw_dossier_history"].equals(c["raw_dossier_history"])
    assert min(a[t].height for t in a) > 0
