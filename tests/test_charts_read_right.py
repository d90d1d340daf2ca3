"""Charts that read right (issue 13, item 4): a bar's length is its value, a rate's axis ends at 100%,
and a group of the 766 index is scored out of the points that have input."""

import datetime as dt

import polars as pl

from ui import components
from warehouse.metrics import METRICS

ON_TIME = METRICS["on_time_rate"]
DAYS = METRICS["avg_processing_days"]


def ranked(values: list[float]) -> pl.DataFrame:
    n = len(values)
    return pl.DataFrame({
        "is_ranked": [True] * n, "rank": list(range(1, n + 1)), "value": values,
        "agency_name": [f"Sở {i}" for i in range(n)], "agency_code": [f"S{i}" for i in range(n)],
        "volume": [100] * n,
    })


def test_ranking_bars_of_a_rate_start_at_zero_and_stop_at_100_percent():
    # the case: 99,2% and 82,2% on a 75-105% axis read as three to one
    fig = components.ranking_chart(ranked([0.992, 0.95, 0.822]), ON_TIME,
                                   {"comparator": ">=", "target_value": 0.95})
    assert tuple(fig.layout.xaxis.range) == (0.0, 1.0)
    assert list(fig.data[0].x) == [0.822, 0.95, 0.992]       # worst at the bottom, lengths as valued
    assert list(fig.data[0].text) == ["82,2%", "95,0%", "99,2%"]
    # the same on the rates that reach 100%, and without a target
    fig = components.ranking_chart(ranked([1.0, 0.999]), ON_TIME, None)
    assert tuple(fig.layout.xaxis.range) == (0.0, 1.0)


def test_a_low_rate_starts_at_zero_and_a_ratio_may_pass_100_percent():
    # late share 2-5%: the axis fits the bars (5% x 1,2 = 6%) rather than 0-100%
    fig = components.ranking_chart(ranked([0.02, 0.05]), METRICS["late_share"], None)
    low, high = fig.layout.xaxis.range
    assert low == 0.0 and abs(high - 0.06) < 1e-12
    # time used / time allowed is no rate: 130% is a value, its bar is drawn whole
    fig = components.ranking_chart(ranked([0.8, 1.3]), METRICS["processing_time_ratio"], None)
    low, high = fig.layout.xaxis.range
    assert low == 0.0 and abs(high - 1.56) < 1e-12


def test_ranking_bars_of_days_start_at_zero():
    fig = components.ranking_chart(ranked([4.0, 10.0]), DAYS, {"comparator": "<=", "target_value": 5.0})
    low, high = fig.layout.xaxis.range
    assert low == 0.0 and high == 12.0                        # 20% past the longest bar: its label fits


def trend(rates: list[float]) -> pl.DataFrame:
    return pl.DataFrame({"start_date": [dt.date(2025, m + 1, 1) for m in range(len(rates))],
                         "received_new": [100] * len(rates), "on_time_rate": rates})


def test_trend_rate_line_ends_at_100_percent_and_says_where_it_is_cut():
    # lowest point 95% (the target): cut at the tenth below 95% - 5 points = 90%, said in the title
    fig = components.trend_chart(trend([0.99, 0.97, 1.0]), "on_time_rate", 0.95, "Tỷ lệ")
    low, high = fig.layout.yaxis2.range
    assert (round(low, 9), high) == (0.9, 1.0)
    assert fig.layout.yaxis2.title.text == "Tỷ lệ giải quyết đúng hạn (trục từ 90%)"
    assert fig.layout.yaxis.rangemode == "tozero"              # the dossiers' bars from zero
    # 85%: 80% (8,5 - 0,5 = 8 tenths)
    assert round(fig_low(trend([0.85, 0.9]), None), 9) == 0.8
    # a month below 50%: the whole scale, no cut to mention
    fig = components.trend_chart(trend([0.45, 0.9]), "on_time_rate", None, "Tỷ lệ")
    assert tuple(fig.layout.yaxis2.range) == (0.0, 1.0)
    assert fig.layout.yaxis2.title.text == "Tỷ lệ giải quyết đúng hạn"


def fig_low(frame: pl.DataFrame, target) -> float:
    return components.trend_chart(frame, "on_time_rate", target, "Tỷ lệ").layout.yaxis2.range[0]


def test_a_766_group_is_scored_out_of_the_points_with_input():
    # "Số hóa hồ sơ", 22 points: electronic results 8 + digitised 8 have input, reuse 6 has none.
    # An agency with 8 x 0,9 = 7,2 and 8 x 0,5 / 0,8 = 5 has 12,2 points of 16: 76,25%, not 12,2 / 22
    share, text = components.score_766_cell(12.2, 16.0, 22.0)
    assert abs(share - 0.7625) < 1e-12
    assert text == "12,2/16<br>6 điểm không<br>có dữ liệu"
    # every point with input: no note
    assert components.score_766_cell(18.0, 20.0, 20.0) == (0.9, "18,0/20")
    # an average over agencies of which some miss an input: 15,5 points with input on average
    share, text = components.score_766_cell(10.0, 15.5, 22.0)
    assert text == "10,0/15,5<br>6,5 điểm không<br>có dữ liệu"
    # nothing with input: no colour, said so
    assert components.score_766_cell(None, 0, 22.0) == (None, "không có dữ liệu")
