"""Apology slips (phiếu xin lỗi và hẹn lại ngày trả kết quả): where they come from and the apology KPI.

The national sync record has no apology field. A slip comes from a vendor's column (CoPhieuXinLoi,
"Phiếu xin lỗi") or from a loaded list of slips (Mã hồ sơ, Ngày xin lỗi, Ngày hẹn trả mới). A dossier
is "yes" (a slip listed, or the column says yes), "no" (the column says no, or a loaded list covers
its agency: the list has a slip of at least one of the agency's dossiers) or unknown (docs/late.md).

Hand-made warehouse, March 2025, data up to Mon 31/03/2025 (the month is judged on 31/03):
  A1 (A) due Fri 07/03, finished Tue 11/03, late; listed slip 06/03, new appointment 11/03  -> yes
  A2 (A) due Wed 12/03, finished Wed 19/03, late; not listed, A covered by the list         -> no
  A3 (A) due Mon 10/03, still open (overdue on 31/03); listed slip 07/03, new 20/03         -> yes
  A4 (A) finished on its due day: owes no slip
  B1 (B) due 10/03, finished 12/03, late; B has no slip in any list, no column             -> unknown
  B2 (B) due 14/03, still open and overdue                                                   -> unknown
  C1 (C) due 10/03, finished 13/03, late; the vendor's column says no                       -> no
  C2 (C) due 10/03, finished 13/03, late; the vendor's column says yes                      -> yes
  N1 (A) received 31/03: sets the data's date
The list also names ZZ.1, a dossier not loaded (kept, counts nowhere), and has three bad rows.

Apology KPI (late with a slip / late owing one whose slip is known), March 2025:
  A: owing A1 A2 A3, known 3, with a slip A1 A3 -> 2/3
  B: owing B1 B2, known 0 -> no data (null), not 0%
  C: owing C1 C2, known 2, with C2 -> 1/2
  province: with 3 (A1 A3 C2) / known 5 (A1 A2 A3 C1 C2) = 60%
"""

import datetime as dt

import polars as pl
import pytest

from etl.load import load_files
from tests.conftest import dossier, make_warehouse
from ui.listing import late_listing
from warehouse import queries, queries_late, store
from warehouse.metrics import METRICS

AGENCIES = [("A", "Sở Một", "department"), ("B", "Sở Hai", "department"), ("C", "Sở Ba", "department")]
DOSSIERS = [
    dossier("A1", "2025-03-03", "2025-03-07", "2025-03-11", apology_issued=None),
    dossier("A2", "2025-03-03", "2025-03-12", "2025-03-19", apology_issued=None),
    dossier("A3", "2025-02-24", "2025-03-10", status=2, apology_issued=None),
    dossier("A4", "2025-03-03", "2025-03-10", "2025-03-10", apology_issued=None),
    dossier("B1", "2025-03-03", "2025-03-10", "2025-03-12", agency="B", apology_issued=None),
    dossier("B2", "2025-03-03", "2025-03-14", agency="B", status=2, apology_issued=None),
    dossier("C1", "2025-03-03", "2025-03-10", "2025-03-13", agency="C", apology_issued=False),
    dossier("C2", "2025-03-03", "2025-03-10", "2025-03-13", agency="C", apology_issued=True),
    dossier("N1", "2025-03-31", "2025-04-07", apology_issued=None, status=2),
]
SLIPS = (
    "Mã hồ sơ,Ngày xin lỗi,Ngày hẹn trả mới\n"
    "A1,06/03/2025,11/03/2025\n"          # row 2
    "A3,07/03/2025,20/03/2025\n"          # row 3
    "ZZ.1,05/03/2025,\n"                  # row 4: a dossier not loaded, no new date given
    ",08/03/2025,10/03/2025\n"            # row 5: no dossier code
    "A2,31/02/2025,\n"                    # row 6: no such day
    "B1,10/03/2025,05/03/2025\n"          # row 7: new appointment before the slip
)
NOW = dt.datetime(2025, 4, 1, 9)


def apology_rates(r, agency: str | None = None):
    m = METRICS["apology_rate"]
    return r.query(
        f"""select agency_code, {m.sql()} as rate, sum({m.numerator}) as with_slip,
                   sum({m.denominator}) as known
            from agg_periodic_report where period_kind = 'month' and period_key = '2025-03'
            group by agency_code order by agency_code""")


@pytest.fixture(scope="module")
def wh(tmp_path_factory):
    directory = tmp_path_factory.mktemp("apology")
    make_warehouse(directory, DOSSIERS, agencies=AGENCIES, as_of="2025-03-31").close()
    path = directory.parent / "phieu_xin_loi.csv"
    path.write_text(SLIPS, encoding="utf-8")
    (result,) = load_files(directory, [path], progress=lambda m: None, now=NOW)
    return directory, result


