"""Cơ quan của tôi: one agency against its own plan targets, its place among its peers, the fields and
procedures behind its late dossiers, and its late and soon-due dossiers (docs/agency.md).

Opened from a link (/co_quan?don_vi=<code>&ky=quarter&ma_ky=2025-Q3) it shows that agency, even one
that ended with the reorganisation of 01/07/2025.
"""

import datetime as dt

import polars as pl
import streamlit as st

from ui import agency_parts as parts
from ui import auth, components, data, listing, state
from ui.bootstrap import bootstrap
from warehouse import fmt
from warehouse.queries import PERIOD_KINDS

ALL = "all"

get_agency = data.getter("queries_agency")
get_targets = data.getter("queries_targets")
get_766 = data.getter("queries_766")
get_units = data.getter("queries_units")

meta = bootstrap("Cơ quan của tôi")
st.title("Cơ quan của tôi")
st.caption(
    "Một cơ quan, đơn vị so với chỉ tiêu kế hoạch năm của chính mình, vị trí trong nhóm đơn vị cùng loại, "
    "lĩnh vực và thủ tục gây trễ hạn, danh sách hồ sơ trễ hạn và sắp đến hạn."
)

agencies = get_agency("agencies")
if agencies.height == 0 or not get_agency("has_dossiers"):
    components.empty_state("Kho dữ liệu chưa có hồ sơ nào, nên chưa có cơ quan, đơn vị nào để xem.")
    st.stop()
by_code = {r["agency_code"]: r for r in agencies.iter_rows(named=True)}
groups = dict(zip(agencies["peer_group"].to_list(), agencies["peer_group_label"].to_list()))

# --- which agency ------------------------------------------------------------------------------------
asked = st.query_params.get("don_vi")
unknown = asked is not None and asked not in by_code
arrived = state.from_link("don_vi") and asked in by_code
if arrived and state.candidate("nhom") not in (None, ALL, by_code[asked]["peer_group"]):
    # a link naming an agency opens that agency, whatever peer group was chosen before
    st.query_params["nhom"] = ALL

c1, c2 = st.columns([1, 2])
peer = state.select("Nhóm đơn vị", [ALL, *groups], "nhom", default=ALL, container=c1,
                    format_func=lambda g: "Tất cả các nhóm" if g == ALL else groups[g])
in_group = agencies if peer == ALL else agencies.filter(pl.col("peer_group") == peer)
code = state.select("Cơ quan, đơn vị", in_group["agency_code"].to_list(), "don_vi", container=c2, warn=False,
                    format_func=lambda c: parts.agency_label(by_code[c]),
                    default=auth.preferred_agency(in_group["agency_code"].to_list()))
agency = by_code[code]
name = agency["agency_name"]
if unknown:
    components.empty_state(f"Không có cơ quan, đơn vị nào mang mã “{asked}” trong kho dữ liệu. Trang đang "
                           f"hiện {name}; hãy chọn đơn vị của mình trong danh sách.")


def last_period(kind: str) -> dict | None:
    """The latest period of a kind that began while the agency existed (None: no such period)."""
    return get_agency("last_period", kind, agency["valid_to"])


# a link to an agency that ended, without a period, opens on its last period, not on one it never saw
if agency["valid_to"] is not None and arrived and "ma_ky" not in st.query_params:
    wanted_kind = st.query_params.get("ky")
    last = last_period(wanted_kind if wanted_kind in PERIOD_KINDS else "year")
    if last:
        st.query_params["ma_ky"] = last["period_key"]

period = components.period_picker(data.get)
if period is None:
    components.empty_state("Kho dữ liệu chưa có kỳ báo cáo nào để xem.")
    st.stop()
kind, key, label, year = period["period_kind"], period["period_key"], period["period_label"], period["year"]

# --- who, and links to the same view on other pages ------------------------------------------------
st.header(name)
st.caption(" · ".join(x for x in [agency["peer_group_label"], agency["unit_label"], f"mã {code}"] if x))
successors = get_agency("successors", code) if agency["valid_to"] is not None else pl.DataFrame()
note = parts.lifetime_note(agency, period, successors)
if note:
    st.info(note, icon=":material/history:")
# dossiers left open under an agency that ceased (docs/integrity.md), and who should hold them
abandoned = parts.ceased_words(get_agency("ceased", code)) if agency["valid_to"] is not None else None
if abandoned:
    st.warning(abandoned, icon=":material/move_item:")
