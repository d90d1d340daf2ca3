"""Screen pieces of the "Chỉ số 766" page (pages/chi_so_766.py): the portal's published scores beside
ours. Texts only: the figures come from warehouse/queries_published.py, the formats from
warehouse/fmt.py; an absent score reads "Không có dữ liệu", never 0."""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl
from plotly.subplots import make_subplots

from ui import components
from warehouse import fmt
from warehouse.queries_published import SCOPE_LABELS

NO_DATA = components.NO_DATA
KIND_LABELS = {"department": "Sở, ban, ngành", "commune": "Xã, phường", "province": "Tỉnh, thành phố"}
LOAD_HINT = ("Nạp tệp điểm do Cổng Dịch vụ công quốc gia công bố (tệp .xlsx xuất từ Cổng, hoặc tệp JSON "
             "của Cổng) bằng lệnh `python -m etl load TỆP --period YYYY-MM`, mỗi tháng một lần.")


def points(value) -> str:
    """A published or computed score: two decimals, as the portal publishes them."""
    return NO_DATA if value is None else fmt.number(value, 2)


def difference(value) -> str:
    return fmt.EMPTY if value is None else fmt.signed(value, 2)


def period_label(scope: str, period_key: str) -> str:
    """'Tháng 10/2025' or 'Lũy kế năm 2025 (đến hết tháng 10/2025)'."""
    year, month = period_key[:4], period_key[5:7]
    if scope == "month":
        return f"Tháng {month}/{year}"
    return f"{SCOPE_LABELS['year_to_date']} {year} (đến hết tháng {month}/{year})"


def rank_text(standing: dict) -> str:
    """'Hạng 2/34'."""
    return f"Hạng {standing['portal_rank']}/{standing['provinces']}"


def province_groups_table(groups: pl.DataFrame) -> pl.DataFrame:
    """The six groups of the province beside the best province and the median, each of its maximum."""
    return groups.select(
        pl.col("group_label").alias("Nhóm chỉ số"),
        pl.col("max_points").map_elements(lambda v: fmt.number(v, 0), return_dtype=pl.String).alias("Tối đa"),
        *[pl.col(c).map_elements(points, return_dtype=pl.String, skip_nulls=False).alias(label)
          for c, label in (("own_points", "Tỉnh ta"), ("best_points", "Tỉnh đứng đầu"),
                           ("median_points", "Trung vị các tỉnh"))],
        (pl.col("own_points") - pl.col("median_points"))
        .map_elements(difference, return_dtype=pl.String, skip_nulls=False).alias("So với trung vị"),
    )


def province_groups_chart(groups: pl.DataFrame, best_name: str) -> go.Figure:
    """One small bar chart per group, its axis from 0 to the group's maximum: the province, the best
    province and the median side by side."""
    rows = list(groups.iter_rows(named=True))
    fig = make_subplots(rows=len(rows), cols=1, subplot_titles=[
        f"{r['group_label']} (tối đa {fmt.number(r['max_points'], 0)})" for r in rows], vertical_spacing=0.08)
    series = (("own_points", "Tỉnh ta", components.NEUTRAL), ("best_points", best_name, components.GOOD),
              ("median_points", "Trung vị các tỉnh", components.TARGET))
    for i, r in enumerate(rows, start=1):
        for col, name, colour in series:
            value = r[col]
            fig.add_bar(y=[name], x=[value or 0], orientation="h", marker_color=colour, showlegend=False,
                        text=[points(value)], textposition="outside", cliponaxis=False,
                        hovertemplate=f"{name}: {points(value)}<extra></extra>", row=i, col=1)
        fig.update_xaxes(range=[0, r["max_points"]], row=i, col=1, tickformat=",.0f")
        fig.update_yaxes(autorange="reversed", row=i, col=1)
    fig.update_layout(**{**components.PLOT_LAYOUT, "margin": dict(l=10, r=50, t=40, b=10)},
                      height=150 * len(rows), bargap=0.25)
    return fig


def trend_chart(trend: pl.DataFrame) -> go.Figure:
    """The province's published total per loaded month, its rank in the hover."""
    labels = [f"{k[5:7]}/{k[:4]}" for k in trend["period_key"].to_list()]
    hover = [f"{points(t)} điểm · hạng {r}/{n}" for t, r, n in trend.select(
        "total_points", "portal_rank", "provinces").iter_rows()]
    fig = go.Figure()
    fig.add_scatter(x=labels, y=trend["total_points"].to_list(), mode="lines+markers", name="Tổng điểm",
                    line=dict(color=components.NEUTRAL, width=3), customdata=hover,
                    hovertemplate="%{customdata}<extra></extra>")
    fig.update_layout(**components.PLOT_LAYOUT, height=320, title="Tổng điểm của tỉnh theo tháng",
                      xaxis=dict(type="category"), yaxis=dict(range=[0, 100], title="Điểm"))
    return fig


