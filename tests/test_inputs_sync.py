"""Inputs the national sync record (DongBoHoSoMC) really carries, loaded with the real loader:
fees from DanhSachLePhi (else the procedure catalogue's flag), online payment from
DuocThanhToanTrucTuyen, how the result was returned (HinhThuc), the supplement requests'
appointments; and `python -m etl score766` over them. docs/inputs.md states the rules.

Every file is written by the test; every expected figure is worked out by hand in the comments.

The October 2025 set. Two agencies, each with one procedure; the catalogue lists both as fully
online, published, publicised and complete; 1.001230 (S) says nothing about a fee, 2.000815 (H) has
one. Every dossier is received online on Monday 06/10/2025, due 20/10, finished early on 10/10,
digitised, with an electronic result. One PAKN (resolved on time, satisfied) and one satisfied rating
per agency.

  S  DanhSachLePhi            DuocThanhToanTrucTuyen  fee?      paid online?  HinhThuc
  F1 [200000]                 1                      yes       yes           1
  F2 [0, 100000]              2                      yes       yes           1
  F3 ["50000"]                0                      yes       no            0
  F4 [200000]                 (absent)               yes       unknown: no   0
  F5 [0]                      0                      no                      1
  F6 []                       0                      no                      (absent)
  F7 (absent)                 1                      unknown (catalogue silent): not counted
  -> online payment 2 / 4 = 0.5, threshold 1.0: 10 x 0.5 = 5.00 points
  -> results by post: known F1..F5 = 5, by post F1, F2, F5 = 3 -> 0.6

  H  DanhSachLePhi   DuocThanhToanTrucTuyen  fee?
  G1 (absent)        1                       yes (catalogue)    paid online
  G2 (absent)        0                       yes (catalogue)    not paid
  G3 [0]             0                       no: the record's list wins over the catalogue
  G4 (absent)        (absent)                yes (catalogue)    unknown: not counted paid
  -> 1 / 3, 10 x 1/3 = 3.33 points

Every other indicator is full: CKMB 4 x 4.5 = 18 (published, publicised, complete 1/1; dossiers of a
catalogued procedure 7/7), TDGQ 20 (all early), CLGQ 6 + 6 (procedure online 1/1 >= 0.8; online share
1 >= 0.5), MDSH 8 + 8 (electronic results, digitised) with data reuse (6) unscored for lack of input,
MDHL 6 + 6 + 6 (PAKN on time, PAKN satisfied, receiving satisfied).
  S total = 18 + 20 + 12 + 5 + 16 + 18 = 89.00, unscored 6 (data reuse)
  H total = 18 + 20 + 12 + 3.33 + 16 + 18 = 87.33, unscored 6
Without any fee field (no DanhSachLePhi, S's catalogue silent): S's TTTT is "no data" (empty), its
total 84.00 and its unscored points 6 + 10 = 16; never 10 / 10.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from tests.load_helpers import (
    H,
    S,
    cli,
    fresh,
    json_record,
    load,
    q,
    rec,
    write_csv,
    write_text,
)
from warehouse.metrics import METRICS

ABSENT = object()
CATALOGUE = (
    "Mã TTHC,Tên TTHC,Mức độ DVCTT,Công bố đúng hạn,Công khai,Thông tin đầy đủ,Có phí lệ phí\n"
    "1.001230,Cấp phiếu lý lịch tư pháp,Toàn trình,Có,Có,Có,\n"
    "2.000815,Chứng thực bản sao từ bản chính,Toàn trình,Có,Có,Có,Có\n"
)
PAKN = ("Mã PAKN,Mã đơn vị xử lý,Ngày tiếp nhận,Hạn xử lý,Ngày trả lời,Mức độ hài lòng\n"
        f"PA1,{S},06/10/2025,20/10/2025,10/10/2025,Hài lòng\n"
        f"PA2,{H},06/10/2025,20/10/2025,10/10/2025,Hài lòng\n")
RATINGS = ("Mã đơn vị xử lý,Ngày đánh giá,Hài lòng\n"
           f"{S},15/10/2025,Hài lòng\n"
           f"{H},15/10/2025,Hài lòng\n")

# (id, agency, DanhSachLePhi amounts, DuocThanhToanTrucTuyen, HinhThuc); ABSENT = no such field
OCTOBER = [
    ("F1", S, [200000], 1, 1),
    ("F2", S, [0, 100000], 2, 1),
    ("F3", S, ["50000"], 0, 0),
    ("F4", S, [200000], ABSENT, 0),
    ("F5", S, [0], 0, 1),
    ("F6", S, [], 0, ABSENT),
    ("F7", S, ABSENT, 1, ABSENT),
    ("G1", H, ABSENT, 1, ABSENT),
    ("G2", H, ABSENT, 0, ABSENT),
    ("G3", H, [0], 0, ABSENT),
    ("G4", H, ABSENT, ABSENT, ABSENT),
]


def sync_record(mahoso, agency, fees, paid, how, *, with_fees: bool = True) -> dict:
    r = json_record(rec(mahoso, "2025-10-06", "2025-10-20", "2025-10-10", channel=2, agency=agency))
    r.pop("DuocThanhToanTrucTuyen")
    if paid is not ABSENT:
        r["DuocThanhToanTrucTuyen"] = str(paid)
    if how is not ABSENT:
        r["HinhThuc"] = str(how)
    if with_fees and fees is not ABSENT:
        r["DanhSachLePhi"] = [{"TenPhiLePhi": "Lệ phí", "MaPhiLePhi": "LP", "HinhThucThu": "1", "Gia": g,
                               "LoaiPhiLePhi": "2"} for g in fees]
    return r


def write_sync(path: Path, records: list[dict]) -> Path:
    body = {"service": "DongBoHoSoMC", "isUpdating": False, "data": records}
    path.write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")
    return path


def october_warehouse(empty_warehouse: Path, base: Path, with_fees: bool) -> Path:
    directory = fresh(empty_warehouse, base / "wh")
    results = load(directory,
                   write_text(base / "thu_tuc.csv", CATALOGUE),
                   write_text(base / "pakn.csv", PAKN),
                   write_text(base / "danh_gia.csv", RATINGS),
                   write_sync(base / "hoso.json", [sync_record(*r, with_fees=with_fees) for r in OCTOBER]))
    assert [(r.loaded, r.rejected, r.unusable) for r in results] == [(2, 0, None), (2, 0, None), (2, 0, None),
                                                                      (11, 0, None)]
    return directory


@pytest.fixture(scope="module")
def with_fees(empty_warehouse, tmp_path_factory) -> Path:
    return october_warehouse(empty_warehouse, tmp_path_factory.mktemp("fees"), True)


@pytest.fixture(scope="module")
def without_fees(empty_warehouse, tmp_path_factory) -> Path:
    return october_warehouse(empty_warehouse, tmp_path_factory.mktemp("nofees"), False)


def score766(directory: Path, period: str = "2025-10") -> dict[str, dict]:
    done = cli("score766", "--warehouse", directory, "--period", period)
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    assert list(rows[0]) == ["agency_code", "agency_name", "CKMB", "TDGQ", "CLGQ", "TTTT", "MDSH", "MDHL",
                             "TONG_SCORE", "unscored_points"]
    return {r["agency_code"]: r for r in rows}


def kpi(directory: Path, key: str, agency: str) -> float | None:
    m = METRICS[key]
    return q(directory, f"select {m.sql()} from {m.table} "
                        "where period_kind = 'month' and period_key = '2025-10' and agency_code = ?",
             [agency])[0][0]


def test_fees_come_from_the_fee_list_else_the_catalogue_and_unknown_stays_unknown(with_fees):
    stored = dict(q(with_fees, "select dossier_id, has_fee from raw_dossier"))
    assert stored == {"F1": True, "F2": True, "F3": True, "F4": True, "F5": False, "F6": False, "F7": None,
                      "G1": None, "G2": None, "G3": False, "G4": None}
    # the catalogue fills in what the record does not say (H's procedure has a fee; S's says nothing)
    facts = dict(q(with_fees, "select dossier_id, has_fee from fct_dossier"))
    assert facts == {**stored, "G1": True, "G2": True, "G4": True}
    # 0 is a known "not paid online"; an absent field is unknown
    assert dict(q(with_fees, "select dossier_id, paid_online from raw_dossier")) == {
        "F1": 1, "F2": 2, "F3": 0, "F4": None, "F5": 0, "F6": 0, "F7": 1,
        "G1": 1, "G2": 0, "G3": 0, "G4": None}


def test_online_payment_indicator_worked_out_by_hand(with_fees):
    rows = {r[0]: r[1:] for r in q(with_fees, """
        select agency_code, numerator, denominator, round(points, 2), status
        from agg_score_766_indicator where period_kind = 'month' and period_key = '2025-10'
          and indicator_key = 'online_payment'""")}
    assert rows == {S: (2, 4, 5.0, "scored"), H: (1, 3, 3.33, "scored")}
    # the registry's KPI is the same ratio
    assert kpi(with_fees, "online_payment_share", S) == pytest.approx(0.5)
    assert kpi(with_fees, "online_payment_share", H) == pytest.approx(1 / 3)


def test_score766_csv_gives_the_hand_totals(with_fees):
    got = score766(with_fees)
    columns = ("CKMB", "TDGQ", "CLGQ", "TTTT", "MDSH", "MDHL", "TONG_SCORE", "unscored_points")
    assert [got[S][c] for c in columns] == \
        ["18.00", "20.00", "12.00", "5.00", "16.00", "18.00", "89.00", "6.00"]
    assert [got[H][c] for c in ("TTTT", "TONG_SCORE", "unscored_points")] == ["3.33", "87.33", "6.00"]


def test_without_fee_fields_online_payment_is_no_data_not_full_marks(without_fees):
    status = q(without_fees, """select status, points from agg_score_766_indicator
        where period_kind = 'month' and period_key = '2025-10' and indicator_key = 'online_payment'
          and agency_code = ?""", [S])
    assert status == [("no_data", None)]
    got = score766(without_fees)[S]
    # TTTT empty ("không có dữ liệu"), 10 more points unscored than with fees (6 -> 16), total 89 - 5 = 84
    assert (got["TTTT"], got["TONG_SCORE"], got["unscored_points"]) == ("", "84.00", "16.00")
    # the registry KPI has no value either (no denominator), rather than 0%
    assert kpi(without_fees, "online_payment_share", S) is None


def test_fee_known_but_none_with_a_fee_is_nothing_to_judge(empty_warehouse, tmp_path):
    """An agency whose dossiers all say "no fee" (every Gia 0) has nothing to judge: ref_766's
    when_empty for online payment ('full') gives the 10 points, status no_cases, not no data."""
    directory = fresh(empty_warehouse, tmp_path / "wh")
    load(directory, write_sync(tmp_path / "h.json", [sync_record("Z1", S, [0], 0, 0),
                                                     sync_record("Z2", S, [], 0, 0)]))
    assert q(directory, """select status, points from agg_score_766_indicator where period_kind = 'month'
        and period_key = '2025-10' and indicator_key = 'online_payment'""") == [("no_cases", 10.0)]


def test_results_returned_by_post_kpi(with_fees):
    # S: HinhThuc known for F1..F5 (5), by post F1, F2, F5 (3): 3 / 5
    assert kpi(with_fees, "result_by_post_share", S) == pytest.approx(0.6)
    # H: no record says how its result was returned: no value, not 0%
    assert kpi(with_fees, "result_by_post_share", H) is None
    assert dict(q(with_fees, "select dossier_id, result_method from raw_dossier where agency_code = ?",
                  [S])) == \
        {"F1": 1, "F2": 1, "F3": 0, "F4": 0, "F5": 1, "F6": None, "F7": None}


def test_supplement_requests_keep_the_original_appointment(empty_warehouse, tmp_path):
    """Two supplement requests: the first moved the appointment 20/10 -> 23/10, the second 23/10 ->
    27/10 (NgayHenTra is the latest, 27/10). The original appointment (earliest NgayHenTraTruoc) is
    20/10, the latest new one 27/10; finished 24/10, before its appointment, yet late by the 766 rule
    (more than one supplement request)."""
    directory = fresh(empty_warehouse, tmp_path / "wh")
    r = json_record(rec("B1", "2025-10-06", "2025-10-27", "2025-10-24", agency=S))
    r["DanhSachHoSoBoSung"] = [
        {"NgayBoSung": "20251008090000", "NgayTiepNhanBoSung": "20251013090000",
         "NgayHenTraTruoc": "20251020170000", "NgayHenTraMoi": "20251023170000"},
        {"NgayBoSung": "20251015090000", "NgayTiepNhanBoSung": "20251017090000",
         "NgayHenTraTruoc": "20251023170000", "NgayHenTraMoi": "20251027170000"},
    ]
    load(directory, write_sync(tmp_path / "b.json", [r]))
    assert q(directory, """select supplement_count, original_due_at::varchar, rescheduled_due_at::varchar
                           from raw_dossier""") == [(2, "2025-10-20 17:00:00", "2025-10-27 17:00:00")]
    assert q(directory, """select finished_class, finished_class_766, original_due_date::varchar
                           from fct_dossier""") == [("early", "late", "2025-10-20")]


def test_a_vendor_csv_fee_column_and_result_method_text(empty_warehouse, tmp_path):
    """A flat export: "Có phí lệ phí" yes / no / an amount, and "Hình thức trả kết quả" as text."""
    directory = fresh(empty_warehouse, tmp_path / "wh")
    records = [rec(f"V{i}", "2025-10-06", "2025-10-20", "2025-10-10", CoPhiLePhi=fee, HinhThuc=how)
               for i, (fee, how) in enumerate([("Có", "Bưu chính"), ("0", "Trực tiếp"), ("50.000", "1"),
                                               (None, None)], start=1)]
    load(directory, write_csv(tmp_path / "hoso.csv", records))
    assert q(directory, "select dossier_id, has_fee, result_method from raw_dossier order by 1") == [
        ("V1", True, 1), ("V2", False, 0), ("V3", True, 1), ("V4", None, None)]


def test_score766_refuses_an_unknown_period_or_a_missing_warehouse(with_fees, tmp_path):
    for period in ("2025-13", "2019-05", "năm 2025"):
        done = cli("score766", "--warehouse", with_fees, "--period", period)
        assert done.returncode == 2 and "--period" in done.stderr and not done.stdout
    done = cli("score766", "--warehouse", tmp_path / "none", "--period", "2025-10")
    assert done.returncode == 2 and "no warehouse" in done.stderr


def test_score766_xlsx_has_vietnamese_headers_and_the_same_figures(with_fees, tmp_path):
    import polars as pl

    path = tmp_path / "diem.xlsx"
    done = cli("score766", "--warehouse", with_fees, "--period", "2025", "--format", "xlsx", "--output", path)
    assert done.returncode == 0, done.stderr
    frame = pl.read_excel(path)
    assert frame.columns[:2] == ["Mã đơn vị", "Tên đơn vị"] and "Tổng điểm" in frame.columns
    # the year holds only October's dossiers: the same scores as the month
    got = dict(zip(frame["Mã đơn vị"], frame["Tổng điểm"]))
    assert (round(got[S], 2), round(got[H], 2)) == (89.0, 87.33)


def test_a_warehouse_made_before_the_new_columns_gets_them_on_the_next_load(empty_warehouse, tmp_path):
    """A warehouse whose raw_dossier predates result_method / original_due_at / rescheduled_due_at
    (dropped here to make one): the next load adds them, keeps the old rows (their new columns null,
    "not said") and stores what the new file says."""
    import duckdb

    from warehouse import store

    directory = fresh(empty_warehouse, tmp_path / "wh")
    load(directory, write_sync(tmp_path / "a.json", [sync_record("F1", S, [200000], 1, 1)]))
    con = duckdb.connect(str(store.current_path(directory)))
    for column in ("result_method", "original_due_at", "rescheduled_due_at"):
        con.execute(f"alter table raw_dossier drop column {column}")
    con.close()
    results = load(directory, write_sync(tmp_path / "b.json", [sync_record("F5", S, [0], 0, 1)]))
    assert results[0].unusable is None and results[0].loaded == 1
    assert q(directory, "select dossier_id, has_fee, result_method from raw_dossier order by 1") == [
        ("F1", True, None), ("F5", False, 1)]


def test_a_parquet_folder_written_before_the_new_columns_still_builds(empty_warehouse, tmp_path):
    """Parquet mode reads an older folder without the new columns as null; every other column of
    raw_dossier stays required (tests/test_parquet.py)."""
    import duckdb

    from etl import parquet

    directory = fresh(empty_warehouse, tmp_path / "wh")
    load(directory, write_sync(tmp_path / "a.json", [sync_record(*r) for r in OCTOBER]))
    folder = tmp_path / "out"
    parquet.export(directory, folder)
    con = duckdb.connect()
    for path in folder.rglob("*.parquet"):  # rewrite each file without the three columns
        old = path.with_suffix(".old")
        path.rename(old)
        con.execute(f"copy (select * exclude (result_method, original_due_at, rescheduled_due_at) "
                    f"from read_parquet('{old}')) to '{path}' (format parquet)")
        old.unlink()
    con.close()
    rebuilt = tmp_path / "from_parquet"
    parquet.build_from_folder(rebuilt, folder)
    assert q(rebuilt, "select count(*), count(result_method), count(has_fee) from raw_dossier") == [
        (11, 0, 7)]
