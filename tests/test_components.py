"""Small screen pieces whose words carry a judgement: the state of a target over the year and what
the rest of the year must reach."""

import polars as pl
import pytest

from ui import components
from warehouse.metrics import METRICS

ON_TIME = METRICS["on_time_rate"]


def row(value, is_met, is_final, is_at_risk, need=None, comparator=">="):
    return {"value": value, "is_met": is_met, "is_final": is_final, "is_at_risk": is_at_risk,
            "required_remaining_value": need, "comparator": comparator}


@pytest.mark.parametrize(("r", "state"), [
    (row(0.97, True, True, False), "met"),            # 2025 over, 97% against 96%
    (row(0.95, False, True, False), "missed"),        # 2025 over, 95%: missed, never "at risk"
    (row(0.97, True, False, False), "met"),           # running, met so far and projected to stay
    (row(0.97, True, False, True), "at_risk"),        # met so far, but the projection ends below
    (row(0.95, False, False, False), "behind"),       # below so far, the last months bring it back
    (row(0.95, False, False, True), "at_risk"),
    (row(None, None, False, False), "no_data"),       # nothing finished yet this year
])
def test_target_state(r, state):
    assert components.target_state(r) == state


@pytest.mark.parametrize(("r", "text"), [
    (row(0.97, True, False, False, need=0.775), "≥ 77,5%"),
    (row(0.97, True, False, False, need=-1.3), "Chắc chắn đạt"),       # even 0% for the rest suffices
    (row(0.56, False, False, True, need=4.73), "Không thể đạt trong năm"),  # 473% of the rest: impossible
    (row(0.97, True, True, False, need=0.5), "—"),                     # the year is over
    (row(0.02, True, False, False, need=0.01, comparator="<="), "≤ 1,0%"),
    (row(0.02, True, False, False, need=1.2, comparator="<="), "Chắc chắn đạt"),
    (row(0.02, True, False, False, need=-0.1, comparator="<="), "Không thể đạt trong năm"),
])
def test_required_rest_of_year(r, text):
    assert components.required_rest_of_year(ON_TIME, r) == text


def test_html_table_links_a_column_to_a_hidden_url_and_escapes_text():
    frame = pl.DataFrame({"Đơn vị": ["Sở <A>", "Sở B"], "url": ["/co_quan?don_vi=A&ky=year", None],
                          "Tỷ lệ": ["96,5%", "90,0%"]})
    out = components.html_table(frame, numeric=("Tỷ lệ",), links={"Đơn vị": "url"})
    assert "<th" in out and ">url<" not in out                      # the URL column is not shown
    assert "<a href='/co_quan?don_vi=A&amp;ky=year' target='_self'>Sở &lt;A&gt;</a>" in out
    assert "<td style='text-align:left'>Sở B</td>" in out            # no URL: plain text
    assert "<td style='text-align:right'>96,5%</td>" in out


@pytest.mark.parametrize(("change", "higher", "arrow", "colour"), [
    (0.012, True, "up", "green"),       # on-time rate up 1,2 points: good
    (-0.012, True, "down", "red"),      # down: bad, and shown as a fall although written '−1,2'
    (0.012, False, "up", "red"),        # a late share going up is bad
    (0.0004, True, "off", "gray"),      # +0,04 points reads as 0,0: no change
])
def test_rate_delta_arrow_and_colour(change, higher, arrow, colour):
    d = components.rate_delta(change, higher)
    assert (d["delta_arrow"], d["delta_color"]) == (arrow, colour)
    assert components.rate_delta(None) == {}
