"""Every page under streamlit.testing.v1.AppTest: normal, linked, empty and missing-data states."""

import json

import pytest
from streamlit.testing.v1 import AppTest

from tests.apptest_support import fresh_caches, no_errors, run_page  # noqa: F401
from tests.conftest import make_warehouse
from tests.targets_fixtures import build_warehouse
from tests.test_report_rules import MARCH

PAGES = {
    "pages/tong_quan.py": "Tổng quan",
    "pages/xep_hang.py": "Xếp hạng cơ quan, đơn vị",
    "pages/tre_han.py": "Hồ sơ trễ hạn",
    "pages/trung_thuc.py": "Trung thực số liệu",
    "pages/du_lieu.py": "Dữ liệu",
}


run = run_page


@pytest.mark.parametrize("page", ["app.py", *PAGES])
def test_page_runs_on_the_demo(page, demo_dir, monkeypatch):
    monkeypatch.setenv("WAREHOUSE_DIR", str(demo_dir))
    at = run(page)
    no_errors(at)
    assert at.title[0].value.startswith(PAGES.get(page, "Tổng quan"))


def test_overview_shows_vietnamese_figures_and_targets(demo_dir, monkeypatch):
    monkeypatch.setenv("WAREHOUSE_DIR", str(demo_dir))
    at = run("pages/tong_quan.py", ky="quarter", ma_ky="2025-Q1")
    no_errors(at)
    assert "Quý I/2025" in at.subheader[0].value
    on_time = next(m for m in at.metric if m.label == "Tỷ lệ giải quyết đúng hạn")
    assert on_time.value.endswith("%") and "," in on_time.value
    badges = " ".join(md.value for md in at.markdown)
    assert "Chỉ tiêu ≥ 96,0%" in badges
    chart = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert chart["layout"]["separators"] == ",."
    assert len(chart["data"][0]["x"]) == 24  # months of 2024 and 2025


def test_link_with_unknown_values_falls_back_to_defaults(demo_dir, monkeypatch):
    monkeypatch.setenv("WAREHOUSE_DIR", str(demo_dir))
    at = run("pages/xep_hang.py", ky="decade", ma_ky="1999'; drop table x;--", nhom="nobody")
    no_errors(at)
    assert at.query_params["ky"] == ["year"] or at.query_params["ky"] == "year"


def test_ranking_from_a_shared_link(demo_dir, monkeypatch):
    monkeypatch.setenv("WAREHOUSE_DIR", str(demo_dir))
    at = run("pages/xep_hang.py", ky="year", ma_ky="2024", nhom="district", chi_so="on_time_rate",
             toi_thieu="30")
    no_errors(at)
    assert "UBND cấp huyện" in at.subheader[0].value and "Năm 2024" in at.subheader[0].value
    chart = json.loads(at.get("plotly_chart")[0].proto.spec)
    bars = chart["data"][0]
    assert len(bars["y"]) == 13  # the 13 districts of Quảng Ninh, all with enough dossiers
    assert all(0 <= x <= 1 for x in bars["x"])


def test_empty_period_says_so(tmp_path, monkeypatch):
    make_warehouse(tmp_path, MARCH[:1]).close()  # one dossier, finished in March
    monkeypatch.setenv("WAREHOUSE_DIR", str(tmp_path))
    at = run("pages/tong_quan.py", ky="month", ma_ky="2025-07")
    no_errors(at)
    assert any("không có hồ sơ" in i.value for i in at.info)
    at = run("pages/xep_hang.py", ky="month", ma_ky="2025-07")
    no_errors(at)
    assert any("không có cơ quan nào" in i.value for i in at.info)


def test_too_few_dossiers_are_not_ranked(tmp_path, monkeypatch):
    make_warehouse(tmp_path, MARCH).close()
    monkeypatch.setenv("WAREHOUSE_DIR", str(tmp_path))
    at = run("pages/xep_hang.py", ky="month", ma_ky="2025-03", nhom="department")
    no_errors(at)
    assert any("chưa xếp hạng" in i.value for i in at.info)


