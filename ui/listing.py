"""Dossier listings shared by the late-dossier page and an agency's own page: the columns in
Vietnamese, the first rows on screen, and the whole listing as an Excel file."""

from __future__ import annotations

import io

import polars as pl
import streamlit as st

from ui import components
from warehouse import fmt, xlsx_layout

EXCEL_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
NO_SLIP_DATA = "Không có dữ liệu"
SHOWN_ROWS = 200   # rows drawn on screen: a few thousand rows of HTML take a second to draw; Excel has all


def _agency(with_agency: bool) -> list[pl.Expr]:
    if not with_agency:
        return []
    return [pl.col("agency_name").fill_null(pl.col("agency_code")).alias("Cơ quan, đơn vị")]


def ceased_note(ended_on, agency: str | None, successor: str | None) -> str | None:
    """'UBND xã Lê Lợi, Thị xã Quảng Yên đã giải thể (hoạt động đến hết ngày 30/06/2025); kế thừa:
    UBND phường Quảng Yên, Tỉnh Quảng Ninh' for a dossier still open under an agency that had ceased
    (docs/integrity.md). The old agency with its district, the successor with its province: commune
    names repeat."""
    if ended_on is None:
        return None
    return (f"{agency or 'Cơ quan'} đã giải thể (hoạt động đến hết ngày {fmt.date(ended_on)}); "
            + (f"kế thừa: {successor}" if successor else "chưa xác định được cơ quan kế thừa"))


def _ceased(rows: pl.DataFrame) -> list[pl.Expr]:
    """A 'Ghi chú' column when some dossier on the list is still open under an agency that had ceased
    (queries_late's agency_ended_on, successor_name); none otherwise."""
    if "agency_ended_on" not in rows.columns or rows["agency_ended_on"].is_null().all():
        return []
    return [pl.struct("agency_ended_on", "ceased_agency", "successor_name").map_elements(
        lambda r: ceased_note(r["agency_ended_on"], r["ceased_agency"], r["successor_name"]),
        return_dtype=pl.String)
        .fill_null("").alias("Ghi chú")]


def apology_text(column: str) -> pl.Expr:
    """A late dossier's apology slip: Có, Chưa, or Không có dữ liệu when no loaded source says
    (docs/late.md: a column of the sync file, or a loaded list of slips covering the agency)."""
    return (pl.when(pl.col(column)).then(pl.lit("Có"))
            .when(~pl.col(column)).then(pl.lit("Chưa"))
            .otherwise(pl.lit(NO_SLIP_DATA)))


def apology_sentence(counts: dict) -> str:
    """The late list's slips in words: how many have one, have none, and have no data (no loaded
    source covers them), leaving out the parts that are zero."""
    parts = []
    if counts["apologies"] or counts["no_apology"]:
        parts.append(f"{fmt.number(counts['apologies'])} hồ sơ đã có phiếu xin lỗi, "
                     f"{fmt.number(counts['no_apology'])} hồ sơ chưa có")
    if counts["apology_unknown"]:
        parts.append(f"{fmt.number(counts['apology_unknown'])} hồ sơ không có dữ liệu phiếu xin lỗi")
    return "; ".join(parts) + "."


def _typed(col: str, alias: str, kind: str = "number") -> pl.Expr:
    """The column for the Excel file: dates stay dates and numbers numbers (they sort and sum there;
    the workbook shows them dd/mm/yyyy and 1.234, warehouse/xlsx_layout.py)."""
    return pl.col(col).cast(pl.Date if kind == "date" else pl.Int64).alias(alias)


def late_listing(rows: pl.DataFrame, with_agency: bool = False, typed: bool = False) -> pl.DataFrame:
    """queries_late.late_dossiers rows as people read them; `typed`: for the Excel file."""
    text = _typed if typed else components.text_col
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
        apology_text("apology_issued").alias("Phiếu xin lỗi"),
        # from a loaded list of slips (a vendor's yes/no column carries no dates)
        text("apology_date", "Ngày xin lỗi", "date"),
        text("apology_new_due_date", "Hẹn trả mới", "date"),
        pl.col("department").fill_null(fmt.EMPTY).alias("Bộ phận giữ hồ sơ"),
        *_ceased(rows),
    )


