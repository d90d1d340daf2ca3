"""Small screen pieces shared by the pages."""

from __future__ import annotations

import html
import math

import plotly.graph_objects as go
import polars as pl
import streamlit as st

from warehouse import fmt
from warehouse.metrics import METRICS, TARGET_STATE_LABELS, Metric, target_met
from warehouse.metrics import target_state as target_state  # the pages ask components for it
from warehouse.queries import PERIOD_KINDS
from warehouse.queries_766 import STATUS_LABELS as STATUS_766

PLOT_LAYOUT = dict(
    separators=",.",                      # Vietnamese: decimal comma, thousands dot
    font=dict(family="sans-serif", size=14),
    margin=dict(l=10, r=10, t=40, b=10),
    plot_bgcolor="white",
    hoverlabel=dict(font_size=14),
)
GOOD, BAD, NEUTRAL, TARGET = "#1b7f3b", "#c0392b", "#2b6cb0", "#6b7280"
NO_DATA = STATUS_766["no_data"]      # "Không có dữ liệu", as the 766 tables say it


def period_picker(data_get, container=st, kinds=tuple(PERIOD_KINDS), default_kind="year"):
    """Kind of period and the period itself, both in the URL; returns the dim_period row."""
    from ui import state

    col1, col2 = container.columns([1, 2])
    kind = state.select("Loại kỳ", list(kinds), "ky", format_func=PERIOD_KINDS.get,
                        default=default_kind, container=col1)
    choices = data_get("periods", kind)
    if choices.height == 0:
        return None
    labels = dict(zip(choices["period_key"].to_list(), choices["period_label"].to_list()))
    key = state.select("Kỳ", list(labels), "ma_ky", format_func=labels.get, container=col2)
    return choices.filter(pl.col("period_key") == key).row(0, named=True) | {"period_kind": kind}


def target_text(metric: Metric, comparator: str, goal) -> str:
    """'≥ 96,0%', '≤ 2,0%', '≤ 10 hồ sơ': a target as its row states it (warehouse/fmt.py)."""
    return fmt.target_text(metric, comparator, goal)


def target_status(metric: Metric, value, target: dict | None) -> tuple[str, bool | None]:
    """('Chỉ tiêu ≥ 96,0%', met?) for a value against a target row. A row of agg_target_attainment
    (it has `is_met`) carries the verdict SQL made on the same value: it is taken, not made again."""
    if target is None:
        return "Chưa có chỉ tiêu", None
    cmp, goal = target["comparator"], target["target_value"]
    met = target["is_met"] if "is_met" in target else target_met(cmp, value, goal)
    return f"Chỉ tiêu {target_text(metric, cmp, goal)}", met


def rate_delta(change: float | None, higher_is_better: bool = True) -> dict:
    """st.metric's delta arguments for a change of a rate, in percentage points.

    Arrow and colour are set here because Streamlit reads a fall only from an ASCII '-', and
    fmt.points writes the minus sign '−'; a change shown as 0,0 is no change (grey, no arrow)."""
    if change is None:
        return {}
    moved = fmt.signed(change * 100, 1)[0] in "+−"     # fmt's one rule: shown as 0,0, no change
    good = (change > 0) == higher_is_better
    return {"delta": fmt.points(change),
            "delta_color": "gray" if not moved else ("green" if good else "red"),
            "delta_arrow": "off" if not moved else ("up" if change > 0 else "down")}


def kpi_card(container, metric: Metric, value, previous, target: dict | None) -> None:
    text, met = target_status(metric, value, target)
    delta = None if value is None or previous is None else value - previous
    container.metric(
        metric.label,
        fmt.metric_value(metric, value),
        **rate_delta(delta, metric.higher_is_better),
        help=metric.description,
        border=True,
    )
    badge = {True: ("badge-ok", "✔ Đạt"), False: ("badge-bad", "✘ Chưa đạt"), None: ("", "")}[met]
    if value is None:   # no input behind the KPI (docs/inputs.md): said so, never shown as 0
        badge = ("", NO_DATA)
    container.markdown(f"<span class='{badge[0]}'>{badge[1]}</span> · {text}", unsafe_allow_html=True)


