"""The one registry of KPIs: pages, exports and tests read it; no page defines a KPI of its own.

Every rate is sum(numerator) / sum(denominator) over rows of its summary table (`table`:
`agg_periodic_report` for the dossier KPIs, `agg_pakn_rating` for complaints and satisfaction), so the
same definition works for one agency, a peer group or the whole province (rates are never averaged).
Both tables are keyed by (period_kind, period_key, agency_code). A count KPI (`unit='count'`, no
denominator) is sum(numerator): the number of dossiers, over any set of rows.

Plan targets are judged here too (`target_met`, `TARGET_TOLERANCE`): the SQL macro target_met
(sql/macros/target_met.sql) reads the same tolerance from the registry (warehouse/kpi_sql.py), so
a value is met or missed the same way on every page, export and slide (docs/targets_rankings.md).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:   # polars is imported where a frame is computed, not by every reader of the registry
    import polars as pl

# A rate as the report exports it (CSV, .xlsx) and the screen shows it: 4 decimals (0.9645, i.e. 96,45%),
# rounded half away from zero, as DuckDB's round() does. Every surface rounds through this registry
# (Metric.sql / Metric.polars / Metric.value with rounded=True, round_half_away), so the last digit of
# the CSV, the workbook and a page agree.
EXPORT_DIGITS = 4


def round_half_away(value: float | None, digits: int = EXPORT_DIGITS) -> float | None:
    """`value` to `digits` decimals, half away from zero, exactly as DuckDB's round(double, digits)
    and polars' round(mode='half_away_from_zero') do (Python's round() goes half to even)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    scale = 10 ** digits
    scaled = abs(value) * scale
    whole = math.floor(scaled)
    whole += 1 if scaled - whole >= 0.5 else 0
    return math.copysign(whole, value) / scale


@dataclass(frozen=True)
class Metric:
    key: str                 # also the KPI name in ref_plan_target
    label: str               # Vietnamese, as users see it
    numerator: str           # SQL over agg_periodic_report columns
    denominator: str | None  # None for a count
    unit: str = "ratio"      # 'ratio' (0..1), 'days' or 'count'
    fmt: str = "percent"     # how warehouse.fmt shows it: percent, days, count, number
    higher_is_better: bool = True
    description: str = ""
    bounded: bool = True     # a share, always within 0..1 (processing time can run over 100%)
    table: str = "agg_periodic_report"   # the summary table whose columns numerator / denominator name
    digits: int = EXPORT_DIGITS          # decimals of the value as exported (rounded=True)

    @property
    def is_count(self) -> bool:
        return self.unit == "count"

    def sql(self, summed: bool = True, rounded: bool = False) -> str:
        """Aggregate expression (`summed`) or the value of one row; null where the denominator is
        zero (a count: null without rows). `rounded`: to the export's `digits`."""
        num = f"sum({self.numerator})" if summed else f"({self.numerator})"
        if self.is_count:
            expr = f"{num}::double"
        else:
            den = f"sum({self.denominator})" if summed else self.denominator
            expr = f"{num}::double / nullif({den}, 0)"
        return f"round({expr}, {self.digits})" if rounded else expr

    def polars(self, summed: bool = True, rounded: bool = False) -> pl.Expr:
        """The same formula for a polars frame of summary rows: over the sums of all rows (`summed`),
        or row by row; null where the denominator is zero. `rounded`: as sql(rounded=True) rounds."""
        import polars as pl

        if self.is_count:
            count = pl.sql_expr(self.numerator).cast(pl.Float64)
            expr = count.sum() if summed else count
        else:
            numerator, denominator = pl.sql_expr(self.numerator), pl.sql_expr(self.denominator)
            if summed:
                numerator, denominator = numerator.sum(), denominator.sum()
            expr = pl.when(denominator > 0).then(numerator.cast(pl.Float64) / denominator).otherwise(None)
        if rounded:
            expr = expr.round(self.digits, mode="half_away_from_zero")
        return expr.alias(self.key)

    def parts(self, row: dict) -> tuple[float, float | None]:
        """Numerator and denominator of one row of summed columns (a dict: a totals row)."""
        import polars as pl

        frame = pl.DataFrame([{k: v for k, v in row.items() if isinstance(v, int | float)}])
        numerator = frame.select(pl.sql_expr(self.numerator)).item()
        denominator = None if self.is_count else frame.select(pl.sql_expr(self.denominator)).item()
        return numerator, denominator

    def value(self, row: dict, rounded: bool = False) -> float | None:
        """The KPI of one row of summed columns, as sql() computes it (null where the denominator is zero)."""
        numerator, denominator = self.parts(row)
        if self.is_count:
            result = float(numerator)
        elif not denominator:
            return None
        else:
            result = numerator / denominator
        return round_half_away(result, self.digits) if rounded else result


