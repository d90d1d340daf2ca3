-- The procedure catalogue. Input load_canonical, output load_parsed.
create or replace temp table load_parsed as
with typed as (
    select
        _row,
        fix_procedure_code(MaTTHC) as procedure_code,
        TenTTHC as procedure_name,
        fix_identifier(MaLinhVuc) as field_code,
        TenLinhVuc as field_name,
        parse_code_int(ThoiHanGiaiQuyet) as statutory_days,
        parse_flag(CoPhiLePhi) as has_fee,
        -- inputs of the 766 index: 2 fully online (toàn trình, the old "mức độ 4"), 1 partly online
        -- (một phần, "mức độ 3"), 0 not online ("mức độ 1, 2", không); a bare 3 or 4 is the old scale
        case
            when MucDoDVCTT is null then null
            when replace(strip_accents(lower(MucDoDVCTT)), 'đ', 'd') like '%toan trinh%' then 2
            when replace(strip_accents(lower(MucDoDVCTT)), 'đ', 'd') like '%mot phan%' then 1
            when regexp_full_match(replace(strip_accents(lower(MucDoDVCTT)), 'đ', 'd'), '(muc do|muc|md) ?4') then 2
            when regexp_full_match(replace(strip_accents(lower(MucDoDVCTT)), 'đ', 'd'), '(muc do|muc|md) ?3') then 1
            when regexp_full_match(replace(strip_accents(lower(MucDoDVCTT)), 'đ', 'd'), '(muc do|muc|md) ?[12]') then 0
            when parse_code_int(MucDoDVCTT) in (0, 1, 2) then parse_code_int(MucDoDVCTT)
            when parse_code_int(MucDoDVCTT) = 3 then 1
            when parse_code_int(MucDoDVCTT) = 4 then 2
            when parse_flag(MucDoDVCTT) = false
                 or replace(strip_accents(lower(MucDoDVCTT)), 'đ', 'd') in ('khong truc tuyen', 'truc tiep') then 0
        end::tinyint as online_level,
        parse_flag(CongBoDungHan) as published_on_time,
        parse_flag(CongKhai) as publicised,
        parse_flag(ThongTinDayDu) as info_complete,
        MaTTHC, TenTTHC, ThoiHanGiaiQuyet, MucDoDVCTT, CongBoDungHan, CongKhai, ThongTinDayDu
    from load_canonical
),

final as (
    select
        *,
        list_filter([
            case when MaTTHC is null then {'field': 'MaTTHC', 'value': null, 'reason': 'thiếu mã thủ tục'} end,
            case when TenTTHC is null then {'field': 'TenTTHC', 'value': null, 'reason': 'thiếu tên thủ tục'} end,
            case when ThoiHanGiaiQuyet is not null and (statutory_days is null or statutory_days < 0) then
                {'field': 'ThoiHanGiaiQuyet', 'value': ThoiHanGiaiQuyet, 'reason': 'thời hạn giải quyết phải là số ngày làm việc'} end,
            case when MucDoDVCTT is not null and online_level is null then
                {'field': 'MucDoDVCTT', 'value': MucDoDVCTT, 'reason': 'mức độ dịch vụ công trực tuyến không hợp lệ (toàn trình, một phần, không)'} end,
            case when CongBoDungHan is not null and published_on_time is null then
                {'field': 'CongBoDungHan', 'value': CongBoDungHan, 'reason': 'giá trị phải là có hoặc không'} end,
            case when CongKhai is not null and publicised is null then
                {'field': 'CongKhai', 'value': CongKhai, 'reason': 'giá trị phải là có hoặc không'} end,
            case when ThongTinDayDu is not null and info_complete is null then
                {'field': 'ThongTinDayDu', 'value': ThongTinDayDu, 'reason': 'giá trị phải là có hoặc không'} end
        ], lambda e: e is not null) as errors,
        MaTTHC as record_key
    from typed
)

select * from final