def comparison_table(frame: pl.DataFrame, group_codes: dict[str, str]) -> pl.DataFrame:
    """One line per published agency: the published and our total, the difference, the difference of
    each group (under the portal's codes) and the likely cause."""
    text = {"return_dtype": pl.String, "skip_nulls": False}
    return frame.select(
        pl.col("agency_kind").replace_strict(KIND_LABELS, default=pl.col("agency_kind")).alias("Loại"),
        pl.col("portal_name").alias("Tên trên Cổng"),
        pl.col("agency_name").fill_null("Chưa khớp").alias("Cơ quan của ta"),
        pl.col("pub_total_points").map_elements(points, **text).alias("Điểm công bố"),
        pl.col("our_total_points").map_elements(points, **text).alias("Điểm tính từ hồ sơ"),
        pl.col("diff_total_points").map_elements(difference, **text).alias("Chênh lệch"),
        *[pl.col(f"diff_points_{g}").map_elements(difference, **text).alias(f"Chênh lệch {code}")
          for g, code in group_codes.items()],
        pl.col("cause_text").fill_null("").alias("Nguyên nhân có thể"),
    )


def agency_groups_table(row: dict, groups: pl.DataFrame) -> pl.DataFrame:
    """One agency's six groups: its maximum, published, ours and the difference."""
    return pl.DataFrame({
        "Nhóm chỉ số": groups["group_label"].to_list(),
        "Tối đa": [fmt.number(m, 0) for m in groups["max_points"].to_list()],
        "Điểm công bố": [points(row[f"pub_points_{g}"]) for g in groups["group_key"].to_list()],
        "Điểm tính từ hồ sơ": [points(row[f"our_points_{g}"]) for g in groups["group_key"].to_list()],
        "Chênh lệch": [difference(row[f"diff_points_{g}"]) for g in groups["group_key"].to_list()],
    })


def cause_lines(frame: pl.DataFrame, limit: int = 10) -> list[str]:
    """The largest differences with a cause (every unmatched agency too), in words."""
    explained = frame.filter(pl.col("cause_code").is_not_null())
    unmatched = explained.filter(pl.col("cause_code") == "unmatched")
    largest = (explained.filter(pl.col("cause_code") != "unmatched")
               .sort(pl.col("diff_total_points").abs(), descending=True, nulls_last=True).head(limit))
    lines = []
    for r in pl.concat([largest, unmatched]).iter_rows(named=True):
        name = r["agency_name"] or r["portal_name"]
        gap = "" if r["diff_total_points"] is None else f" (chênh lệch {difference(r['diff_total_points'])})"
        lines.append(f"**{name}**{gap}: {r['cause_text']}.")
    return lines


def estimates_table(frame: pl.DataFrame) -> pl.DataFrame:
    text = {"return_dtype": pl.String, "skip_nulls": False}
    return frame.select(
        pl.col("agency_level").replace_strict(KIND_LABELS, default=pl.col("agency_level")).alias("Loại"),
        pl.col("agency_name").alias("Cơ quan, đơn vị"),
        pl.col("estimate_total").map_elements(points, **text).alias("Ước tính tháng này"),
        pl.col("published_total").map_elements(points, **text).alias("Công bố tháng gần nhất"),
        pl.col("last_our_total").map_elements(points, **text).alias("Tính từ hồ sơ tháng gần nhất"),
        pl.col("change_from_published").map_elements(difference, **text).alias("So với công bố"),
    )


def source_note(simulated_agencies: bool) -> str:
    note = ("Bảng các tỉnh, thành phố là số liệu do Cổng Dịch vụ công quốc gia công bố (tệp công khai "
            "xuất từ Cổng), nạp nguyên trạng.")
    if simulated_agencies:
        note += (" Điểm công bố của các sở, ban, ngành và xã, phường của tỉnh trong kho dữ liệu mẫu là "
                 "**mô phỏng**: kho mẫu tự tạo từ điểm tính từ hồ sơ, không phải số liệu Cổng công bố.")
    return note