def test_without_a_warehouse_the_app_builds_the_demo_and_says_so(tmp_path, monkeypatch):
    monkeypatch.setenv("WAREHOUSE_DIR", str(tmp_path / "new"))
    monkeypatch.setenv("DEMO_SCALE", "0.01")
    at = run("app.py")
    no_errors(at)
    assert (tmp_path / "new" / "CURRENT").exists()
    assert at.title[0].value.startswith("Tổng quan")
    assert any("kho dữ liệu mẫu" in i.value for i in at.sidebar.info)


def test_data_page_shows_loads_quarantine_and_unverified_codes(tmp_path, monkeypatch):
    from etl.load import load_files

    export = tmp_path / "export.csv"
    export.write_text(
        "MaHoSo;MaDonViXuLy;DonViXuLy;MaTTHC;TenTTHC;KenhThucHien;TrangThaiHoSo;NgayTiepNhan;NgayHenTra;NgayKetThucXuLy\n"
        "K1;Q.01;UBND xã Quỳnh;2.000815;Đăng ký khai sinh;1;10;03/03/2025;05/03/2025;04/03/2025\n"
        "K2;Q.01;UBND xã Quỳnh;2.000815;Đăng ký khai sinh;1;10;31/02/2025;05/03/2025;04/03/2025\n",
        encoding="utf-8",
    )
    # a list of apology slips naming K1 (loaded) and ZZ9 (not in the warehouse: kept, shown here)
    slips = tmp_path / "phieu_xin_loi.csv"
    slips.write_text("Mã hồ sơ,Ngày xin lỗi,Ngày hẹn trả mới\nK1,04/03/2025,06/03/2025\nZZ9,04/03/2025,\n",
                     encoding="utf-8")
    load_files(tmp_path / "wh", [export, slips], progress=lambda m: None)
    monkeypatch.setenv("WAREHOUSE_DIR", str(tmp_path / "wh"))
    at = run("pages/du_lieu.py")
    no_errors(at)
    tables = [df.value for df in at.dataframe]
    text = " ".join(t.to_string() for t in tables)
    assert "ngày không hợp lệ" in text and "31/02/2025" in text
    assert "Q.01" in text and "UBND xã Quỳnh" in text
    assert "export.csv" in text
    codes = next(t for t in tables if "Mã" in t.columns and "Số hồ sơ" in t.columns)
    orphans = codes[codes["Loại"] == "Phiếu xin lỗi của hồ sơ chưa có trong kho"]
    assert orphans["Mã"].tolist() == ["ZZ9"] and orphans["Tên"].str.endswith("phieu_xin_loi.csv").all()


# --- ranking page over agg_ranking (tests/test_ranking.py has the hand-worked figures) -----------------

def _ranking_warehouse(tmp_path, monkeypatch):
    from tests.targets_fixtures import build_warehouse
    from tests.test_ranking import DEPARTMENTS, MIN5_WILSON, RANKING_DOSSIERS

    build_warehouse(tmp_path, RANKING_DOSSIERS, DEPARTMENTS, "2025-12-31", rules=MIN5_WILSON).close()
    monkeypatch.setenv("WAREHOUSE_DIR", str(tmp_path))


