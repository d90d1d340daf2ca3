"""Dossiers left under an agency that ceased on 30/06/2025: who took over (sql/macros/agency_successor.sql),
the integrity check ceased_agency_open, the mark on the late and due-soon lists, the agency page's
warning, and the demo's handover (etl/demo_handover.py). A small province worked out by hand; data
as of 31/03/2026.

Units (hierarchy 1, until 30/06/2025) of "Tỉnh Thử" (99):
 Huyện Một (100, a rural district): Thị trấn Tê (00001, its seat), Xã A (00002), Xã B (00003)
 Thành phố Hai (200, a city): Phường C (00004), Phường E (00005), Phường F (00006)
New communes (hierarchy 2, from 01/07/2025) and the crosswalk (default successor starred):
 Xã Mới Một 10001 <- 00001*          Xã Mới Hai 10002 <- 00002*, 00003*
 Phường Mới Ba 10003 <- 00004*, 00006 (part)     Phường Mới Bốn 10004 <- 00005*, 00006*

Successors:
 HD  UBND huyện Một: a huyện with one thị trấn -> its seat's successor, Xã Mới Một (not Xã Mới Hai,
     which took in more of its communes)
 HC  UBND thành phố Hai: a city -> the new commune that took in most of its communes: Phường Mới Bốn
     (2: E and F's default) over Phường Mới Ba (1)
 XA  UBND xã A -> Xã Mới Hai;   XF  UBND phường F (split) -> its default, Phường Mới Bốn
 S   Sở S (a department, still in existence): none

Dossiers:
 XA-open   XA, received 02/06/2025, due 16/06/2025, still open (4): open under a ceased agency,
           overdue since 17/06/2025 -> flagged, dated 31/03/2026 (the data's date)
 HD-late   HD, received 10/06/2025, due 20/06/2025, finished 15/07/2025 under HD's code -> flagged,
           dated 15/07/2025; on the late list of Q3/2025 (finished late) with the mark, and of Q2/2025
           (open and overdue on 30/06, when HD still existed) without it
 HD-ok     HD, received 02/06/2025, due 10/06/2025, finished 05/06/2025: before HD ended, not flagged
 XF-soon   XF, received 25/06/2025, due 02/04/2026, still open: flagged; due in 2 working days on
           31/03/2026 (Wed 01/04, Thu 02/04), on the due-soon list with the mark
 S-late    S, received 02/03/2026, due 10/03/2026, still open: late in Q1/2026, no mark
"""

import datetime as dt

import duckdb
import polars as pl
import pytest

from tests.apptest_support import fresh_caches, no_errors, run_page  # noqa: F401
from tests.conftest import dossier, make_warehouse
from ui import agency_parts
from ui.listing import due_soon_listing, late_listing
from warehouse import build, queries_agency, queries_integrity, queries_late, store

UNITS = pl.DataFrame(
    [(1, "99", "Tỉnh Thử", "Tỉnh", "province", None), (2, "99", "Tỉnh Thử", "Tỉnh", "province", None),
     (1, "100", "Huyện Một", "Huyện", "district", "99"),
     (1, "200", "Thành phố Hai", "Thành phố", "district", "99"),
     (1, "00001", "Thị trấn Tê", "Thị trấn", "commune", "100"), (1, "00002", "Xã A", "Xã", "commune", "100"),
     (1, "00003", "Xã B", "Xã", "commune", "100"), (1, "00004", "Phường C", "Phường", "commune", "200"),
     (1, "00005", "Phường E", "Phường", "commune", "200"),
     (1, "00006", "Phường F", "Phường", "commune", "200"),
     (2, "10001", "Xã Mới Một", "Xã", "commune", "99"), (2, "10002", "Xã Mới Hai", "Xã", "commune", "99"),
     (2, "10003", "Phường Mới Ba", "Phường", "commune", "99"),
     (2, "10004", "Phường Mới Bốn", "Phường", "commune", "99")],
    schema={"hierarchy_version": pl.Int8, "unit_code": pl.String, "unit_name": pl.String,
            "unit_type": pl.String, "unit_level": pl.String, "parent_code": pl.String}, orient="row",
).with_columns(pl.lit("99").alias("province_code"))
CROSSWALK = pl.DataFrame(
    [("00001", "10001", False, True), ("00002", "10002", False, True), ("00003", "10002", False, True),
     ("00004", "10003", False, True), ("00005", "10004", False, True), ("00006", "10004", True, True),
     ("00006", "10003", True, False)],
    schema={"old_commune_code": pl.String, "new_commune_code": pl.String, "is_split": pl.Boolean,
            "is_default": pl.Boolean}, orient="row",
)
END, START = dt.date(2025, 6, 30), dt.date(2025, 7, 1)
AGENCIES = pl.DataFrame(
    [("S", "Sở S", "department", 2, "99", None, None),
     ("HD", "UBND huyện Một", "district", 1, "100", None, END),
     ("HC", "UBND thành phố Hai", "district", 1, "200", None, END),
     ("XA", "UBND xã A", "commune", 1, "00002", None, END),
     ("XF", "UBND phường F", "commune", 1, "00006", None, END),
     ("N1", "UBND xã Mới Một", "commune", 2, "10001", START, None),
     ("N2", "UBND xã Mới Hai", "commune", 2, "10002", START, None),
     ("N3", "UBND phường Mới Ba", "commune", 2, "10003", START, None),
     ("N4", "UBND phường Mới Bốn", "commune", 2, "10004", START, None)],
    schema={"agency_code": pl.String, "agency_name": pl.String, "agency_level": pl.String,
            "unit_version": pl.Int8, "unit_code": pl.String, "valid_from": pl.Date, "valid_to": pl.Date},
    orient="row",
).with_columns(pl.lit(True).alias("verified"))
DOSSIERS = [
    dossier("XA-open", "2025-06-02", "2025-06-16", None, agency="XA", status=4),
    dossier("HD-late", "2025-06-10", "2025-06-20", "2025-07-15", agency="HD"),
    dossier("HD-ok", "2025-06-02", "2025-06-10", "2025-06-05", agency="HD"),
    dossier("XF-soon", "2025-06-25", "2026-04-02", None, agency="XF", status=4),
    dossier("S-late", "2026-03-02", "2026-03-10", None, agency="S", status=4),
]
TABLES = {"ref_agency": AGENCIES, "ref_unit": UNITS, "ref_unit_crosswalk": CROSSWALK}


