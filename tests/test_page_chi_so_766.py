"""The "Chỉ số 766" page under AppTest: a warehouse without published scores says how to load them;
the hand-made warehouse of tests/test_published_compare.py shows its province and the agencies'
table; the demo with the public file's 34 provinces shows Quảng Ninh second of 34, simulated agencies
said so."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.apptest_support import fresh_caches, no_errors, param, run_page  # noqa: F401
from tests.conftest import make_warehouse
from tests.test_published_compare import HAND_ROWS, add_xlsx_provinces, published_frame

PAGE = "pages/chi_so_766.py"


def _said(at) -> str:
    return " ".join([*(i.value for i in at.info), *(m.value for m in at.markdown),
                     *(c.value for c in at.caption)])


def test_without_published_scores_the_page_says_how_to_load_them(tmp_path, monkeypatch):
    from tests.test_report_rules import MARCH

    make_warehouse(tmp_path, MARCH).close()
    monkeypatch.setenv("WAREHOUSE_DIR", str(tmp_path))
    at = run_page(PAGE)
    no_errors(at)
    assert at.title[0].value == "Chỉ số 766 do Cổng Dịch vụ công quốc gia công bố"
    assert "python -m etl load TỆP --period YYYY-MM" in at.info[0].value
    assert not at.dataframe


def test_hand_made_province_and_agencies(tmp_path, monkeypatch):
    from tests.test_report_rules import MARCH

    make_warehouse(tmp_path, MARCH, extra_tables={"raw_published_766": published_frame(HAND_ROWS)}).close()
    monkeypatch.setenv("WAREHOUSE_DIR", str(tmp_path))
    at = run_page(PAGE, pham_vi="month", thang="2025-03")
    no_errors(at)
    assert param(at, "pham_vi") == "month" and param(at, "thang") == "2025-03"
    cards = {m.label: m.value for m in at.metric}
    assert cards["UBND tỉnh Thử"] == "Hạng 2/3" and cards["Tổng điểm"] == "90,57"
    table = at.dataframe[0].value
    assert len(table) == 3
    rows = {r["Tên trên Cổng"]: r for r in table.to_dict("records")}
    a = rows["Đơn vị A - tỉnh Thử"]
    assert (a["Điểm công bố"], a["Điểm tính từ hồ sơ"], a["Chênh lệch"]) == ("42,33", "27,33", "−15,00")
    assert rows["Đơn vị B - tỉnh Thử"]["Điểm tính từ hồ sơ"] == "Không có dữ liệu"   # never 0
    assert rows["Sở Không Có - tỉnh Thử"]["Cơ quan của ta"] == "Chưa khớp"
    said = _said(at)
    assert "“Mức độ hài lòng” (Cổng: 15,00 điểm)" in said
    assert "mô phỏng" not in said   # nothing simulated here
    at = run_page(PAGE, pham_vi="year_to_date", thang="2025-03")
    no_errors(at)
    windows = "Khác khoảng thời gian: điểm tính từ hồ sơ tính đến 31/12/2025, Cổng tính đến 31/03/2025."
    assert windows in _said(at)


def test_demo_with_the_public_file(demo_dir, tmp_path, monkeypatch):
    directory = Path(shutil.copytree(demo_dir, tmp_path / "wh"))
    add_xlsx_provinces(directory)
    monkeypatch.setenv("WAREHOUSE_DIR", str(directory))
    at = run_page(PAGE, pham_vi="month", thang="2025-10")
    no_errors(at)
    cards = {m.label: m.value for m in at.metric}
    assert cards["UBND tỉnh Quảng Ninh"] == "Hạng 2/34" and cards["Tổng điểm"] == "90,57"
    said = _said(at)
    assert "Cổng Dịch vụ công quốc gia công bố (tệp công khai" in said and "**mô phỏng**" in said
    assert "Văn phòng Ủy ban nhân dân tỉnh - tỉnh Quảng Ninh" in said   # the unmatched one, listed
    at = run_page(PAGE, pham_vi="year_to_date", thang="2025-10")
    no_errors(at)
    cards = {m.label: m.value for m in at.metric}
    assert cards["UBND tỉnh Quảng Ninh"] == "Hạng 8/34" and cards["Tổng điểm"] == "89,05"


def test_data_page_lists_the_unmatched_portal_agency(tmp_path, monkeypatch):
    """pages/du_lieu.py's "Đối chiếu Cổng 766" tab: the portal's department that matches none of ours,
    with its portal code and name, and how to correct it with a mapping file."""
    from tests.test_report_rules import MARCH

    make_warehouse(tmp_path, MARCH, extra_tables={"raw_published_766": published_frame(HAND_ROWS)}).close()
    monkeypatch.setenv("WAREHOUSE_DIR", str(tmp_path))
    at = run_page("pages/du_lieu.py", muc="cong_766")
    no_errors(at)
    listed = [t.value for t in at.dataframe if "Mã trên Cổng" in t.value.columns]
    assert len(listed) == 1
    assert listed[0].to_dict("records") == [{
        "Mã trên Cổng": "H90.07", "Tên trên Cổng": "Sở Không Có - tỉnh Thử", "Loại": "Sở, ban, ngành",
        "Kỳ công bố": "2025-03", "Tình trạng": "Chưa khớp"}]
    assert any("tệp đối chiếu" in c.value for c in at.caption)