def trend_chart(trend: pl.DataFrame, metric_key: str, target_value: float | None, title: str) -> go.Figure:
    """Dossiers received per month (bars, left axis) and a KPI (line, right axis) with its target."""
    m = METRICS[metric_key]
    labels = [d.strftime("%m/%Y") for d in trend["start_date"].to_list()]
    fig = go.Figure()
    fig.add_bar(x=labels, y=trend["received_new"].to_list(), name="Hồ sơ mới tiếp nhận",
                marker_color="#dbe3ee", hovertemplate="%{y:,.0f} hồ sơ<extra></extra>")
    fig.add_scatter(x=labels, y=trend[metric_key].to_list(), name=m.label, mode="lines+markers",
                    yaxis="y2", line=dict(color=NEUTRAL, width=3), hovertemplate="%{y:.1%}<extra></extra>",
                    cliponaxis=False)   # a month at 100% sits on the axis's top, whole
    if target_value is not None:
        fig.add_scatter(x=labels, y=[target_value] * len(labels), name="Chỉ tiêu", mode="lines", yaxis="y2",
                        line=dict(color=BAD, dash="dash", width=2),
                        hovertemplate="%{y:.1%}<extra>Chỉ tiêu</extra>")
    fig.update_layout(
        **PLOT_LAYOUT, title=title, height=400, legend=dict(orientation="h", y=-0.25),
        xaxis=dict(tickangle=-45, type="category"),
        yaxis=dict(title="Số hồ sơ", tickformat=",.0f", rangemode="tozero", showgrid=False),
        yaxis2=rate_line_axis(m, [*trend[metric_key].to_list(), target_value]),
    )
    return fig


def rate_line_axis(m: Metric, values: list) -> dict:
    """The right axis of a KPI's monthly line. A rate ends at 100%, never past it; as a line (dots,
    not bars) it may start above zero so a month's move shows, and then its title says where it is
    cut ("trục từ 80%"): a rate near 100% starts at the tenth below its lowest point less 5 points."""
    axis = dict(title=m.label, overlaying="y", side="right", showgrid=True, gridcolor="#eef1f5")
    if not (m.fmt == "percent" and m.bounded):
        return axis | dict(tickformat=",.1f" if m.fmt != "percent" else ".0%", rangemode="tozero")
    shown = [v for v in values if v is not None]
    low = min(shown) if shown else 0.0
    cut = math.floor(low * 10 - 0.5) / 10 if low >= 0.5 else 0.0
    step = 0.05 if cut >= 0.8 else (0.1 if cut else 0.2)
    title = m.label + (f" (trục từ {fmt.percent(cut, 0)})" if cut else "")
    return axis | dict(title=title, tickformat=".0%", range=[cut, 1.0], tickmode="linear", tick0=0.0,
                       dtick=step)


def ranking_chart(ranked: pl.DataFrame, metric: Metric, target: dict | None) -> go.Figure:
    """Horizontal bars, best at the top, coloured by whether the agency meets its target (a row with
    comparator and target_value: a floor or a ceiling, as loaded)."""
    rows = ranked.filter(pl.col("is_ranked")).sort("rank", descending=True)
    values = rows["value"].to_list()
    target_value = None if target is None else target["target_value"]
    if target is None:
        colors = [NEUTRAL] * len(values)
    else:
        colors = [GOOD if target_met(target["comparator"], v, target_value) else BAD for v in values]
    names = [f"{r}. {n}" for r, n in zip(rows["rank"].to_list(), rows["agency_name"].to_list())]
    fig = go.Figure(go.Bar(
        x=values, y=names, orientation="h", marker_color=colors,
        text=[fmt.metric_value(metric, v) for v in values], textposition="outside", cliponaxis=False,
        customdata=rows.select("agency_code", "volume").rows(),
        hovertemplate="%{y}<br>%{text} · %{customdata[1]:,.0f}<extra></extra>",
    ))
    marks = [v for v in values + [target_value] if v is not None]
    high = max(marks) if marks else 1.0
    # a bar's length is its value: every axis starts at zero (82% reads a little shorter than 99%,
    # not a third of it), with room for the label past the longest bar; a rate's axis never passes 100%,
    # its own ceiling (a ratio such as time used / time allowed may)
    x_range = [0.0, max(high * 1.2, 0.01)]
    if metric.fmt == "percent" and metric.bounded:
        x_range[1] = min(x_range[1], 1.0)
    if target_value is not None:
        fig.add_vline(x=target_value, line_dash="dash", line_color=TARGET, line_width=2)
        fig.add_annotation(x=target_value, y=1.0, yref="paper", yanchor="bottom", showarrow=False,
                           text=f"Chỉ tiêu {target_text(metric, target['comparator'], target_value)}",
                           font=dict(color=TARGET))
    # the value's label sits past the bar's end: room for "100,0%" right of the axis
    fig.update_layout(**PLOT_LAYOUT | {"margin": dict(l=10, r=70, t=40, b=10)},
                      height=max(300, 28 * len(values) + 90),
                      xaxis=dict(tickformat=".0%" if metric.fmt == "percent" else ",.1f", range=x_range),
                      showlegend=False)
    return fig


