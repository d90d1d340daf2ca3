"""The drill-down map's layout (ui/drill_map.py): dots that never overlap, the units below target named,
names that never cover each other. Hand-made centroids: two towns 0,001° apart (about 100 m), one far."""

from __future__ import annotations

import math

import polars as pl

from ui import drill_map


def _rows(rates=(0.90, 0.99, 0.80, None), received=(1000, 10, 500, 5)) -> pl.DataFrame:
    return pl.DataFrame({
        "child_id": ["u:2:commune:1", "u:2:commune:2", "u:2:commune:3", "u:2:commune:4"],
        "name": ["Phường Một", "Phường Hai", "Xã Ba", "Xã Bốn"],
        "label": ["Phường Một", "Phường Hai", "Xã Ba", "Xã Bốn"],
        "group": ["commune"] * 4,
        "lon": [107.000, 107.001, 107.500, 107.300],
        "lat": [21.000, 21.000, 21.300, 21.100],
        "received": list(received),
        "on_time_rate": list(rates),
    }, schema_overrides={"on_time_rate": pl.Float64})


def _screen(rows, box):
    return [(lon * box["px_per_degree"], lat * box["stretch"] * box["px_per_degree"])
            for lon, lat in zip(rows["lon"], rows["lat"])]


def test_dots_never_overlap_and_keep_their_volume_order_where_there_is_room():
    rows = _rows()
    box = drill_map.layout_box(rows)
    diameters = drill_map.dot_diameters(rows, box)
    points = _screen(rows, box)
    for i in range(len(points)):
        for j in range(i + 1, len(points)):
            gap = math.dist(points[i], points[j])
            assert diameters[i] / 2 + diameters[j] / 2 < gap, (i, j, diameters, gap)
    # the two towns 0,001° apart share the little room there is; the far ones are sized by volume
    assert diameters[0] < drill_map.MIN_DIAMETER and diameters[1] < drill_map.MIN_DIAMETER
    assert diameters[2] > diameters[3]
    # the largest far dot: 7 + 27 * sqrt(500 / 1000) px
    assert abs(diameters[2] - (7 + 27 * math.sqrt(0.5))) < 1e-9


def test_the_units_below_target_are_named_when_there_are_many():
    many = pl.concat([_rows()] * 6).with_columns(
        pl.format("u:2:commune:{}", pl.int_range(pl.len())).alias("child_id"),
        (pl.col("lon") + pl.int_range(pl.len()) * 0.05).alias("lon"))
    named = drill_map.named_children(many, target=0.95)
    rates = dict(zip(many["child_id"], many["on_time_rate"]))
    assert named and all(rates[c] is not None and rates[c] < 0.95 for c in named)
    below = sum(1 for r in rates.values() if r is not None and r < 0.95)
    assert len(named) == min(drill_map.MAX_NAMED, below)
    # a few units: every one is named
    assert drill_map.named_children(_rows(), target=0.95) == set(_rows()["child_id"])


def test_names_do_not_cover_each_other_and_the_lowest_rate_keeps_its_name():
    rows = _rows()
    box = drill_map.layout_box(rows)
    rows = rows.with_columns(pl.Series("diameter", drill_map.dot_diameters(rows, box)))
    positions = drill_map.label_positions(rows, box, set(rows["child_id"]))
    # the two towns 0,001° apart: one name above, the other moved to a free side or left to the hover
    assert positions["u:2:commune:1"] == "top center"      # 90% is lower than 99%: placed first
    assert positions.get("u:2:commune:2") != "top center"
    assert positions["u:2:commune:3"] == "top center"


def test_the_figure_has_one_trace_per_group_and_state_and_the_rate_scale():
    rows = _rows()
    fig = drill_map.centroid_map(rows, 0.95, ([[0, "red"], [1, "green"]], 0.8, 1.0),
                                 lambda r: f"{r['received']} hồ sơ", {"commune": "Cấp xã"})
    names = [t.name for t in fig.data]
    assert names == ["Cấp xã", "Cấp xã · chưa có hồ sơ giải quyết"]
    assert fig.layout.coloraxis.cmin == 0.8 and fig.layout.yaxis.scaleanchor == "x"
    assert list(fig.data[1].text) == ["Xã Bốn"]          # four units: all named where there is room