def test_the_list_is_recognised_and_bad_rows_quarantined(wh):
    directory, result = wh
    assert (result.kind, result.read, result.loaded, result.rejected) == ("apology", 6, 3, 3)
    r = store.Reader(directory)
    try:
        slips = r.query("select dossier_id, slip_date, new_due_date from raw_apology_slip order by 1")
        assert slips.rows() == [
            ("A1", dt.date(2025, 3, 6), dt.date(2025, 3, 11)),
            ("A3", dt.date(2025, 3, 7), dt.date(2025, 3, 20)),
            ("ZZ.1", dt.date(2025, 3, 5), None)]
        bad = queries.quarantine_rows(r).select("source_file", "source_row", "field", "reason").rows()
        assert sorted((row, field, reason) for _, row, field, reason in bad) == [
            (5, "MaHoSo", "thiếu mã hồ sơ"),
            (6, "NgayXinLoi", "ngày không hợp lệ"),
            (7, "NgayHenTraMoi", "ngày hẹn trả mới trước ngày xin lỗi")]
        assert {f for f, *_ in bad} == {str(directory.parent / "phieu_xin_loi.csv")}
        # the sync column and the list together: each dossier's state
        states = dict(r.query("select dossier_id, apology_issued from fct_dossier").rows())
        assert states == {"A1": True, "A2": False, "A3": True, "A4": False, "B1": None, "B2": None,
                          "C1": False, "C2": True, "N1": False}
    finally:
        r.close()


def test_loading_the_list_twice_changes_nothing(wh, tmp_path):
    directory, _ = wh
    path = directory.parent / "phieu_xin_loi.csv"
    load_files(directory, [path], progress=lambda m: None, now=NOW)
    r = store.Reader(directory)
    try:
        assert r.query("select count(*) n from raw_apology_slip")["n"][0] == 3
    finally:
        r.close()


def test_apology_kpi_counts_open_overdue_and_says_no_data(wh):
    directory, _ = wh
    r = store.Reader(directory)
    try:
        rows = {a: (rate, w, k) for a, rate, w, k in apology_rates(r).rows()}
        assert rows["A"][1:] == (2, 3) and rows["A"][0] == pytest.approx(2 / 3)
        assert rows["B"] == (None, 0, 0)           # no source covers B: no data, not 0%
        assert rows["C"] == (0.5, 1, 2)
        province = queries.province_summary(r, "month", "2025-03").row(0, named=True)
        assert province["apology_rate"] == pytest.approx(0.6)
        assert (province["late_with_apology"], province["late_apology_known"]) == (3, 5)
    finally:
        r.close()


def test_late_list_and_integrity_read_the_three_states(wh):
    """The late list of March: A3 (open: 11/03-31/03 = 15 working days), B2 (17-31/03: 11), A2 (5),
    C1 (3), C2 (3), A1 (2), B1 (2). The integrity check "late with no apology slip" flags the "no"
    ones that finished late (A2, C1), never an unknown one (B1)."""
    directory, _ = wh
    r = store.Reader(directory)
    try:
        late = queries_late.late_dossiers(r, "month", "2025-03")
        assert late.select("dossier_id", "late_workdays").rows() == [
            ("A3", 15), ("B2", 11), ("A2", 5), ("C1", 3), ("C2", 3), ("A1", 2), ("B1", 2)]
        got = dict(late.select("dossier_id", "apology_issued").rows())
        assert got == {"A3": True, "B2": None, "A2": False, "C1": False, "C2": True, "A1": True, "B1": None}
        a1 = late.filter(late["dossier_id"] == "A1").row(0, named=True)
        assert (a1["apology_date"], a1["apology_new_due_date"]) == (dt.date(2025, 3, 6), dt.date(2025, 3, 11))
        # as the late page and its Excel file show them
        shown = late_listing(late).filter(pl.col("Mã hồ sơ").is_in(["A1", "A2", "B1"]))
        assert shown.select("Mã hồ sơ", "Phiếu xin lỗi", "Ngày xin lỗi", "Hẹn trả mới").rows() == [
            ("A2", "Chưa", "—", "—"), ("A1", "Có", "06/03/2025", "11/03/2025"),
            ("B1", "Không có dữ liệu", "—", "—")]
        assert queries_late.late_summary(r, "month", "2025-03") == {
            "late": 7, "finished_late": 5, "apologies": 3, "no_apology": 2, "apology_unknown": 2}
        flagged = r.query("select dossier_id from fct_integrity_issue where check_key = 'late_no_apology' "
                          "order by 1")["dossier_id"].to_list()
        assert flagged == ["A2", "C1"]
    finally:
        r.close()


def test_without_any_source_the_kpi_is_no_data(tmp_path):
    """The same dossiers as the sync record sends them (no apology column) and no list: every late
    dossier unknown, the KPI null for every agency and the province, nothing flagged."""
    rows = [{**d, "apology_issued": None} for d in DOSSIERS]
    r = make_warehouse(tmp_path / "none", rows, agencies=AGENCIES, as_of="2025-03-31")
    try:
        assert {a: (rate, k) for a, rate, _, k in apology_rates(r).rows()} == {
            "A": (None, 0), "B": (None, 0), "C": (None, 0)}
        assert queries.province_summary(r, "month", "2025-03")["apology_rate"][0] is None
        no_apology = r.query(
            "select count(*) n from fct_integrity_issue where check_key = 'late_no_apology'")["n"][0]
        assert no_apology == 0
    finally:
        r.close()
