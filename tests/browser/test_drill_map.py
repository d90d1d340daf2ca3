"""The drill-down map as a chairman's office meets it in Chromium (issue 13, item 7): for Quý III/2025
the communes' dots sit apart on screen (none covers another) and the units below target are named.

Run: .venv/bin/python -m pytest tests/browser/test_drill_map.py -q   (needs /usr/bin/chromium)
"""

from __future__ import annotations

import itertools
import math
import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_e2e import assert_no_errors, open_page

pytestmark = pytest.mark.browser

# plotly draws a circle marker as a path "M r,0A r,r 0 1,1 0,-r…" moved by translate(x,y)
_RADIUS = re.compile(r"^M([\d.]+),0A")
_TRANSLATE = re.compile(r"translate\(([-\d.]+),\s*([-\d.]+)\)")


def test_the_map_dots_do_not_cover_each_other_and_the_weak_units_are_named(page: Page):
    open_page(page, "/dia_ban?ky=quarter&ma_ky=2025-Q3")
    assert_no_errors(page)
    caption = page.get_by_text("Bản đồ vị trí", exact=False).first
    expect(caption).to_be_visible()
    chart = page.locator('[data-testid="stPlotlyChart"]').filter(has=page.locator(".scatterlayer")).last
    chart.scroll_into_view_if_needed()
    expect(chart.locator(".scatterlayer path.point").first).to_be_attached()
    dots = chart.locator(".scatterlayer path.point").evaluate_all(
        "nodes => nodes.map(n => [n.getAttribute('d'), n.getAttribute('transform')])")
    circles = []
    for d, transform in dots:
        radius, moved = _RADIUS.match(d or ""), _TRANSLATE.search(transform or "")
        if radius and moved:
            circles.append((float(moved.group(1)), float(moved.group(2)), float(radius.group(1))))
    assert len(circles) >= 40, len(circles)                     # the 54 communes, less any without dossiers
    for (x1, y1, r1), (x2, y2, r2) in itertools.combinations(circles, 2):
        assert math.hypot(x1 - x2, y1 - y2) >= r1 + r2 - 0.5, ((x1, y1, r1), (x2, y2, r2))
    names = [t.strip() for t in chart.locator(".scatterlayer text").evaluate_all(
        "nodes => nodes.map(n => n.textContent || '')") if t.strip()]
    assert names, "no unit is named on the map"
