"""Tables and choices in Chromium, as a user meets them (issue 13, items 5 to 7): the report table at
1280 and 1440 pixels wide keeps the agency's name beside "Tỷ lệ đúng hạn" when scrolled; an agency
picked on /co_quan is still there after the overview (by the menu), a link's agency wins; a period
outside the data is said; a tab is in the URL and a link opens it."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_e2e import assert_no_errors, open_page, query, selected, settle

# Measured in one script, in the page: Streamlit may redraw the table after the run settles (the tab
# row reports its state and reruns), and an element handle taken before the redraw stays detached
_MEASURE = """() => {
  const box = document.querySelector('.bc-wide');
  if (!box || !box.isConnected || box.offsetParent === null) return null;
  box.scrollIntoView({block: 'start'});
  box.scrollLeft = box.scrollWidth;
  const rect = e => { const r = e.getBoundingClientRect(); return {x: r.x, y: r.y, width: r.width,
                                                                  height: r.height}; };
  const rate = box.querySelector('table.vn-table thead th:last-child');
  const name = box.querySelector('table.vn-table tbody tr td:nth-child(2)');
  const frame = rect(box), nameBox = rect(name);
  const hit = document.elementFromPoint(nameBox.x + 10, nameBox.y + nameBox.height / 2);
  return {wide: box.scrollWidth > box.clientWidth, frame, rate: rect(rate), rateText: rate.innerText,
          name: nameBox, nameText: name.innerText, hit: hit && hit.closest('td')?.innerText};
}"""


@pytest.mark.parametrize("width", [1280, 1440])
def test_report_table_keeps_the_name_beside_the_rate_when_scrolled(new_context, width):
    page = new_context(viewport={"width": width, "height": 800}).new_page()
    open_page(page, "/bao_cao?ky=year&ma_ky=2025&cap=agency")
    assert_no_errors(page)
    # the table is wider than its box: the rate column starts off screen, and the page says to scroll
    expect(page.get_by_text("cuộn ngang để xem các cột bên phải").first).to_be_visible()
    seen = page.wait_for_function(_MEASURE).json_value()
    assert seen["wide"]
    frame, rate, name = seen["frame"], seen["rate"], seen["name"]
    # scrolled to the far right, the rate column is inside the box
    assert seen["rateText"].strip() == "Tỷ lệ đúng hạn"
    assert frame["x"] <= rate["x"]
    assert rate["x"] + rate["width"] <= frame["x"] + frame["width"] + 1
    # and the first row's name still sits at the box's left edge, in view, left of the rate
    assert name["x"] < frame["x"] + 80, (name, frame)
    assert name["x"] + name["width"] < rate["x"]
    # and it is on top: what the screen shows at the name's middle is the name's cell
    assert seen["hit"] == seen["nameText"]


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
