"""Dữ liệu: which warehouse version is served, how fresh it is, what was loaded and what was refused."""

import datetime as dt

import polars as pl
import streamlit as st

from ui import auth, components, data, health_parts, published_parts, state
from ui.bootstrap import bootstrap
from warehouse import fmt
from warehouse.file_kinds import FILE_KIND_LABELS, file_kind_label

LOAD_KINDS = {kind: file_kind_label(kind) for kind in FILE_KIND_LABELS}

meta = bootstrap("Dữ liệu")
st.title("Dữ liệu")

counts = data.get("warehouse_counts").row(0, named=True)
c = st.columns(4)
c[0].metric("Hồ sơ trong kho", fmt.number(counts["dossiers"]))
c[1].metric("Hồ sơ được tính", fmt.number(counts["counted_dossiers"]),
            help="Trừ hồ sơ bị từ chối tiếp nhận và hồ sơ mới đăng ký, chưa tiếp nhận")
c[2].metric("Cơ quan, đơn vị", fmt.number(counts["agencies"]))
c[3].metric("Mã đơn vị chưa xác minh", fmt.number(counts["unverified_agencies"]))
st.markdown(
    f"- Số liệu đến ngày: **{fmt.date(meta.get('as_of'))}**; hồ sơ tiếp nhận gần nhất: "
    f"**{fmt.date(counts['last_received'])}**\n"
    f"- Phiên bản kho: `{data.build_id()}`, tạo lúc {fmt.datetime(meta.get('built_at'))}\n"
    f"- Danh mục đơn vị hành chính: {fmt.number(counts['units'])} đơn vị (hai cấp trước và sau 01/07/2025)"
)


_text = components.text_col


audit_lines = auth.audit_log()   # province leaders only
# the open tab is in the URL (muc=...), so a link opens on it
SECTIONS = {"nap": "Các lần nạp", "bi_loai": "Bản ghi bị loại", "chua_xac_minh": "Mã chưa xác minh",
            "do_moi": "Độ mới của dữ liệu", "dau_vao": "Dữ liệu đầu vào", "lich": "Lịch làm việc",
            "nhan": "Tình trạng nhận dữ liệu", "cong_766": "Đối chiếu Cổng 766"}
if audit_lines is not None:
    SECTIONS["nhat_ky"] = "Nhật ký truy cập"
_, (loads_tab, quarantine_tab, unverified_tab, fresh_tab, inputs_tab, calendar_tab, health_tab, portal_tab,
    *audit_tab) = state.tabs(SECTIONS, "muc")

with loads_tab:
    log = data.get("load_log")
    if log.height == 0:
        components.empty_state("Chưa có lần nạp dữ liệu nào.")
    else:
        status_vi = {"ok": "Đủ", "partial": "Có bản ghi bị loại", "unusable": "Không dùng được"}
        st.dataframe(
            log.select(
                pl.col("started_at").dt.strftime("%d/%m/%Y %H:%M").alias("Thời điểm"),
                pl.col("kind").replace_strict(LOAD_KINDS, default=pl.col("kind")).alias("Loại"),
                pl.col("source").alias("Tệp"),
                _text("rows_read", "Đọc"),
                _text("rows_loaded", "Đã nạp"),
                _text("rows_rejected", "Bị loại"),
                pl.col("status").replace_strict(status_vi, default=pl.col("status")).alias("Kết quả"),
                pl.col("message").fill_null("").alias("Lý do"),
            ),
            hide_index=True, width="stretch",
        )

with quarantine_tab:
    reasons = data.get("quarantine_reasons")
    if reasons.height == 0:
        components.empty_state("Không có bản ghi nào bị loại: mọi bản ghi đã nạp đều hợp lệ.")
    else:
        st.caption("Bản ghi bị loại không được tính vào số liệu. Sửa ở hệ thống một cửa rồi xuất và nạp lại.")
        st.dataframe(
            reasons.select(
                pl.col("reason").alias("Lý do"),
                pl.col("kind").alias("Loại dữ liệu"),
                _text("records", "Số bản ghi"),
                _text("files", "Số tệp"),
            ),
            hide_index=True, width="stretch",
        )
        options = ["(tất cả)"] + reasons["reason"].to_list()
        chosen = st.selectbox("Xem các bản ghi bị loại vì", options, key="quarantine_reason")
        # the records themselves (dossier ids, values) are for province leaders
        reason = None if chosen == options[0] else chosen
        rows = auth.dossiers(lambda: data.get("quarantine_rows", reason, 500))
        if rows is not None:
            st.dataframe(
                rows.select(
                    pl.col("source_file").alias("Tệp"),
                    pl.col("source_row").alias("Dòng"),
                    pl.col("record_key").fill_null("").alias("Mã hồ sơ / mã"),
                    pl.col("field").fill_null("").alias("Trường"),
                    pl.col("value").fill_null("").alias("Giá trị"),
                    pl.col("reason").alias("Lý do"),
                ),
                hide_index=True, width="stretch",
            )
            if rows.height == 500:
                st.caption("Chỉ hiện 500 bản ghi đầu tiên.")

