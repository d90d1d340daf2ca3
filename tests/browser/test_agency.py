"""The "Cơ quan của tôi" page in the real app (`streamlit run app.py`, headless Chromium): a link to a
department opens its cards and the four sections without an error, numbers are Vietnamese in an
English browser, the links carry the view to the other pages, the Excel file downloads, and the
README's screenshot docs/screenshots/co_quan.png.

Run: .venv/bin/python -m pytest tests/browser/test_agency.py -q
"""

from __future__ import annotations

import io
import re

import polars as pl
import pytest
from playwright.sync_api import expect

from tests.browser.test_e2e import (
    EN_PERCENT,
    EN_THOUSANDS,
    SCREENSHOTS,
    VN_COUNT,
    VN_PERCENT,
    assert_no_errors,
    choose,
    full_page_screenshot,
    metric_values,
    open_page,
    query,
    selected,
    settle,
    wait_for_charts,
)
from warehouse import store

pytestmark = pytest.mark.browser

SECTIONS = ["1. Chỉ tiêu kế hoạch năm 2025", "2. Vị trí trong nhóm Sở, ban, ngành cấp tỉnh · Năm 2025",
            "3. Lĩnh vực, thủ tục có hồ sơ trễ hạn", "4. Hồ sơ trễ hạn và sắp đến hạn"]


@pytest.fixture(scope="module")
def department(warehouse_dir) -> tuple[str, str, int]:
    """The department with the most dossiers late in 2025 (finished late in it, or open and overdue at
    its end), counted straight from fct_dossier: (code, name, late)."""
    r = store.Reader(warehouse_dir)
    row = r.query(
        """select agency_code, agency_name,
                  count(*) filter (where (end_date between date '2025-01-01' and date '2025-12-31'
                                          and end_date > due_date and status <> 7)
                                      or (received_date <= date '2025-12-31'
                                          and (end_date is null or end_date > date '2025-12-31')
                                          and due_date < date '2025-12-31' and status not in (5, 6, 8)))
                      as late
           from fct_dossier join dim_agency using (agency_code)
           where agency_level = 'department'
           group by all order by late desc, agency_code limit 1"""
    ).row(0)
    r.close()
    return row


def test_department_link_shows_cards_sections_and_links(new_context, department):
    code, name, late = department
    page = new_context(locale="en-US").new_page()
    open_page(page, f"/co_quan?don_vi={code}&ky=year&ma_ky=2025")
    assert_no_errors(page)
    expect(page.locator("h1").first).to_have_text("Cơ quan của tôi")
    expect(page.locator("h2").first).to_have_text(name)
    main = page.locator('[data-testid="stMain"]')
    for section in SECTIONS:
        expect(page.locator("h3").filter(has_text=section)).to_have_count(1)

    # a run that writes the URL's defaults is followed by another: wait for the cards of the last one
    expect(page.locator('[data-testid="stMetricValue"]').nth(11)).to_be_visible()
    settle(page)
    values = metric_values(page)
    assert len(values) >= 12, values              # six counts, the targets, the standing
    assert any(VN_PERCENT.match(v) for v in values), values
    assert any(re.fullmatch(r"\d+/\d+", v) for v in values), values   # rank x/y
    # every card is a Vietnamese count, percent, rank, score or empty (the small demo has no count of
    # thousands on cards; the English browser must not turn 96,5% into 96.5%)
    shapes = [VN_PERCENT, VN_COUNT, re.compile(r"^\d{1,3}$"), re.compile(r"^\d+/\d+$"),
              re.compile(r"^\d{1,3},\d điểm$"), re.compile("^—$")]
    assert all(any(p.match(v) for p in shapes) for v in values), values
    assert not [v for v in values if EN_PERCENT.search(v) or EN_THOUSANDS.search(v)], values
    body = main.inner_text()
    assert not EN_THOUSANDS.search(body)
    assert re.search(r"Cần thêm [\d.]+ hồ sơ|Đã đạt chỉ tiêu", body)
    late_text = f"{late:,}".replace(",", ".")
    assert f"{late_text} hồ sơ trễ hạn trong Năm 2025" in body

    wait_for_charts(page)
    expect(page.locator('[data-testid="stPlotlyChart"]')).to_have_count(1)
    chart_text = page.locator('[data-testid="stPlotlyChart"] .main-svg').first.text_content()
    assert not EN_THOUSANDS.search(chart_text), chart_text

    ranking = page.get_by_role("link", name=re.compile("Bảng xếp hạng nhóm"))
    expect(ranking).to_have_attribute("href",
                                      re.compile(r"(^|/)xep_hang\?nhom=department&ky=year&ma_ky=2025$"))
    late_link = page.get_by_role("link", name=re.compile("Hồ sơ trễ hạn của đơn vị"))
    expect(late_link).to_have_attribute("href",
                                        re.compile(rf"(^|/)tre_han\?don_vi={re.escape(code)}&ky=year"))

    full_page_screenshot(page, SCREENSHOTS / "co_quan.png")
    assert (SCREENSHOTS / "co_quan.png").stat().st_size > 10_000


