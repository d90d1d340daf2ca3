"""The "Hồ sơ trễ hạn" page and its queries on a small hand-made warehouse.

Calendar, March 2025: Mon 03, Fri 07, Mon 10, Wed 12, Thu 13, Fri 14, Mon 17, ..., Thu 20, Fri 21,
Mon 24, Tue 25 (made a holiday here), Wed 26, Thu 27, Fri 28, Mon 31; Apr: Tue 01, Wed 02, Thu 03.
Data date (as_of) = Thu 20/03/2025, so month 2025-03 is judged on eval_date 20/03/2025.

Late in 2025-03 (working days from the due day to the end day, or to 20/03 when still open):
  L1 (A) due Fri 07/03, finished Tue 11/03: Mon 10, Tue 11            -> 2, apology sent,
         held by "Phòng Một" (its only step ran 2 working days past its planned end 07/03)
  L2 (A) due Wed 12/03, still open:  13, 14, 17, 18, 19, 20            -> 6, overdue
  B1 (B) due Thu 06/03, finished Fri 07/03                             -> 1
Not late: OK1 finished on its due day; W1 overdue but waiting on a supplement (status 5).
So the list is L2 (6), L1 (2), B1 (1); agency A alone: L2, L1.

Open on 20/03, falling due (working days left = workday_index(due) - workday_index(20/03)):
  S4 due Thu 20/03 -> 0 (today); S1 due Fri 21/03 -> 1; S2 due Wed 26/03: 21, 24, (25 holiday),
  26 -> 3; S5 due Fri 28/03: 27, 28 -> 5; S3 due Thu 03/04: 31, 01, 02, 03 -> 9.
  Next 3 days: S4, S1, S2; next 5: + S5; next 10: + S3.
Agency B's name starts with '=' and a procedure name with '-', for the Excel escaping.
"""

import datetime as dt
import io

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from tests.apptest_support import fresh_caches, no_errors, param, run_page  # noqa: F401
from tests.conftest import dossier, make_warehouse
from warehouse import queries_late as ql

PAGE = "pages/tre_han.py"
AGENCIES = [("A", "Sở Một", "department"), ("B", "=Sở Hai", "department")]
PROCEDURES = [("P1", "Cấp phép", "F1", 5), ("P2", "-Đăng ký", "F1", 3)]
STEP_SCHEMA = {
    "dossier_id": pl.String, "department": pl.String, "acted_at": pl.Datetime("us"), "action": pl.String,
    "step_status": pl.String, "planned_end": pl.Datetime("us"), "load_id": pl.String,
    "source_file": pl.String, "source_row": pl.Int64,
}
STEPS = [("L1", "Phòng Một", dt.datetime(2025, 3, 11, 10), "Thẩm định", "done", dt.datetime(2025, 3, 7, 17),
          "t", "f", 1)]
DOSSIERS = [
    dossier("L1", "2025-03-03", "2025-03-07", "2025-03-11", apology_issued=True),
    dossier("L2", "2025-03-03", "2025-03-12", status=2),
    dossier("B1", "2025-03-04", "2025-03-06", "2025-03-07", agency="B", procedure_code="P2"),
    dossier("OK1", "2025-03-03", "2025-03-10", "2025-03-10"),
    dossier("W1", "2025-03-03", "2025-03-05", status=5),
    dossier("S4", "2025-03-14", "2025-03-20", status=2),
    dossier("S1", "2025-03-14", "2025-03-21", status=2),
    dossier("S2", "2025-03-14", "2025-03-26", status=2),
    dossier("S5", "2025-03-14", "2025-03-28", status=2),
    dossier("S3", "2025-03-14", "2025-04-03", status=2),
]


@pytest.fixture(scope="module")
def wh_dir(tmp_path_factory):
    directory = tmp_path_factory.mktemp("late")
    make_warehouse(directory, DOSSIERS, agencies=AGENCIES, procedures=PROCEDURES, as_of="2025-03-20",
                   holidays=["2025-03-25"],
                   extra_tables={"raw_dossier_step": pl.DataFrame(STEPS, schema=STEP_SCHEMA, orient="row")}
                   ).close()
    return directory


def run(**params) -> AppTest:
    return run_page(PAGE, **params)


def test_queries_by_hand(wh_dir):
    from warehouse import store

    r = store.Reader(wh_dir)
    late = ql.late_dossiers(r, "month", "2025-03")
    columns = ("dossier_id", "late_workdays", "late_state", "apology_issued", "department")
    assert late.select(columns).rows() == [
        ("L2", 6, "overdue", False, None),
        ("L1", 2, "finished_late", True, "Phòng Một"),
        ("B1", 1, "finished_late", False, None),
    ]
    assert ql.late_dossiers(r, "month", "2025-03", agency="A")["dossier_id"].to_list() == ["L2", "L1"]
    assert ql.late_dossiers(r, "month", "2025-03", limit=2).height == 2
    # the counts above a list cut to its first rows: 3 late, L1 and B1 finished late, L1 apologised
    # (every dossier here carries the vendor's column: L1 yes, L2 and B1 no, none unknown)
    assert ql.late_summary(r, "month", "2025-03") == {"late": 3, "finished_late": 2, "apologies": 1,
                                                      "no_apology": 2, "apology_unknown": 0}
    assert ql.late_summary(r, "month", "2025-03", agency="A") == {
        "late": 2, "finished_late": 1, "apologies": 1, "no_apology": 1, "apology_unknown": 0}
    assert ql.late_dossiers(r, "month", "2025-02").height == 0
    soon = {d: ql.due_soon(r, d).select("dossier_id", "workdays_left").rows() for d in (3, 5, 10)}
    assert soon[3] == [("S4", 0), ("S1", 1), ("S2", 3)]
    assert soon[5] == soon[3] + [("S5", 5)]
    assert soon[10] == soon[5] + [("S3", 9)]
    assert ql.due_soon(r, 10, agency="B").height == 0
    r.close()


