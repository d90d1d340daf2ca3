"""The drill-down's map: units at their centroids, drawn so that no two dots overlap.

No boundary file of the 2025 units is available offline (the intranet has no map tiles, and the
well-kept boundary sets still draw the 63 old provinces), so the map shows each unit at its centroid
(dim_unit lat/lon from the official lists) on a plain background, with the degree of longitude
shortened by cos(latitude) so that distances look as they are on the ground. What makes it readable:

- a dot's size grows with the dossiers handled but never beyond the room its nearest neighbour
  leaves (the diameter is at most 90% of the distance to the nearest dot on screen), so dense areas
  stay separate dots instead of a pile;
- the colour is the on-time rate against the target (red below, white at, green above);
- the units below target are named on the map; every other name is in the hover and the table.
"""

from __future__ import annotations

import math

import plotly.graph_objects as go
import polars as pl

from ui import components
from warehouse.metrics import target_met

GREY = "#9ca3af"
# the room the plot area gets on a laptop page (px, the colour bar aside): turns degrees into screen distances
PLOT_WIDTH = 800
MIN_DIAMETER, MAX_DIAMETER = 7.0, 34.0
ROOM_SHARE = 0.9            # a dot takes at most this share of the distance to its nearest neighbour
MAX_NAMED = 12              # names drawn on the map at most (the lowest rates first)


def layout_box(rows: pl.DataFrame) -> dict:
    """Axis ranges, the latitude stretch and the height for the rows' centroids."""
    lat_low, lat_high = (rows["lat"].min(), rows["lat"].max()) if rows.height else (0.0, 0.0)
    lon_low, lon_high = (rows["lon"].min(), rows["lon"].max()) if rows.height else (0.0, 0.0)
    # a degree of latitude is longer on the ground than a degree of longitude (by 1 / cos(latitude))
    stretch = 1 / math.cos(math.radians((lat_low + lat_high) / 2))
    lon_pad = max((lon_high - lon_low) * 0.08, 0.02)   # room for the names at the edges
    lat_pad = max((lat_high - lat_low) * 0.12, 0.02)
    lon_span = lon_high - lon_low + 2 * lon_pad
    lat_span = (lat_high - lat_low + 2 * lat_pad) * stretch
    height = int(min(640, max(320, PLOT_WIDTH * lat_span / lon_span + 40)))
    # with equal scales on both axes the tighter of the two directions sets pixels per degree
    px_per_degree = min(PLOT_WIDTH / lon_span, (height - 40) / lat_span)
    return {"lon": (lon_low - lon_pad, lon_high + lon_pad), "lat": (lat_low - lat_pad, lat_high + lat_pad),
            "stretch": stretch, "height": height, "px_per_degree": px_per_degree}


def dot_diameters(rows: pl.DataFrame, box: dict) -> list[float]:
    """Each dot's diameter in pixels: by the dossiers handled (square root, the area reads as the
    amount), capped so that it stays clear of its nearest neighbour."""
    xs = [lon * box["px_per_degree"] for lon in rows["lon"].to_list()]
    ys = [lat * box["stretch"] * box["px_per_degree"] for lat in rows["lat"].to_list()]
    received = rows["received"].to_list()
    biggest = max(max(received, default=1) or 1, 1)
    diameters = []
    for i, (x, y) in enumerate(zip(xs, ys)):
        by_volume = MIN_DIAMETER + (MAX_DIAMETER - MIN_DIAMETER) * math.sqrt((received[i] or 0) / biggest)
        nearest = min((math.hypot(x - x2, y - y2) for j, (x2, y2) in enumerate(zip(xs, ys)) if j != i),
                      default=math.inf)
        diameters.append(min(by_volume, ROOM_SHARE * nearest) if nearest > 0 else by_volume)
    return diameters


def named_children(rows: pl.DataFrame, target: float | None) -> set[str]:
    """The units named on the map: below the target, the lowest rates first (all of them when few)."""
    if rows.height <= 20:
        return set(rows["child_id"].to_list())
    if target is None:
        return set()
    finished = rows.filter(pl.col("on_time_rate").is_not_null()).sort("on_time_rate")
    below = [r["child_id"] for r in finished.iter_rows(named=True)
             if not target_met(">=", r["on_time_rate"], target)]
    return set(below[:MAX_NAMED])


