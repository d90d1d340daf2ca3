"""Charts that read right, as a user meets them (issue 13, item 4): the ranking page says why its foot
is not the lowest plain rates (the Wilson rule) and shows each plain rate beside the bound it is ranked
by, its bars run from 0 to 100%; the overview's 766 heatmap says which points have no input.

The session's demo (scale 0.05, seed 7): in Q3/2025 the departments' foot holds agencies with few
dossiers, while Sở Tài chính (90,6% of 245 dossiers, lower bound 86,3%) ranks above them.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_e2e import assert_no_errors, open_page, wait_for_charts

pytestmark = pytest.mark.browser

DEPARTMENTS_Q3 = "/xep_hang?ky=quarter&ma_ky=2025-Q3&nhom=department&chi_so=on_time_rate"

# the first chart's x-axis range as plotly laid it out
_X_RANGE = """() => document.querySelector('[data-testid="stPlotlyChart"] .js-plotly-plot')
                     ._fullLayout.xaxis.range"""


def test_ranking_names_the_wilson_rule_and_shows_the_plain_rate(page: Page):
    open_page(page, DEPARTMENTS_Q3)
    assert_no_errors(page)
    main = page.locator('[data-testid="stMain"]')
    standings = main.locator("p").filter(has_text="Cuối bảng:")
    expect(standings).to_be_visible()
    foot = standings.inner_text().split("Cuối bảng:")[1]
    # each of the foot's agencies: its plain rate, then the bound it is ranked by
    assert len(re.findall(r"\(\d{1,3},\d% · cận dưới Wilson \d{1,3},\d%\)", foot)) == 3, foot
    note = main.get_by_text("Cuối bảng theo thứ hạng")
    expect(note).to_contain_text("cận dưới Wilson (tin cậy 95%)")
    # the department with a lower rate than the foot's, ranked above it for its many dossiers
    expect(note).to_contain_text("Sở Tài chính tỉnh Quảng Ninh (90,6%, 245 hồ sơ")


def test_ranking_bars_of_a_rate_run_from_zero_to_100_percent(page: Page):
    open_page(page, DEPARTMENTS_Q3)
    expect(page.locator('[data-testid="stPlotlyChart"] .js-plotly-plot').first).to_be_attached()
    wait_for_charts(page)
    low, high = page.evaluate(_X_RANGE)
    assert low == 0 and high == 1


def test_a_change_that_rounds_to_zero_shows_no_sign_and_does_not_wrap(page: Page):
    open_page(page, DEPARTMENTS_Q3)
    table = page.locator("table.vn-table").first
    expect(table).to_be_visible()
    changes = table.locator("td").filter(has_text="điểm").all_inner_texts()
    assert changes, "no change column"
    for text in changes:
        # one piece (non-breaking spaces), and never "−0,0" or "+0,0"
        assert re.fullmatch(r"([+−](?!0,0\D)\d+,\d|0,0)\u00a0điểm\u00a0%", text.strip()), text


def test_the_766_heatmap_says_which_points_have_no_input(page: Page):
    open_page(page, "/tong_quan?ky=quarter&ma_ky=2025-Q3")
    assert_no_errors(page)
    heatmap = page.locator('[data-testid="stPlotlyChart"]').last
    heatmap.scroll_into_view_if_needed()
    wait_for_charts(page)
    expect(heatmap).to_contain_text("số điểm có dữ liệu")
    # "Số hóa hồ sơ" is scored out of the 16 points with input, the 6 of data reuse said to have none
    expect(heatmap).to_contain_text("/16")
    expect(heatmap).to_contain_text("6 điểm không")     # its lines are separate <tspan>s
    expect(heatmap).to_contain_text("có dữ liệu")
