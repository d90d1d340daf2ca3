"""Issue 13, items 1 and 2, as a user meets them in Chromium on the demo (as of 23/11/2026):

- a new commune's chairman opens "Theo địa bàn" for a month of 2026 and for Quý III/2025: the view
  leads with the units of that period (the communes from 01/07/2025, not the districts abolished on
  30/06/2025), the heading names only the levels of the period; a district opened from 2024 is headed
  as an area ("Địa bàn …"), apart from its UBND;
- the chairman's office opens slide 1 of the deck for Quý III/2025: the headline is the quarter's own
  on-time rate, as the footer's period says, not the year's.

Run: .venv/bin/python -m pytest tests/browser/test_period_units.py -q   (needs /usr/bin/chromium)
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_e2e import assert_no_errors, open_page
from ui import slide_parts
from warehouse import fmt, store

pytestmark = pytest.mark.browser

DISTRICT_TAB = "Cấp huyện (đến 30/06/2025)"
NEW_COMMUNES_TAB = "Cấp xã (từ 01/07/2025)"


def tab_names(page: Page) -> list[str]:
    return [t.strip() for t in page.get_by_role("tab").all_inner_texts()]


def selected_tab(page: Page) -> str:
    return page.locator("[role=tab][aria-selected=true]").first.inner_text().strip()


def test_a_month_of_2026_leads_with_the_new_communes(page: Page):
    open_page(page, "/dia_ban?ky=month&ma_ky=2026-11")
    assert_no_errors(page)
    main = page.locator('[data-testid="stMain"]')
    expect(main).to_contain_text("Toàn tỉnh gồm: sở, ngành, cơ quan Trung ương và cấp xã")
    expect(main).not_to_contain_text("cấp huyện và cấp xã")
    tabs = tab_names(page)
    assert tabs and tabs[0].startswith(NEW_COMMUNES_TAB), tabs
    assert selected_tab(page).startswith(NEW_COMMUNES_TAB)
    # the abolished districts: no tab of their own unless they finished something in the month, and
    # then the last one
    districts = [i for i, t in enumerate(tabs) if t.startswith(DISTRICT_TAB)]
    assert districts in ([], [len(tabs) - 1]), tabs
    # the chart under the open tab ranks areas of the new communes, named as areas
    first_bar = page.locator('[data-testid="stPlotlyChart"]').first.locator(".yaxislayer-above .ytick text")
    expect(first_bar.first).to_be_attached()
    labels = [t.strip() for t in first_bar.all_text_contents()]
    assert labels and all(label.startswith("Địa bàn ") for label in labels), labels


def test_quarter_three_2025_puts_the_districts_last(page: Page):
    open_page(page, "/dia_ban?ky=quarter&ma_ky=2025-Q3")
    assert_no_errors(page)
    expect(page.locator('[data-testid="stMain"]')).to_contain_text(
        "Toàn tỉnh gồm: sở, ngành, cơ quan Trung ương và cấp xã")
    tabs = tab_names(page)
    assert tabs[0].startswith(NEW_COMMUNES_TAB), tabs
    assert not any(t.startswith(DISTRICT_TAB) for t in tabs[:-1]), tabs
    expect(page.locator('[data-testid="stMain"]')).to_contain_text(
        "Cấp huyện đã thôi hoạt động từ 01/07/2025")


def test_a_year_before_the_reorganisation_still_leads_with_its_districts(page: Page):
    open_page(page, "/dia_ban?ky=year&ma_ky=2024")
    assert_no_errors(page)
    expect(page.locator('[data-testid="stMain"]')).to_contain_text(
        "Toàn tỉnh gồm: sở, ngành, cơ quan Trung ương, cấp huyện và cấp xã")
    assert tab_names(page)[0].startswith("Cấp huyện")
    # a district is headed as the area (all its agencies), and its UBND, an agency of the same name
    # (the one the brief names), has its own bar under it
    open_page(page, "/dia_ban?ky=year&ma_ky=2024&pb=1&cap=district&ma=195")
    assert_no_errors(page)
    heading = page.locator("h3").first.inner_text().strip()
    assert heading == "Địa bàn thành phố Cẩm Phả (đến 30/06/2025) · Năm 2024", heading
    ticks = page.locator('[data-testid="stPlotlyChart"]').first.locator(".yaxislayer-above .ytick text")
    expect(ticks.first).to_be_attached()
    labels = [t.strip() for t in ticks.all_text_contents()]
    assert "UBND thành phố Cẩm Phả" in labels, labels
    assert all(label == "UBND thành phố Cẩm Phả" or label.startswith("Địa bàn ") for label in labels)


def test_slide_1_of_a_quarter_is_the_quarter(page: Page, warehouse_dir):
    reader = store.Reader(warehouse_dir)
    try:
        (rate,) = reader.query(
            """select sum(finished_early + finished_on_time)::double / sum(finished)
               from agg_periodic_report where period_kind = 'quarter' and period_key = '2025-Q3'""").row(0)
        (year_rate,) = reader.query(
            """select sum(finished_early + finished_on_time)::double / sum(finished)
               from agg_periodic_report where period_kind = 'year' and period_key = '2025'""").row(0)
    finally:
        reader.close()
    open_page(page, "/trinh_chieu?ky=quarter&ma_ky=2025-Q3&trang=1")
    assert_no_errors(page)
    headline = page.locator("h1").first.inner_text().strip()
    assert headline.startswith(f"Tỷ lệ đúng hạn Quý III/2025: {fmt.percent(rate)}, "), headline
    # the footer names the same period; the year's figure is named as the year's
    expect(page.locator(".slide-status")).to_contain_text("Quý III/2025")
    stage = page.locator(".st-key-slide_stage")
    expect(stage).to_contain_text("Quý III/2025 so với chỉ tiêu kế hoạch năm 2025")
    expect(stage).to_contain_text(f"Năm 2025: {fmt.percent(year_rate)}")


def test_quarter_three_2025_names_the_same_weakest_everywhere_and_no_ceased_unit(page: Page, warehouse_dir):
    """The chairman's office preparing the Q3/2025 meeting: the ranking page's bottom, the drafted
    paragraph, the A4 brief and slides 2-3 name the same weakest agencies, none of them a unit that
    had ceased before 01/07/2025."""
    from warehouse import queries_targets

    reader = store.Reader(warehouse_dir)
    try:
        weakest = queries_targets.weakest(reader, "quarter", "2025-Q3", 3)
        # by name, as a reader sees them: a name an active agency also bears (an old ward and the new
        # ward of the same name) is not counted as the ceased unit's
        ceased = set(reader.query(
            """select agency_name from dim_agency where valid_to < date '2025-07-01'
               except select agency_name from dim_agency
               where valid_to is null or valid_to >= date '2025-07-01'""")["agency_name"])
    finally:
        reader.close()
    assert weakest.height == 3
    names = weakest["agency_name"].to_list()
    assert not set(names) & ceased, names

    for row in weakest.iter_rows(named=True):        # the ranking page of the agency's own peer group
        open_page(page, f"/xep_hang?ky=quarter&ma_ky=2025-Q3&nhom={row['peer_group']}&chi_so=on_time_rate")
        assert_no_errors(page)
        bottom = page.locator('[data-testid="stMarkdownContainer"]').filter(has_text="Cuối bảng:").first
        expect(bottom).to_contain_text(row["agency_name"])

    open_page(page, "/bao_cao?ky=quarter&ma_ky=2025-Q3")
    assert_no_errors(page)
    paragraph = page.locator('[data-testid="stCode"]').first.inner_text()
    assert all(name in paragraph for name in names), paragraph
    assert not any(name in paragraph for name in ceased), paragraph
    with page.expect_download() as info:
        page.get_by_role("button", name="Tải bản tóm tắt (.html, mở và in khổ A4)").click()
    brief = open(info.value.path(), encoding="utf-8").read()
    assert all(name in brief for name in names)

    # a slide names agencies without the province ('Sở Giáo dục và Đào tạo'), as its helper does
    on_slide = [slide_parts.short_name(name, "Tỉnh Quảng Ninh") for name in names]
    for slide in (2, 3):
        open_page(page, f"/trinh_chieu?ky=quarter&ma_ky=2025-Q3&trang={slide}")
        assert_no_errors(page)
        stage = page.locator(".st-key-slide_stage").inner_text()
        # slide 2 names each group's last; slide 3 lists the weakest beside the late dossiers, in order
        assert any(name in stage for name in on_slide), (slide, stage)
        assert not any(name in stage for name in ceased), (slide, stage)
        if slide == 3:
            listed = stage[stage.index("Cuối bảng xếp hạng đúng hạn"):]
            positions = [listed.find(name) for name in on_slide]
            assert -1 not in positions and positions == sorted(positions), (on_slide, listed)