l1, l2 = st.columns(2)
with l1:
    parts.link("xep_hang", f"Bảng xếp hạng nhóm {agency['peer_group_label']} · {label}",
               {"nhom": agency["peer_group"], "ky": kind, "ma_ky": key})
with l2:
    parts.link("tre_han", f"Hồ sơ trễ hạn của đơn vị trên trang Hồ sơ trễ hạn · {label}",
               {"don_vi": code, "ky": kind, "ma_ky": key})

report = get_agency("agency_report", kind, key, code)
counts = report.row(0, named=True) if report.height else None
has_dossiers = counts is not None and (counts["carried_over"] + counts["received_new"]) > 0
if not has_dossiers:
    components.empty_state(f"{name}: không có hồ sơ nào trong {label}.")
    last = last_period(kind) if agency["valid_to"] is not None else None
    if last and last["period_key"] != key:
        parts.link("co_quan", f"Xem kỳ cuối cùng đơn vị còn hoạt động: {last['period_label']}",
                   {"don_vi": code, "ky": kind, "ma_ky": last["period_key"]})
else:
    st.subheader(f"Số hồ sơ · {label}")
    if period["eval_date"] < period["end_date"]:
        st.caption("Kỳ chưa kết thúc: hồ sơ đang giải quyết được đánh giá tại ngày "
                   f"{fmt.date(period['eval_date'])}.")
    components.count_cards(counts)

# --- 1. own targets for the period's year ------------------------------------------------------------
st.subheader(f"1. Chỉ tiêu kế hoạch năm {year}")
attainment = get_targets("attainment", year, code)
attainment = attainment.filter(pl.col("kpi").is_in(list(parts.METRICS)))
if attainment.height == 0:
    if agency["valid_to"] is not None and agency["valid_to"] < dt.date(year, 1, 1):
        why = f"đơn vị đã kết thúc hoạt động trước năm {year}"
    elif agency["valid_from"] is not None and agency["valid_from"] > dt.date(year, 12, 31):
        why = f"đơn vị chưa hoạt động trong năm {year}"
    else:
        why = f"chưa có chỉ tiêu kế hoạch năm {year} nào áp dụng cho cấp hoặc cho riêng đơn vị này"
    components.empty_state(f"{name}: không có chỉ tiêu để so sánh, vì {why}.")
else:
    first = attainment.row(0, named=True)
    through = first["active_from"] + dt.timedelta(days=int(first["elapsed_days"]) - 1)
    states = [components.target_state(r) for r in attainment.iter_rows(named=True)]
    met = sum(s == "met" for s in states)
    risky = sum(s in ("at_risk", "missed") for s in states)
    risk_words = "không đạt" if first["is_final"] else "có nguy cơ không đạt cuối năm"
    st.markdown(
        f"Lũy kế từ {fmt.date(first['active_from'])} đến {fmt.date(through)}: "
        f"đạt **{met}/{len(states)}** chỉ tiêu"
        + (f"; **{risky}** chỉ tiêu {risk_words}" if risky else "") + "."
    )
    cols = st.columns(3)
    for i, row in enumerate(attainment.iter_rows(named=True)):
        parts.target_card(cols[i % 3], row)
    st.caption(
        "Số cần thêm = số hồ sơ phải đạt thêm để tỷ lệ lũy kế chạm chỉ tiêu với số hồ sơ hiện có. "
        "Dự báo cuối năm: khối lượng giữ nhịp từ đầu năm, phần còn lại của năm đạt tỷ lệ của "
        "3 tháng gần nhất."
    )

if not has_dossiers:
    st.stop()

