"""Every page of the menu, in the states a user can reach without doing anything wrong: a warehouse
with no dossier at all, a link with codes that mean nothing, and a warehouse file that cannot be
read. Each says what is going on in words; none shows a traceback."""

import pytest

from tests.apptest_support import fresh_caches, no_errors, run_page  # noqa: F401
from tests.conftest import make_warehouse
from ui.bootstrap import NAV

PAGES = [path for path, *_ in NAV]
# values no warehouse holds, under every URL key the pages read
NONSENSE = {"ky": "fortnight", "ma_ky": "2031-Q9", "nhom": "martians", "don_vi": "XYZ.999", "chi_so": "speed",
            "cap": "galaxy", "ma": "99999", "pb": "7", "linh_vuc": "none", "thu_tuc": "none", "trang": "99",
            "kiem_tra": "nothing", "so_ngay": "-4", "toi_thieu": "many", "tu_dong": "abc"}


@pytest.fixture
def empty_warehouse(tmp_path, monkeypatch):
    make_warehouse(tmp_path, []).close()
    monkeypatch.setenv("WAREHOUSE_DIR", str(tmp_path))
    return tmp_path


@pytest.mark.parametrize("page", PAGES)
def test_a_warehouse_without_dossiers_says_so(empty_warehouse, page):
    at = run_page(page)
    no_errors(at)
    said = " ".join(i.value for i in at.info) + " ".join(m.value for m in at.markdown)
    assert "chưa có" in said.lower() or "không có" in said.lower(), said


@pytest.mark.parametrize("page", PAGES)
def test_a_link_with_unknown_codes_falls_back_without_error(demo_dir, monkeypatch, page):
    monkeypatch.setenv("WAREHOUSE_DIR", str(demo_dir))
    at = run_page(page, **NONSENSE)
    no_errors(at)
    assert at.title, "the page stopped before its title"


@pytest.mark.parametrize("page", PAGES)
def test_an_unreadable_warehouse_file_is_reported_in_words(tmp_path, monkeypatch, page):
    builds = tmp_path / "builds"
    builds.mkdir()
    (builds / "20260101T000000_1.duckdb").write_bytes(b"this is not a database" * 100)
    (tmp_path / "CURRENT").write_text("20260101T000000_1.duckdb\n")
    monkeypatch.setenv("WAREHOUSE_DIR", str(tmp_path))
    at = run_page(page)
    assert not at.exception, [e.value for e in at.exception]
    assert [e.value for e in at.error] and "Không đọc được kho dữ liệu" in at.error[0].value