def due_soon_listing(rows: pl.DataFrame, with_agency: bool = False, typed: bool = False) -> pl.DataFrame:
    """queries_late.due_soon rows as people read them; `typed`: for the Excel file (0 days left is 0
    there, "Hôm nay" on screen)."""
    text = _typed if typed else components.text_col
    left = _typed("workdays_left", "Còn (ngày làm việc)") if typed else (
        pl.when(pl.col("workdays_left") == 0).then(pl.lit("Hôm nay"))
        .otherwise(pl.col("workdays_left").map_elements(fmt.number, return_dtype=pl.String))
        .alias("Còn (ngày làm việc)"))
    return rows.select(
        pl.col("dossier_id").alias("Mã hồ sơ"),
        *_agency(with_agency),
        pl.col("procedure_name").fill_null(fmt.EMPTY).alias("Thủ tục"),
        pl.col("field_name").fill_null(fmt.EMPTY).alias("Lĩnh vực"),
        text("received_date", "Tiếp nhận", "date"),
        text("due_date", "Hẹn trả", "date"),
        left,
        *_ceased(rows),
    )


def excel_bytes(frame: pl.DataFrame, sheet: str, title: str | None = None,
                lines: tuple[str, ...] = ()) -> bytes:
    """The listing as .xlsx: a title row (default: the sheet's name) and `lines` (who, the period) above
    the table; dates and numbers as such; every text a spreadsheet would run as a formula escaped."""
    buffer = io.BytesIO()
    xlsx_layout.write_listing(buffer, frame, title or sheet.upper(), list(lines), sheet,
                              wrap=("Thủ tục", "Cơ quan, đơn vị", "Ghi chú"))
    return buffer.getvalue()


def show(frame: pl.DataFrame, numeric: tuple[str, ...], caption: str, cut: bool, limit: int,
         file_name: str, sheet: str, excel, total: int | None = None) -> None:
    """The first SHOWN_ROWS rows on screen and the whole listing as an Excel file, written only when
    the button is clicked (a few thousand rows take a third of a second): `excel()` returns its bytes.

    `frame` may hold only the rows on screen: then `total` says how many the listing has."""
    total = frame.height if total is None else total
    shown = frame.head(SHOWN_ROWS)
    with st.container(height=520 if shown.height > 14 else "content"):
        st.html(components.html_table(shown, numeric=numeric, caption=caption))
    notes = []
    if total > SHOWN_ROWS:
        notes.append(f"Trên màn hình là {fmt.number(SHOWN_ROWS)} hồ sơ đầu; tệp Excel có đủ "
                     f"{fmt.number(min(total, limit))} hồ sơ.")
    if cut:
        notes.append(f"Danh sách dừng ở {fmt.number(limit)} hồ sơ; hãy chọn một đơn vị hoặc một kỳ ngắn hơn "
                     "để xem đủ.")
    if notes:
        st.caption(" ".join(notes))
    from ui import auth

    st.download_button("Tải danh sách (Excel)", data=excel,
                       file_name=file_name, mime=EXCEL_MIME, key=f"excel_{sheet}", on_click=auth.audit_export,
                       args=(file_name,))


DAY_CHOICES = ["3", "5", "10"]


