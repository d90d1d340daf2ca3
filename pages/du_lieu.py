"""Dữ liệu: which warehouse build is served, how fresh it is, and what was loaded."""

import polars as pl
import streamlit as st

from ui import data, fmt
from ui.bootstrap import bootstrap

meta = bootstrap("Dữ liệu")
st.title("Dữ liệu")

counts = data.get("warehouse_counts").row(0, named=True)
c = st.columns(4)
c[0].metric("Hồ sơ trong kho", fmt.number(counts["dossiers"]))
c[1].metric("Hồ sơ được tính (trừ bị từ chối, chưa tiếp nhận)", fmt.number(counts["counted_dossiers"]))
c[2].metric("Cơ quan, đơn vị", fmt.number(counts["agencies"]))
c[3].metric("Mã đơn vị chưa xác minh", fmt.number(counts["unverified_agencies"]))
st.markdown(
    f"- Số liệu đến ngày: **{fmt.date(meta.get('as_of'))}**; hồ sơ tiếp nhận gần nhất: "
    f"**{fmt.date(counts['last_received'])}**\n"
    f"- Phiên bản kho: `{data.build_id()}`, tạo lúc {meta.get('built_at', '—').replace('T', ' ')}\n"
    f"- Danh mục đơn vị hành chính: {fmt.number(counts['units'])} đơn vị (hai cấp trước và sau 01/07/2025)"
)

st.subheader("Lịch sử nạp dữ liệu")
log = data.get("load_log")
if log.height == 0:
    st.info("Chưa có lần nạp dữ liệu nào.")
else:
    st.dataframe(
        log.select(
            pl.col("started_at").dt.strftime("%d/%m/%Y %H:%M").alias("Bắt đầu"),
            pl.col("kind").alias("Loại"),
            pl.col("source").alias("Nguồn"),
            pl.col("rows_loaded").map_elements(fmt.number, return_dtype=pl.String).alias("Bản ghi đã nạp"),
            pl.col("rows_rejected").map_elements(fmt.number, return_dtype=pl.String).alias("Bản ghi bị loại"),
            pl.col("status").alias("Trạng thái"),
        ),
        hide_index=True, width="stretch",
    )