def _html_rows(at: AppTest, index: int) -> list[list[str]]:
    """The cells of the index-th static table, as text (a link's text for a linked cell)."""
    import re

    body = at.get("html")[index].proto.body
    return [[re.sub(r"<[^>]+>", "", cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", tr)]
            for tr in re.findall(r"<tr>(.*?)</tr>", body) if "<td" in tr]


def test_ranking_shows_the_rule_the_change_and_the_percentile(tmp_path, monkeypatch):
    """March 2025, departments, minimum 5 from ref_ranking_rule (the selector's default): A and B share
    rank 1 (A up 1 from February, B up 2), D 3rd (down 2, 95,0%, −5,0 points), G 4th, F 5th;
    percentiles 100%, 100%, 50%, 25%, 0%. C and H (4 dossiers) and E (none) are listed with why.
    Each ranked agency's name opens its own page for the same period."""
    _ranking_warehouse(tmp_path, monkeypatch)
    at = run("pages/xep_hang.py", ky="month", ma_ky="2025-03", nhom="department", chi_so="on_time_rate")
    no_errors(at)
    assert at.query_params["toi_thieu"] in ("5", ["5"])
    assert any("từ 5 hồ sơ" in c.value and "Wilson 95%" in c.value for c in at.caption)
    ranked = _html_rows(at, 0)
    assert [(r[0], r[1], r[2], r[6]) for r in ranked] == [
        ("1", "▲ 1", "Sở A", "100%"), ("1", "▲ 2", "Sở B", "100%"), ("3", "▼ 2", "Sở D", "50%"),
        ("4", "—", "Sở G", "25%"), ("5", "—", "Sở F", "0%"),
    ]
    body = at.get("html")[0].proto.body
    assert "href='/co_quan?don_vi=D&amp;ky=month&amp;ma_ky=2025-03'" in body, body
    # D: value, change from February, and the Wilson lower bound it is ranked on (19/20 -> 76,4%)
    assert (ranked[2][3], ranked[2][4], ranked[2][5]) == ("95,0%", "−5,0\u00a0điểm\u00a0%", "76,4%")
    unranked = {r[0]: r[3] for r in _html_rows(at, 1)}
    assert unranked == {"Sở C": "Chưa đủ số hồ sơ tối thiểu", "Sở E": "Không có hồ sơ trong kỳ",
                        "Sở H": "Chưa đủ số hồ sơ tối thiểu"}


def test_ranking_with_another_minimum_from_the_link(tmp_path, monkeypatch):
    """toi_thieu=10 in the link (the rule says 5): G (6 dossiers) drops out: A 1, B 1, D 3, F (5/10) 4,
    percentiles 100%, 100%, 1 - 2/3 = 33%, 0%."""
    _ranking_warehouse(tmp_path, monkeypatch)
    at = run("pages/xep_hang.py", ky="month", ma_ky="2025-03", nhom="department", chi_so="on_time_rate",
             toi_thieu="10")
    no_errors(at)
    assert [(r[0], r[2], r[6]) for r in _html_rows(at, 0)] == [
        ("1", "Sở A", "100%"), ("1", "Sở B", "100%"), ("3", "Sở D", "33%"), ("4", "Sở F", "0%")]
    assert any("quy định: 5" in c.value for c in at.caption)


def test_overview_targets_at_risk_worked_by_hand(tmp_path, monkeypatch):
    """tests/test_targets.py's warehouse, as of 30/09/2025: the province is on time 40/47 = 85,1% against
    96%, 6 dossiers short (ceil(0,96 x 47 - 40)); projected 252772/308790 = 81,9%; the rest of the year
    would need (0,96 x 17155 - 40 x 273) / 4324 = 128% on time: out of reach."""
    from tests.test_targets import AGENCIES, DOSSIERS, TARGETS

    build_warehouse(tmp_path, DOSSIERS, AGENCIES, "2025-09-30", targets=TARGETS).close()
    monkeypatch.setenv("WAREHOUSE_DIR", str(tmp_path))
    at = run("pages/tong_quan.py", ky="year", ma_ky="2025")
    no_errors(at)
    assert "Chỉ tiêu kế hoạch năm 2025" in [s.value for s in at.subheader]
    assert any("1 chỉ tiêu" in m.value and "1 có nguy cơ không đạt" in m.value for m in at.markdown)
    rows = _html_rows(at, 0)
    assert rows == [["Tỷ lệ giải quyết đúng hạn", "≥ 96,0%", "85,1%", "Có nguy cơ không đạt", "thiếu 6",
                     "81,9%", "Không thể đạt trong năm"]]