def html_table(frame: pl.DataFrame, numeric: tuple[str, ...] = (), caption: str | None = None,
               links: dict[str, str] | None = None) -> str:
    """A static table (already formatted text), numbers right-aligned: for reading, printing and
    projecting, where a sortable grid would sort '100,0%' before '66,8%'.

    `links` maps a shown column to a hidden column holding the URL its cells open."""
    links = links or {}
    shown = [c for c in frame.columns if c not in links.values()]
    head = "".join(
        f"<th style='text-align:{'right' if c in numeric else 'left'}'>{html.escape(c)}</th>" for c in shown
    )

    def cell(row: dict, c: str) -> str:
        v = row[c]
        text = "" if v is None else str(v)
        if c in links and row[links[c]]:
            return link_cell(row[links[c]], text)
        return html.escape(text)

    body = "".join(
        "<tr>" + "".join(
            f"<td style='text-align:{'right' if c in numeric else 'left'}'>{cell(row, c)}</td>" for c in shown
        ) + "</tr>"
        for row in frame.iter_rows(named=True)
    )
    cap = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    return f"<table class='vn-table'>{cap}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def text_col(col: str, alias: str, kind: str = "number") -> pl.Expr:
    """A column formatted the Vietnamese way for a table of text: 1.234 or 23/11/2026, '—' when empty."""
    f = {"number": fmt.number, "date": fmt.date}[kind]
    return pl.col(col).map_elements(f, return_dtype=pl.String).fill_null(fmt.EMPTY).alias(alias)


def coverage(known, total) -> str:
    """How many of `total` dossiers carry an input: '96,5%', "Không có dữ liệu" when none does (every
    figure fed by it is then no data), '—' when there is nothing to carry it."""
    if not total:
        return fmt.EMPTY
    return NO_DATA if not known else fmt.percent(known / total)


def empty_state(message: str) -> None:
    st.info(message, icon="ℹ️")


# --- a target over the year: met, at risk, missed (agg_target_attainment rows) --------------------

# (label, css class); the state and its words are warehouse/metrics.py's, the colours the page's
_STATE_CSS = {"missed": "badge-bad", "at_risk": "badge-bad", "behind": "badge-warn", "met": "badge-ok",
              "no_data": ""}
TARGET_STATES = {state: (label, _STATE_CSS[state]) for state, label in TARGET_STATE_LABELS.items()}


def met_count(values, target: dict | None) -> int | None:
    """How many of `values` meet a target row (comparator, target_value); None without a target."""
    if target is None:
        return None
    return sum(bool(target_met(target["comparator"], v, target["target_value"])) for v in values)


# what one unit of a KPI's numerator is, to say a gap as work to do: "cần thêm 12 hồ sơ đúng hạn"
# (a floor), "vượt 3 hồ sơ trễ hạn" (a ceiling). Wording only: the formulas stay in warehouse/metrics.py
NUMERATOR_NOUNS = {
    "on_time_rate": "hồ sơ đúng hạn",
    "timeliness_766": "hồ sơ đúng hạn theo Bộ chỉ số 766",
    "online_share": "hồ sơ nộp trực tuyến",
    "online_payment_share": "hồ sơ thanh toán trực tuyến",
    "digitised_share": "hồ sơ được số hóa",
    "electronic_result_share": "hồ sơ có kết quả điện tử",
    "apology_rate": "hồ sơ trễ hạn có thư xin lỗi",
    "late_share": "hồ sơ trễ hạn",
    "overdue_count": "hồ sơ trễ hạn",
    "repeat_supplement_share": "hồ sơ yêu cầu bổ sung quá 1 lần",
    "processing_time_ratio": "ngày làm việc giải quyết",
    "avg_processing_days": "ngày làm việc giải quyết (cộng dồn các hồ sơ)",
    "pakn_on_time_rate": "phản ánh, kiến nghị xử lý đúng hạn",
    "pakn_resolved_rate": "phản ánh, kiến nghị đã giải quyết",
    "pakn_satisfaction_rate": "phản ánh, kiến nghị được đánh giá hài lòng",
    "satisfaction_rate": "lượt đánh giá hài lòng",
}


def numerator_noun(kpi: str) -> str:
    return NUMERATOR_NOUNS.get(kpi, "đơn vị tính của chỉ số")


