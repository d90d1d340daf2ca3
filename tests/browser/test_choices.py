"""Tables and choices in Chromium, as a user meets them (issue 13, items 5 to 7): the report table at
1280 and 1440 pixels wide keeps the agency's name beside "Tỷ lệ đúng hạn" when scrolled; an agency
picked on /co_quan is still there after the overview (by the menu), a link's agency wins; a period
outside the data is said; a tab is in the URL and a link opens it."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_e2e import assert_no_errors, open_page, query, selected, settle


@pytest.mark.parametrize("width", [1280, 1440])
def test_report_table_keeps_the_name_beside_the_rate_when_scrolled(new_context, width):
    page = new_context(viewport={"width": width, "height": 800}).new_page()
    open_page(page, "/bao_cao?ky=year&ma_ky=2025&cap=agency")
    assert_no_errors(page)
    box = page.locator(".bc-wide").first
    box.scroll_into_view_if_needed()
    table = box.locator("table.vn-table")
    # the table is wider than its box: the rate column starts off screen, and the page says to scroll
    assert box.evaluate("b => b.scrollWidth > b.clientWidth")
    expect(page.get_by_text("cuộn ngang để xem các cột bên phải").first).to_be_visible()
    box.evaluate("b => { b.scrollLeft = b.scrollWidth; }")
    page.wait_for_timeout(200)
    frame = box.bounding_box()
    rate = table.locator("thead th").last
    assert rate.inner_text().strip() == "Tỷ lệ đúng hạn"
    rate_box = rate.bounding_box()
    assert frame["x"] <= rate_box["x"]
    assert rate_box["x"] + rate_box["width"] <= frame["x"] + frame["width"] + 1
    # scrolled to the far right, the first row's name still sits at the box's left edge, in view
    name = table.locator("tbody tr").first.locator("td").nth(1)
    name_box = name.bounding_box()
    assert name_box["x"] < frame["x"] + 80, (name_box, frame)
    assert name_box["x"] + name_box["width"] < rate_box["x"]
    # and it is on top: what the screen shows at the name's middle is the name's cell
    hit = page.evaluate("([x, y]) => document.elementFromPoint(x, y).closest('td')?.innerText",
                        [name_box["x"] + 10, name_box["y"] + name_box["height"] / 2])
    assert hit == name.inner_text()


def menu(page: Page, title: str) -> None:
    page.locator('[data-testid="stSidebar"]').get_by_text(title, exact=True).click()
    settle(page)
    assert_no_errors(page)


def test_agency_survives_the_overview_and_a_link_wins(page: Page):
    open_page(page, "/co_quan")
    first, first_code = selected(page, "Cơ quan, đơn vị"), query(page).get("don_vi")
    page.get_by_role("combobox", name="Cơ quan, đơn vị", exact=True).click()
    options = page.get_by_role("option")
    options.nth(options.count() - 1).click()
    settle(page)
    # the address follows the choice after the rerun: on a busy machine a moment after it settles
    page.wait_for_function("code => !window.location.search.includes('don_vi=' + code)", arg=first_code)
    name, code = selected(page, "Cơ quan, đơn vị"), query(page)["don_vi"]
    assert name != first
    # to the overview and back by the menu: the same agency
    menu(page, "Tổng quan")
    expect(page.locator("h1").first).to_contain_text("Tổng quan")
    menu(page, "Cơ quan của tôi")
    assert selected(page, "Cơ quan, đơn vị") == name
    assert query(page)["don_vi"] == code
    # on the late-dossier page another peer group is chosen; the agency's link to its late dossiers
    # still opens that agency (the link wins over the kept group)
    menu(page, "Hồ sơ trễ hạn")
    page.get_by_role("combobox", name="Nhóm đơn vị", exact=True).click()
    page.get_by_role("option", name="Sở, ban, ngành cấp tỉnh").click()
    settle(page)
    menu(page, "Cơ quan của tôi")
    page.get_by_text("Hồ sơ trễ hạn của đơn vị trên trang Hồ sơ trễ hạn").click()
    settle(page)
    assert_no_errors(page)
    expect(page.locator("h1").first).to_have_text("Hồ sơ trễ hạn")
    assert query(page)["don_vi"] == code
    assert selected(page, "Cơ quan, đơn vị") != "Tất cả đơn vị trong nhóm"


def test_period_outside_the_data_is_said(page: Page):
    open_page(page, "/xep_hang?ky=quarter&ma_ky=2030-Q1")
    warning = page.locator('[data-testid="stAlertContentWarning"]').filter(has_text="2030-Q1")
    expect(warning).to_be_visible()
    shown = selected(page, "Kỳ")
    expect(warning).to_contain_text(f"trang đang hiện {shown}")
    assert query(page)["ma_ky"] != "2030-Q1"


def test_tab_is_in_the_url(page: Page):
    open_page(page, "/du_lieu")
    page.get_by_role("tab", name="Lịch làm việc").click()
    settle(page)
    assert query(page)["muc"] == "lich"
    open_page(page, "/du_lieu?muc=do_moi")
    expect(page.get_by_role("tab", name="Độ mới của dữ liệu")).to_have_attribute("aria-selected", "true")
