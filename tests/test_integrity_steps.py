"""Reporting-integrity checks (docs/integrity.md) on quarantined records (by agency and date) and
on processing steps (the department that held each late dossier), June 2025. Answers worked out by
hand in the comment above the data.

Dates are 2025 and the data's date is 31/12/2025 or later, so nothing here depends on the day the
tests run.
"""

import datetime as dt

import polars as pl
import pytest

from tests.conftest import dossier, ts
from tests.integrity_helpers import counts, done, issues
from warehouse import queries_integrity as qi

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