def test_ranking_link_opens_the_peer_group(new_context, department):
    code, _, _ = department
    page = new_context().new_page()
    open_page(page, f"/co_quan?don_vi={code}&ky=year&ma_ky=2025")
    page.get_by_role("link", name=re.compile("Bảng xếp hạng nhóm")).click()
    page.wait_for_url(re.compile(r"/xep_hang\?"))
    settle(page)
    assert_no_errors(page)
    expect(page.locator("h3").first).to_contain_text("Sở, ban, ngành cấp tỉnh")
    expect(page.locator("h3").first).to_contain_text("Năm 2025")


def test_choices_write_the_link_and_the_late_page_link_carries_them(new_context, department):
    code, name, _ = department
    page = new_context().new_page()
    open_page(page, f"/co_quan?don_vi={code}&ky=year&ma_ky=2025")
    assert selected(page, "Cơ quan, đơn vị") == name and selected(page, "Kỳ") == "Năm 2025"
    choose(page, "Loại kỳ", "Quý")
    page.wait_for_url(re.compile(r"[?&]ky=quarter(&|$)"))
    settle(page)
    choose(page, "Kỳ", "Quý III/2025")
    page.wait_for_url(re.compile(r"[?&]ma_ky=2025-Q3(&|$)"))
    settle(page)
    assert_no_errors(page)
    assert query(page)["don_vi"] == code
    expect(page.locator("h2").first).to_have_text(name)
    expect(page.locator("h3").filter(has_text="2. Vị trí trong nhóm")).to_contain_text("Quý III/2025")
    page.get_by_role("link", name=re.compile("Hồ sơ trễ hạn của đơn vị")).click()
    page.wait_for_url(re.compile(r"/tre_han\?"))
    settle(page)
    assert_no_errors(page)
    assert query(page)["don_vi"] == code and query(page)["ma_ky"] == "2025-Q3"
    assert selected(page, "Cơ quan, đơn vị") == name


def test_late_list_excel_downloads(new_context, department):
    code, _, late = department
    page = new_context().new_page()
    open_page(page, f"/co_quan?don_vi={code}&ky=year&ma_ky=2025")
    with page.expect_download() as info:
        page.get_by_role("button", name="Tải danh sách (Excel)").first.click()
    # the file names the agency and the period; the table starts below the title rows (row 4) and its
    # foot counts the rows; the dates are dates (shown dd/mm/yyyy by their cells' format)
    assert info.value.suggested_filename.endswith(f"_{code}_2025.xlsx")
    sheet = pl.read_excel(io.BytesIO(open(info.value.path(), "rb").read()), read_options={"header_row": 4})
    assert sheet[:, 0][-1] == f"Tổng cộng: {late} hồ sơ"
    sheet = sheet.head(-1)
    assert sheet.height == late
    assert sheet.schema["Hẹn trả"] == pl.Date and sheet["Hẹn trả"].is_not_null().all()


def test_ended_district_says_so(new_context, warehouse_dir):
    r = store.Reader(warehouse_dir)
    code = r.query("select min(agency_code) from dim_agency where agency_level = 'district'").item()
    r.close()
    page = new_context().new_page()
    open_page(page, f"/co_quan?don_vi={code}&ky=quarter")
    assert_no_errors(page)
    assert "ma_ky=2025-Q2" in page.url
    expect(page.locator('[data-testid="stMain"]')).to_contain_text("đã kết thúc hoạt động từ 01/07/2025")
