"""The drill-down page "Theo địa bàn" in the real app and headless Chromium: clicking a bar drills from
the province to a district and on to a commune, the URL holds the drill keys, the breadcrumb goes back
up, and the drilled link opened by someone else shows the same view. Also the README's screenshot.

Run: .venv/bin/python -m pytest tests/browser/test_drill.py -q   (needs /usr/bin/chromium)
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_e2e import (
    SCREENSHOTS,
    assert_no_errors,
    full_page_screenshot,
    open_page,
    query,
    settle,
    wait_for_charts,
)

pytestmark = pytest.mark.browser

START = "/dia_ban?ky=year&ma_ky=2024"


def heading(page: Page) -> str:
    return page.locator("h3").first.inner_text().strip()


def crumbs(page: Page) -> str:
    """The breadcrumb as one line of text: 'Toàn tỉnh › Thành phố Hạ Long › …'."""
    text = page.locator(".st-key-breadcrumb").inner_text()
    return " ".join(text.split())


def expect_crumbs(page: Page, *names: str, timeout_ms: int = 10_000) -> None:
    """Wait until the breadcrumb reads `names` joined by '›': the button labels are drawn a moment after
    the buttons (and the page keeps hidden copies of them, so compare the rendered text)."""
    wanted = " › ".join(names)
    for _ in range(timeout_ms // 100):
        if crumbs(page) == wanted:
            return
        page.wait_for_timeout(100)
    assert crumbs(page) == wanted


def first_chart(page: Page):
    chart = page.locator('[data-testid="stPlotlyChart"]').first
    expect(chart.locator(".bars .point path").first).to_be_attached()
    return chart


def click_bar(page: Page, chart, label_matches) -> str:
    """Click the first bar whose category label satisfies `label_matches` (the lowest on screen: plotly
    draws the ticks in the order of the bars, bottom up); returns that label."""
    # under load the chart of the previous run can still be on screen: wait for the wanted labels
    for _ in range(100):
        labels = [t.strip() for t in chart.locator(".yaxislayer-above .ytick text").all_text_contents()]
        index = next((i for i, label in enumerate(labels) if label_matches(label)), None)
        if index is not None:
            break
        page.wait_for_timeout(100)
    assert index is not None, f"no bar label matches among {labels}"
    bar = chart.locator(".bars .point path").nth(index)
    box = bar.bounding_box()
    # the bars start at 0 while the axis may start near the lowest rate, so a bar's middle can lie left
    # of the plot: click just inside its visible end
    bar.click(position={"x": box["width"] - 4, "y": box["height"] / 2}, force=True)
    return labels[index]


def test_drill_by_clicking_and_back_with_the_breadcrumb(page: Page, new_context):
    open_page(page, START)
    assert_no_errors(page)
    province_heading = heading(page)
    assert province_heading.endswith("· Năm 2024")
    expect_crumbs(page, "Toàn tỉnh")

    # province -> a district: the first tab ranks the districts, named as areas (no comma)
    click_bar(page, first_chart(page),
              lambda label: "," not in label and label.startswith(("Địa bàn huyện", "Địa bàn thành phố",
                                                                     "Địa bàn thị xã")))
    page.wait_for_url(re.compile(r"[?&]cap=district(&|$)"))
    settle(page)
    assert_no_errors(page)
    keys = query(page)
    assert keys["pb"] == "1" and keys["cap"] == "district" and re.fullmatch(r"\d{3}", keys["ma"])
    # the heading says "Địa bàn thành phố …" (the area, issue 13); the breadcrumb its short name
    area = heading(page).split(" (đến 30/06/2025)")[0]
    assert area.startswith("Địa bàn ") and heading(page) == f"{area} (đến 30/06/2025) · Năm 2024"
    district = area.removeprefix("Địa bàn ")
    district = district[:1].upper() + district[1:]
    expect_crumbs(page, "Toàn tỉnh", district)

    # district -> a commune: a bar labelled "Địa bàn xã …, <district>" (its own UBND has no comma)
    commune_label = click_bar(page, first_chart(page), lambda label: label.endswith(f", {district}"))
    page.wait_for_url(re.compile(r"[?&]cap=commune(&|$)"))
    settle(page)
    assert_no_errors(page)
    keys = query(page)
    assert {k: keys[k] for k in ("ky", "ma_ky", "pb", "cap")} == {"ky": "year", "ma_ky": "2024", "pb": "1",
                                                                  "cap": "commune"}
    assert re.fullmatch(r"\d{5}", keys["ma"])
    commune = commune_label.split(",")[0].removeprefix("Địa bàn ")
    commune = commune[:1].upper() + commune[1:]
    assert heading(page) == f"{commune_label} (đến 30/06/2025) · Năm 2024"
    expect_crumbs(page, "Toàn tỉnh", district, commune)
    drilled = page.url
    expect(page.get_by_text("Hồ sơ", exact=True)).to_be_visible()      # the commune lists its dossiers

    # the drilled link, opened in a fresh context, shows the same view
    other = new_context().new_page()
    open_page(other, drilled)
    assert_no_errors(other)
    assert heading(other) == heading(page)
    expect_crumbs(other, "Toàn tỉnh", district, commune)
    assert crumbs(other) == crumbs(page) == f"Toàn tỉnh › {district} › {commune}"
    assert query(other) == query(page)

    # back to the province with the breadcrumb; the period stays
    page.locator(".st-key-breadcrumb").get_by_role("button", name="Toàn tỉnh").click()
    page.wait_for_url(lambda url: "cap=" not in url)
    settle(page)
    assert_no_errors(page)
    # the province's level tab is in the URL too (nhom): in 2024 the districts lead
    assert query(page) == {"ky": "year", "ma_ky": "2024", "nhom": "district"}
    assert heading(page) == province_heading
    expect_crumbs(page, "Toàn tỉnh")


def test_screenshot_for_readme(page: Page):
    open_page(page, START)
    assert_no_errors(page)
    expect(page.locator('[data-testid="stMain"]')).to_contain_text("Tỷ trọng hồ sơ")
    wait_for_charts(page)
    target = SCREENSHOTS / "dia_ban.png"
    full_page_screenshot(page, target)
    assert target.stat().st_size > 10_000, target
