"""Dossier listings shared by the late-dossier page and an agency's own page: the columns in
Vietnamese, the first rows on screen, and the whole listing as an Excel file."""

from __future__ import annotations

import io

import polars as pl
import streamlit as st

from etl.report import escape_text
from ui import components, fmt

EXCEL_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SHOWN_ROWS = 200   # rows drawn on screen: a few thousand rows of HTML take a second to draw; Excel has all


def _agency(with_agency: bool) -> list[pl.Expr]:
    return [pl.col("agency_name").fill_null(pl.col("agency_code")).alias("Cơ quan, đơn vị")] if with_agency else []


def late_listing(rows: pl.DataFrame, with_agency: bool = False) -> pl.DataFrame:
    """queries_late.late_dossiers rows as people read them."""
    text = components.text_col
    return rows.select(
        pl.col("dossier_id").alias("Mã hồ sơ"),
        *_agency(with_agency),
        pl.col("procedure_name").fill_null(fmt.EMPTY).alias("Thủ tục"),
        pl.col("field_name").fill_null(fmt.EMPTY).alias("Lĩnh vực"),
        text("received_date", "Tiếp nhận", "date"),
        text("due_date", "Hẹn trả", "date"),
        text("end_date", "Kết thúc", "date"),
        text("late_workdays", "Số ngày làm việc trễ"),
        pl.when(pl.col("late_state") == "finished_late").then(pl.lit("Đã kết thúc, trễ hạn"))
        .otherwise(pl.lit("Chưa kết thúc, quá hạn")).alias("Tình trạng"),
        pl.when(pl.col("apology_issued")).then(pl.lit("Đã gửi")).otherwise(pl.lit("Chưa gửi"))
        .alias("Thư xin lỗi"),
        pl.col("department").fill_null(fmt.EMPTY).alias("Bộ phận giữ hồ sơ"),
    )


def due_soon_listing(rows: pl.DataFrame, with_agency: bool = False) -> pl.DataFrame:
    """queries_late.due_soon rows as people read them."""
    text = components.text_col
    return rows.select(
        pl.col("dossier_id").alias("Mã hồ sơ"),
        *_agency(with_agency),
        pl.col("procedure_name").fill_null(fmt.EMPTY).alias("Thủ tục"),
        pl.col("field_name").fill_null(fmt.EMPTY).alias("Lĩnh vực"),
        text("received_date", "Tiếp nhận", "date"),
        text("due_date", "Hẹn trả", "date"),
        pl.when(pl.col("workdays_left") == 0).then(pl.lit("Hôm nay"))
        .otherwise(pl.col("workdays_left").map_elements(fmt.number, return_dtype=pl.String))
        .alias("Còn (ngày làm việc)"),
    )


def excel_bytes(frame: pl.DataFrame, sheet: str) -> bytes:
    """The listing as .xlsx; every text cell that a spreadsheet would run as a formula escaped."""
    safe = frame.with_columns(
        pl.col(c).map_elements(escape_text, return_dtype=pl.String)
        for c, t in frame.schema.items() if t == pl.String
    )
    buffer = io.BytesIO()
    safe.write_excel(buffer, worksheet=sheet, autofit=True)
    return buffer.getvalue()


def show(frame: pl.DataFrame, numeric: tuple[str, ...], caption: str, cut: bool, limit: int,
         file_name: str, sheet: str) -> None:
    """The first SHOWN_ROWS rows on screen and the whole listing as an Excel file, written only when
    the button is clicked (a few thousand rows take a third of a second)."""
    shown = frame.head(SHOWN_ROWS)
    with st.container(height=520 if shown.height > 14 else "content"):
        st.html(components.html_table(shown, numeric=numeric, caption=caption))
    notes = []
    if frame.height > SHOWN_ROWS:
        notes.append(f"Trên màn hình là {fmt.number(SHOWN_ROWS)} hồ sơ đầu; tệp Excel có đủ "
                     f"{fmt.number(frame.height)} hồ sơ.")
    if cut:
        notes.append(f"Danh sách dừng ở {fmt.number(limit)} hồ sơ; hãy chọn một đơn vị hoặc một kỳ ngắn hơn "
                     "để xem đủ.")
    if notes:
        st.caption(" ".join(notes))
    st.download_button("Tải danh sách (Excel)", data=lambda: excel_bytes(frame, sheet), file_name=file_name,
                       mime=EXCEL_MIME, key=f"excel_{sheet}")
