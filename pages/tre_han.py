"""Hồ sơ trễ hạn: the late dossiers of a period for a peer group or an agency, and the open
dossiers falling due in the next working days, with an Excel download (docs/notes/late.md)."""

import polars as pl
import streamlit as st

from ui.bootstrap import bootstrap

meta = bootstrap("Hồ sơ trễ hạn")

from ui import components, data, fmt, listing, state  # noqa: E402
from warehouse import queries_late as ql  # noqa: E402

ALL = "all"
DAY_CHOICES = ["3", "5", "10"]


get = data.getter("queries_late")

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
        listing.show(listing.late_listing(rows, with_agency=True), ("Số ngày làm việc trễ",),
                     f"Xếp theo số ngày làm việc trễ; hồ sơ chưa kết thúc tính đến {fmt.date(period['eval_date'])}.",
                     cut, ql.LIMIT, f"ho_so_tre_han_{key}.xlsx", "Đã trễ hạn")

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
        listing.show(listing.due_soon_listing(soon, with_agency=True), ("Còn (ngày làm việc)",),
                     "Hồ sơ chưa kết thúc, chưa quá hạn, không chờ bổ sung; xếp theo ngày hẹn trả gần nhất.",
                     cut, ql.LIMIT, f"ho_so_sap_den_han_{days}_ngay.xlsx", "Sắp đến hạn")