METRICS: dict[str, Metric] = {
    m.key: m
    for m in [
        Metric(
            "on_time_rate", "Tỷ lệ giải quyết đúng hạn",
            "finished_early + finished_on_time", "finished",
            description="(trước hạn + đúng hạn) / đã giải quyết trong kỳ",
        ),
        Metric(
            "timeliness_766", "Tỷ lệ đúng hạn theo Bộ chỉ số 766",
            "finished_timely_766 + in_progress_not_due_766", "carried_over + received_new",
            description="(giải quyết trước và đúng hạn + đang giải quyết chưa đến hạn) / tiếp nhận; "
                        "bổ sung hồ sơ quá 1 lần tính là trễ hạn",
        ),
        Metric(
            "online_share", "Tỷ lệ hồ sơ trực tuyến",
            "received_online", "received_new",
            description="hồ sơ nộp trực tuyến / hồ sơ mới tiếp nhận",
        ),
        Metric(
            "online_payment_share", "Tỷ lệ thanh toán trực tuyến",
            "received_paid_online", "received_with_fee",
            description="hồ sơ thanh toán trực tuyến / hồ sơ mới tiếp nhận có phí, lệ phí (hồ sơ không ghi "
                        "phí, lệ phí và thủ tục không có trong danh mục thì không tính)",
        ),
        Metric(
            "result_by_post_share", "Tỷ lệ trả kết quả qua bưu chính",
            "finished_by_post", "finished_return_known",
            description="hồ sơ đã giải quyết trả kết quả qua dịch vụ bưu chính công ích / "
                        "hồ sơ đã giải quyết có ghi hình thức trả kết quả (HinhThuc)",
        ),
        Metric(
            "digitised_share", "Tỷ lệ số hóa hồ sơ",
            "received_digitised", "received_new",
            description="hồ sơ có thành phần được số hóa / hồ sơ mới tiếp nhận",
        ),
        Metric(
            "electronic_result_share", "Tỷ lệ cấp kết quả điện tử",
            "finished_electronic_result", "finished",
            description="hồ sơ có kết quả điện tử / hồ sơ đã giải quyết",
        ),
        Metric(
            "apology_rate", "Tỷ lệ hồ sơ trễ hạn có thư xin lỗi",
            "late_with_apology", "late_apology_known",
            description="hồ sơ trễ hạn có phiếu xin lỗi / hồ sơ trễ hạn phải có phiếu (đã giải quyết trễ hạn "
                        "và đang giải quyết quá hạn) mà nguồn dữ liệu cho biết có hay chưa có phiếu",
        ),
        Metric(
            "late_share", "Tỷ lệ hồ sơ trễ hạn",
            "finished_late", "finished", higher_is_better=False,
            description="hồ sơ giải quyết trễ hạn / hồ sơ đã giải quyết",
        ),
        # a ceiling the directives set as a number ("không quá N hồ sơ trễ hạn"): the dossiers the
        # late list counts in the window, finished late in it or open and overdue at its end
        Metric(
            "overdue_count", "Số hồ sơ trễ hạn, quá hạn",
            "finished_late + in_progress_overdue", None, unit="count", fmt="count",
            higher_is_better=False, bounded=False,
            description="hồ sơ giải quyết trễ hạn trong kỳ + hồ sơ đang giải quyết đã quá hạn "
                        "(như danh sách hồ sơ trễ hạn)",
        ),
        Metric(
            "repeat_supplement_share", "Tỷ lệ hồ sơ yêu cầu bổ sung quá 1 lần",
            "finished_repeat_supplement", "finished", higher_is_better=False,
            description="hồ sơ đã giải quyết có hơn một lần yêu cầu bổ sung / hồ sơ đã giải quyết",
        ),
        Metric(
            "processing_time_ratio", "Thời gian giải quyết so với thời hạn quy định",
            "finished_workdays_with_statutory", "finished_statutory_days", higher_is_better=False,
            bounded=False,
            description="tổng số ngày làm việc đã dùng / tổng thời hạn quy định, của hồ sơ đã giải quyết "
                        "có thời hạn trong danh mục thủ tục (dưới 100% là nhanh hơn quy định)",
        ),
        Metric(
            "avg_processing_days", "Số ngày làm việc giải quyết bình quân",
            "finished_workdays", "finished_timed", unit="days", fmt="days", higher_is_better=False,
            bounded=False,
            description="số ngày làm việc từ tiếp nhận đến kết thúc xử lý, bình quân hồ sơ đã giải quyết "
                        "có ngày kết thúc",
        ),
        # inputs of the 766 index that no dossier carries (sql/kpi/agg_pakn_rating.sql)
        Metric(
            "pakn_on_time_rate", "Tỷ lệ phản ánh, kiến nghị xử lý đúng hạn",
            "pakn_on_time", "pakn_total", table="agg_pakn_rating",
            description="(PAKN xử lý xong đúng hạn + đang xử lý chưa đến hạn) / PAKN phải xử lý trong kỳ "
                        "(kỳ trước chuyển qua + mới tiếp nhận)",
        ),
        # "tỷ lệ giải quyết phản ánh, kiến nghị" of the annual plans (>= 96%)
        Metric(
            "pakn_resolved_rate", "Tỷ lệ phản ánh, kiến nghị đã giải quyết",
            "pakn_resolved", "pakn_total", table="agg_pakn_rating",
            description="PAKN đã giải quyết xong đến cuối kỳ / PAKN phải giải quyết trong kỳ "
                        "(kỳ trước chuyển qua + mới tiếp nhận)",
        ),
        Metric(
            "pakn_satisfaction_rate", "Tỷ lệ hài lòng với kết quả xử lý phản ánh, kiến nghị",
            "pakn_satisfied", "pakn_rated", table="agg_pakn_rating",
            description="PAKN được người dân đánh giá hài lòng / PAKN xử lý xong trong kỳ có đánh giá",
        ),
        Metric(
            "satisfaction_rate", "Tỷ lệ hài lòng của người dân, doanh nghiệp",
            "ratings_satisfied", "ratings", table="agg_pakn_rating",
            description="lượt đánh giá hài lòng, rất hài lòng / lượt đánh giá việc tiếp nhận, giải quyết "
                        "hồ sơ trong kỳ",
        ),
    ]
}

