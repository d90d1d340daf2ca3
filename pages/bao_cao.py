"""Báo cáo: the periodic report table (Circular 01/2020/TT-VPCP) of a period by agency, unit or field,
downloadable as the .xlsx office form; a drafted paragraph to paste into the written report; a
one-page A4 brief for the chairman. All from the same rows (docs/report.md)."""

import datetime as dt

import polars as pl
import streamlit as st

from ui.bootstrap import bootstrap

meta = bootstrap("Báo cáo")

from ui import auth, brief, components, data, report_table, state  # noqa: E402
from warehouse import fmt, narrative  # noqa: E402
from warehouse.queries_units import PROVINCE_PARTS  # noqa: E402

# the level of the table, as `python -m etl report --by` names it; the .xlsx file's name part
LEVELS = {"agency": "Theo cơ quan", "unit": "Theo địa bàn", "field": "Theo lĩnh vực"}
FILE_PART = {"agency": "co_quan", "unit": "dia_ban", "field": "linh_vuc"}
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
RATE = narrative.RATE
# sixteen columns: smaller type, names on one line; the table scrolls inside its own box (both ways),
# the header row and the STT and name columns stay put while it does, so "Tỷ lệ đúng hạn" at the far
# right is read against its row's name on a 1280-pixel screen
STT_PX = 44
TABLE_CSS = f"""<style>
.bc-wide {{ overflow: auto; max-height: 560px; border: 1px solid #e2e8f0; }}
.bc-wide table.vn-table {{ font-size: 13px; border-collapse: separate; border-spacing: 0; }}
.bc-wide table.vn-table th {{ vertical-align: bottom; padding: 4px 6px; min-width: 64px;
  position: sticky; top: 0; z-index: 2; }}
.bc-wide table.vn-table td {{ padding: 3px 6px; background: #fff; }}
.bc-wide table.vn-table th:nth-child(-n+2), .bc-wide table.vn-table td:nth-child(-n+2) {{
  position: sticky; z-index: 1; }}
.bc-wide table.vn-table th:nth-child(-n+2) {{ z-index: 3; }}
.bc-wide table.vn-table th:first-child, .bc-wide table.vn-table td:first-child {{
  left: 0; min-width: {STT_PX}px; max-width: {STT_PX}px; width: {STT_PX}px; box-sizing: border-box; }}
.bc-wide table.vn-table th:nth-child(2), .bc-wide table.vn-table td:nth-child(2) {{
  left: {STT_PX}px; white-space: nowrap; box-shadow: 4px 0 4px -2px rgba(15, 23, 42, 0.18); }}
.bc-wide table.vn-table tr:last-child td {{ font-weight: 600; border-top: 2px solid #cbd5e1; }}
</style>"""
SCROLL_CUE = ("Bảng rộng: cuộn ngang để xem các cột bên phải (đến “Tỷ lệ đúng hạn”); cột tên và "
              "dòng tiêu đề luôn hiện.")

get_report = data.getter("queries_report")
get_units = data.getter("queries_units")
get_targets = data.getter("queries_targets")


def show_table(frame: pl.DataFrame, text: dict[str, str], caption: str) -> None:
    table = report_table.formatted(frame, text)
    html = components.html_table(table, numeric=("STT", *report_table.NUMERIC), caption=caption)
    st.html(f"{TABLE_CSS}<div class='bc-wide'>{html}</div>")
    st.caption(SCROLL_CUE)


def show_agency_level(period: dict, agencies: pl.DataFrame) -> None:
    """The province per peer group, then one tab per group with dossiers: its agencies."""
    groups = narrative.rollup(agencies, ["peer_group", "peer_group_label"])
    show_table(groups, {"peer_group_label": "Nhóm cơ quan, đơn vị"},
               f"{period['period_label']}: toàn tỉnh theo nhóm cơ quan, đơn vị")
    present = groups.filter((pl.col("carried_over") + pl.col("received_new")) > 0)
    _, tabs = state.tabs(dict(zip(present["peer_group"], present["peer_group_label"])), "nhom")
    for tab, group, group_label in zip(tabs, present["peer_group"], present["peer_group_label"]):
        with tab:
            rows = agencies.filter(pl.col("peer_group") == group)
            text = {"agency_name": "Tên đơn vị"}
            if group in ("district", "commune_old", "commune"):
                text["unit_label"] = "Địa bàn"
            show_table(rows, text, f"{group_label}: {rows.height} cơ quan, đơn vị")


