"""Pieces of the drill-down page "Theo địa bàn" (docs/drill.md): where the URL points (the path of
nodes from the province down, ui/drill_nodes.py), what a node's children are, and the charts that
show them. The page reaches all of them through this module.

A node is the province, an old district, a commune (old or new), an agency, a field or a procedure.
Every node is opened by the drill keys of the URL (DRILL_KEYS), so every view is a link.
"""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl
import streamlit as st

from ui import components, drill_map
from ui.drill_nodes import (
    AREA,
    DRILL_KEYS,
    TARGET_LEVELS,
    Lookups,
    Node,
    back_button,
    breadcrumb,
    navigate,
    node_key,
    resolve,
    short,
)
from warehouse import fmt
from warehouse.metrics import METRICS, target_met
from warehouse.queries_drill import NO_CODE
from warehouse.queries_units import PROVINCE_PARTS

__all__ = ["AREA", "DRILL_KEYS", "TARGET_LEVELS", "GROUP_LABELS", "GROUP_ORDER", "group_order", "Lookups",
           "Node", "back_button", "breadcrumb", "navigate", "node_key", "resolve", "short", "children_rows",
           "child_params", "hover_text", "children_bars", "children_treemap", "centroid_map", "picked_point",
           "picked_row"]

GROUP_LABELS = PROVINCE_PARTS | {
    "district": "Cấp huyện (đến 30/06/2025)",
    "commune": "Cấp xã (từ 01/07/2025)",
    "district_ubnd": "UBND cấp huyện",
    "old_commune": "Cấp xã (đến 30/06/2025)",
}
# the order groups are shown in: the territory first, then the agencies serving the whole province
GROUP_ORDER = ("district", "commune", "department", "central", "other", "district_ubnd", "old_commune", None)
# ... and for a period that starts on or after 01/07/2025, when the districts no longer existed: the
# units of the period first, the districts' last dossiers (their old UBND and communes) at the end
GROUP_ORDER_AFTER = ("commune", "department", "central", "other", "district", "district_ubnd", "old_commune",
                     None)


def group_order(after_reorganisation: bool) -> tuple:
    return GROUP_ORDER_AFTER if after_reorganisation else GROUP_ORDER
GREY = "#9ca3af"
MIDDLE = "#f3f4f6"


# ----------------------------------------------------------------------------- children of a node

def _rate() -> pl.Expr:
    """The registry's on-time rate, row by row."""
    return METRICS["on_time_rate"].polars(summed=False)


def _group(kind: str) -> pl.Expr:
    if kind == "province":
        return (pl.when(pl.col("child_kind") == "unit").then(pl.col("unit_level"))
                .when(pl.col("unit_level").is_in(["department", "central"])).then(pl.col("unit_level"))
                .otherwise(pl.lit("other")))
    if kind == "district":
        return (pl.when(pl.col("child_kind") == "unit").then(pl.lit("old_commune"))
                .otherwise(pl.lit("district_ubnd")))
    return pl.lit(None, dtype=pl.String)