def test_page_lists_late_and_due_soon_and_exports_excel(wh_dir, monkeypatch):
    monkeypatch.setenv("WAREHOUSE_DIR", str(wh_dir))
    # keep AppTest's real media file manager (it is thrown away after the run) to read the files back
    from streamlit.testing.v1 import app_test

    stores = []

    class KeptManager(app_test.MediaFileManager):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            stores.append(self)

    monkeypatch.setattr(app_test, "MediaFileManager", KeptManager)
    at = run(ky="month", ma_ky="2025-03", so_ngay="3")
    no_errors(at)
    assert at.title[0].value == "Hồ sơ trễ hạn"
    texts = " ".join(m.value for m in at.markdown)
    assert "**3** hồ sơ trễ hạn" in texts and "2 đã kết thúc trễ, 1 chưa kết thúc" in texts
    assert "1 hồ sơ đã có phiếu xin lỗi, 2 hồ sơ chưa có." in texts
    assert "**3** hồ sơ đến hạn trong 3 ngày làm việc tới" in texts and "20/03/2025" in texts
    html = " ".join(h.proto.body for h in at.get("html"))
    assert "11/03/2025" in html and "Phòng Một" in html and "Hôm nay" in html

    buttons = at.get("download_button")
    assert len(buttons) == 2
    # the files name who and the period, in their names and their title rows
    assert [stores[-1]._deferred_callables[b.proto.deferred_file_id]["filename"] for b in buttons] == [
        "ho_so_tre_han_toan_tinh_2025-03.xlsx", "ho_so_sap_den_han_toan_tinh_3_ngay.xlsx"]
    late_bytes = _download_bytes(stores[-1], buttons[0])
    head = pl.read_excel(io.BytesIO(late_bytes), has_header=False).head(4)[:, 0].to_list()
    assert head[:3] == ["DANH SÁCH HỒ SƠ TRỄ HẠN", "Toàn tỉnh",
                        "Tháng 03/2025: từ ngày 01/03/2025 đến ngày 31/03/2025"]
    # dates as dates and working days as numbers: they sort and sum in the spreadsheet
    late_xlsx = pl.read_excel(io.BytesIO(late_bytes), read_options={"header_row": 4}).head(-1)
    assert late_xlsx["Mã hồ sơ"].to_list() == ["L2", "L1", "B1"]
    assert late_xlsx["Số ngày làm việc trễ"].to_list() == [6, 2, 1]
    assert late_xlsx["Hẹn trả"].to_list() == [dt.date(2025, 3, 12), dt.date(2025, 3, 7), dt.date(2025, 3, 6)]
    assert late_xlsx["Phiếu xin lỗi"].to_list() == ["Chưa", "Có", "Chưa"]
    assert "'=Sở Hai" in late_xlsx["Cơ quan, đơn vị"].to_list()
    assert "'-Đăng ký" in late_xlsx["Thủ tục"].to_list()
    soon_xlsx = pl.read_excel(io.BytesIO(_download_bytes(stores[-1], buttons[1])),
                              read_options={"header_row": 3}).head(-1)
    assert soon_xlsx["Mã hồ sơ"].to_list() == ["S4", "S1", "S2"]
    for frame in (late_xlsx, soon_xlsx):
        for col in frame.columns:
            for v in frame[col].cast(pl.String).to_list():
                assert v is None or not v.startswith(("=", "+", "-", "@")), (col, v)


def _download_bytes(manager, button) -> bytes:
    """The file behind an AppTest download button, as a click would make it: the button's callable
    runs (the file is written only when asked for), and the result is read from the media store."""
    url = manager.execute_deferred(button.proto.deferred_file_id)
    file_id = url.rsplit("/", 1)[-1].split(".")[0]
    return manager._storage.get_file(file_id).content


def test_empty_period_and_agency_filter(wh_dir, monkeypatch):
    monkeypatch.setenv("WAREHOUSE_DIR", str(wh_dir))
    at = run(ky="month", ma_ky="2025-02", don_vi="B", so_ngay="10")
    no_errors(at)
    infos = " ".join(i.value for i in at.info)
    assert "=Sở Hai: không có hồ sơ nào trễ hạn trong Tháng 02/2025" in infos
    assert "không có hồ sơ nào đang giải quyết đến hạn trong 10 ngày làm việc tới" in infos


def test_link_with_unknown_values_falls_back(wh_dir, monkeypatch):
    monkeypatch.setenv("WAREHOUSE_DIR", str(wh_dir))
    at = run(ky="month", ma_ky="1999-01", nhom="nobody", don_vi="'; drop table x;--", so_ngay="7")
    no_errors(at)
    assert param(at, "nhom") == "all" and param(at, "don_vi") == "all" and param(at, "so_ngay") == "5"