with unverified_tab:
    codes = data.get("unverified_codes")
    if codes.height == 0:
        components.empty_state("Mọi cơ quan và thủ tục trong hồ sơ đều có trong danh mục.")
    else:
        st.caption("Các mã này xuất hiện trong hồ sơ nhưng chưa có trong danh sách đơn vị hoặc danh mục thủ "
                   "tục; hồ sơ vẫn được tính. Nạp danh sách đơn vị / danh mục thủ tục để xác minh. Phiếu xin "
                   "lỗi của hồ sơ chưa có trong kho được giữ lại và được tính khi hồ sơ đó được nạp.")
        st.dataframe(
            codes.select(
                pl.col("kind").replace_strict(LOAD_KINDS, default=pl.col("kind")).alias("Loại"),
                pl.col("code").alias("Mã"), pl.col("name").alias("Tên"),
                _text("dossiers", "Số hồ sơ"),
            ),
            hide_index=True, width="stretch",
        )

with fresh_tab:
    fresh = data.get("freshness")
    if fresh.height == 0:
        components.empty_state("Chưa có hồ sơ nào.")
    else:
        stale = fresh.filter(pl.col("days_since") > 7)
        if stale.height:
            st.warning(f"{stale.height} đơn vị không có hồ sơ mới trong hơn 7 ngày trước ngày số liệu: "
                       "có thể hệ thống chưa đồng bộ.")
        st.dataframe(
            fresh.select(
                pl.col("agency_name").alias("Cơ quan, đơn vị"),
                pl.col("peer_group_label").alias("Nhóm"),
                _text("last_received", "Hồ sơ tiếp nhận gần nhất", "date"),
                pl.col("days_since").alias("Số ngày"),
                _text("received_last_30_days", "Hồ sơ 30 ngày qua"),
            ),
            hide_index=True, width="stretch",
        )

# which inputs the KPIs and the 766 indicators have (docs/inputs.md): a share shown "Không có dữ liệu"
# is a figure every page shows as no data, never as 0 or full marks
with inputs_tab:
    get_inputs = data.getter("queries_inputs")
    by_year = get_inputs("dossier_inputs")
    if by_year.height == 0:
        components.empty_state("Chưa có hồ sơ nào.")
    else:
        rows = [{
            "Năm tiếp nhận": str(y["year"]),
            "Hồ sơ": fmt.number(y["dossiers"]),
            "Biết có phí, lệ phí hay không": components.coverage(y["fee_known"], y["dossiers"]),
            "Hồ sơ có phí": fmt.number(y["with_fee"]),
            "Biết thanh toán trực tuyến (hồ sơ có phí)":
                components.coverage(y["payment_known"], y["with_fee"]),
            "Biết hình thức trả kết quả (đã giải quyết)":
                components.coverage(y["return_known"], y["finished"]),
            "Biết ngày hẹn ban đầu (hồ sơ bổ sung)":
                components.coverage(y["original_due_known"], y["with_supplement"]),
        } for y in by_year.iter_rows(named=True)]
        st.dataframe(pl.DataFrame(rows), hide_index=True, width="stretch")
    refs = get_inputs("reference_inputs")
    st.markdown(
        "- Phản ánh, kiến nghị: "
        + (f"{fmt.number(refs['pakn'])} từ {fmt.date(refs['pakn_from'])}" if refs["pakn"]
           else components.NO_DATA)
        + "\n- Đánh giá hài lòng: "
        + (f"{fmt.number(refs['ratings'])} từ {fmt.date(refs['ratings_from'])}" if refs["ratings"]
           else components.NO_DATA)
        + f"\n- Danh mục thủ tục ({fmt.number(refs['procedures'])} thủ tục): có phí, lệ phí "
        f"{components.coverage(refs['fee_flag_known'], refs['procedures'])}, mức độ DVCTT "
        f"{components.coverage(refs['online_level_known'], refs['procedures'])}, công bố đúng hạn "
        f"{components.coverage(refs['published_known'], refs['procedures'])}"
    )
    st.caption("Phí, lệ phí: danh sách phí, lệ phí của hồ sơ (DanhSachLePhi) hoặc cột phí của phần mềm một "
               "cửa, không có thì theo danh mục thủ tục. Thiếu đầu vào thì chỉ số và chỉ tiêu Bộ chỉ số 766 "
               "tương ứng hiện \"Không có dữ liệu\", không tính 0 điểm hay điểm tối đa.")