def children_rows(raw: pl.DataFrame, node: Node) -> pl.DataFrame:
    """The children of a node in one shape, whatever query gave them: child_id (what a click opens),
    name, label (with the parent where commune names repeat), group, level (whose targets apply),
    the counts and the on-time rate. `raw` is unit_children (province, district), field_report
    (commune, agency) or procedure_report (field). Children with no dossier in the period are left out."""
    if raw.height == 0:
        return pl.DataFrame()
    if node.kind in ("province", "district"):
        frame = raw.with_columns(
            pl.when(pl.col("child_kind") == "unit")
            .then(pl.format("u:{}:{}:{}", pl.col("hierarchy_version"), pl.col("unit_level"), pl.col("code")))
            .otherwise(pl.format("a:{}", pl.col("code"))).alias("child_id"),
            pl.col("name").fill_null(pl.col("code")).alias("name"),
            # an old commune's name repeats across districts: show its district with it
            pl.when((pl.col("child_kind") == "unit") & (pl.col("unit_level") == "commune")
                    & (pl.col("hierarchy_version") == 1))
            .then(pl.col("label")).otherwise(pl.col("name")).fill_null(pl.col("code")).alias("label"),
        ).with_columns(
            # a district or commune is an area (all its agencies), said so beside its UBND's own row
            pl.when(pl.col("child_kind") == "unit")
            .then(pl.concat_str(pl.lit(AREA), pl.col("label").str.slice(0, 1).str.to_lowercase(),
                                pl.col("label").str.slice(1)))
            .otherwise(pl.col("label")).alias("label"),
            _group(node.kind).alias("group"),
            pl.when(pl.col("unit_level").is_in(list(TARGET_LEVELS))).then(pl.col("unit_level"))
            .otherwise(pl.lit("province")).alias("level"),
        )
    elif node.kind in ("commune", "agency"):
        frame = raw.with_columns(
            pl.format("f:{}", pl.col("field_code").fill_null(NO_CODE)).alias("child_id"),
            pl.col("field_name").alias("name"), pl.col("field_name").alias("label"),
            pl.lit(None, dtype=pl.String).alias("group"), pl.lit(node.level).alias("level"),
        )
    elif node.kind == "field":
        wanted = None if node.field == NO_CODE else node.field
        raw = raw.filter(pl.col("field_code").is_null() if wanted is None else pl.col("field_code") == wanted)
        frame = raw.with_columns(
            pl.format("p:{}", pl.col("procedure_code").fill_null(NO_CODE)).alias("child_id"),
            pl.col("procedure_name").fill_null("Chưa xác định thủ tục").alias("name"),
            pl.col("procedure_name").fill_null("Chưa xác định thủ tục").alias("label"),
            pl.lit(None, dtype=pl.String).alias("group"), pl.lit(node.level).alias("level"),
        )
    else:
        return pl.DataFrame()
    return (
        frame.with_columns((pl.col("carried_over") + pl.col("received_new")).alias("received"))
        .filter((pl.col("received") > 0) | (pl.col("finished") > 0))
        .select("child_id", "name", "label", "group", "level", "received", "carried_over", "received_new",
                "finished", "finished_early", "finished_on_time", "finished_late", "in_progress",
                "in_progress_overdue", _rate().alias("on_time_rate"))
        .sort(["on_time_rate", "received", "label"], descending=[True, True, False], nulls_last=True)
    )


def child_params(node: Node, child_id: str) -> dict:
    """The drill keys that open a child of `node`."""
    kind, _, rest = child_id.partition(":")
    if kind == "u":
        version, level, code = rest.split(":", 2)
        return {"pb": version, "cap": level, "ma": code}
    if kind == "a":
        return {k: v for k, v in node.params.items() if k in ("pb", "cap", "ma")} | {"don_vi": rest}
    if kind == "f":
        return node.params | {"linh_vuc": rest}
    return node.params | {"thu_tuc": rest}


# ----------------------------------------------------------------------------- charts

def hover_text(row: dict) -> str:
    rate = fmt.percent(row["on_time_rate"]) if row["on_time_rate"] is not None else "chưa có hồ sơ giải quyết"
    return (f"Nhận giải quyết: {fmt.number(row['received'])}<br>Đã giải quyết: {fmt.number(row['finished'])}"
            f"<br>Tỷ lệ đúng hạn: {rate}<br>Giải quyết quá hạn: {fmt.number(row['finished_late'])}"
            f"<br>Đang quá hạn: {fmt.number(row['in_progress_overdue'])}")


def _meets(value, target) -> str:
    if value is None:
        return GREY
    if target is None:
        return components.NEUTRAL
    # the on-time rate's target is a floor; judged with the registry's one tolerance
    return components.GOOD if target_met(">=", value, target) else components.BAD


def children_bars(rows: pl.DataFrame, targets: dict[str, float]) -> go.Figure:
    """Children ranked by on-time rate, best at the top, each bar green when it meets the target of
    its level and red when not; the target drawn as a tick on every row."""
    rows = rows.filter(pl.col("on_time_rate").is_not_null()).reverse()
    values = rows["on_time_rate"].to_list()
    goals = [targets.get(level) for level in rows["level"].to_list()]
    records = rows.to_dicts()
    fig = go.Figure(go.Bar(
        x=values, y=rows["label"].to_list(), orientation="h",
        marker_color=[_meets(v, g) for v, g in zip(values, goals)],
        text=[fmt.percent(v) for v in values], textposition="outside", cliponaxis=False,
        customdata=[[r["child_id"], hover_text(r)] for r in records],
        hovertemplate="<b>%{y}</b><br>%{customdata[1]}<extra></extra>", name="Tỷ lệ đúng hạn",
    ))
    if any(g is not None for g in goals):
        fig.add_scatter(
            x=goals, y=rows["label"].to_list(), mode="markers", name="Chỉ tiêu",
            marker=dict(symbol="line-ns-open", size=22, color=components.TARGET, line=dict(width=3)),
            customdata=[[r["child_id"], f"Chỉ tiêu: ≥ {fmt.percent(g)}"] for r, g in zip(records, goals)],
            hovertemplate="<b>%{y}</b><br>%{customdata[1]}<extra></extra>",
        )
    # a rate's bar starts at zero and its axis ends at 100% (a cut axis made 82% look a third of 99%);
    # the value labels sit outside the bars, in the right margin, never clipped
    fig.update_layout(**components.PLOT_LAYOUT | {"margin": dict(l=10, r=70, t=10, b=10)},
                      height=max(220, 26 * len(values) + 70), showlegend=False, bargap=0.25,
                      xaxis=dict(tickformat=".0%", range=[0.0, 1.0]),
                      yaxis=dict(type="category", automargin=True))
    return fig


