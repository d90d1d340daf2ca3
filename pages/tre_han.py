"""Hồ sơ trễ hạn: the late dossiers of a period for a peer group or an agency, and the open
dossiers falling due in the next working days, with an Excel download (docs/late.md)."""

import streamlit as st

from ui.bootstrap import bootstrap

meta = bootstrap("Hồ sơ trễ hạn")

from ui import auth, components, data, listing, state  # noqa: E402

ALL = "all"


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
asked, remembered = st.query_params.get("don_vi"), state.candidate("nhom")
if (state.from_link("don_vi") and asked != ALL and remembered not in (None, ALL)
        and asked not in get("agencies", remembered)["agency_code"].to_list()):
    # a link naming an agency opens that agency, whatever peer group was chosen before
    st.query_params["nhom"] = ALL
c1, c2 = st.columns(2)
peer = state.select("Nhóm đơn vị", list(group_labels), "nhom", format_func=group_labels.get, default=ALL,
                    container=c1)
peer_arg = None if peer == ALL else peer
agency_rows = get("agencies", peer_arg)
agency_names = {ALL: "Tất cả đơn vị trong nhóm"} | dict(
    zip(agency_rows["agency_code"].to_list(), agency_rows["agency_name"].to_list()))
# an agency head opens on his own agency's list (the one list he may see)
agency = state.select("Cơ quan, đơn vị", list(agency_names), "don_vi", format_func=agency_names.get,
                      default=auth.preferred_agency(agency_names) or ALL, container=c2)
agency_arg = None if agency == ALL else agency
who = agency_names[agency] if agency_arg else ("Toàn tỉnh" if peer == ALL else group_labels[peer])

listing.late_and_due_soon(period, meta.get("as_of"), who, peer_arg, agency_arg)