with calendar_tab:
    calendar = data.getter("official_calendar")
    covered = calendar("calendar_years")
    if covered is None:
        components.empty_state("Kho này được tạo trước khi có lịch ngày nghỉ chính thức: "
                               "chạy `python -m etl build` để tính lại.")
    else:
        years = [str(y) for y in range(covered[1], covered[0] - 1, -1)]
        as_of_year = str(meta.get("as_of") or covered[1])[:4]
        year = int(state.select("Năm", years, "nam", default=as_of_year))
        st.caption("Ngày làm việc là thứ Hai đến thứ Sáu, trừ ngày nghỉ lễ, Tết và ngày nghỉ hoán đổi, cộng "
                   "ngày thứ Bảy, Chủ nhật đi làm bù (Bộ luật Lao động 2019, Điều 112). Nguồn: gói holidays; "
                   "các ngày Chính phủ thông báo mà gói chưa có được nạp bằng tệp điều chỉnh "
                   "(`python -m etl load`). Mọi số ngày làm việc (trễ hạn, sắp đến hạn, thời gian xử lý) "
                   "tính theo lịch này.")
        days = calendar("in_force", year)
        if days.height == 0:
            components.empty_state(f"Năm {year} không có ngày nghỉ hay ngày làm bù nào trong lịch.")
        else:
            st.dataframe(
                days.select(
                    _text("day", "Ngày", "date"),
                    pl.col("kind").replace_strict({"nghỉ": "Nghỉ", "làm bù": "Làm bù"},
                                                  default=pl.col("kind")).alias("Loại"),
                    pl.col("name").fill_null("").alias("Tên"),
                    pl.col("source").replace_strict({"package": "Gói holidays", "override": "Tệp điều chỉnh"},
                                                    default=pl.col("source")).alias("Nguồn"),
                ),
                hide_index=True, width="stretch",
            )

# the portal's agencies of our province that match none of ours (docs/chi_so_766.md): listed, never dropped
with portal_tab:
    unmatched = data.getter("queries_published")("unmatched_agencies")
    if unmatched.height == 0:
        components.empty_state("Không có cơ quan, đơn vị nào trong điểm Cổng công bố mà chưa khớp với "
                               "cơ quan, đơn vị của tỉnh (hoặc chưa nạp điểm Cổng công bố).")
    else:
        st.caption("Các cơ quan, đơn vị của tỉnh có trong điểm Bộ chỉ số 766 do Cổng Dịch vụ công quốc gia "
                   "công bố nhưng không khớp tên với cơ quan, đơn vị nào của kho dữ liệu: điểm công bố của "
                   "các đơn vị này không được so với điểm tính từ hồ sơ. Để sửa, ghi vào tệp đối chiếu mỗi "
                   "đơn vị một dòng: mã trên Cổng (`portal_code`) hoặc tên trên Cổng (`portal_name`), và mã "
                   "cơ quan của ta (`agency_code`; để trống nếu đơn vị không có cơ quan tương ứng), rồi nạp "
                   "tệp bằng `python -m etl load TỆP --kind published_766_match` và tải lại trang.")
        st.dataframe(
            unmatched.select(
                pl.col("portal_code").alias("Mã trên Cổng"),
                pl.col("portal_name").alias("Tên trên Cổng"),
                pl.col("agency_kind")
                .replace_strict(published_parts.KIND_LABELS, default=pl.col("agency_kind")).alias("Loại"),
                pl.col("periods").alias("Kỳ công bố"),
                pl.when(pl.col("mapped_to_none")).then(pl.lit("Tệp đối chiếu: không có cơ quan tương ứng"))
                .when(pl.col("simulated")).then(pl.lit("Chưa khớp (dữ liệu mô phỏng)"))
                .otherwise(pl.lit("Chưa khớp")).alias("Tình trạng"),
            ),
            hide_index=True, width="stretch",
        )

ACTIONS = {"dang_nhap": "Đăng nhập", "dang_nhap_loi": "Đăng nhập không được", "dang_xuat": "Đăng xuất",
           "xuat": "Tải tệp", "nap": "Nạp dữ liệu", "tai_khoan": "Quản lý tài khoản",
           "sao_luu": "Sao lưu", "khoi_phuc": "Khôi phục", "gui_thu": "Gửi thư tổng hợp tuần",
           "gui_thu_loi": "Gửi thư không được"}
for tab in audit_tab:
    with tab:
        st.caption("Ai đăng nhập, tải tệp, nạp dữ liệu và khi nào (500 dòng mới nhất; chỉ ghi thêm, không "
                   "sửa, không xóa). Chỉ lãnh đạo tỉnh xem được.")
        if not audit_lines:
            components.empty_state("Nhật ký chưa có dòng nào.")
        else:
            st.dataframe(
                pl.DataFrame(audit_lines).select(
                    pl.col("at").str.to_datetime("%Y-%m-%dT%H:%M:%S", strict=False)
                    .dt.strftime("%d/%m/%Y %H:%M:%S").alias("Thời điểm"),
                    pl.col("who").alias("Người"),
                    pl.col("action").replace_strict(ACTIONS, default=pl.col("action")).alias("Việc"),
                    pl.col("what").fill_null("").alias("Nội dung"),
                    pl.col("origin")
                    .replace_strict({"app": "Trang web", "cli": "Dòng lệnh", "digest": "Thư tổng hợp tuần"},
                                    default=pl.col("origin"))
                    .alias("Từ"),
                ),
                hide_index=True, width="stretch",
            )

with health_tab:  # when data last arrived, per source and agency (docs/receiver.md)
    # the demo is a snapshot nobody sends to: its silences are measured up to its data's date
    demo_day = meta.get("as_of") if meta.get("is_demo") == "true" else None
    health_parts.section(data.getter("queries_health"),
                         dt.date.fromisoformat(demo_day[:10]) if demo_day else dt.date.today(), LOAD_KINDS)
