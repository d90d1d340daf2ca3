"""Theo địa bàn: drill-down from the province to old districts (until 30/06/2025), communes, fields,
procedures and the dossiers themselves, with a breadcrumb back up (docs/drill.md).

Every view is in the URL: the period (ky, ma_ky) and the drill keys pb, cap, ma, don_vi, linh_vuc,
thu_tuc. A click on a bar, a dot of the map, a table row or the "Xem chi tiết" list opens a child.
"""

import datetime as dt
from functools import partial
from urllib.parse import urlencode

import polars as pl
import streamlit as st
from streamlit.errors import StreamlitAPIException

from ui.bootstrap import bootstrap

meta = bootstrap("Theo địa bàn")

from ui import auth, components, data, drill_data, state  # noqa: E402
from ui import drill_parts as dp  # noqa: E402
from warehouse import fmt  # noqa: E402
from warehouse.metrics import METRICS  # noqa: E402
from warehouse.queries_drill import LIMIT, STATE_LABELS, STATUS_LABELS  # noqa: E402

units = data.getter("queries_units")
drill = data.getter("queries_drill")
REORGANISED = dt.date(2025, 7, 1)
ON_TIME = METRICS["on_time_rate"]
CHILDREN_HEADING = {
    "province": "Toàn tỉnh gồm: sở, ngành, cơ quan Trung ương, cấp huyện và cấp xã",
    "province_after": "Toàn tỉnh gồm: sở, ngành, cơ quan Trung ương và cấp xã",
    "district": "Huyện gồm: UBND huyện và các xã",
    "commune": "Theo lĩnh vực",
    "agency": "Theo lĩnh vực",
    "field": "Theo thủ tục",
}
LISTED = ("commune", "agency", "field", "procedure")


# ----------------------------------------------------------------------------- click handlers

def open_point(widget_key: str, parent: dp.Node) -> None:
    child = dp.picked_point(widget_key)
    if child:
        dp.navigate(dp.child_params(parent, child))


def open_row(widget_key: str, parent: dp.Node, ids: list[str]) -> None:
    row = dp.picked_row(widget_key)
    if row is not None and row < len(ids):
        dp.navigate(dp.child_params(parent, ids[row]))


def open_choice(widget_key: str, parent: dp.Node) -> None:
    child = st.session_state.get(widget_key)
    if child:
        dp.navigate(dp.child_params(parent, child))


def page_link(page: str, label: str, params: dict) -> None:
    try:
        st.page_link(page, label=label, query_params=params, icon=":material/open_in_new:")
    except StreamlitAPIException:
        # run alone (AppTest) the page knows no other page: a plain link instead
        st.markdown(f"[{label}](/{page.removeprefix('pages/').removesuffix('.py')}?{urlencode(params)})")


# ----------------------------------------------------------------------------- the screen

st.title("Theo địa bàn")
st.caption("Từ toàn tỉnh xuống huyện (đến 30/06/2025), xã, lĩnh vực, thủ tục và từng hồ sơ. "
           "Bấm vào một thanh, một điểm trên bản đồ, một dòng của bảng hoặc chọn trong danh sách "
           "«Xem chi tiết» để đi xuống; bấm vào một mục của dòng đường dẫn để quay lên.")

period = components.period_picker(data.get)
if period is None:
    components.empty_state("Kho dữ liệu chưa có hồ sơ nào, nên chưa có gì để xem theo địa bàn.")
    st.stop()
kind, key, period_label = period["period_kind"], period["period_key"], period["period_label"]

look = dp.Lookups(
    unit=lambda version, level, code: drill("unit_info", version, level, code),
    agency=lambda code: drill("agency_info", code),
    field=lambda code: drill("field_name", code),
    procedure=lambda code: drill("procedure_name", code),
)
path, problem = dp.resolve({k: st.query_params.get(k) for k in dp.DRILL_KEYS}, units("province_unit"), look)
dp.breadcrumb(path)
if problem:
    components.empty_state(problem)
    dp.back_button(path)
    st.stop()
node = path[-1]
dp.navigate(node.params)  # the URL names the node the way a click would: keys that do not apply go

