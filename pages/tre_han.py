"""Hồ sơ trễ hạn: the late dossiers of a period for a peer group or an agency, and the open
dossiers falling due in the next working days, with an Excel download (docs/notes/late.md)."""

import io

import polars as pl
import streamlit as st

from ui.bootstrap import bootstrap

meta = bootstrap("Hồ sơ trễ hạn")

from etl.report import escape_text  # noqa: E402
from ui import components, data, fmt, state  # noqa: E402
from warehouse import queries_late as ql  # noqa: E402

ALL = "all"
DAY_CHOICES = ["3", "5", "10"]


get = data.getter("queries_late")


text = components.text_col


def excel_bytes(frame: pl.DataFrame, sheet: str) -> bytes:
    """The listing as .xlsx; every text cell that a spreadsheet would run as a formula escaped."""
    safe = frame.with_columns(
        pl.col(c).map_elements(escape_text, return_dtype=pl.String)
        for c, t in frame.schema.items() if t == pl.String
    )
    buffer = io.BytesIO()
    safe.write_excel(buffer, worksheet=sheet, autofit=True)
    return buffer.getvalue()


def show(listing: pl.DataFrame, numeric: tuple[str, ...], caption: str, cut: bool, file_name: str,
         sheet: str) -> None:
    with st.container(height=520 if listing.height > 14 else "content"):
        st.html(components.html_table(listing, numeric=numeric, caption=caption))
    if cut:
        st.caption(f"Chỉ hiện {fmt.number(ql.LIMIT)} hồ sơ đầu tiên; hãy chọn một đơn vị hoặc một kỳ ngắn hơn "
                   "để xem đủ.")
    st.download_button("Tải danh sách (Excel)", data=excel_bytes(listing, sheet), file_name=file_name,
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                       key=f"excel_{sheet}")


st.title("Hồ sơ trễ hạn")
st.caption(
    "Hồ sơ đã trễ hạn trong kỳ (kết thúc sau ngày hẹn trả, hoặc chưa kết thúc mà đã quá hạn), số ngày làm "
    "việc trễ, đã gửi thư xin lỗi chưa, bộ phận giữ hồ sơ (khi có dữ liệu bước xử lý); và hồ sơ sắp đến hạn "
    "để lãnh đạo đôn đốc trước khi trễ."
)

period = components.period_picker(data.get)
if period is None:
    components.empty_state("Kho dữ liệu chưa có hồ sơ nào, nên chưa có danh sách hồ sơ trễ hạn.")
    st.stop()
kind, key, label = period["period_kind"], period["period_key"], period["period_label"]

groups = data.get("peer_groups", kind, key)
group_labels = {ALL: "Tất cả các nhóm"} | dict(
    zip(groups["peer_group"].to_list(), groups["peer_group_label"].to_list()))
c1, c2 = st.columns(2)
peer = state.select("Nhóm đơn vị", list(group_labels), "nhom", format_func=group_labels.get, default=ALL,
                    container=c1)
peer_arg = None if peer == ALL else peer
agency_rows = get("agencies", peer_arg)
agency_names = {ALL: "Tất cả đơn vị trong nhóm"} | dict(
    zip(agency_rows["agency_code"].to_list(), agency_rows["agency_name"].to_list()))
agency = state.select("Cơ quan, đơn vị", list(agency_names), "don_vi", format_func=agency_names.get,
                      default=ALL, container=c2)
agency_arg = None if agency == ALL else agency
who = agency_names[agency] if agency_arg else group_labels[peer]

late_tab, soon_tab = st.tabs(["Đã trễ hạn", "Sắp đến hạn"])

with late_tab:
    rows = get("late_dossiers", kind, key, peer_arg, agency_arg, ql.LIMIT + 1)
    cut = rows.height > ql.LIMIT
    rows = rows.head(ql.LIMIT)
    if rows.height == 0:
        components.empty_state(f"{who}: không có hồ sơ nào trễ hạn trong {label}.")
    else:
        finished = rows.filter(pl.col("late_state") == "finished_late").height
        apologies = rows.filter(pl.col("apology_issued")).height
        st.markdown(
            f"**{fmt.number(rows.height)}** hồ sơ trễ hạn · {who} · {label}: {fmt.number(finished)} đã kết thúc "
            f"trễ, {fmt.number(rows.height - finished)} chưa kết thúc và đã quá hạn; "
            f"{fmt.number(apologies)} hồ sơ đã có thư xin lỗi."
        )
        listing = rows.select(
            pl.col("dossier_id").alias("Mã hồ sơ"),
            pl.col("agency_name").fill_null(pl.col("agency_code")).alias("Cơ quan, đơn vị"),
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
        show(listing, ("Số ngày làm việc trễ",),
             f"Xếp theo số ngày làm việc trễ; hồ sơ chưa kết thúc tính đến {fmt.date(period['eval_date'])}.",
             cut, f"ho_so_tre_han_{key}.xlsx", "Đã trễ hạn")

with soon_tab:
    days = int(state.select("Đến hạn trong số ngày làm việc tới", DAY_CHOICES, "so_ngay", default="5",
                            format_func=lambda d: f"{d} ngày làm việc"))
    as_of = meta.get("as_of")
    on = fmt.date(as_of) if as_of else "hôm nay"
    soon = get("due_soon", days, peer_arg, agency_arg, ql.LIMIT + 1)
    cut = soon.height > ql.LIMIT
    soon = soon.head(ql.LIMIT)
    if soon.height == 0:
        components.empty_state(
            f"{who}: không có hồ sơ nào đang giải quyết đến hạn trong {days} ngày làm việc tới (tính từ {on}).")
    else:
        st.markdown(f"**{fmt.number(soon.height)}** hồ sơ đến hạn trong {days} ngày làm việc tới · {who} · "
                    f"tính từ ngày dữ liệu {on}")
        listing = soon.select(
            pl.col("dossier_id").alias("Mã hồ sơ"),
            pl.col("agency_name").fill_null(pl.col("agency_code")).alias("Cơ quan, đơn vị"),
            pl.col("procedure_name").fill_null(fmt.EMPTY).alias("Thủ tục"),
            pl.col("field_name").fill_null(fmt.EMPTY).alias("Lĩnh vực"),
            text("received_date", "Tiếp nhận", "date"),
            text("due_date", "Hẹn trả", "date"),
            pl.when(pl.col("workdays_left") == 0).then(pl.lit("Hôm nay"))
            .otherwise(pl.col("workdays_left").map_elements(fmt.number, return_dtype=pl.String))
            .alias("Còn (ngày làm việc)"),
        )
        show(listing, ("Còn (ngày làm việc)",),
             "Hồ sơ chưa kết thúc, chưa quá hạn, không chờ bổ sung; xếp theo ngày hẹn trả gần nhất.",
             cut, f"ho_so_sap_den_han_{days}_ngay.xlsx", "Sắp đến hạn")
