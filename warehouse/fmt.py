"""Vietnamese number and date formats, whatever the browser's locale: 1.234.567 · 96,5% · 23/11/2026."""

from __future__ import annotations

import datetime as dt
import math
from decimal import ROUND_HALF_UP, Decimal

from warehouse.metrics import EXPORT_DIGITS, round_half_away

EMPTY = "—"
# a number and its unit never part at a line's end: "96,5 điểm %" is one piece (non-breaking spaces)
NBSP = "\u00a0"
POINTS_UNIT = f"{NBSP}điểm{NBSP}%"


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def number(value, digits: int = 0) -> str:
    if _missing(value):
        return EMPTY
    text = f"{value:,.{digits}f}"
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".")


def percent(ratio, digits: int = 1) -> str:
    """0.965 -> '96,5%'. The ratio is first taken as the report exports it (metrics.EXPORT_DIGITS
    decimals, half away from zero: the CSV's value), then shown half up as a spreadsheet shows that
    value: a page, the CSV and the .xlsx never differ in the last digit (0.96449 is 0.9645 in the CSV,
    96,5% in the workbook, so 96,5% on screen too)."""
    if _missing(ratio):
        return EMPTY
    if digits > EXPORT_DIGITS - 2:     # finer than the export: nothing to agree with
        return number(ratio * 100, digits) + "%"
    exported = Decimal(repr(round_half_away(ratio)))
    shown = (exported * 100).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
    return number(shown, digits) + "%"


def points(delta_ratio, digits: int = 1) -> str:
    """A change of a rate in percentage points: 0.012 -> '+1,2 điểm %'."""
    if _missing(delta_ratio):
        return EMPTY
    return signed(delta_ratio * 100, digits) + POINTS_UNIT


def signed(value, digits: int = 1) -> str:
    """'+1,2', '−0,5', and '0,0' for a change that rounds to zero: the sign is the shown number's, so
    −0,00004 never reads '−0,0' (the one place a change gets its sign)."""
    shown = number(abs(value), digits)
    if not any(ch in "123456789" for ch in shown):
        return shown
    return ("+" if value > 0 else "−") + shown


def date(value) -> str:
    if _missing(value):
        return EMPTY
    if isinstance(value, str):
        value = dt.date.fromisoformat(value[:10])
    return value.strftime("%d/%m/%Y")


def datetime(value) -> str:
    """'2026-11-23T15:41:03' -> '23/11/2026 15:41'."""
    if _missing(value):
        return EMPTY
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value.strftime("%d/%m/%Y %H:%M")


def metric_value(metric, value) -> str:
    if metric.fmt == "percent":
        return percent(value)
    if metric.fmt == "days":
        return EMPTY if _missing(value) else f"{number(value, 1)} ngày"
    if metric.fmt == "count":
        return EMPTY if _missing(value) else f"{number(value)} hồ sơ"
    if metric.fmt == "score":
        return EMPTY if _missing(value) else f"{number(value, 1)} điểm"
    return number(value)


def metric_change(metric, delta) -> str:
    """A change of a KPI's value from the previous period, in its unit: '+1,2 điểm %', '−0,5 ngày'."""
    if _missing(delta):
        return EMPTY
    if metric.fmt == "percent":
        return points(delta)
    unit = "ngày" if metric.fmt == "days" else "điểm"
    return f"{signed(delta, 1)}{NBSP}{unit}"


def target_text(metric, comparator: str, goal) -> str:
    """'≥ 96,0%', '≤ 2,0%', '≤ 10 hồ sơ': a target as its row states it (pages, slides, the digest)."""
    return f"{'≥' if comparator == '>=' else '≤'} {metric_value(metric, goal)}"
