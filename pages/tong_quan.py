"""Tổng quan: the province against this year's targets (met, at risk, missed), its trend by month,
and the 766 index of each peer group."""

import plotly.graph_objects as go
import polars as pl
import streamlit as st

from ui import components, data
from ui.bootstrap import bootstrap
from warehouse import fmt
from warehouse.metrics import HEADLINE, METRICS

get_targets = data.getter("queries_targets")
get_766 = data.getter("queries_766")


def targets_section(year: int, as_of: str | None) -> None:
    """Every KPI with a province target this year: so far, the state, the year-end projection and
    what the rest of the year must reach."""
    rows = [r for r in get_targets("attainment", year).iter_rows(named=True) if r["kpi"] in METRICS]
    st.subheader(f"Chỉ tiêu kế hoạch năm {year}")
    if not rows:
        components.empty_state(f"Chưa có chỉ tiêu kế hoạch năm {year} cho toàn tỉnh.")
        return
    states = [components.target_state(r) for r in rows]
    counts = [f"<span class='{components.TARGET_STATES[s][1]}'>{states.count(s)} "
              f"{components.TARGET_STATES[s][0].lower()}</span>"
              for s in components.TARGET_STATES if states.count(s)]
    final = rows[0]["is_final"]
    st.markdown(f"{len(rows)} chỉ tiêu: " + " · ".join(counts)
                + ("" if final else f" <span style='color:#475569'>(luỹ kế từ 01/01/{year} đến "
                                    f"{fmt.date(as_of)}, dự báo đến 31/12/{year})</span>"),
                unsafe_allow_html=True)
    table = pl.DataFrame([
        {
            "Chỉ số": METRICS[r["kpi"]].label,
            "Chỉ tiêu": components.target_text(METRICS[r["kpi"]], r["comparator"], r["target_value"]),
            "Đến nay" if not final else "Cả năm": fmt.metric_value(METRICS[r["kpi"]], r["value"]),
            "Đánh giá": components.TARGET_STATES[state][0],
            # a floor: dossiers short of it; a ceiling: dossiers over it
            "Chênh lệch (hồ sơ)": components.gap_short(r),
            **({} if final else {
                "Dự báo cuối năm": fmt.metric_value(METRICS[r["kpi"]], r["projected_value"]),
                "Phần còn lại của năm cần đạt": components.required_rest_of_year(METRICS[r["kpi"]], r),
            }),
        }
        for r, state in zip(rows, states)
    ])
    st.html(components.html_table(table, numeric=tuple(c for c in table.columns
                                                       if c not in ("Chỉ số", "Đánh giá"))))
    if not final:
        st.caption("Dự báo: số hồ sơ giữ nhịp từ đầu năm, phần còn lại của năm đạt tỷ lệ của 3 tháng gần "
                   "nhất (chỉ tiêu tính bằng số hồ sơ: giữ nhịp từ đầu năm). Chênh lệch: thiếu = số hồ sơ "
                   "phải đạt thêm để chỉ số luỹ kế bằng chỉ tiêu tối thiểu; vượt = số hồ sơ vượt quá chỉ "
                   "tiêu tối đa.")


def wrap(label: str, width: int = 16) -> str:
    """A chart label on two lines or more, so six group names fit side by side."""
    lines, line = [], ""
    for word in label.split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return "<br>".join([*lines, line])


