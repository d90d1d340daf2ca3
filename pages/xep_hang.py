"""Xếp hạng: agencies ranked inside their peer group by a KPI."""

import polars as pl
import streamlit as st

from ui import components, data, fmt, state
from ui.bootstrap import bootstrap
from warehouse.metrics import METRICS

PEER_LEVEL = {"department": "department", "central": "central", "district": "district",
              "commune_old": "commune", "commune": "commune"}
MIN_VOLUMES = ["10", "20", "30", "50", "100"]

meta = bootstrap("Xếp hạng")
st.title("Xếp hạng cơ quan, đơn vị")

period = components.period_picker(data.get)
if period is None:
    components.empty_state("Kho dữ liệu chưa có hồ sơ nào, nên chưa có gì để xếp hạng.")
    st.stop()
kind, key = period["period_kind"], period["period_key"]

groups = data.get("peer_groups", kind, key)
if groups.height == 0:
    components.empty_state(f"{period['period_label']}: không có cơ quan nào có hồ sơ trong kỳ này.")
    st.stop()
group_labels = dict(zip(groups["peer_group"].to_list(), groups["peer_group_label"].to_list()))
c1, c2, c3 = st.columns([2, 2, 1])
peer = state.select("Nhóm so sánh", list(group_labels), "nhom", format_func=group_labels.get, container=c1)
metric_key = state.select("Chỉ số", list(METRICS), "chi_so", format_func=lambda k: METRICS[k].label,
                          default="on_time_rate", container=c2)
min_volume = int(state.select("Số hồ sơ tối thiểu để xếp hạng", MIN_VOLUMES, "toi_thieu", default="30",
                              container=c3))
metric = METRICS[metric_key]

ranked = data.get("ranking", kind, key, peer, metric_key, min_volume)
level_targets = data.get("level_targets", period["year"]).filter(
    (pl.col("agency_level") == PEER_LEVEL[peer]) & (pl.col("kpi") == metric_key)
)
target_value = level_targets["target_value"][0] if level_targets.height else None

ranked_rows = ranked.filter(pl.col("is_ranked"))
st.subheader(f"{group_labels[peer]} · {metric.label} · {period['period_label']}")
if ranked_rows.height == 0:
    components.empty_state(
        f"Không đơn vị nào trong nhóm có từ {min_volume} hồ sơ trở lên cho chỉ số này trong kỳ, "
        "nên chưa xếp hạng."
    )
else:
    median = ranked_rows["peer_median"][0]
    met = None if target_value is None else ranked_rows.filter(
        pl.col("value") >= target_value if metric.higher_is_better else pl.col("value") <= target_value
    ).height
    st.markdown(
        f"**{ranked_rows.height}** đơn vị được xếp hạng · trung vị của nhóm **{fmt.metric_value(metric, median)}**"
        + ("" if target_value is None else
           f" · chỉ tiêu {fmt.metric_value(metric, target_value)}: **{met}** đạt, "
           f"**{ranked_rows.height - met}** chưa đạt")
    )
    st.plotly_chart(components.ranking_chart(ranked, metric, target_value), key="ranking_chart")

    table = ranked_rows.select(
        pl.col("rank").alias("Hạng"),
        pl.col("agency_name").alias("Cơ quan, đơn vị"),
        pl.col("value").map_elements(lambda v: fmt.metric_value(metric, v), return_dtype=pl.String).alias(metric.label),
        pl.col("volume").map_elements(fmt.number, return_dtype=pl.String).alias("Số hồ sơ tính chỉ số"),
        pl.col("finished_late").map_elements(fmt.number, return_dtype=pl.String).alias("Hồ sơ trễ hạn"),
    )
    st.html(components.html_table(table, numeric=("Hạng", metric.label, "Số hồ sơ tính chỉ số", "Hồ sơ trễ hạn")))

unranked = ranked.filter(~pl.col("is_ranked"))
if unranked.height:
    with st.expander(f"{unranked.height} đơn vị chưa đủ {min_volume} hồ sơ nên không xếp hạng"):
        st.caption("Với ít hồ sơ, một hồ sơ trễ làm tỷ lệ thay đổi rất lớn; xếp hạng sẽ không công bằng.")
        st.html(components.html_table(
            unranked.select(
                pl.col("agency_name").alias("Cơ quan, đơn vị"),
                pl.col("value").map_elements(lambda v: fmt.metric_value(metric, v), return_dtype=pl.String).alias(metric.label),
                pl.col("volume").map_elements(fmt.number, return_dtype=pl.String).alias("Số hồ sơ"),
            ),
            numeric=(metric.label, "Số hồ sơ"),
        ))