@pytest.fixture(scope="module")
def wh_dir(tmp_path_factory):
    directory = tmp_path_factory.mktemp("ceased")
    make_warehouse(directory, DOSSIERS, as_of="2026-03-31", extra_tables=TABLES).close()
    return directory


@pytest.fixture(scope="module")
def wh(wh_dir):
    r = store.Reader(wh_dir)
    yield r
    r.close()


def test_who_took_over(wh):
    rows = wh.query("select agency_code, agency_display, ended_on, successor_agency_code, successor_display "
                    "from dim_agency_successor order by agency_code").rows()
    assert rows == [
        ("HC", "UBND thành phố Hai", END, "N4", "UBND phường Mới Bốn, Tỉnh Thử"),
        ("HD", "UBND huyện Một", END, "N1", "UBND xã Mới Một, Tỉnh Thử"),
        ("XA", "UBND xã A, Huyện Một", END, "N2", "UBND xã Mới Hai, Tỉnh Thử"),
        ("XF", "UBND phường F, Thành phố Hai", END, "N4", "UBND phường Mới Bốn, Tỉnh Thử"),
    ]


def test_integrity_counts_the_dossiers_not_handed_over(wh):
    issues = wh.query("select dossier_id, agency_code, event_date, explanation from fct_integrity_issue "
                      "where check_key = 'ceased_agency_open' order by dossier_id").rows()
    assert [(d, a, e) for d, a, e, _ in issues] == [
        ("HD-late", "HD", dt.date(2025, 7, 15)), ("XA-open", "XA", dt.date(2026, 3, 31)),
        ("XF-soon", "XF", dt.date(2026, 3, 31))]
    text = {d: x for d, _, _, x in issues}
    assert text["XA-open"] == (
        "Tiếp nhận ngày 02/06/2025 tại UBND xã A, Huyện Một, cơ quan đã giải thể (hoạt động đến hết ngày "
        "30/06/2025); hồ sơ vẫn chưa kết thúc tại ngày số liệu 31/03/2026, quá hạn từ ngày 17/06/2025; "
        "cần chuyển cho cơ quan kế thừa: UBND xã Mới Hai, Tỉnh Thử.")
    assert text["HD-late"] == (
        "Tiếp nhận ngày 10/06/2025 tại UBND huyện Một, cơ quan đã giải thể (hoạt động đến hết ngày "
        "30/06/2025); hồ sơ kết thúc ngày 15/07/2025 dưới mã của cơ quan đã giải thể; cần chuyển cho cơ "
        "quan kế thừa: UBND xã Mới Một, Tỉnh Thử.")
    march = queries_integrity.integrity_counts(wh, "month", "2026-03")
    assert dict(zip(march["agency_code"], march["ceased_agency_open"])) == {"XA": 1, "XF": 1}
    july = queries_integrity.integrity_counts(wh, "month", "2025-07")
    assert dict(zip(july["agency_code"], july["ceased_agency_open"])) == {"HD": 1}
    totals = queries_integrity.integrity_totals(wh, "year", "2026")
    row = totals.filter(pl.col("check_key") == "ceased_agency_open").row(0, named=True)
    assert (row["issues"], row["agencies"], row["severity"]) == (2, 2, "medium")


