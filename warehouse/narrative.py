"""The figures of the periodic report's drafted paragraph and of the chairman's A4 brief, and the
paragraph itself (docs/report.md).

Pure functions of query results (polars frames and dicts from warehouse/queries*.py), so that the
page, the brief and the tests compute the same figures from the same rows, and tests can give
hand-made inputs and compare the exact Vietnamese sentence.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import polars as pl

from warehouse import fmt
from warehouse.metrics import METRICS, REPORT_COLUMNS, target_met

# the ranking rule's default minimum (ref_ranking_rule): an agency is ranked, and so named among the
# weakest, only with at least this many finished dossiers; the page passes the rule's own minimum
MIN_FINISHED = 30
IN_PARAGRAPH = 3        # agencies and fields the paragraph names
IN_BRIEF = 5            # ... and the A4 brief lists
RATE = "on_time_rate"


def _registry_rate(key: str = RATE) -> pl.Expr:
    """A registry KPI over the sums of a frame's rows: the same formula as its SQL, never written twice."""
    return METRICS[key].polars()


def rollup(frame: pl.DataFrame, by: str | list[str] | None = None) -> pl.DataFrame:
    """The report columns summed (per `by`, or one row for the whole frame) and the on-time rate
    recomputed from the sums: what a totals row or a peer-group row of the report shows."""
    sums = [pl.col(c).sum().cast(pl.Int64) for c in REPORT_COLUMNS]
    if by is None:
        return frame.select(*sums, _registry_rate())
    return frame.group_by(by, maintain_order=True).agg(*sums, _registry_rate())


def _display_name() -> pl.Expr:
    """An old commune's UBND with its district ('UBND xã Lê Lợi, Thị xã Quảng Yên'): commune names
    repeat across districts before 01/07/2025. Other agencies by their name alone."""
    district = pl.col("unit_label").cast(pl.String).str.splitn(", ", 2).struct.field("field_1")
    return (
        pl.when((pl.col("peer_group") == "commune_old") & district.is_not_null())
        .then(pl.col("agency_name") + ", " + district)
        .otherwise(pl.col("agency_name"))
        .alias("display_name")
    )


def weakest_agencies(weakest: pl.DataFrame, limit: int = IN_BRIEF) -> pl.DataFrame:
    """The first `limit` rows of queries_targets.weakest (the ranking page's rule: ranked in its peer
    group, lowest Wilson bound first, never a unit that had ceased before the period), in its order;
    `display_name` is how the paragraph and the brief name them."""
    named = (weakest.with_columns(_display_name()) if {"peer_group", "unit_label"} <= set(weakest.columns)
             else weakest.with_columns(pl.col("agency_name").alias("display_name")))
    return named.head(limit)


def weakest_fields(fields: pl.DataFrame, limit: int = IN_BRIEF) -> pl.DataFrame:
    """Fields with the most dossiers finished late (then the lower on-time rate, then name)."""
    return (
        fields.filter(pl.col("finished_late") > 0)
        .sort(["finished_late", RATE, "field_name"], descending=[True, False, False], nulls_last=True)
        .head(limit)
    )


@dataclass(frozen=True)
class TargetCheck:
    kpi: str
    label: str
    value: float | None
    comparator: str          # '>=' a floor, '<=' a ceiling
    target: float
    met: bool | None         # None: no value in the period, no verdict

    @property
    def value_text(self) -> str:
        return fmt.metric_value(METRICS[self.kpi], self.value)

    @property
    def target_text(self) -> str:
        return f"{'≥' if self.comparator == '>=' else '≤'} {fmt.metric_value(METRICS[self.kpi], self.target)}"


def target_checks(summary: dict, targets: pl.DataFrame, whole_year: bool = True) -> list[TargetCheck]:
    """Each province target of the year (kpi, comparator, target_value) against the period's value
    of the KPI in `summary`, in the registry's order; targets for unknown KPIs are left out. A count
    target (at most N late dossiers in the year) is judged only on a whole year (`whole_year`): a
    quarter's count says nothing of the year's."""
    goals = {t["kpi"]: t for t in targets.iter_rows(named=True) if t["kpi"] in METRICS}
    checks = []
    for key, m in METRICS.items():
        if key not in goals or (m.is_count and not whole_year):
            continue
        cmp, goal = goals[key]["comparator"], goals[key]["target_value"]
        value = summary.get(key)
        checks.append(TargetCheck(key, m.label, value, cmp, goal, target_met(cmp, value, goal)))
    return checks