def _overlap(a: tuple, b: tuple) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def label_positions(rows: pl.DataFrame, box: dict, named: set[str]) -> dict[str, str]:
    """Where each name goes around its dot: above, unless it would cover a name already placed
    (dense towns), then below, right or left; a name with no free side is left to the hover. Label
    boxes are estimated on the generous side (8 px a letter, 18 px high)."""
    placed: list[tuple[float, float, float, float]] = []
    positions: dict[str, str] = {}
    ppd = box["px_per_degree"]
    # the lowest rates first: when names crowd, the worst units keep theirs
    for r in rows.sort("on_time_rate", nulls_last=True).iter_rows(named=True):
        if r["child_id"] not in named:
            continue
        x, y = r["lon"] * ppd, r["lat"] * box["stretch"] * ppd
        # generous boxes: the screen scale is estimated (the browser sets the real width)
        width, half = 8.0 * len(r["name"] or "") + 10, r["diameter"] / 2 + 3
        options = {"top center": (x - width / 2, y + half, x + width / 2, y + half + 18),
                   "bottom center": (x - width / 2, y - half - 18, x + width / 2, y - half),
                   "middle right": (x + half, y - 9, x + half + width, y + 9),
                   "middle left": (x - half - width, y - 9, x - half, y + 9)}
        choice = next((name for name, b in options.items() if not any(_overlap(b, o) for o in placed)), None)
        if choice is None:
            continue        # no free side: the dot keeps its name in the hover and the table
        placed.append(options[choice])
        positions[r["child_id"]] = choice
    return positions


def centroid_map(rows: pl.DataFrame, target: float | None, colour_scale: tuple[list, float, float],
                 hover_text, group_labels: dict) -> go.Figure:
    """Units at their centroids (x = longitude, y = latitude), dot size = dossiers handled (within
    the room the neighbours leave), colour = on-time rate, grey where nothing was finished."""
    scale, low, high = colour_scale
    box = layout_box(rows)
    rows = rows.with_columns(pl.Series("diameter", dot_diameters(rows, box), dtype=pl.Float64))
    named = named_children(rows, target)
    positions = label_positions(rows, box, named)
    symbols = {"district": "square", "commune": "circle", "old_commune": "circle"}
    fig = go.Figure()
    for group in rows["group"].unique(maintain_order=True).to_list():
        part = rows.filter(pl.col("group") == group)
        for finished in (True, False):
            sub = part.filter(pl.col("on_time_rate").is_not_null() == finished)
            if sub.height == 0:
                continue
            records = sub.to_dicts()
            marker = dict(size=sub["diameter"].to_list(), sizemode="diameter", opacity=1.0,
                          symbol=symbols.get(group, "circle"), line=dict(width=1, color="#ffffff"))
            marker |= (dict(color=sub["on_time_rate"].to_list(), coloraxis="coloraxis") if finished
                       else dict(color=GREY))
            fig.add_scatter(
                x=sub["lon"].to_list(), y=sub["lat"].to_list(), mode="markers+text",
                text=[r["name"] if r["child_id"] in positions else "" for r in records],
                textposition=[positions.get(r["child_id"], "top center") for r in records],
                textfont=dict(size=11, color="#1f2937"),
                name=group_labels.get(group, group) + ("" if finished else " · chưa có hồ sơ giải quyết"),
                marker=marker,
                customdata=[[r["child_id"], hover_text(r), r["label"]] for r in records],
                hovertemplate="<b>%{customdata[2]}</b><br>%{customdata[1]}<extra></extra>",
            )
    axis = dict(visible=False, showgrid=False, zeroline=False)
    fig.update_layout(
        **components.PLOT_LAYOUT | {"margin": dict(l=0, r=0, t=10, b=0), "plot_bgcolor": "#f8fafc"},
        height=box["height"],
        xaxis=axis | dict(range=list(box["lon"])),
        yaxis=axis | dict(range=list(box["lat"]), scaleanchor="x", scaleratio=box["stretch"]),
        coloraxis=dict(colorscale=scale, cmin=low, cmax=high,
                       colorbar=dict(title="Đúng hạn", tickformat=".0%")),
        legend=dict(orientation="h", y=-0.02), showlegend=len(fig.data) > 1, dragmode="pan",
    )
    return fig