def _colour_scale(target: float | None, low: float) -> tuple[list, float, float]:
    """Red below the target, white at it, green above; plain red to green without a target."""
    high = 1.0
    low = min(low, (target if target is not None else 1.0) - 0.02, 0.98)
    if target is None or not low < target < high:
        return [[0, components.BAD], [0.5, "#f5d90a"], [1, components.GOOD]], low, high
    mid = (target - low) / (high - low)
    return [[0, components.BAD], [mid, MIDDLE], [1, components.GOOD]], low, high


def _sum_rate(rows: pl.DataFrame):
    """The registry's on-time rate over the sums of the rows."""
    return rows.select(METRICS["on_time_rate"].polars()).item()


def children_treemap(rows: pl.DataFrame, root_label: str, target: float | None) -> go.Figure:
    """Size = dossiers handled in the period (carried over + new), colour = on-time rate; groups
    (parts of the province, of a district) between the node and its children."""
    ids, labels, parents = ["root"], [root_label], [""]
    values, rates, hover = [int(rows["received"].sum())], [_sum_rate(rows)], [hover_text(_totals(rows))]
    grouped = rows["group"].drop_nulls().n_unique() > 1
    if grouped:
        present = set(rows["group"].to_list())
        for group in [g for g in GROUP_ORDER if g in present]:
            part = rows.filter(pl.col("group") == group)
            ids.append(f"g:{group}")
            labels.append(GROUP_LABELS.get(group, group))
            parents.append("root")
            values.append(int(part["received"].sum()))
            rates.append(_sum_rate(part))
            hover.append(hover_text(_totals(part)))
    for r in rows.to_dicts():
        ids.append(r["child_id"])
        labels.append(r["label"])
        parents.append(f"g:{r['group']}" if grouped else "root")
        values.append(int(r["received"]))
        rates.append(r["on_time_rate"])
        hover.append(hover_text(r))
    known = [v for v in rates if v is not None]
    scale, low, high = _colour_scale(target, min(known) if known else 0.9)
    neutral = target if target is not None else (low + high) / 2
    fig = go.Figure(go.Treemap(
        ids=ids, labels=labels, parents=parents, values=values, branchvalues="total",
        marker=dict(colors=[neutral if v is None else v for v in rates], colorscale=scale, cmin=low,
                    cmax=high, showscale=True, colorbar=dict(title="Đúng hạn", tickformat=".0%")),
        customdata=[[h, fmt.percent(v) if v is not None else fmt.EMPTY] for h, v in zip(hover, rates)],
        texttemplate="<b>%{label}</b><br>%{customdata[1]}",
        hovertemplate="<b>%{label}</b><br>%{customdata[0]}<extra></extra>",
        root=dict(color="#f8fafc"),
    ))
    fig.update_layout(**components.PLOT_LAYOUT | {"margin": dict(l=0, r=0, t=10, b=0)}, height=480)
    return fig


def _totals(rows: pl.DataFrame) -> dict:
    return {"received": rows["received"].sum(), "finished": rows["finished"].sum(),
            "finished_late": rows["finished_late"].sum(),
            "in_progress_overdue": rows["in_progress_overdue"].sum(), "on_time_rate": _sum_rate(rows)}


def centroid_map(rows: pl.DataFrame, target: float | None) -> go.Figure:
    """The children at their centroids (ui/drill_map.py), coloured like the bars and the treemap."""
    known = rows["on_time_rate"].drop_nulls().to_list()
    return drill_map.centroid_map(rows, target, _colour_scale(target, min(known) if known else 0.9),
                                  hover_text, GROUP_LABELS)


def picked_point(widget_key: str) -> str | None:
    """The child id of the bar or dot a click chose (customdata[0]), from a chart's widget state."""
    state = st.session_state.get(widget_key) or {}
    points = (state.get("selection") or {}).get("points") or []
    data = points[0].get("customdata") if points else None
    return data[0] if data else None


def picked_row(widget_key: str) -> int | None:
    """The row a click on a table chose, from a dataframe's widget state."""
    state = st.session_state.get(widget_key) or {}
    rows = (state.get("selection") or {}).get("rows") or []
    return rows[0] if rows else None
