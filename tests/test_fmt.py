import datetime as dt

from warehouse import fmt


def test_vietnamese_numbers_and_dates():
    assert fmt.number(1234567) == "1.234.567"
    assert fmt.number(0) == "0"
    assert fmt.number(1234.5, 1) == "1.234,5"
    assert fmt.percent(0.965) == "96,5%"
    assert fmt.percent(1.0) == "100,0%"
    assert fmt.percent(None) == fmt.EMPTY
    assert fmt.percent(float("nan")) == fmt.EMPTY
    assert fmt.points(0.012) == "+1,2 điểm %"
    assert fmt.points(-0.0345) == "−3,5 điểm %"
    assert fmt.date(dt.date(2026, 1, 5)) == "05/01/2026"
    assert fmt.date("2026-11-23") == "23/11/2026"
