-- Typed dossier records of one file, each with the list of reasons it cannot be loaded.
-- Input: temp table load_canonical (text columns named by sync field, plus _row and the
-- counts taken from nested lists). Output: temp table load_parsed. $now is the load's time.
create or replace temp table load_parsed as
with source as (
    select * from load_canonical
),

typed as (
    select
        _row,
        fix_identifier(MaHoSo) as dossier_id,
        fix_procedure_code(MaTTHC) as procedure_code,
        TenTTHC as procedure_name,
        -- a field given only by name is keyed by its name
        coalesce(fix_identifier(MaLinhVuc), TenLinhVuc) as field_code,
        TenLinhVuc as field_name,
        fix_identifier(MaDonViXuLy) as agency_code,
        DonViXuLy as agency_name,
        parse_code_int(KenhThucHien) as channel,
        parse_code_int(LoaiDoiTuong) as applicant_type,
        parse_code_int(TrangThaiHoSo) as status,
        parse_local_ts(NgayNopHoSo) as submitted_at,
        parse_local_ts(NgayTiepNhan) as received_at,
        parse_local_ts(NgayHenTra) as due_at,
        parse_local_ts(NgayKetThucXuLy) as finished_at,
        parse_local_ts(NgayTra) as returned_at,
        parse_local_ts(NgayTuChoi) as refused_at,
        coalesce(supplement_list_count, parse_code_int(SoLanBoSung), 0) as supplement_count,
        -- the fee list says it (an item with Gia > 0), else a vendor's column: yes/no or an amount;
        -- null = not said (the procedure catalogue's flag is the fallback, in fct_dossier)
        coalesce(fee_list_has_fee, parse_flag(CoPhiLePhi),
                 try_cast(nullif(regexp_replace(CoPhiLePhi, '[^0-9]', '', 'g'), '') as double) > 0) as has_fee,
        -- 1 national portal, 2 provincial gateway, 0 (or no) not paid online; absent = not said
        case when parse_code_int(DuocThanhToanTrucTuyen) in (0, 1, 2) then parse_code_int(DuocThanhToanTrucTuyen)::tinyint
             when parse_flag(DuocThanhToanTrucTuyen) then 1::tinyint
             when not parse_flag(DuocThanhToanTrucTuyen) then 0::tinyint end as paid_online,
        -- HinhThuc: 0 in person, 1 by post; a vendor's text ("Bưu chính", "Trực tiếp") or yes/no
        -- column "Trả kết quả qua bưu chính"
        case when parse_code_int(HinhThuc) in (0, 1) then parse_code_int(HinhThuc)::tinyint
             when lower(HinhThuc) like '%bưu%' or lower(HinhThuc) like '%buu%' then 1::tinyint
             when lower(HinhThuc) like '%trực tiếp%' or lower(HinhThuc) like '%truc tiep%' then 0::tinyint
             when parse_flag(HinhThuc) then 1::tinyint
             when not parse_flag(HinhThuc) then 0::tinyint end as result_method,
        -- the rescheduling trace of the supplement requests: the appointment before the first one,
        -- and the latest new appointment (a vendor's flat columns when there is no list)
        coalesce(list_min(list_transform(supplement_due_before_list, lambda x: parse_local_ts(x))),
                 parse_local_ts(NgayHenTraTruoc)) as original_due_at,
        coalesce(list_max(list_transform(supplement_due_new_list, lambda x: parse_local_ts(x))),
                 parse_local_ts(NgayHenTraMoi)) as rescheduled_due_at,
        parse_flag(HoSoCoThanhPhanSoHoa) as digitised,
        coalesce(result_file_count > 0, parse_flag(CoKetQuaDienTu)) as electronic_result,
        parse_flag(CoPhieuXinLoi) as apology_issued,
        -- the text as it came, for the quarantine's "value"
        MaHoSo, MaDonViXuLy, KenhThucHien, TrangThaiHoSo, LoaiDoiTuong, SoLanBoSung,
        NgayNopHoSo, NgayTiepNhan, NgayHenTra, NgayKetThucXuLy, NgayTra, NgayTuChoi
    from source
),

checked as (
    select
        *,
        -- one column per check; the reasons list is only built for records that fail one
        case when MaHoSo is null then
                {'field': 'MaHoSo', 'value': null, 'reason': 'thiếu mã hồ sơ'} end as e01,
            case when MaDonViXuLy is null then
                {'field': 'MaDonViXuLy', 'value': null, 'reason': 'thiếu mã đơn vị xử lý'} end as e02,
            case when TrangThaiHoSo is null then
                {'field': 'TrangThaiHoSo', 'value': null, 'reason': 'thiếu trạng thái hồ sơ'}
                 when status is null or status not between 1 and 10 then
                {'field': 'TrangThaiHoSo', 'value': TrangThaiHoSo, 'reason': 'mã trạng thái không hợp lệ (cần từ 1 đến 10)'} end as e03,
            case when KenhThucHien is null then
                {'field': 'KenhThucHien', 'value': null, 'reason': 'thiếu kênh thực hiện'}
                 when channel is null or channel not between 1 and 3 then
                {'field': 'KenhThucHien', 'value': KenhThucHien, 'reason': 'mã kênh không hợp lệ (1 trực tiếp, 2 trực tuyến, 3 bưu chính)'} end as e04,
            case when LoaiDoiTuong is not null and (applicant_type is null or applicant_type not between 1 and 4) then
                {'field': 'LoaiDoiTuong', 'value': LoaiDoiTuong, 'reason': 'mã loại đối tượng không hợp lệ (1 công dân, 2 doanh nghiệp, 3 cơ quan nhà nước, 4 khác)'} end as e05,
            case when SoLanBoSung is not null and (parse_code_int(SoLanBoSung) is null or parse_code_int(SoLanBoSung) < 0) then
                {'field': 'SoLanBoSung', 'value': SoLanBoSung, 'reason': 'số lần bổ sung phải là số nguyên không âm'} end as e06,
            case when NgayNopHoSo is not null and submitted_at is null then
                {'field': 'NgayNopHoSo', 'value': NgayNopHoSo, 'reason': 'ngày không hợp lệ'} end as e07,
            case when NgayTiepNhan is not null and received_at is null then
                {'field': 'NgayTiepNhan', 'value': NgayTiepNhan, 'reason': 'ngày không hợp lệ'}
                 when NgayTiepNhan is null and status not in (1, 3) then
                {'field': 'NgayTiepNhan', 'value': null, 'reason': 'thiếu ngày tiếp nhận'} end as e08,
            case when NgayHenTra is not null and due_at is null then
                {'field': 'NgayHenTra', 'value': NgayHenTra, 'reason': 'ngày không hợp lệ'} end as e09,
            case when NgayKetThucXuLy is not null and finished_at is null then
                {'field': 'NgayKetThucXuLy', 'value': NgayKetThucXuLy, 'reason': 'ngày không hợp lệ'} end as e10,
            case when NgayTra is not null and returned_at is null then
                {'field': 'NgayTra', 'value': NgayTra, 'reason': 'ngày không hợp lệ'} end as e11,
            case when NgayTuChoi is not null and refused_at is null then
                {'field': 'NgayTuChoi', 'value': NgayTuChoi, 'reason': 'ngày không hợp lệ'} end as e12,
            case when year(received_at) < 2000 or received_at > $now::timestamp + interval 1 day then
                {'field': 'NgayTiepNhan', 'value': NgayTiepNhan, 'reason': 'ngày không thể có (trước năm 2000 hoặc sau hôm nay)'} end as e13,
            case when year(finished_at) < 2000 or finished_at > $now::timestamp + interval 1 day then
                {'field': 'NgayKetThucXuLy', 'value': NgayKetThucXuLy, 'reason': 'ngày không thể có (trước năm 2000 hoặc sau hôm nay)'} end as e14,
            case when year(returned_at) < 2000 or returned_at > $now::timestamp + interval 1 day then
                {'field': 'NgayTra', 'value': NgayTra, 'reason': 'ngày không thể có (trước năm 2000 hoặc sau hôm nay)'} end as e15,
            case when year(due_at) < 2000 or year(due_at) > 2100 then
                {'field': 'NgayHenTra', 'value': NgayHenTra, 'reason': 'ngày không thể có'} end as e16,
            -- calendar dates are compared: a system that records only the day must not be rejected
            case when cast(finished_at as date) < cast(received_at as date) then
                {'field': 'NgayKetThucXuLy', 'value': NgayKetThucXuLy, 'reason': 'kết thúc xử lý trước ngày tiếp nhận'} end as e17,
            case when cast(returned_at as date) < cast(received_at as date) then
                {'field': 'NgayTra', 'value': NgayTra, 'reason': 'trả kết quả trước ngày tiếp nhận'} end as e18,
            case when cast(due_at as date) < cast(received_at as date) then
                {'field': 'NgayHenTra', 'value': NgayHenTra, 'reason': 'ngày hẹn trả trước ngày tiếp nhận'} end as e19,
            case when status in (9, 10) and coalesce(finished_at, returned_at) is null
                      and NgayKetThucXuLy is null and NgayTra is null then
                {'field': 'NgayKetThucXuLy', 'value': null, 'reason': 'hồ sơ đã giải quyết nhưng thiếu ngày kết thúc xử lý'} end as e20

    from typed
),

final as (
    select
        -- the texts as they came are in the reasons now; not kept for a million good records
        * exclude (MaHoSo, MaDonViXuLy, KenhThucHien, TrangThaiHoSo, LoaiDoiTuong, SoLanBoSung,
                   NgayNopHoSo, NgayTiepNhan, NgayHenTra, NgayKetThucXuLy, NgayTra, NgayTuChoi,
                   e01, e02, e03, e04, e05, e06, e07, e08, e09, e10, e11, e12, e13, e14, e15, e16, e17, e18, e19, e20),
        case when coalesce(e01, e02, e03, e04, e05, e06, e07, e08, e09, e10, e11, e12, e13, e14, e15, e16, e17, e18, e19, e20) is null then []
             else list_filter([e01, e02, e03, e04, e05, e06, e07, e08, e09, e10, e11, e12, e13, e14, e15, e16, e17, e18, e19, e20], lambda e: e is not null) end as errors
    from checked
)

select * from final
