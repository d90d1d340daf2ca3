"""The data page's "Tình trạng nhận dữ liệu" section: when each kind of input was last loaded and
which agencies have sent nothing for more than N working days (warehouse/queries_health.py, the same
queries as `python -m etl status`; docs/receiver.md)."""

from __future__ import annotations

import datetime as dt

import polars as pl
import streamlit as st

from ui import components
from warehouse import fmt
from warehouse.queries_health import DEFAULT_SILENT_DAYS, source_stopped

FORMATS = {"envelope": "gói đồng bộ (JSON)", "json": "JSON", "ndjson": "JSON từng dòng", "csv": "CSV",
           "xlsx": "Excel"}
SILENT, NEVER, FINE = "Im lặng", "Chưa từng có dữ liệu", "Đang nhận"


def _when(col: str, alias: str) -> pl.Expr:
    return pl.col(col).map_elements(fmt.datetime, return_dtype=pl.String).fill_null(fmt.EMPTY).alias(alias)


def sources_table(loads: pl.DataFrame, kinds: dict[str, str]) -> pl.DataFrame:
    """One row per kind of input and file format, as text."""
    return loads.select(
        pl.col("kind").replace_strict(kinds, default=pl.col("kind")).alias("Loại dữ liệu"),
        pl.col("file_format").replace_strict(FORMATS, default=pl.col("file_format")).alias("Định dạng"),
        _when("last_load", "Lần nạp gần nhất"),
        components.text_col("files", "Số tệp"),
        components.text_col("rows_loaded", "Bản ghi đã nạp"),
        components.text_col("rows_rejected", "Bản ghi bị loại"),
        components.text_col("unusable_files", "Tệp không dùng được"),
    )


def agencies_table(agencies: pl.DataFrame) -> pl.DataFrame:
    """One row per agency, the silent first, as text."""
    return agencies.select(
        pl.col("agency_name").alias("Cơ quan, đơn vị"),
        pl.when(pl.col("last_seen").is_null()).then(pl.lit(NEVER))
        .when(pl.col("silent")).then(pl.lit(SILENT)).otherwise(pl.lit(FINE)).alias("Tình trạng"),
        components.text_col("last_received", "Hồ sơ tiếp nhận gần nhất", "date"),
        _when("last_loaded", "Lần nạp hồ sơ gần nhất"),
        components.text_col("working_days_silent", "Số ngày làm việc không có dữ liệu"),
    )


def section(get, on: dt.date, kinds: dict[str, str]) -> None:
    """`get` runs a warehouse.queries_health query (ui.data.getter); `on` is the day silence is
    measured up to (today on the page; the data's date for the demo, a snapshot nobody sends to)."""
    silent_days = int(st.number_input(
        "Cảnh báo khi cơ quan không có dữ liệu mới quá (ngày làm việc)", min_value=1, max_value=60,
        value=DEFAULT_SILENT_DAYS, step=1, key="so_ngay_im_lang"))
    st.caption(f"Tính đến ngày {fmt.date(on)}, theo lịch ngày làm việc chính thức. Một cơ quan có dữ liệu "
               "khi có hồ sơ mới tiếp nhận hoặc hồ sơ thay đổi trạng thái được nạp; gửi lại dữ liệu cũ "
               "không tính. Dòng lệnh: `python -m etl status`.")
    loads = get("sources")
    st.markdown("**Theo nguồn dữ liệu**")
    if loads.height == 0:
        components.empty_state("Chưa có lần nạp dữ liệu nào.")
    else:
        st.dataframe(sources_table(loads, kinds), hide_index=True, width="stretch")
    agencies = get("agencies", on, silent_days)
    st.markdown("**Theo cơ quan, đơn vị**")
    if agencies.height == 0:
        components.empty_state("Chưa có cơ quan, đơn vị nào trong kho.")
        return
    silent = agencies.filter(pl.col("silent")).height
    stopped = source_stopped(agencies)
    if stopped is not None:
        st.warning(f"Cả {fmt.number(silent)} cơ quan, đơn vị đều không có dữ liệu mới quá {silent_days} ngày "
                   f"làm việc: kho không nhận hồ sơ tiếp nhận mới nào từ ngày {fmt.date(stopped)}. Kiểm tra "
                   "nguồn gửi dữ liệu (bộ nhận đồng bộ, tệp xuất hằng đêm, lịch chạy `etl watch`) trước khi "
                   "hỏi từng cơ quan.")
    elif silent:
        st.warning(f"{fmt.number(silent)} cơ quan, đơn vị không có dữ liệu mới quá {silent_days} ngày làm "
                   "việc: kiểm tra đồng bộ của hệ thống một cửa hoặc tệp xuất của đơn vị.")
    else:
        st.success(f"Mọi cơ quan, đơn vị đều có dữ liệu mới trong {silent_days} ngày làm việc gần nhất.")
    st.dataframe(agencies_table(agencies), hide_index=True, width="stretch")