def gap_words(row: dict) -> str:
    """The gap as work to do, from agg_target_attainment.gap_units = ceil(target x den - num) for a
    floor (or the excess, for a ceiling; a count against its number)."""
    gap = row["gap_units"]
    if row["value"] is None:
        return "Chưa có số liệu để so với chỉ tiêu"
    if not gap:
        return "Đã đạt chỉ tiêu"
    if row["comparator"] == ">=":
        return f"Cần thêm {fmt.number(gap)} {numerator_noun(row['kpi'])}"
    return f"Vượt {fmt.number(gap)} {numerator_noun(row['kpi'])} so với chỉ tiêu"


def gap_short(row: dict, column: str = "gap_units") -> str:
    """A gap in a table cell: 'thiếu 2' under a floor, 'vượt 1' over a ceiling, '—' when met."""
    gap = row[column]
    if not gap:
        return fmt.EMPTY
    return f"{'thiếu' if row['comparator'] == '>=' else 'vượt'} {fmt.number(gap)}"


def required_rest_of_year(metric: Metric, row: dict) -> str:
    """What the rest of the year must average for the year to end on target, in words where the
    arithmetic leaves the 0..1 range (already safe, or out of reach at the current volume). For a
    count, the number the rest of the year may still add (a ceiling) or must add (a floor)."""
    need = row.get("required_remaining_value")
    if row.get("is_final") or need is None:
        return fmt.EMPTY
    floor = row["comparator"] == ">="
    if metric.is_count:
        return _count_rest_of_year(metric.key, need, floor)
    if metric.bounded and (need <= 0 if floor else need >= 1):
        return "Chắc chắn đạt"
    if metric.bounded and (need > 1 if floor else need < 0):
        return "Không thể đạt trong năm"
    return ("≥ " if floor else "≤ ") + fmt.metric_value(metric, need)


def _count_rest_of_year(kpi: str, need: float, floor: bool) -> str:
    """need = target - count so far. A ceiling of late dossiers: 'còn được trễ tối đa 4 hồ sơ'."""
    noun = numerator_noun(kpi)
    if floor:
        return "Chắc chắn đạt" if need <= 0 else f"Cần thêm ít nhất {fmt.number(math.ceil(need))} {noun}"
    if need < 0:
        return f"Đã vượt {fmt.number(math.ceil(-need))} {noun} so với mức tối đa: không thể đạt trong năm"
    allowed = math.floor(need)
    if kpi == "overdue_count":
        return (f"Còn được trễ tối đa {fmt.number(allowed)} hồ sơ" if allowed
                else "Không được để thêm hồ sơ nào trễ hạn")
    return f"Còn được thêm tối đa {fmt.number(allowed)} {noun}"


def link_cell(url: str, text: str) -> str:
    return f"<a href='{html.escape(url, quote=True)}' target='_self'>{html.escape(text)}</a>"


def count_cards(counts: dict) -> None:
    """The dossier counts of a period as Circular 01/2020's report names them, on one row."""
    c = st.columns(6)
    c[0].metric("Kỳ trước chuyển qua", fmt.number(counts["carried_over"]))
    c[1].metric("Mới tiếp nhận", fmt.number(counts["received_new"]))
    c[2].metric("Đã giải quyết", fmt.number(counts["finished"]))
    c[3].metric("Giải quyết quá hạn", fmt.number(counts["finished_late"]))
    c[4].metric("Đang giải quyết", fmt.number(counts["in_progress"]))
    c[5].metric("Đang quá hạn", fmt.number(counts["in_progress_overdue"]))


def rank_move(rank_change) -> str:
    """A move in a ranking since the previous period: ▲ 2, ▼ 1, =."""
    if rank_change is None:
        return fmt.EMPTY
    if rank_change > 0:
        return f"▲ {rank_change}"
    if rank_change < 0:
        return f"▼ {-rank_change}"
    return "="


def score_766_cell(points, attainable, max_points) -> tuple[float | None, str]:
    """A group of the 766 index in the heatmap: the share of the points that have input, and its text.
    Points without input are no one's loss: 'Số hóa hồ sơ' with 6 of 22 points unloadable is scored
    out of 16 and says the 6 have none. No input at all: no share (grey), 'không có dữ liệu'."""
    if points is None or not attainable:
        return None, NO_DATA.lower()
    text = f"{fmt.number(points, 1)}/{fmt.number(attainable, 1 if attainable % 1 else 0)}"
    missing = max_points - attainable
    if missing > 1e-9:
        # three short lines: six cells side by side leave each about 80 pixels at 1280 wide
        text += f"<br>{fmt.number(missing, 1 if missing % 1 else 0)} điểm không<br>có dữ liệu"
    return points / attainable, text
