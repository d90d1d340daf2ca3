"""The "Chỉ số 766" page in the real app (`streamlit run app.py`, headless Chromium): reached from the
menu, it shows Quảng Ninh second of the 34 provinces for October 2025 with 90,57, the public file's
figures, and the demo's simulated departments and communes said to be simulated.

The warehouse is the session's demo (its simulated agencies come from `etl demo`) with the 34
provinces of tests/data/766_scores_2025-10_an_giang_export.xlsx added, served by its own server.
Run: .venv/bin/python -m pytest tests/browser/test_published.py -q
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import VIEWPORT, streamlit_server
from tests.browser.test_e2e import assert_no_errors, metric_values, open_page, query, settle
from tests.test_published_compare import add_xlsx_provinces

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def published_url(warehouse_dir, tmp_path_factory) -> Iterator[str]:
    directory = Path(shutil.copytree(warehouse_dir, tmp_path_factory.mktemp("published") / "warehouse"))
    add_xlsx_provinces(directory)   # replaced by etl load at merge (the demo will load the public file)
    log_path = tmp_path_factory.mktemp("streamlit_published") / "server.log"
    with streamlit_server(directory, log_path) as url:
        yield url


@pytest.fixture
def published_page(browser, published_url):
    ctx = browser.new_context(base_url=published_url, viewport=VIEWPORT, locale="vi-VN")
    ctx.set_default_timeout(30_000)
    yield ctx.new_page()
    ctx.close()


def test_quang_ninh_is_second_of_34_in_october_2025(published_page):
    page = open_page(published_page, "/xep_hang")
    page.locator('[data-testid="stSidebar"]').get_by_role("link", name="Chỉ số 766").click()
    page.wait_for_url(re.compile(r"/chi_so_766"))
    settle(page)
    expect(page.locator("h1").first).to_have_text("Chỉ số 766 do Cổng Dịch vụ công quốc gia công bố")
    assert query(page) == {"pham_vi": "month", "thang": "2025-10"}
    assert_no_errors(page)
    main = page.locator('[data-testid="stMain"]')
    expect(main.get_by_text("1. Tỉnh trong các tỉnh, thành phố · Tháng 10/2025")).to_be_visible()
    values = metric_values(page)
    assert values[:2] == ["Hạng 2/34", "90,57"], values
    expect(main.locator('[data-testid="stMetricLabel"]').first).to_contain_text("UBND tỉnh Quảng Ninh")
    text = main.inner_text()
    assert "tệp công khai xuất từ Cổng" in text and "mô phỏng" in text
    assert "Văn phòng Ủy ban nhân dân tỉnh - tỉnh Quảng Ninh" in text   # the unmatched one, listed


def test_year_to_date_by_link(published_page):
    page = open_page(published_page, "/chi_so_766?pham_vi=year_to_date&thang=2025-10")
    assert_no_errors(page)
    assert metric_values(page)[:2] == ["Hạng 8/34", "89,05"]