def test_the_late_list_marks_them_and_names_the_successor(wh):
    q1 = queries_late.late_dossiers(wh, "quarter", "2026-Q1")
    assert q1["dossier_id"].to_list() == ["XA-open", "S-late"]
    listing = late_listing(q1, with_agency=True)
    assert listing["Ghi chú"].to_list() == [
        "UBND xã A, Huyện Một đã giải thể (hoạt động đến hết ngày 30/06/2025); kế thừa: UBND xã Mới Hai, "
        "Tỉnh Thử", ""]
    # finished late after HD ended, under its code
    q3 = late_listing(queries_late.late_dossiers(wh, "quarter", "2025-Q3", agency="HD"))
    assert q3["Ghi chú"].to_list() == [
        "UBND huyện Một đã giải thể (hoạt động đến hết ngày 30/06/2025); kế thừa: UBND xã Mới Một, Tỉnh Thử"]
    # on 30/06/2025 XA and HD still existed: both open and overdue then (XA-open 10 working days after
    # 16/06, HD-late 6 after 20/06), and no mark (nor a column)
    q2 = queries_late.late_dossiers(wh, "quarter", "2025-Q2")
    assert q2["dossier_id"].to_list() == ["XA-open", "HD-late"]
    assert q2["late_workdays"].cast(pl.Int64).to_list() == [10, 6]
    assert q2["agency_ended_on"].to_list() == [None, None]
    assert "Ghi chú" not in late_listing(q2).columns


def test_the_due_soon_list_marks_them_too(wh):
    soon = queries_late.due_soon(wh, 3)
    assert soon.select("dossier_id", "workdays_left").rows() == [("XF-soon", 2)]
    assert due_soon_listing(soon)["Ghi chú"].to_list() == [
        "UBND phường F, Thành phố Hai đã giải thể (hoạt động đến hết ngày 30/06/2025); kế thừa: UBND phường "
        "Mới Bốn, Tỉnh Thử"]


def test_the_agency_page_counts_them(wh, wh_dir, monkeypatch):
    xa = queries_agency.ceased(wh, "XA")
    assert (xa["still_open"], xa["still_overdue"], xa["finished_after"]) == (1, 1, 0)
    hd = queries_agency.ceased(wh, "HD")
    assert (hd["still_open"], hd["still_overdue"], hd["finished_after"]) == (0, 0, 1)
    assert queries_agency.ceased(wh, "S") is None
    assert agency_parts.ceased_words(queries_agency.ceased(wh, "HC")) is None    # nothing left behind
    words = ("UBND xã A, Huyện Một đã giải thể (hoạt động đến hết ngày 30/06/2025), nhưng **1** hồ sơ vẫn "
             "chưa kết thúc tại ngày số liệu 31/03/2026 (1 quá hạn): các hồ sơ này cần được chuyển cho cơ "
             "quan kế thừa: **UBND xã Mới Hai, Tỉnh Thử**.")
    assert agency_parts.ceased_words(xa) == words
    monkeypatch.setenv("WAREHOUSE_DIR", str(wh_dir))
    at = run_page("pages/co_quan.py", don_vi="XA", ky="year", ma_ky="2025")
    no_errors(at)
    assert [w.value for w in at.warning] == [words]


def test_the_demo_handover_closes_the_backlog_and_moves_the_rest(tmp_path):
    """The raw tables of this province with one more dossier and two ratings, handed over as the demo
    does. Open on 30/06/2025 (no end, or an end after it): XA-open, never finished and due 16/06 (before
    the last day): closed by XA on 30/06/2025 at 16:00, result returned, its rating stays; XF-soon, due
    02/04/2026 -> N4; HD-late (finished 15/07) -> N1; HC-late (HC, finished 10/07/2025) would go to N4,
    but the sloppy district (most dossiers finished after it ended: HD and HC 1 each, the lower code
    HC) keeps its finished ones, its rating too. HD-ok (finished 05/06) and S-late stay."""
    from etl.demo_handover import hand_over_open_dossiers
    from tests.conftest import DOSSIER_SCHEMA

    extra = [dossier("HC-late", "2025-06-20", "2025-06-27", "2025-07-10", agency="HC")]
    con = duckdb.connect(str(tmp_path / "raw.duckdb"))
    build.create_schema(con)
    for table, frame in TABLES.items():
        build.insert_frame(con, table, frame)
    build.insert_frame(con, "raw_dossier", pl.DataFrame(DOSSIERS + extra, schema=DOSSIER_SCHEMA))
    con.execute("insert into raw_rating (rating_id, dossier_id, agency_code, rated_at, satisfied) values "
                "('R1', 'HC-late', 'HC', timestamp '2025-07-12 10:00', true), "
                "('R2', 'HD-late', 'HD', timestamp '2025-07-16 10:00', true)")
    assert hand_over_open_dossiers(con) == {"closed": 1, "moved": 2}
    agencies = dict(con.sql("select dossier_id, agency_code from raw_dossier").fetchall())
    assert agencies == {"XA-open": "XA", "HD-late": "N1", "HD-ok": "HD", "XF-soon": "N4", "S-late": "S",
                        "HC-late": "HC"}
    closed = con.sql("select status, finished_at, returned_at from raw_dossier where dossier_id = 'XA-open'")
    assert closed.fetchall() == [(10, dt.datetime(2025, 6, 30, 16), dt.datetime(2025, 6, 30, 16))]
    ratings = dict(con.sql("select rating_id, agency_code from raw_rating").fetchall())
    assert ratings == {"R1": "HC", "R2": "N1"}
    con.close()