level_targets = data.get("level_targets", period["year"]).filter(pl.col("kpi") == ON_TIME.key)
targets = dict(zip(level_targets["agency_level"].to_list(), level_targets["target_value"].to_list()))
comparators = dict(zip(level_targets["agency_level"].to_list(), level_targets["comparator"].to_list()))
if "province" in targets:
    targets = {lvl: targets.get(lvl, targets["province"]) for lvl in dp.TARGET_LEVELS}
    comparators = {lvl: comparators.get(lvl, comparators["province"]) for lvl in dp.TARGET_LEVELS}
target = targets.get(node.level)

st.subheader(f"{node.title} · {period_label}")
spans_july = period["start_date"] < REORGANISED <= period["end_date"]
# a period that starts after the reorganisation: its views lead with the units that existed in it
after_july = period["start_date"] >= REORGANISED
notes = []
if period["eval_date"] < period["end_date"]:
    notes.append("Kỳ chưa kết thúc: hồ sơ đang giải quyết được đánh giá tại ngày "
                 f"{fmt.date(period['eval_date'])}.")
if node.kind == "province" and spans_july:
    notes.append("Kỳ này trải qua ngày 01/07/2025: toàn tỉnh gồm các huyện (hồ sơ của UBND huyện, xã cũ) "
                 "và các xã mới (từ 01/07/2025); mỗi hồ sơ thuộc đúng một đơn vị nên không tính trùng.")
if node.kind == "district" and period["start_date"] >= REORGANISED:
    notes.append("Từ 01/07/2025 không còn cấp huyện: số liệu của huyện trong kỳ này chỉ gồm hồ sơ các UBND "
                 "cũ còn giải quyết tiếp.")
for note in notes:
    st.caption(note)

row = drill_data.node_row(node, kind, key)
if row is None or not (drill_data.received(row) or row["finished"]):
    hint = ""
    if node.unit and node.unit[0] == 2 and node.kind == "commune" and period["end_date"] < REORGANISED:
        hint = " Xã theo danh mục mới chỉ có từ 01/07/2025; hãy chọn một kỳ từ tháng 7/2025."
    elif node.kind in ("district", "commune") and node.unit[0] == 1 and period["start_date"] >= REORGANISED:
        hint = " Huyện, xã theo danh mục cũ chỉ có số liệu đến 30/06/2025 (và hồ sơ còn chuyển qua sau đó)."
    if node.kind == "province" and not data.get("warehouse_counts")["counted_dossiers"][0]:
        components.empty_state("Kho dữ liệu chưa có hồ sơ nào, nên chưa có gì để xem theo địa bàn.")
        st.stop()
    components.empty_state(f"{node.title}: không có hồ sơ nào trong {period_label}.{hint}")
    if len(path) > 1:
        dp.back_button(path[:-1])
    st.stop()

# headline figures of the node
cards = st.columns([1, 1, 1.35, 1, 1.15])
cards[0].metric("Nhận giải quyết", fmt.number(drill_data.received(row)), border=True,
                help="Hồ sơ kỳ trước chuyển qua và hồ sơ mới tiếp nhận trong kỳ")
cards[1].metric("Đã giải quyết", fmt.number(row["finished"]), border=True)
components.kpi_card(cards[2], ON_TIME, row["on_time_rate"], None,
                    None if target is None
                    else {"comparator": comparators[node.level], "target_value": target})
cards[3].metric("Giải quyết quá hạn", fmt.number(row["finished_late"]), border=True)
cards[4].metric("Đang giải quyết quá hạn", fmt.number(row["in_progress_overdue"]), border=True)
st.caption(f"Kỳ trước chuyển qua {fmt.number(row['carried_over'])} · mới tiếp nhận "
           f"{fmt.number(row['received_new'])} (trực tuyến {fmt.number(row['received_online'])}) · đang giải "
           f"quyết {fmt.number(row['in_progress'])}.")

if node.kind == "agency":
    link_params = {"don_vi": node.agency, "ky": kind, "ma_ky": key}
    with st.container(horizontal=True):
        page_link("pages/co_quan.py", "Trang của cơ quan này", link_params)
        page_link("pages/tre_han.py", "Hồ sơ trễ hạn của cơ quan", link_params)