DEFAULT_TABLE = "agg_periodic_report"

# The 766 score (0-100 points, sql/kpi/agg_score_766.sql) is ranked like a KPI (agg_ranking) but is no
# rate of a summary table: it stays out of METRICS (dim_kpi, kpi_long), and `metric()` finds it
SCORE_766 = Metric("score_766", "Điểm Bộ chỉ số 766", "", "", unit="score", fmt="score", bounded=False,
                   description="tổng điểm Bộ chỉ số 766 (thang 100 điểm) của đơn vị trong kỳ")


def metric(key: str) -> Metric:
    """A registry KPI, or the 766 score, by key (KeyError for anything else)."""
    return SCORE_766 if key == SCORE_766.key else METRICS[key]


# A value within this of its target meets it: 0.96 x 25 / 25 must not miss 0.96 by a rounding error.
# The one tolerance of every verdict, Python and SQL alike (kpi_sql.py writes it into the macro).
TARGET_TOLERANCE = 1e-9


def target_met(comparator: str, value: float | None, target: float | None) -> bool | None:
    """A value against a floor ('>=') or a ceiling ('<='); None without a value: no verdict."""
    if value is None or target is None:
        return None
    if comparator == ">=":
        return value >= target - TARGET_TOLERANCE
    return value <= target + TARGET_TOLERANCE


