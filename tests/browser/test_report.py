"""The Báo cáo page in the real app (headless Chromium): the .xlsx office form downloaded by its button
and read back, the A4 brief downloaded and printed to PDF on exactly one page, and the README's
screenshot.

Run: .venv/bin/python -m pytest tests/browser/test_report.py -q   (needs /usr/bin/chromium)
"""

from __future__ import annotations

import datetime as dt
import re

import polars as pl
import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_e2e import SCREENSHOTS, assert_no_errors, full_page_screenshot, open_page
from ui import brief as ui_brief
from warehouse import narrative, report, report_xlsx, store
from warehouse.metrics import METRICS, REPORT_COLUMNS

pytestmark = pytest.mark.browser

Q3_LINK = "/bao_cao?ky=quarter&ma_ky=2025-Q3"
XLSX_BUTTON = "Tải bảng báo cáo (.xlsx, mẫu báo cáo)"
BRIEF_BUTTON = "Tải bản tóm tắt (.html, mở và in khổ A4)"
# a PDF page object (not the /Pages tree node)
PDF_PAGE = re.compile(rb"/Type\s*/Page(?![a-zA-Z])")


def province_counts(warehouse_dir, start: dt.date, end: dt.date) -> dict:
    """docs/domain.md's rules over fct_dossier, independently of the report's SQL macros."""
    r = store.Reader(warehouse_dir)
    try:
        return r.query(
            """select count(*) filter (received_date < $s) as carried_over,
                      count(*) filter (received_date >= $s) as received_new,
                      count(*) filter (end_date <= $e) as finished,
                      count(*) filter (end_date <= $e and (status = 7 or due_date is null
                                                           or end_date <= due_date)) as on_time
               from fct_dossier
               where received_date <= $e and (end_date is null or end_date >= $s)""",
            {"s": start, "e": end},
        ).row(0, named=True)
    finally:
        r.close()


def busiest_period(warehouse_dir) -> tuple[str, str]:
    """The period of the demo with the most dossiers (carried over + new), whatever its kind."""
    r = store.Reader(warehouse_dir)
    try:
        return r.query(
            """select period_kind, period_key from agg_periodic_report group by all
               order by sum(carried_over + received_new) desc, period_kind, period_key limit 1""").row(0)
    finally:
        r.close()


def download(page: Page, button: str, target):
    with page.expect_download() as info:
        page.get_by_role("button", name=button).click()
    done = info.value
    done.save_as(target)
    return done


def pdf_pages(page: Page, html: str) -> tuple[int, list[str]]:
    """Print the brief as Chromium prints it (A4); the number of pages and any request it made."""
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.set_content(html, wait_until="load")
    pdf = page.pdf(format="A4")
    return len(PDF_PAGE.findall(pdf)), requests


def test_xlsx_form_download_matches_the_table_and_the_dossiers(page: Page, warehouse_dir, tmp_path):
    open_page(page, Q3_LINK)
    assert_no_errors(page)
    expected = province_counts(warehouse_dir, dt.date(2025, 7, 1), dt.date(2025, 9, 30))
    good = expected["on_time"]

    done = download(page, XLSX_BUTTON, tmp_path / "form.xlsx")
    assert done.suggested_filename == "bao_cao_2025-Q3_co_quan.xlsx"
    sheets = pl.read_excel(tmp_path / "form.xlsx", sheet_id=0,
                           read_options={"header_row": report_xlsx.HEADER_ROW})
    assert list(sheets)[:2] == ["Toàn tỉnh", "Sở, ban, ngành"]
    province = sheets["Toàn tỉnh"]
    assert province["Nhóm cơ quan, đơn vị"].to_list()[-1] == report.TOTAL_LABEL
    total = province.row(province.height - 1, named=True)
    assert (total["Kỳ trước chuyển qua"], total["Mới tiếp nhận"], total["Đã giải quyết"],
            total["Trước hạn"] + total["Đúng hạn"]) == (expected["carried_over"], expected["received_new"],
                                                         expected["finished"], good)
    # every agency sheet's rows add up to the province
    agencies = pl.concat([f.head(f.height - 1) for name, f in sheets.items() if name != "Toàn tỉnh"],
                         how="diagonal")
    assert agencies["Mới tiếp nhận"].sum() == expected["received_new"]

    # the page's table ends on the same totals row, written the Vietnamese way
    last = page.locator("table.vn-table").first.locator("tbody tr").last.locator("td").all_inner_texts()
    assert last[1] == report.TOTAL_LABEL
    vn = lambda n: f"{n:,}".replace(",", ".")  # noqa: E731
    assert [last[2], last[3], last[7]] == [vn(expected["carried_over"]), vn(expected["received_new"]),
                                           vn(expected["finished"])]
    paragraph = page.locator('[data-testid="stCode"]').inner_text()
    assert (f"mới tiếp nhận {vn(expected['received_new'])}), đã giải quyết {vn(expected['finished'])} hồ sơ"
            in paragraph)


