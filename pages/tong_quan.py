"""Tổng quan: the province against this year's targets, and its trend by month."""

import polars as pl
import streamlit as st

from ui import components, data, fmt
from ui.bootstrap import bootstrap
from warehouse.metrics import HEADLINE, METRICS

meta = bootstrap("Tổng quan")
province = data.get("province_name", meta.get("province_code")) or "Toàn tỉnh"
st.title(f"Tổng quan · {province}")
st.caption(f"Số liệu đến hết ngày {fmt.date(meta.get('as_of'))} · cập nhật lúc {fmt.datetime(meta.get('built_at'))}")

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

st.subheader(f"{period['period_label']} · so với chỉ tiêu kế hoạch năm {period['year']}")
if period["eval_date"] < period["end_date"]:
    st.caption(f"Kỳ chưa kết thúc: hồ sơ đang giải quyết được đánh giá tại ngày {fmt.date(period['eval_date'])}.")
cols = st.columns(3)
for i, key_ in enumerate(HEADLINE):
    m = METRICS[key_]
    components.kpi_card(cols[i % 3], m, summary[key_], previous[key_] if previous else None, targets.get(key_))
if previous:
    st.caption(f"Mũi tên: thay đổi so với {older['period_label'][0]}.")

st.subheader("Số hồ sơ trong kỳ")
c = st.columns(6)
c[0].metric("Kỳ trước chuyển qua", fmt.number(summary["carried_over"]))
c[1].metric("Mới tiếp nhận", fmt.number(summary["received_new"]))
c[2].metric("Đã giải quyết", fmt.number(summary["finished"]))
c[3].metric("Giải quyết quá hạn", fmt.number(summary["finished_late"]))
c[4].metric("Đang giải quyết", fmt.number(summary["in_progress"]))
c[5].metric("Đang quá hạn", fmt.number(summary["in_progress_overdue"]))

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