if node.kind == "commune":
    members = drill("unit_agencies", *node.unit)
    st.caption("Gồm: " + "; ".join(members["agency_name"].to_list()) + ".")
    if members.height > 1:
        with st.container(horizontal=True):
            for code, name in members.select("agency_code", "agency_name").iter_rows():
                st.button(name, key=f"member_{code}", on_click=dp.navigate,
                          args=(node.params | {"don_vi": code},))

# the children: ranked, as parts of the whole, on the map, as a table
children = (dp.children_rows(drill_data.raw_children(node, kind, key), node) if node.kind != "procedure"
            else pl.DataFrame())
if children.height:
    nk = dp.node_key(node)
    heading_key = "province_after" if node.kind == "province" and after_july else node.kind
    st.markdown(f"#### {CHILDREN_HEADING[heading_key]}")
    ids = children["child_id"].to_list()
    labels = dict(zip(ids, children["label"].to_list()))
    pick_key = f"pick_{nk}"
    st.selectbox("Xem chi tiết", sorted(ids, key=lambda i: labels[i]), index=None, key=pick_key,
                 format_func=labels.get, placeholder="Chọn để xem chi tiết…",
                 on_change=open_choice, args=(pick_key, node))

    ranked = children.filter(pl.col("on_time_rate").is_not_null())
    groups = [g for g in dp.group_order(after_july) if g in set(children["group"].to_list())]
    # after the reorganisation the old districts appear only while they finish their last dossiers: a
    # tab of theirs with nothing finished in the period is left out (their rows stay in the table)
    tab_groups = [g for g in groups if not (after_july and g == "district"
                                            and ranked.filter(pl.col("group") == g).height == 0)]
    if after_july and "district" in groups:
        st.caption("Cấp huyện đã thôi hoạt động từ 01/07/2025: các địa bàn huyện cũ chỉ còn hồ sơ của UBND "
                   "huyện, xã cũ chuyển qua giải quyết tiếp, nên được xếp sau cùng.")
    st.markdown(f"**{ON_TIME.label}** · xếp từ cao xuống thấp; xanh: đạt chỉ tiêu, đỏ: chưa đạt, "
                "vạch xám: chỉ tiêu")
    if ranked.height == 0:
        components.empty_state("Chưa có hồ sơ nào được giải quyết trong kỳ, nên chưa có tỷ lệ đúng hạn "
                               "để xếp.")
    elif node.kind == "province" and len(tab_groups) > 1:
        counts = {g: children.filter(pl.col("group") == g).height for g in tab_groups}
        # the open tab is in the URL (nhom=…) and kept for the session; a period opens on its own level
        _, tabs = state.tabs({g: f"{dp.GROUP_LABELS.get(g, g)} ({counts[g]})" for g in tab_groups}, "nhom",
                             default=tab_groups[0])
        for tab, group in zip(tabs, tab_groups):
            part = ranked.filter(pl.col("group") == group)
            with tab:
                if part.height == 0:
                    components.empty_state("Chưa có hồ sơ nào được giải quyết trong kỳ.")
                    continue
                bar_key = f"bars_{nk}_{group}"
                st.plotly_chart(dp.children_bars(part, targets), key=bar_key, on_select=partial(
                    open_point, bar_key, node), selection_mode="points")
    else:
        bar_key = f"bars_{nk}"
        st.plotly_chart(dp.children_bars(ranked, targets), key=bar_key,
                        on_select=partial(open_point, bar_key, node), selection_mode="points")
    unfinished = children.height - ranked.height
    if unfinished:
        st.caption(f"{fmt.number(unfinished)} mục chưa có hồ sơ giải quyết trong kỳ nên không có trên "
                   "biểu đồ xếp hạng (vẫn có trong bảng).")

    placed = pl.DataFrame()
    if node.kind in ("province", "district"):
        centroids = drill("unit_centroids").with_columns(
            pl.format("u:{}:{}:{}", "hierarchy_version", "unit_level", "unit_code").alias("child_id"))
        placed = children.join(centroids.select("child_id", "lat", "lon"), on="child_id", how="inner")
    st.markdown("**Tỷ trọng hồ sơ** · ô càng lớn càng nhiều hồ sơ, màu theo tỷ lệ đúng hạn")
    st.plotly_chart(dp.children_treemap(children, dp.short(node.label, 30), target), key=f"treemap_{nk}")
    if placed.height:
        # full width: an elongated province needs the room, and half a page made the dots a pile
        st.markdown("**Bản đồ vị trí** · mỗi điểm là tâm một đơn vị hành chính (không vẽ ranh giới), "
                    "điểm càng lớn càng nhiều hồ sơ, ghi tên các đơn vị chưa đạt chỉ tiêu; "
                    "bấm vào một điểm để xem chi tiết")
        map_key = f"map_{nk}"
        st.plotly_chart(dp.centroid_map(placed, target), key=map_key,
                        on_select=partial(open_point, map_key, node), selection_mode="points")
        if node.kind == "province":
            st.caption("Sở, ban, ngành và cơ quan Trung ương phục vụ cả tỉnh nên không có trên bản đồ.")

    table = children.select(
        *([pl.col("group").replace_strict(dp.GROUP_LABELS, default=pl.col("group")).alias("Nhóm")]
          if len(groups) > 1 else []),
        pl.col("label").alias("Tên"),
        components.text_col("received", "Nhận giải quyết"),
        components.text_col("finished", "Đã giải quyết"),
        pl.col("on_time_rate").map_elements(fmt.percent, return_dtype=pl.String).fill_null(fmt.EMPTY)
        .alias(ON_TIME.label),
        components.text_col("finished_late", "Giải quyết quá hạn"),
        components.text_col("in_progress_overdue", "Đang quá hạn"),
    )
    table_key = f"table_{nk}"
    st.markdown("**Bảng số liệu** · bấm vào một dòng để xem chi tiết")
    st.dataframe(table, hide_index=True, key=table_key, on_select=partial(open_row, table_key, node, ids),
                 selection_mode="single-row", height=min(38 + 35 * table.height, 460))
