"""The "Chỉ số 766" page in the real app (`streamlit run app.py`, headless Chromium): reached from the
menu, it shows Quảng Ninh second of the 34 provinces for October 2025 with 90,57, the public file's
figures, and the demo's simulated departments and communes said to be simulated.

The warehouse is the session's demo: `etl demo` loads the public file (etl/reference/, the portal's
real October 2025 scores) with `etl load`'s loader and adds its simulated agencies.
Run: .venv/bin/python -m pytest tests/browser/test_published.py -q
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.test_e2e import assert_no_errors, metric_values, open_page, query, settle

pytestmark = pytest.mark.browser


@pytest.fixture
def published_page(page):
    return page


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
    expect(page.locator('[data-testid="stMetricValue"]').first).to_have_text("Hạng 2/34")
    values = metric_values(page)
    assert values[:2] == ["Hạng 2/34", "90,57"], values
    expect(main.locator('[data-testid="stMetricLabel"]').first).to_contain_text("UBND tỉnh Quảng Ninh")
    text = main.inner_text()
    assert "tệp công khai xuất từ Cổng" in text and "mô phỏng" in text
    assert "Văn phòng Ủy ban nhân dân tỉnh - tỉnh Quảng Ninh" in text   # the unmatched one, listed


def test_year_to_date_by_link(published_page):
    page = open_page(published_page, "/chi_so_766?pham_vi=year_to_date&thang=2025-10")
    assert_no_errors(page)
    # the figures wait for the page's run to draw them (a loaded machine draws them late)
    expect(page.locator('[data-testid="stMetricValue"]').first).to_have_text("Hạng 8/34")
    assert metric_values(page)[:2] == ["Hạng 8/34", "89,05"]