def show_unit_level(period: dict, agencies: pl.DataFrame) -> None:
    """The province as the sum of its parts, then one tab per unit level (docs/units_report.md)."""
    parts = narrative.rollup(agencies, "province_part")
    order = {p: i for i, p in enumerate(PROVINCE_PARTS)}
    part = pl.col("province_part")
    parts = parts.with_columns(part.replace_strict(PROVINCE_PARTS, default=None).alias("part"),
                               part.replace_strict(order, default=len(order)).alias("o")).sort("o")
    show_table(parts, {"part": "Cấp, nhóm cơ quan"},
               f"{period['period_label']}: toàn tỉnh = sở, ban, ngành + cơ quan Trung ương + cấp huyện "
               "(gồm các xã) + cấp xã mới + đơn vị chưa xác định địa bàn")
    # (URL code of the tab, its name, level, version of the unit list, what it holds)
    levels = [("huyen", "Cấp huyện (đến 30/06/2025)", "district", 1, "mỗi huyện gồm UBND huyện và các xã "
               "của huyện"),
              ("xa_cu", "Cấp xã đến 30/06/2025", "commune", 1, "các xã, phường, thị trấn trước sắp xếp"),
              ("xa_moi", "Cấp xã từ 01/07/2025", "commune", 2, "các xã, phường sau sắp xếp")]
    kind, key = period["period_kind"], period["period_key"]
    frames = [(code, name, get_units("unit_report", kind, key, level, version), note)
              for code, name, level, version, note in levels]
    frames = [f for f in frames if f[2].height]
    if not frames:
        components.empty_state(
            "Kho dữ liệu chưa có danh mục đơn vị hành chính, nên chưa chia được theo địa bàn.")
        return
    # a period after the reorganisation of 01/07/2025 opens on the communes that existed in it
    after = period["start_date"] >= dt.date(2025, 7, 1)
    _, tabs = state.tabs({f[0]: f[1] for f in frames}, "dia_ban", default="xa_moi" if after else None)
    for tab, (_, name, rows, note) in zip(tabs, frames):
        with tab:
            show_table(rows, {"unit_label": "Đơn vị hành chính"}, f"{name}: {note}")


def show_field_level(period: dict, fields: pl.DataFrame) -> None:
    show_table(fields, {"field_name": "Lĩnh vực"}, f"{period['period_label']}: toàn tỉnh theo lĩnh vực")


st.title("Báo cáo định kỳ")
st.caption(
    "Bảng báo cáo tình hình, kết quả giải quyết thủ tục hành chính theo mẫu của Thông tư 01/2020/TT-VPCP, "
    "tải về dạng .xlsx; đoạn văn dự thảo để dán vào báo cáo; bản tóm tắt một trang A4 trình Chủ tịch. "
    "Mọi con số lấy từ cùng một bảng tổng hợp."
)

c1, c2 = st.columns([3, 1])
period = components.period_picker(data.get, container=c1, default_kind="quarter")
if period is None:
    components.empty_state("Kho dữ liệu chưa có hồ sơ nào, nên chưa có báo cáo.")
    st.stop()
level = state.select("Tổng hợp", list(LEVELS), "cap", format_func=LEVELS.get, default="agency", container=c2)
kind, key, label = period["period_kind"], period["period_key"], period["period_label"]
# file names: a reporting window (15th to 14th) and the calendar period share their key
slug = f"ky_bao_cao_{key}" if kind.startswith("rep_") else key

agencies = get_report("agency_report", kind, key)
totals = narrative.rollup(agencies).row(0, named=True)
if not totals["carried_over"] + totals["received_new"]:
    if not data.get("warehouse_counts")["counted_dossiers"][0]:
        components.empty_state("Kho dữ liệu chưa có hồ sơ nào, nên chưa có báo cáo.")
    else:
        components.empty_state(f"{label}: không có hồ sơ nào trong kỳ này, nên chưa có số liệu để báo cáo.")
    st.stop()