@pytest.mark.parametrize("which", ["2025-Q3", "busiest"])
def test_brief_prints_on_one_a4_page(new_context, warehouse_dir, tmp_path, which):
    kind, key = ("quarter", "2025-Q3") if which == "2025-Q3" else busiest_period(warehouse_dir)
    page = new_context().new_page()
    open_page(page, f"/bao_cao?ky={kind}&ma_ky={key}")
    assert_no_errors(page)
    done = download(page, BRIEF_BUTTON, tmp_path / "brief.html")
    slug = f"ky_bao_cao_{key}" if kind.startswith("rep_") else key   # reporting windows share calendar keys
    assert done.suggested_filename == f"ban_tom_tat_{slug}.html"
    html = (tmp_path / "brief.html").read_text(encoding="utf-8")
    paragraph = page.locator('[data-testid="stCode"]').inner_text().strip()
    assert paragraph.split(" Các cơ quan")[0] in html

    printer = new_context().new_page()
    pages, requests = pdf_pages(printer, html)
    assert pages == 1, f"{kind} {key}: the brief prints on {pages} pages"
    assert requests == [], requests          # self-contained: nothing fetched
    # the sheet kept its full size: the shrink-to-fit script had nothing to do on the demo
    assert printer.evaluate("document.querySelector('.a4-brief').style.fontSize") == "11pt"


def test_brief_with_every_target_and_long_names_still_fits(browser):
    """Far more than a province writes: all registry KPIs targeted and missed, 70-character names,
    a reporting window's long label. At 11 pt that runs onto a second sheet; the inline script shrinks
    the sheet until it fits one."""
    long_name = "Ủy ban nhân dân phường Hồng Hải, thành phố Hạ Long, tỉnh Quảng Ninh số "
    agencies = pl.DataFrame({
        "agency_name": [f"{long_name}{i}" for i in range(6)], "peer_group": ["commune_old"] * 6,
        "unit_label": ["Phường Hồng Hải, Thành phố Hạ Long"] * 6,
        **{c: [123_456] * 6 for c in REPORT_COLUMNS}, "on_time_rate": [0.5] * 6,
    })
    field_name = "Đăng ký, cung cấp thông tin về giao dịch bảo đảm số "
    fields = pl.DataFrame({"field_name": [f"{field_name}{i}" for i in range(6)], "finished": [123_456] * 6,
                           "finished_late": [12_345] * 6, "on_time_rate": [0.5] * 6})
    targets = pl.DataFrame({"kpi": list(METRICS), "comparator": [">="] * len(METRICS),
                            "target_value": [0.99] * len(METRICS)})
    period = {"period_label": "Kỳ báo cáo 6 tháng cuối năm 2025 (15/06/2025 – 14/12/2025)", "year": 2025,
              "start_date": dt.date(2025, 6, 15), "end_date": dt.date(2025, 12, 14),
              "eval_date": dt.date(2025, 11, 23)}
    fig = narrative.figures(period, agencies, fields, {k: 0.5 for k in METRICS}, targets, agencies,
                            ("Kỳ báo cáo 6 tháng đầu năm 2025 (15/12/2024 – 14/06/2025)",
                             {"on_time_rate": 0.9}))
    printer = browser.new_page()
    try:
        pages, requests = pdf_pages(printer, ui_brief.document(fig, "Tỉnh Quảng Ninh", "2025-11-23"))
        assert pages == 1 and requests == []
        size = printer.evaluate("document.querySelector('.a4-brief').style.fontSize")
        size = float(size.removesuffix("pt"))
        assert 7 <= size < 11
    finally:
        printer.close()


def test_screenshot_for_readme(page: Page):
    open_page(page, Q3_LINK)
    expect(page.locator('[data-testid="stMain"]')).to_contain_text("Bản tóm tắt một trang A4")
    assert_no_errors(page)
    target = SCREENSHOTS / "bao_cao.png"
    full_page_screenshot(page, target)
    assert target.stat().st_size > 10_000