@dataclass(frozen=True)
class Figures:
    """Everything the paragraph and the brief state about one period, the province as a whole."""
    period_label: str
    year: int
    start_date: dt.date
    end_date: dt.date
    eval_date: dt.date              # in-progress dossiers judged on this day (< end_date: not over yet)
    totals: dict                    # REPORT_COLUMNS and on_time_rate: the report table's totals row
    previous_label: str | None = None
    previous_rate: float | None = None
    min_finished: int = MIN_FINISHED
    agencies: pl.DataFrame = field(default_factory=pl.DataFrame)   # weakest_agencies(queries_targets.weakest)
    fields: pl.DataFrame = field(default_factory=pl.DataFrame)     # weakest_fields
    targets: list[TargetCheck] = field(default_factory=list)       # empty: the year has no targets

    @property
    def received(self) -> int:
        return self.totals["carried_over"] + self.totals["received_new"]

    @property
    def on_time(self) -> int:
        """The on-time rate's numerator over the totals row (the registry's formula)."""
        return METRICS[RATE].parts(self.totals)[0]

    @property
    def rate(self) -> float | None:
        return self.totals[RATE]

    @property
    def rate_change(self) -> float | None:
        if self.rate is None or self.previous_rate is None:
            return None
        return self.rate - self.previous_rate

    @property
    def is_open(self) -> bool:
        return self.eval_date < self.end_date


def figures(period: dict, agencies: pl.DataFrame, fields: pl.DataFrame, summary: dict,
            targets: pl.DataFrame, weakest: pl.DataFrame, previous: tuple[str, dict] | None = None,
            min_finished: int = MIN_FINISHED) -> Figures:
    """The figures of a period from the page's query results.

    period: the dim_period row; agencies: queries_report.agency_report (the table, for its totals);
    weakest: queries_targets.weakest (the weakest agencies, by the ranking page's rule); fields:
    queries_units.field_report; summary: queries.province_summary's row (the registry's KPIs, for
    the targets); targets: queries.province_targets of the period's year; previous: (label, its
    province_summary row) of the period before, of the same kind.
    """
    return Figures(
        period_label=period["period_label"], year=period["year"],
        start_date=period["start_date"], end_date=period["end_date"], eval_date=period["eval_date"],
        totals=rollup(agencies).row(0, named=True),   # the table's totals row
        previous_label=previous[0] if previous else None,
        previous_rate=previous[1].get(RATE) if previous else None,
        min_finished=min_finished,
        agencies=weakest_agencies(weakest),
        fields=weakest_fields(fields),
        targets=target_checks(summary, targets, whole_year=period.get("period_kind") == "year"),
    )


# ----------------------------------------------------------------------------------- the paragraph

def in_sentence(label: str) -> str:
    """A period's label inside a sentence: 'Năm 2025' -> 'năm 2025', 'Tháng 03/2025' -> 'tháng
    03/2025', 'Kỳ báo cáo …' -> 'kỳ báo cáo …'; 'Quý III/2025' keeps its capital, as reports write it."""
    if not label or label.startswith("Quý"):
        return label
    return label[0].lower() + label[1:]


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def change_text(fig: Figures) -> str:
    """'tăng 1,2 điểm % so với Quý II/2025', 'giảm …', 'không đổi so với …', or '' without a
    previous rate. The change is read at the one decimal shown, so +0,04 points is 'không đổi'."""
    delta = fig.rate_change
    if delta is None:
        return ""
    shown = fmt.number(abs(delta) * 100, 1)
    if shown == fmt.number(0, 1):
        return f"không đổi so với {in_sentence(fig.previous_label)}"
    return f"{'tăng' if delta > 0 else 'giảm'} {shown} điểm % so với {in_sentence(fig.previous_label)}"


