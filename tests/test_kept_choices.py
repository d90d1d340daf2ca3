"""Choices kept while moving around (ui/state.py), as a user meets them in the app run through app.py:
a choice made on a page is still there after another page, a followed link's URL parameters win
over it, a period outside the data is said in a warning, and tabs are in the URL.

Going to another page "by the menu" is AppTest.switch_page with the URL's parameters cleared, as a
menu link (st.page_link without query_params) leaves them.
"""

import pytest
from streamlit.testing.v1 import AppTest

from tests.apptest_support import LEADER, fresh_caches, no_errors, param, run_page  # noqa: F401
from tests.conftest import ROOT
from ui.data import PRINCIPAL_KEY
from warehouse import queries_agency, store


@pytest.fixture
def demo(demo_dir, monkeypatch):
    monkeypatch.setenv("WAREHOUSE_DIR", str(demo_dir))
    return demo_dir


def open_app() -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.session_state[PRINCIPAL_KEY] = dict(LEADER)
    at.run()
    no_errors(at)
    return at


def go(at: AppTest, page: str, **params) -> AppTest:
    """To `page` by the menu (no parameters) or by a link carrying `params`."""
    at.query_params.clear()
    at.query_params.update(params)
    at.switch_page(page).run()
    no_errors(at)
    return at


def select(at: AppTest, key: str):
    return at.selectbox(key=f"url_{key}")


def test_agency_survives_the_overview_and_a_link_wins(demo):
    reader = store.Reader(demo)
    try:
        codes = queries_agency.agencies(reader)["agency_code"].to_list()
    finally:
        reader.close()
    at = go(open_app(), "pages/co_quan.py")
    first = select(at, "don_vi").value
    code = next(c for c in reversed(codes) if c != first)
    select(at, "don_vi").set_value(code).run()
    assert param(at, "don_vi") == code
    go(at, "pages/tong_quan.py")
    go(at, "pages/co_quan.py")
    assert select(at, "don_vi").value == code
    assert param(at, "don_vi") == code
    # a link naming another agency opens it, over the kept choice
    go(at, "pages/co_quan.py", don_vi=first)
    assert select(at, "don_vi").value == first
    assert not at.warning


CHOSEN = {"ky": "quarter", "ma_ky": "2025-Q3", "nhom": "commune", "chi_so": "online_share", "toi_thieu": "50"}


def test_ranking_choices_and_the_period_survive_other_pages(demo):
    at = go(open_app(), "pages/xep_hang.py")
    for key, value in CHOSEN.items():
        select(at, key).set_value(value).run()
        no_errors(at)
    assert {k: select(at, k).value for k in CHOSEN} == CHOSEN
    go(at, "pages/du_lieu.py")
    go(at, "pages/tong_quan.py")
    # the period is one for the session: the overview opens on it
    assert (select(at, "ky").value, select(at, "ma_ky").value) == ("quarter", "2025-Q3")
    go(at, "pages/xep_hang.py")
    assert {k: select(at, k).value for k in CHOSEN} == CHOSEN
    assert {k: param(at, k) for k in CHOSEN} == CHOSEN
    # a followed link's parameters win, the rest stays as kept
    go(at, "pages/xep_hang.py", ky="year", ma_ky="2025")
    assert (select(at, "ky").value, select(at, "ma_ky").value) == ("year", "2025")
    assert select(at, "chi_so").value == "online_share"


def test_a_period_outside_the_data_is_said(demo):
    at = run_page("pages/xep_hang.py", ky="quarter", ma_ky="2030-Q1")
    no_errors(at)
    shown = select(at, "ma_ky")
    assert shown.value != "2030-Q1" and param(at, "ma_ky") == shown.value
    words = [w.value for w in at.warning]
    assert any("“2030-Q1”" in w and "không có trong dữ liệu" in w and w.endswith(f"{shown.options[0]}.")
               for w in words), words
    # the page goes on with what it shows: no second warning after a choice
    shown.set_value("2026-Q3").run()
    assert not at.warning


def test_data_page_tab_is_in_the_url(demo):
    at = run_page("pages/du_lieu.py", muc="lich", nam="2025")
    no_errors(at)
    assert at.session_state["tab_muc"] == "Lịch làm việc"
    assert param(at, "muc") == "lich" and select(at, "nam").value == "2025"
    at = run_page("pages/du_lieu.py", muc="khong_co")
    assert at.session_state["tab_muc"] == "Các lần nạp" and param(at, "muc") == "nap"
    assert any("“khong_co”" in w.value for w in at.warning)