elif node.kind != "procedure":
    components.empty_state(f"{node.title}: chưa có số liệu chi tiết hơn trong {period_label}.")

# the dossiers themselves, below a commune or an agency
if node.kind in LISTED:
    st.markdown("#### Hồ sơ")
    # an agency head sees his own agency's dossiers only, a viewer none: refused in words
    listing = auth.dossiers(lambda: drill("dossiers", kind, key, node.agency,
                                          None if node.agency else node.unit,
                                          node.field, node.procedure, LIMIT + 1))
    if listing is None:
        st.stop()
    cut = listing.height > LIMIT
    listing = listing.head(LIMIT)
    many_agencies = listing["agency_code"].n_unique() > 1
    show = listing.select(
        pl.col("dossier_id").alias("Mã hồ sơ"),
        *([pl.col("agency_name").alias("Cơ quan, đơn vị")] if many_agencies else []),
        *([pl.col("procedure_name").fill_null(fmt.EMPTY).alias("Thủ tục")]
          if node.kind != "procedure" else []),
        *([pl.col("field_name").fill_null(fmt.EMPTY).alias("Lĩnh vực")] if node.kind in ("commune", "agency")
          else []),
        components.text_col("received_date", "Tiếp nhận", "date"),
        components.text_col("due_date", "Hẹn trả", "date"),
        components.text_col("end_date", "Kết thúc", "date"),
        pl.col("status").replace_strict(STATUS_LABELS, default=None, return_dtype=pl.String)
        .fill_null(fmt.EMPTY).alias("Trạng thái"),
        pl.col("period_state").replace_strict(STATE_LABELS, default=None, return_dtype=pl.String)
        .fill_null(fmt.EMPTY).alias("Trong kỳ"),
        pl.when(pl.col("is_late")).then(pl.lit("Trễ hạn")).otherwise(pl.lit("")).alias("Trễ hạn"),
    )
    caption = (f"{fmt.number(drill_data.received(row))} hồ sơ nhận giải quyết trong kỳ (kỳ trước chuyển "
               "qua và mới tiếp nhận); hồ sơ trễ hạn xếp trước, rồi theo ngày tiếp nhận. Không có thông tin "
               "cá nhân của người nộp.")
    with st.container(height=520 if show.height > 14 else "content"):
        st.html(components.html_table(show, caption=caption))
    if cut:
        st.caption(f"Chỉ hiện {fmt.number(LIMIT)} hồ sơ đầu; hãy chọn một lĩnh vực, một thủ tục hoặc một kỳ "
                   "ngắn hơn để xem đủ.")