def _volumes(fig: Figures) -> str:
    t, n = fig.totals, fmt.number
    as_of = f" (số liệu đến ngày {fmt.date(fig.eval_date)})" if fig.is_open else ""
    text = (f"Trong {in_sentence(fig.period_label)}{as_of}, toàn tỉnh tiếp nhận {n(fig.received)} hồ sơ "
            f"(kỳ trước chuyển qua {n(t['carried_over'])}, mới tiếp nhận {n(t['received_new'])}), ")
    if t["finished"]:
        change = change_text(fig)
        text += (f"đã giải quyết {n(t['finished'])} hồ sơ, trong đó đúng và trước hạn {n(fig.on_time)} "
                 f"hồ sơ, đạt {fmt.percent(fig.rate)}{f' ({change})' if change else ''}, "
                 f"trễ hạn {n(t['finished_late'])} hồ sơ; ")
    else:
        text += "chưa giải quyết xong hồ sơ nào; "
    if not t["in_progress"]:
        return text + "không còn hồ sơ đang giải quyết."
    if not t["in_progress_overdue"]:
        return text + f"đang giải quyết {n(t['in_progress'])} hồ sơ, không có hồ sơ nào quá hạn."
    return text + (f"đang giải quyết {n(t['in_progress'])} hồ sơ, trong đó quá hạn "
                   f"{n(t['in_progress_overdue'])} hồ sơ.")


def _agencies(fig: Figures) -> str:
    rows = fig.agencies.head(IN_PARAGRAPH)
    among = f"trong số có từ {fmt.number(fig.min_finished)} hồ sơ đã giải quyết"
    if rows.height == 0:
        return f"Không có cơ quan, đơn vị nào được xếp hạng ({among}) giải quyết trễ hạn."
    who = "Các cơ quan, đơn vị" if rows.height > 1 else "Cơ quan, đơn vị"
    items = "; ".join(
        f"{r['display_name']} ({fmt.percent(r[RATE])}, {fmt.number(r['finished_late'])} hồ sơ trễ hạn)"
        for r in rows.iter_rows(named=True))
    # the ranking's order (its Wilson bound), not the bare rate: said, so that a reader who sees a
    # higher rate before a lower one knows why
    return (f"{who} đứng cuối bảng xếp hạng tỷ lệ đúng hạn ({among}, xếp theo cận dưới khoảng tin cậy "
            f"95%): {items}.")


def _fields(fig: Figures) -> str:
    rows = fig.fields.head(IN_PARAGRAPH)
    if rows.height == 0:
        return "Không có lĩnh vực nào có hồ sơ giải quyết trễ hạn."
    what = "Các lĩnh vực" if rows.height > 1 else "Lĩnh vực"
    items = "; ".join(
        f"{r['field_name']} ({fmt.number(r['finished_late'])} hồ sơ, đúng hạn {fmt.percent(r[RATE])})"
        for r in rows.iter_rows(named=True))
    return f"{what} có nhiều hồ sơ giải quyết trễ hạn nhất: {items}."


def _targets(fig: Figures) -> str:
    if not fig.targets:
        return f"Năm {fig.year} chưa có chỉ tiêu kế hoạch để đối chiếu."
    judged = [c for c in fig.targets if c.met is not None]
    missed = [c for c in judged if not c.met]
    unknown = [c for c in fig.targets if c.met is None]
    parts = []
    if judged:
        parts.append(f"đạt {len(judged) - len(missed)}/{len(judged)} chỉ tiêu")
    if missed:
        parts.append("chưa đạt: " + "; ".join(
            f"{_lower_first(c.label)} ({c.value_text}, chỉ tiêu {c.target_text})" for c in missed))
    if unknown:
        parts.append("chưa có số liệu để đánh giá " + ", ".join(_lower_first(c.label) for c in unknown))
    return f"Đối chiếu chỉ tiêu kế hoạch năm {fig.year}: " + "; ".join(parts) + "."


def paragraph(fig: Figures) -> str:
    """The drafted paragraph an officer pastes into the written report."""
    return " ".join([_volumes(fig), _agencies(fig), _fields(fig), _targets(fig)])
