"""Small screen pieces shared by the pages."""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl
import streamlit as st

from ui import fmt
from warehouse.metrics import METRICS, Metric
from warehouse.queries import PERIOD_KINDS

PLOT_LAYOUT = dict(
    separators=",.",                      # Vietnamese: decimal comma, thousands dot
    font=dict(family="sans-serif", size=14),
    margin=dict(l=10, r=10, t=40, b=10),
    plot_bgcolor="white",
    hoverlabel=dict(font_size=14),
)
GOOD, BAD, NEUTRAL, TARGET = "#1b7f3b", "#c0392b", "#2b6cb0", "#6b7280"


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


def target_status(metric: Metric, value, target: dict | None) -> tuple[str, bool | None]:
    """('Chỉ tiêu ≥ 96,0%', met?) for a value against a target row."""
    if target is None:
        return "Chưa có chỉ tiêu", None
    cmp, goal = target["comparator"], target["target_value"]
    text = f"Chỉ tiêu {'≥' if cmp == '>=' else '≤'} {fmt.metric_value(metric, goal)}"
    if value is None:
        return text, None
    met = value >= goal - 1e-12 if cmp == ">=" else value <= goal + 1e-12
    return text, met


def kpi_card(container, metric: Metric, value, previous, target: dict | None) -> None:
    text, met = target_status(metric, value, target)
    delta = None if value is None or previous is None else value - previous
    container.metric(
        metric.label,
        fmt.metric_value(metric, value),
        delta=None if delta is None else fmt.points(delta),
        delta_color="normal" if metric.higher_is_better else "inverse",
        help=metric.description,
        border=True,
    )
    badge = {True: ("badge-ok", "✔ Đạt"), False: ("badge-bad", "✘ Chưa đạt"), None: ("", "")}[met]
    container.markdown(f"<span class='{badge[0]}'>{badge[1]}</span> · {text}", unsafe_allow_html=True)


def trend_chart(trend: pl.DataFrame, metric_key: str, target_value: float | None, title: str) -> go.Figure:
    """Dossiers received per period (bars) and a KPI (line) with its target."""
    m = METRICS[metric_key]
    labels = trend["period_label"].to_list()
    fig = go.Figure()
    fig.add_bar(x=labels, y=trend["received_new"].to_list(), name="Hồ sơ mới tiếp nhận",
                marker_color="#cbd5e1", yaxis="y2", hovertemplate="%{y:,.0f} hồ sơ<extra></extra>")
    fig.add_scatter(x=labels, y=trend[metric_key].to_list(), name=m.label, mode="lines+markers",
                    line=dict(color=NEUTRAL, width=3), hovertemplate="%{y:.1%}<extra></extra>")
    if target_value is not None:
        fig.add_scatter(x=labels, y=[target_value] * len(labels), name="Chỉ tiêu", mode="lines",
                        line=dict(color=BAD, dash="dash"), hovertemplate="%{y:.1%}<extra>Chỉ tiêu</extra>")
    fig.update_layout(
        **PLOT_LAYOUT, title=title, height=380, legend=dict(orientation="h", y=-0.2),
        yaxis=dict(tickformat=".0%", title=m.label, side="left", rangemode="normal"),
        yaxis2=dict(overlaying="y", side="right", showgrid=False, title="Số hồ sơ", tickformat=",.0f"),
    )
    return fig


def ranking_chart(ranked: pl.DataFrame, metric: Metric, target_value: float | None) -> go.Figure:
    """Horizontal bars, best at the top, coloured by whether the agency meets its target."""
    rows = ranked.filter(pl.col("is_ranked")).sort("rank", descending=True)
    values = rows["value"].to_list()
    if target_value is None:
        colors = [NEUTRAL] * len(values)
    else:
        colors = [GOOD if (v >= target_value if metric.higher_is_better else v <= target_value) else BAD
                  for v in values]
    names = [f"{r}. {n}" for r, n in zip(rows["rank"].to_list(), rows["agency_name"].to_list())]
    fig = go.Figure(go.Bar(
        x=values, y=names, orientation="h", marker_color=colors,
        text=[fmt.percent(v) for v in values], textposition="outside",
        customdata=rows.select("agency_code", "volume").rows(),
        hovertemplate="%{y}<br>%{x:.1%} · %{customdata[1]:,.0f} hồ sơ<extra></extra>",
    ))
    if target_value is not None:
        fig.add_vline(x=target_value, line_dash="dash", line_color=TARGET,
                      annotation_text=f"Chỉ tiêu {fmt.percent(target_value)}")
    low = min(values + [target_value or 1.0]) if values else 0
    fig.update_layout(**PLOT_LAYOUT, height=max(300, 26 * len(values) + 80),
                      xaxis=dict(tickformat=".0%", range=[max(0, low - 0.05), 1.02]), showlegend=False)
    return fig


def empty_state(message: str) -> None:
    st.info(message, icon="ℹ️")
