"""Chỉ số 766: the scores the national portal publishes beside ours. The province among the 34, its
departments and communes against the score computed from our dossiers with the likely cause of each
large difference, and the running month's early estimate (docs/chi_so_766.md)."""

import polars as pl
import streamlit as st

from ui import components, data, state
from ui import published_parts as parts
from ui.bootstrap import bootstrap
from warehouse import fmt
from warehouse.queries_published import SCOPE_LABELS

get = data.getter("queries_published")
get_766 = data.getter("queries_766")

meta = bootstrap("Chỉ số 766")
st.title("Chỉ số 766 do Cổng Dịch vụ công quốc gia công bố")

loaded = get("periods")
if loaded.height == 0:
    components.empty_state("Kho dữ liệu chưa có điểm Bộ chỉ số 766 do Cổng Dịch vụ công quốc gia công bố. "
                           + parts.LOAD_HINT)
    st.stop()

c1, c2 = st.columns(2)
scopes = [s for s in SCOPE_LABELS if s in set(loaded["scope"].to_list())]
scope = state.select("Loại kỳ", scopes, "pham_vi", format_func=SCOPE_LABELS.get, container=c1)
keys = loaded.filter(pl.col("scope") == scope)["period_key"].to_list()
key = state.select("Kỳ công bố", keys, "thang", format_func=lambda k: parts.period_label(scope, k),
                   container=c2)
label = parts.period_label(scope, key)
period_row = loaded.filter((pl.col("scope") == scope) & (pl.col("period_key") == key)).row(0, named=True)

# --- 1. the province among the 34 -----------------------------------------------------------------
st.subheader(f"1. Tỉnh trong các tỉnh, thành phố · {label}")
standing = get("province_standing", scope, key)
if standing is None:
    components.empty_state(f"{label}: chưa có bảng điểm các tỉnh, thành phố (hoặc tỉnh của kho dữ liệu "
                           "không có trong bảng). " + parts.LOAD_HINT)
else:
    m1, m2, m3 = st.columns(3)
    m1.metric(standing["portal_name"], parts.rank_text(standing), border=True)
    m2.metric("Tổng điểm", parts.points(standing["total_points"]), border=True)
    m3.metric("Trung vị các tỉnh", parts.points(standing["median_total"]), border=True,
              help=f"Đứng đầu: {standing['best_name']} với {parts.points(standing['best_total'])} điểm")
    groups = get("province_groups", scope, key)
    left, right = st.columns([3, 2])
    with left:
        st.html(components.html_table(
            parts.province_groups_table(groups),
            numeric=("Tối đa", "Tỉnh ta", "Tỉnh đứng đầu", "Trung vị các tỉnh", "So với trung vị"),
            caption=f"Sáu nhóm chỉ số · tỉnh đứng đầu: {standing['best_name']}"))
    with right:
        st.plotly_chart(parts.province_groups_chart(groups, standing["best_name"]), key="province_groups")
    st.caption(parts.source_note(bool(period_row["agencies_simulated"])))
    trend = get("province_trend", scope)
    if trend.height > 1:
        st.plotly_chart(parts.trend_chart(trend), key="province_trend")
    else:
        st.caption("Mới có một kỳ được nạp: biểu đồ theo tháng hiện khi có từ hai kỳ trở lên.")

# --- 2. departments and communes: published beside ours ------------------------------------------
st.subheader(f"2. Sở, ban, ngành và xã, phường: điểm công bố và điểm tính từ hồ sơ · {label}")
compared = get("agency_comparison", scope, key)
if compared.height == 0:
    components.empty_state(f"{label}: chưa có điểm công bố của các sở, ban, ngành và xã, phường của tỉnh. "
                           + parts.LOAD_HINT)
else:
    group_table = get_766("groups")
    codes = dict(zip(group_table["group_key"].to_list(), group_table["portal_code"].to_list()))
    differ = compared.filter(pl.col("cause_code").is_not_null())
    unmatched = compared.filter(pl.col("agency_code").is_null()).height
    st.markdown(
        f"**{fmt.number(compared.height)}** cơ quan, đơn vị được Cổng chấm điểm · "
        f"**{fmt.number(compared.height - differ.height)}** có điểm tính từ hồ sơ trùng với điểm công bố · "
        f"**{fmt.number(differ.height - unmatched)}** chênh lệch · **{fmt.number(unmatched)}** chưa khớp"
    )
    if scope == "year_to_date":
        st.caption("Lũy kế năm được so với điểm cả năm tính từ hồ sơ: khi dữ liệu của ta chạy quá tháng "
                   "Cổng công bố, hai bên khác khoảng thời gian (xem nguyên nhân).")
    windows = compared.filter(pl.col("window_differs"))
    if windows.height:
        first = windows.row(0, named=True)
        st.caption(f"Khác khoảng thời gian: điểm tính từ hồ sơ tính đến {fmt.date(first['our_until'])}, "
                   f"Cổng tính đến {fmt.date(first['published_until'])}.")
    st.dataframe(parts.comparison_table(compared, codes), hide_index=True, width="stretch",
                 key="comparison")
    st.caption("Chênh lệch = điểm tính từ hồ sơ − điểm công bố; "
               + ", ".join(f"{code}: {lbl}" for code, lbl in
                           zip(group_table["portal_code"].to_list(), group_table["group_label"].to_list()))
               + ". Bấm tiêu đề cột để sắp xếp.")
    lines = parts.cause_lines(compared)
    if lines:
        st.markdown("**Chênh lệch lớn nhất và nguyên nhân có thể**")
        st.markdown("\n".join(f"- {line}" for line in lines))
    matched = compared.filter(pl.col("agency_code").is_not_null())
    if matched.height:
        with st.expander("Chi tiết sáu nhóm của một cơ quan, đơn vị"):
            names = matched["portal_name"].to_list()
            chosen = st.selectbox("Cơ quan, đơn vị", names, key="agency_detail")
            row = matched.filter(pl.col("portal_name") == chosen).row(0, named=True)
            st.html(components.html_table(
                parts.agency_groups_table(row, group_table),
                numeric=("Tối đa", "Điểm công bố", "Điểm tính từ hồ sơ", "Chênh lệch")))

# --- 3. the running month -------------------------------------------------------------------------
running = get("running_month")
if running["month"] is not None:
    month_label = parts.period_label("month", running["month"])
    st.subheader(f"3. Tháng đang diễn ra: ước tính sớm · {month_label}")
    last = running["last_published"]
    if last is not None and last >= running["month"]:
        st.caption(f"Cổng đã công bố điểm {parts.period_label('month', last)}: không còn gì để ước tính.")
    else:
        estimates = get("running_estimates", running["month"], last)
        if estimates.height == 0:
            components.empty_state(f"{month_label}: chưa có điểm tính từ hồ sơ.")
        else:
            st.dataframe(parts.estimates_table(estimates), hide_index=True, width="stretch", key="estimates")
            st.caption(
                f"Điểm tính từ hồ sơ đến ngày {fmt.date(running['as_of'])}: ước tính sớm điểm Cổng sẽ "
                "công bố cho tháng này, chưa phải điểm công bố. Hồ sơ còn được giải quyết, đánh giá đến "
                "hết tháng nên điểm còn thay đổi; chênh lệch giữa điểm công bố và điểm tính từ hồ sơ của "
                "tháng gần nhất cho thấy mức sai lệch có thể có."
                + ("" if last is None else f" Tháng công bố gần nhất: {parts.period_label('month', last)}.")
            )
