"""Trung thực số liệu: signs of dishonest or sloppy reporting, per agency and check, and the
dossiers behind each (rules in docs/integrity.md; counts from agg_integrity)."""

import io

import polars as pl
import streamlit as st

from ui import auth, components, data, state
from ui.bootstrap import bootstrap
from warehouse import fmt
from warehouse.escape import escape_frame

ALL = "all"
LIST_LIMIT = 2000


get = data.getter("queries_integrity")


text = components.text_col


meta = bootstrap("Trung thực số liệu")
st.title("Trung thực số liệu báo cáo")
st.caption(
    "Những dấu hiệu báo cáo không trung thực hoặc cẩu thả mà các văn bản chỉ đạo nêu: kết thúc hồ sơ khi "
    "chưa có kết quả, lùi hẹn không có yêu cầu bổ sung, rút hoặc trả lại hồ sơ để không bị tính trễ, dồn "
    "kết thúc hồ sơ vào cuối kỳ, không gửi thư xin lỗi, bản ghi gửi lên sai ngày, sai mã. Mỗi dấu hiệu là "
    "một hồ sơ cần xem lại, chưa phải kết luận vi phạm."
)

period = components.period_picker(data.get)
if period is None:
    components.empty_state("Kho dữ liệu chưa có hồ sơ nào, nên chưa có gì để kiểm tra.")
    st.stop()
kind, key, label = period["period_kind"], period["period_key"], period["period_label"]

totals = get("integrity_totals", kind, key)
loaded = get("inputs_loaded")
if totals["issues"].sum() == 0:
    summary = data.get("province_summary", kind, key).row(0, named=True)
    if not (summary["carried_over"] or 0) + (summary["received_new"] or 0):
        components.empty_state(f"{label}: không có hồ sơ nào trong kỳ này.")
    else:
        st.success(f"{label}: không phát hiện dấu hiệu nào trong số liệu đã nạp.")
    st.stop()

# ---- the province: one card per check -------------------------------------------------------
st.subheader(f"Toàn tỉnh · {label}")
cols = st.columns(3)
for i, row in enumerate(totals.iter_rows(named=True)):
    box = cols[i % 3]
    box.metric(row["label"], fmt.number(row["issues"]), help=row["description"], border=True)
    where = f"{fmt.number(row['agencies'])} đơn vị" if row["issues"] else "không có"
    box.caption(f"Mức độ: {row['severity_label']} · {where}")
if loaded["steps"] == 0:
    components.empty_state(
        "Chưa nạp dữ liệu bước xử lý (CapNhatTienDoHoSoMC), nên chưa xác định được bộ phận giữ hồ sơ trễ hạn."
    )
if loaded["history_dossiers"] == 0:
    components.empty_state(
        "Mỗi hồ sơ mới có một trạng thái (chưa nạp dữ liệu nhiều lần), nên chưa phát hiện được việc lùi "
        "ngày hẹn trả hay kết thúc rồi mở lại hồ sơ."
    )

# ---- per agency ---------------------------------------------------------------------------------
st.subheader("Theo cơ quan, đơn vị")
groups = data.get("peer_groups", kind, key)
group_labels = {ALL: "Tất cả các nhóm"} | dict(
    zip(groups["peer_group"].to_list(), groups["peer_group_label"].to_list()))
peer = state.select("Nhóm đơn vị", list(group_labels), "nhom", format_func=group_labels.get, default=ALL)
table = get("integrity_counts", kind, key, None if peer == ALL else peer)
catalogue = get("checks")
short = dict(zip(catalogue["check_key"].to_list(), catalogue["short_label"].to_list()))
labels = dict(zip(catalogue["check_key"].to_list(), catalogue["label"].to_list()))
if table.height == 0:
    components.empty_state(f"Không đơn vị nào trong nhóm «{group_labels[peer]}» có dấu hiệu trong {label}.")
    st.stop()

shown = table.select(
    pl.col("agency_name").alias("Cơ quan, đơn vị"),
    text("finished", "Hồ sơ đã giải quyết"),
    *[text(k, short[k]) for k in short],
    text("total", "Tổng dấu hiệu"),
)
numeric = tuple(c for c in shown.columns if c != "Cơ quan, đơn vị")
caption = (f"{fmt.number(table.height)} đơn vị có dấu hiệu, xếp theo số dấu hiệu nghiêm trọng rồi tổng số. "
           f"«Tổng dấu hiệu» không tính cột «{short['late_department']}» (chẩn đoán, không phải sai phạm).")