fields = get_units("field_report", kind, key)
summary = data.get("province_summary", kind, key).row(0, named=True)
history = data.get("periods", kind)
older = history.filter(pl.col("start_date") < period["start_date"])
previous = None
if older.height:
    before = data.get("province_summary", kind, older["period_key"][0]).row(0, named=True)
    previous = (older["period_label"][0], before)
rule = get_targets("ranking_rule", None, RATE)
targets = data.get("province_targets", period["year"])
weakest = get_targets("weakest", kind, key)    # the ranking page's rule (queries_targets.weakest)
fig = narrative.figures(period, agencies, fields, summary, targets, weakest, previous,
                        min_finished=rule["min_volume"] if rule else narrative.MIN_FINISHED)

dates = f"từ ngày {fmt.date(period['start_date'])} đến ngày {fmt.date(period['end_date'])}"
if fig.is_open:
    st.caption(f"{label} ({dates}) chưa kết thúc: số liệu đến ngày {fmt.date(fig.eval_date)}, hồ sơ đang "
               "giải quyết được đánh giá tại ngày đó.")
cards = st.columns(4)
cards[0].metric("Hồ sơ tiếp nhận", fmt.number(fig.received), border=True,
                help="Kỳ trước chuyển qua + mới tiếp nhận trong kỳ")
cards[1].metric("Đã giải quyết", fmt.number(totals["finished"]), border=True)
cards[2].metric("Tỷ lệ đúng và trước hạn", fmt.percent(fig.rate), border=True,
                **components.rate_delta(fig.rate_change),
                help=f"So với {fig.previous_label}" if fig.previous_label else None)
cards[3].metric("Đang giải quyết quá hạn", fmt.number(totals["in_progress_overdue"]), border=True)

# --- 1. the report table and its .xlsx form ---------------------------------------------------------------
st.subheader(f"1. Bảng báo cáo · {LEVELS[level]}")
start, end = period["start_date"], period["end_date"]
st.download_button(
    "Tải bảng báo cáo (.xlsx, mẫu báo cáo)",
    # built on click only: the form runs the report over the dossiers for the period's dates
    data=data.deferred("report_xlsx", "xlsx_bytes", start, end, level),
    file_name=f"bao_cao_{slug}_{FILE_PART[level]}.xlsx", mime=XLSX_MIME, key="xlsx",
    on_click=auth.audit_export, args=(f"bao_cao_{slug}_{FILE_PART[level]}.xlsx",),
    icon=":material/download:",
)
st.caption(f"Kỳ báo cáo {dates}. Cột: hồ sơ nhận giải quyết (kỳ trước chuyển qua, mới tiếp nhận: trực "
           "tuyến, trực tiếp, bưu chính) · đã giải quyết (trước hạn, đúng hạn, quá hạn) · đang giải quyết "
           "(trong hạn, quá hạn).")
if level == "agency":
    show_agency_level(period, agencies)
elif level == "unit":
    show_unit_level(period, agencies)
else:
    show_field_level(period, fields)

# --- 2. the drafted paragraph -------------------------------------------------------------------------------
st.subheader("2. Đoạn văn dự thảo")
st.caption("Sao chép (biểu tượng ở góc phải khung) và dán vào báo cáo; số liệu toàn tỉnh như dòng Tổng "
           "cộng của bảng trên.")
st.code(narrative.paragraph(fig), language=None, wrap_lines=True)

# --- 3. the chairman's A4 brief -----------------------------------------------------------------------------
st.subheader("3. Bản tóm tắt một trang A4")
province = data.get("province_name", meta.get("province_code"))
st.download_button(
    "Tải bản tóm tắt (.html, mở và in khổ A4)",
    data=brief.document(fig, province, meta.get("as_of")),
    file_name=f"ban_tom_tat_{slug}.html", mime="text/html", key="brief",
    on_click=auth.audit_export, args=(f"ban_tom_tat_{slug}.html",),
    icon=":material/print:",
)
st.html(brief.fragment(fig, province, meta.get("as_of")))
