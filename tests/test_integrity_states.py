"""Reporting-integrity checks (docs/integrity.md) on dossier states and their loaded history, March
2025: each dossier check finds exactly the hand-picked dossiers, with their dates and explanations,
counted per period, agency and check, and read by the page's query functions.

The data and the answers worked out by hand: tests/integrity_helpers.py. The data's date is
31/12/2025, so nothing here depends on the day the tests run.
"""

import datetime as dt

import polars as pl
import pytest

from tests.integrity_helpers import HISTORY, HISTORY_SCHEMA, STATE_AGENCIES, STATES, counts, issues
from warehouse import queries_integrity as qi


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