with st.container(height=460 if table.height > 12 else "content"):
    st.html(components.html_table(shown, numeric=numeric, caption=caption))

# ---- the dossiers of one agency and one check ----------------------------------------------------
st.subheader("Danh sách hồ sơ theo dấu hiệu")
names = dict(zip(table["agency_code"].to_list(), table["agency_name"].to_list()))
c1, c2 = st.columns(2)
agency = state.select("Cơ quan, đơn vị", list(names), "don_vi", format_func=names.get, container=c1,
                      default=auth.preferred_agency(names))
row = table.filter(pl.col("agency_code") == agency).row(0, named=True)
first_found = next((k for k in short if row[k] > 0), next(iter(short)))
check = state.select("Dấu hiệu", list(short), "kiem_tra", default=first_found, container=c2,
                     format_func=lambda k: f"{labels[k]} ({fmt.number(row[k])})")
description = catalogue.filter(pl.col("check_key") == check)["description"][0]
if check == "bulk_closure":
    s = get("settings")
    description += (f" Ngưỡng hiện tại: {fmt.number(s.get('bulk_closure_last_workdays'))} "
                    "ngày làm việc cuối, "
                    f"nhịp gấp từ {fmt.number(s.get('bulk_closure_rate_ratio'), 1)} lần, tối thiểu "
                    f"{fmt.number(s.get('bulk_closure_min_closures'))} hồ sơ.")
st.caption(description)

if check == "late_department" and loaded["steps"] == 0:
    components.empty_state(
        "Chưa nạp dữ liệu bước xử lý, nên chưa có hồ sơ trễ hạn nào biết bộ phận giữ hồ sơ.")
    st.stop()
# an agency head sees his own agency's dossiers only, a viewer none: refused in words, no download
rows = auth.dossiers(lambda: get("integrity_issues", kind, key, agency, check, LIST_LIMIT))
if rows is None:
    st.stop()
if rows.height == 0:
    components.empty_state(f"{names[agency]} không có hồ sơ nào «{labels[check]}» trong {label}.")
    st.stop()

if check == "late_department":
    held = get("late_departments", kind, key, agency)
    st.html(components.html_table(
        held.select(
            pl.col("department").fill_null("Không xác định (không bước nào làm chậm)")
            .alias("Bộ phận giữ hồ sơ"),
            text("dossiers", "Hồ sơ trễ hạn"),
            text("held_days", "Số ngày làm việc làm chậm"),
        ),
        numeric=("Hồ sơ trễ hạn", "Số ngày làm việc làm chậm"),
        caption=f"Hồ sơ trễ hạn của {names[agency]} theo bộ phận giữ hồ sơ",
    ))

listing = rows.select(
    pl.col("dossier_id").fill_null(fmt.EMPTY).alias("Mã hồ sơ"),
    pl.col("explanation").alias("Diễn giải"),
    pl.col("procedure_name").fill_null(fmt.EMPTY).alias("Thủ tục"),
    text("received_date", "Tiếp nhận", "date"),
    text("due_date", "Hẹn trả", "date"),
    text("end_date", "Kết thúc", "date"),
    pl.col("department").fill_null("").alias("Bộ phận giữ hồ sơ"),
    pl.when(pl.col("record_ref").is_not_null()).then(pl.col("record_ref"))
    .otherwise(pl.concat_str(pl.lit("tệp "), pl.col("source_file"), pl.lit(", dòng "),
                             pl.col("source_row").cast(pl.String))).fill_null("").alias("Nguồn"),
)
st.markdown(f"**{fmt.number(rows.height)}** hồ sơ · {names[agency]} · {labels[check]} · {label}")
st.dataframe(listing, hide_index=True, width="stretch",
             column_config={"Diễn giải": st.column_config.TextColumn(width="large"),
                            "Thủ tục": st.column_config.TextColumn(width="medium")})
if rows.height == LIST_LIMIT:
    st.caption(f"Chỉ hiện {fmt.number(LIST_LIMIT)} hồ sơ đầu tiên; tải tệp để xem đủ trong giới hạn này.")
buffer = io.StringIO()
escape_frame(listing).write_csv(buffer)
st.download_button("Tải danh sách (CSV)", data=("\ufeff" + buffer.getvalue()).encode("utf-8"),
                   file_name=f"trung_thuc_{check}_{key}.csv", mime="text/csv",
                   on_click=auth.audit_export, args=(f"trung_thuc_{check}_{key}.csv · {agency}",))