def late_and_due_soon(period: dict, as_of: str | None, who: str, peer: str | None = None,
                      agency: str | None = None) -> None:
    """Two tabs (URL key danh_sach): the dossiers late in the period (of a peer group, an agency, or
    all: `who` names them), and the open dossiers falling due in the next 3, 5 or 10 working days (URL
    key so_ngay), each downloadable as an Excel file that names who and the period, in its name and
    its title rows."""
    from ui import auth, data, state
    from warehouse import queries_late as ql

    get = data.getter("queries_late")
    with_agency = agency is None
    key, label, kind = period["period_key"], period["period_label"], period["period_kind"]
    # the file's name: who (an agency's code too: commune names repeat) and the period, as the report's
    whose = xlsx_layout.file_part(who) + (f"_{agency}" if agency else "")
    when = f"ky_bao_cao_{key}" if kind.startswith("rep_") else key
    dates = f"{label}: từ ngày {fmt.date(period['start_date'])} đến ngày {fmt.date(period['end_date'])}"
    _, (late_tab, soon_tab) = state.tabs({"da_tre_han": "Đã trễ hạn", "sap_den_han": "Sắp đến hạn"},
                                         "danh_sach")
    with late_tab:
        # an agency head sees his own agency's list only, a viewer none: refused in words, no download
        # the rows on screen only: ranking a whole province's year to its first 5.000 costs twice as
        # much (bench/README.md); the file gets them all when its button is clicked
        rows = auth.dossiers(lambda: get("late_dossiers", kind, key, peer, agency, SHOWN_ROWS))
        if rows is None:
            pass
        elif rows.height == 0:
            components.empty_state(f"{who}: không có hồ sơ nào trễ hạn trong {label}.")
        else:
            counts = get("late_summary", kind, key, peer, agency)
            late, finished = counts["late"], counts["finished_late"]
            st.markdown(
                f"**{fmt.number(late)}** hồ sơ trễ hạn · {who} · {label}: {fmt.number(finished)} đã kết "
                f"thúc trễ, {fmt.number(late - finished)} chưa kết thúc và đã quá hạn; "
                f"{apology_sentence(counts)}"
            )
            # the whole list for the file, read on click only (its access checked now, like the rows')
            whole_rows = data.deferred("queries_late", "late_dossiers", kind, key, peer, agency, ql.LIMIT)
            judged = f"hồ sơ chưa kết thúc tính đến {fmt.date(period['eval_date'])}"
            show(late_listing(rows, with_agency), ("Số ngày làm việc trễ",),
                 f"Xếp theo số ngày làm việc trễ; {judged}.",
                 late > ql.LIMIT, ql.LIMIT, f"ho_so_tre_han_{whose}_{when}.xlsx", "Đã trễ hạn", total=late,
                 excel=lambda: excel_bytes(late_listing(whole_rows(), with_agency, typed=True), "Đã trễ hạn",
                                           "DANH SÁCH HỒ SƠ TRỄ HẠN", (who, dates, f"Số ngày trễ: {judged}")))
    with soon_tab:
        days = int(state.select("Đến hạn trong số ngày làm việc tới", DAY_CHOICES, "so_ngay", default="5",
                                format_func=lambda d: f"{d} ngày làm việc"))
        on = fmt.date(as_of) if as_of else "hôm nay"
        soon = auth.dossiers(lambda: get("due_soon", days, peer, agency, ql.LIMIT + 1))
        cut = soon is not None and soon.height > ql.LIMIT
        soon = soon.head(ql.LIMIT) if soon is not None else None
        if soon is None:
            pass
        elif soon.height == 0:
            components.empty_state(f"{who}: không có hồ sơ nào đang giải quyết đến hạn trong {days} ngày làm "
                                   f"việc tới (tính từ {on}).")
        else:
            st.markdown(f"**{fmt.number(soon.height)}** hồ sơ đến hạn trong {days} ngày làm việc tới · "
                        f"{who} · tính từ ngày dữ liệu {on}")
            within = f"Đến hạn trong {days} ngày làm việc tới, tính từ ngày dữ liệu {on}"
            show(due_soon_listing(soon, with_agency), ("Còn (ngày làm việc)",),
                 "Hồ sơ chưa kết thúc, chưa quá hạn, không chờ bổ sung; xếp theo ngày hẹn trả gần nhất.",
                 cut, ql.LIMIT, f"ho_so_sap_den_han_{whose}_{days}_ngay.xlsx", "Sắp đến hạn",
                 excel=lambda: excel_bytes(due_soon_listing(soon, with_agency, typed=True), "Sắp đến hạn",
                                           "DANH SÁCH HỒ SƠ SẮP ĐẾN HẠN", (who, within)))