def metrics_of(table: str = DEFAULT_TABLE) -> list[Metric]:
    """The registry's KPIs computed over one summary table."""
    return [m for m in METRICS.values() if m.table == table]


def metric_tables() -> list[str]:
    """Every summary table a KPI of the registry reads, the dossier table first."""
    return list(dict.fromkeys([DEFAULT_TABLE] + [m.table for m in METRICS.values()]))

# headline KPIs of the overview, in order
HEADLINE = ["on_time_rate", "online_share", "online_payment_share", "digitised_share",
            "electronic_result_share", "apology_rate"]

# the periodic report's columns (the public interface of `python -m etl report`)
REPORT_COLUMNS = [
    "carried_over", "received_new", "received_online", "received_direct", "received_postal",
    "finished", "finished_early", "finished_on_time", "finished_late",
    "in_progress", "in_progress_not_due", "in_progress_overdue",
]

# every additive column of agg_periodic_report / agg_report_detail (what the metrics are made of)
MEASURES = REPORT_COLUMNS + [
    "received_supplement_requested", "finished_withdrawn", "dossiers_fee_known", "received_with_fee",
    "received_paid_online", "received_digitised", "finished_return_known", "finished_by_post",
    "finished_electronic_result", "late_with_apology", "late_apology_known", "finished_timely_766",
    "in_progress_not_due_766", "finished_repeat_supplement", "finished_stopped", "finished_workdays",
    "finished_timed", "finished_with_statutory", "finished_workdays_with_statutory",
    "finished_statutory_days",
]

# the additive columns of agg_pakn_rating (PAKN and satisfaction ratings)
SERVICE_MEASURES = [
    "pakn_carried_over", "pakn_received_new", "pakn_total", "pakn_resolved", "pakn_resolved_on_time",
    "pakn_resolved_late", "pakn_open", "pakn_open_not_due", "pakn_open_overdue", "pakn_on_time",
    "pakn_rated", "pakn_satisfied", "ratings", "ratings_satisfied", "ratings_scored", "ratings_score_sum",
]

REPORT_LABELS = {
    "agency_code": "Mã đơn vị",
    "agency_name": "Tên đơn vị",
    "carried_over": "Kỳ trước chuyển qua",
    "received_new": "Mới tiếp nhận",
    "received_online": "Trực tuyến",
    "received_direct": "Trực tiếp",
    "received_postal": "Qua dịch vụ bưu chính",
    "finished": "Đã giải quyết",
    "finished_early": "Trước hạn",
    "finished_on_time": "Đúng hạn",
    "finished_late": "Quá hạn",
    "in_progress": "Đang giải quyết",
    "in_progress_not_due": "Trong hạn",
    "in_progress_overdue": "Quá hạn (đang giải quyết)",
    "on_time_rate": "Tỷ lệ đúng hạn",
}


# --- a target's state over the year, and its words (pages, slides, the digest) ------------------------

# in the order of gravity on screen
TARGET_STATE_LABELS = {
    "missed": "Không đạt",
    "at_risk": "Có nguy cơ không đạt",
    "behind": "Chưa đạt, dự báo đạt cuối năm",
    "met": "Đạt",
    "no_data": "Chưa có số liệu",
}


def target_state(row: dict) -> str:
    """A finished year is met or missed; a running year is met so far, at risk (the year-end
    projection misses), or behind now but projected to end on target; no_data before any figure.
    The verdicts themselves (is_met, is_at_risk) are the SQL's (agg_target_attainment)."""
    if row["value"] is None:
        return "no_data"
    if row["is_final"]:
        return "met" if row["is_met"] else "missed"
    if row["is_at_risk"]:
        return "at_risk"
    return "met" if row["is_met"] else "behind"