def score_766_section(kind: str, key: str, label: str) -> None:
    """The 766 index of each peer group: spread of totals, and average points of the six groups."""
    summary = get_766("peer_group_summary", kind, key)
    st.subheader(f"Bộ chỉ số 766 · {label}")
    if summary.height == 0:
        components.empty_state(f"{label}: chưa có điểm Bộ chỉ số 766 cho kỳ này.")
        return
    groups = get_766("groups")
    table = summary.select(
        pl.col("peer_group_label").alias("Nhóm so sánh"),
        components.text_col("agencies", "Số đơn vị"),
        pl.col("median_total").map_elements(lambda v: fmt.number(v, 1), return_dtype=pl.String)
        .alias("Trung vị"),
        pl.struct("min_total", "max_total").map_elements(
            lambda r: f"{fmt.number(r['min_total'], 1)} – {fmt.number(r['max_total'], 1)}",
            return_dtype=pl.String).alias("Thấp nhất – cao nhất"),
    )
    st.html(components.html_table(table, numeric=("Số đơn vị", "Trung vị", "Thấp nhất – cao nhất"),
                                  caption="Tổng điểm (thang 100) của các đơn vị trong nhóm"))
    # each group scored out of the points that have input (docs/score_766.md): "Số hóa hồ sơ" without
    # its 6 unloadable points is out of 16, and says the 6 have no data; no input at all: no colour
    by_group = {(g["peer_group"], g["group_key"]): g
                for g in get_766("peer_group_groups", kind, key).iter_rows(named=True)}

    def cell(peer: str, group: str, max_points: float) -> tuple[float | None, str]:
        found = by_group.get((peer, group)) or {"points": None, "attainable_points": 0}
        return components.score_766_cell(found["points"], found["attainable_points"], max_points)

    cells = [[cell(row["peer_group"], g, m) for g, m in zip(groups["group_key"], groups["max_points"])]
             for row in summary.iter_rows(named=True)]
    share = [[c[0] for c in line] for line in cells]
    # a cell without colour carries no text of the heatmap's own: an annotation says it has no data
    text = [[c[1] if c[0] is not None else "" for c in line] for line in cells]
    fig = go.Figure(go.Heatmap(
        z=share, x=[wrap(label) for label in groups["group_label"].to_list()],
        y=[wrap(label, 22) for label in summary["peer_group_label"].to_list()],
        text=text, texttemplate="%{text}", textfont=dict(size=12), zmin=0.5, zmax=1,
        colorscale=[[0, "#c0392b"], [0.5, "#f5d76e"], [1, "#1b7f3b"]],
        hovertemplate="%{y}<br>%{x}: %{text}<br>%{z:.0%} số điểm có dữ liệu<extra></extra>",
        # narrow labels and colour bar: six cells keep room for three short lines at 1280 wide
        colorbar=dict(title="% điểm<br>có dữ liệu", tickformat=".0%", thickness=14),
    ))
    fig.update_layout(**components.PLOT_LAYOUT | {"margin": dict(l=10, r=10, t=50, b=10)},
                      height=150 + 80 * summary.height,
                      title="Điểm bình quân từng nhóm tiêu chí / số điểm có dữ liệu",
                      yaxis=dict(autorange="reversed"), xaxis=dict(side="bottom", title=None, tickangle=0))
    for y, line in zip(summary["peer_group_label"].to_list(), cells):
        for x, (value, words) in zip(groups["group_label"].to_list(), line):
            if value is None:
                fig.add_annotation(x=wrap(x), y=wrap(y, 22), text=words, showarrow=False, font=dict(size=13))
    st.plotly_chart(fig, key="groups_766")

meta = bootstrap("Tổng quan")
province = data.get("province_name", meta.get("province_code")) or "Toàn tỉnh"
st.title(f"Tổng quan · {province}")
st.caption(f"Số liệu đến hết ngày {fmt.date(meta.get('as_of'))} · "
           f"cập nhật lúc {fmt.datetime(meta.get('built_at'))}")

period = components.period_picker(data.get)
if period is None:
    components.empty_state("Kho dữ liệu chưa có hồ sơ nào, nên chưa có kỳ báo cáo để xem.")
    st.stop()
kind, key = period["period_kind"], period["period_key"]

summary = data.get("province_summary", kind, key).row(0, named=True)
if not (summary["carried_over"] or 0) + (summary["received_new"] or 0):
    components.empty_state(f"{period['period_label']}: không có hồ sơ nào trong kỳ này.")
    st.stop()

history = data.get("periods", kind)
older = history.filter(pl.col("start_date") < period["start_date"])
previous = None
if older.height:
    previous = data.get("province_summary", kind, older["period_key"][0]).row(0, named=True)
targets = {t["kpi"]: t for t in data.get("province_targets", period["year"]).iter_rows(named=True)}
if kind == "year":
    # the year's cards judge the value the targets table below judges: take its verdict (SQL's)
    targets |= {t["kpi"]: t for t in get_targets("attainment", period["year"]).iter_rows(named=True)}

st.subheader(f"{period['period_label']} · so với chỉ tiêu kế hoạch năm {period['year']}")
if period["eval_date"] < period["end_date"]:
    st.caption("Kỳ chưa kết thúc: hồ sơ đang giải quyết được đánh giá tại ngày "
               f"{fmt.date(period['eval_date'])}.")
cols = st.columns(3)
for i, key_ in enumerate(HEADLINE):
    m = METRICS[key_]
    components.kpi_card(cols[i % 3], m, summary[key_], previous[key_] if previous else None,
                        targets.get(key_))
if previous:
    st.caption(f"Mũi tên: thay đổi so với {older['period_label'][0]}. Đạt / chưa đạt: giá trị của kỳ "
               "so với chỉ tiêu năm.")

targets_section(period["year"], meta.get("as_of"))

st.subheader("Số hồ sơ trong kỳ")
components.count_cards(summary)

st.subheader("Diễn biến theo tháng")
trend = data.get("province_trend", "month")
year = period["year"]
trend = trend.filter(pl.col("start_date").dt.year().is_between(year - 1, year))
metric_key = "on_time_rate"
target = targets.get(metric_key)
st.plotly_chart(
    components.trend_chart(trend, metric_key, target["target_value"] if target else None,
                           f"{METRICS[metric_key].label} và số hồ sơ, {year - 1}–{year}"),
    key="trend",
)

score_766_section(kind, key, period["period_label"])