# --- 2. standing among peers ---------------------------------------------------------------------------
st.subheader(f"2. Vị trí trong nhóm {agency['peer_group_label']} · {label}")
rankings = get_targets("agency_rankings", kind, key, code)
score = get_766("agency_score", kind, key, code)
by_kpi = {r["kpi"]: r for r in rankings.iter_rows(named=True)}
s1, s2, s3 = st.columns(3)
for col, kpi, title in [(s1, "on_time_rate", "Hạng về tỷ lệ giải quyết đúng hạn"),
                        (s2, parts.SCORE_766, "Hạng về điểm Bộ chỉ số 766")]:
    row = by_kpi.get(kpi)
    if row and row["is_ranked"]:
        change = row["rank_change"]
        col.metric(title, f"{row['rank']}/{row['ranked_count']}", border=True,
                   delta=parts.rank_delta(change), delta_color="normal" if change else "off",
                   delta_arrow="auto" if change else "off",
                   help="Hạng trong nhóm / số đơn vị được xếp hạng; so với kỳ liền trước cùng loại.")
    else:
        col.metric(title, fmt.EMPTY, border=True,
                   help=parts.unranked_words(row) if row else "Đơn vị không có trong bảng xếp hạng của kỳ")
if score and score["total_points"] is not None:
    s3.metric("Điểm Bộ chỉ số 766", f"{fmt.number(score['total_points'], 1)} điểm", border=True,
              help=f"Tối đa có thể đạt với dữ liệu hiện có: {fmt.number(score['attainable_points'], 1)} điểm")
    unscored = score.get("unscored_points") or 0
    s3.markdown(f"Xếp loại **{score['band_label']}** · mất {fmt.number(score['points_lost'], 1)} điểm"
                + (f" · {fmt.number(unscored, 1)} điểm không có dữ liệu để chấm" if unscored else ""))
else:
    s3.metric("Điểm Bộ chỉ số 766", fmt.EMPTY, border=True)

if rankings.height == 0:
    components.empty_state(f"{name} không có trong bảng xếp hạng của {label}.")
else:
    st.html(components.html_table(
        parts.standing_table(rankings),
        numeric=("Giá trị trong kỳ", "Hạng trong nhóm", "So với kỳ trước", "Bách phân vị",
                 "Trung vị của nhóm"),
        caption="Hạng x/y: thứ x trong y đơn vị của nhóm được xếp hạng. Bách phân vị: tỷ lệ đơn vị khác "
                "không đứng trên (100% = không ai đứng trên). Đơn vị ít hồ sơ không được xếp hạng.",
    ))

groups_766 = get_766("agency_groups", kind, key, code)
if groups_766.height:
    g1, g2 = st.columns([3, 2])
    with g1:
        st.html(components.html_table(parts.groups_table(groups_766), caption="Điểm Bộ chỉ số 766 theo nhóm",
                                      numeric=("Điểm", "Tối đa", "Điểm bị mất")))
    with g2:
        todo = parts.fix_first(get_766("agency_indicators", kind, key, code))
        if todo:
            st.markdown("**Nên ưu tiên (mất nhiều điểm nhất):**\n" + "\n".join(f"- {t}" for t in todo))

# --- 3. where the late dossiers come from --------------------------------------------------------------
st.subheader("3. Lĩnh vực, thủ tục có hồ sơ trễ hạn")
fields = parts.with_late(get_units("field_report", kind, key, code))
total_late = int(fields["late"].sum()) if fields.height else 0
if total_late == 0:
    components.empty_state(f"{name}: không có hồ sơ trễ hạn nào trong {label}.")
else:
    worst = fields.sort("late", descending=True).row(0, named=True)
    st.markdown(
        f"**{fmt.number(total_late)}** hồ sơ trễ hạn trong {label}: "
        f"{fmt.number(fields['finished_late'].sum())} đã giải quyết trễ, "
        f"{fmt.number(fields['in_progress_overdue'].sum())} đang quá hạn. Nhiều nhất: "
        f"**{worst['field_name']}** ({fmt.number(worst['late'])} hồ sơ, "
        f"{fmt.percent(worst['late_share_of_agency'])})."
    )
    st.plotly_chart(parts.late_by_field_chart(fields), key="late_by_field")
    procedures = parts.with_late(get_units("procedure_report", kind, key, code))
    st.html(components.html_table(
        parts.procedures_table(procedures, fields),
        numeric=("Hồ sơ trễ hạn", "Tỷ trọng", "Đã giải quyết", "Tỷ lệ đúng hạn"),
        caption="Các thủ tục có nhiều hồ sơ trễ hạn nhất (tỷ trọng trong số hồ sơ trễ hạn của đơn vị)",
    ))

# --- 4. the dossiers themselves ------------------------------------------------------------------------
st.subheader("4. Hồ sơ trễ hạn và sắp đến hạn")
listing.late_and_due_soon(period, meta.get("as_of"), name, agency=code)
