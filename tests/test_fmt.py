import datetime as dt

from warehouse import fmt
from warehouse.metrics import METRICS


def test_vietnamese_numbers_and_dates():
    assert fmt.number(1234567) == "1.234.567"
    assert fmt.number(0) == "0"
    assert fmt.number(1234.5, 1) == "1.234,5"
    assert fmt.percent(0.965) == "96,5%"
    assert fmt.percent(1.0) == "100,0%"
    assert fmt.percent(None) == fmt.EMPTY
    assert fmt.percent(float("nan")) == fmt.EMPTY
    assert fmt.points(0.012) == "+1,2\u00a0điểm\u00a0%"
    assert fmt.points(-0.0345) == "−3,5\u00a0điểm\u00a0%"
    assert fmt.date(dt.date(2026, 1, 5)) == "05/01/2026"
    assert fmt.date("2026-11-23") == "23/11/2026"


def test_a_change_that_rounds_to_zero_has_no_sign():
    # −0,00004 of a rate is −0,004 points: shown 0,0, so neither − nor +
    assert fmt.points(-0.00004) == "0,0\u00a0điểm\u00a0%"
    assert fmt.points(0.00004) == "0,0\u00a0điểm\u00a0%"
    assert fmt.points(0.0) == "0,0\u00a0điểm\u00a0%"
    assert fmt.points(-0.0005) == "−0,1\u00a0điểm\u00a0%"    # 0,05 points: the first shown tenth
    assert fmt.signed(-0.04) == "0,0"
    assert fmt.signed(-0.06) == "−0,1"


def test_points_never_wrap_between_number_and_unit():
    # no ordinary space: a browser may break the line only where a plain space is
    assert " " not in fmt.points(0.012)
    assert " " not in fmt.metric_change(METRICS["avg_processing_days"], -0.5)
