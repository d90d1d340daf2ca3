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
        MaTTHC, TenTTHC, ThoiHanGiaiQuyet
    from load_canonical
),

final as (
    select
        *,
        list_filter([
            case when MaTTHC is null then {'field': 'MaTTHC', 'value': null, 'reason': 'thiếu mã thủ tục'} end,
            case when TenTTHC is null then {'field': 'TenTTHC', 'value': null, 'reason': 'thiếu tên thủ tục'} end,
            case when ThoiHanGiaiQuyet is not null and (statutory_days is null or statutory_days < 0) then
                {'field': 'ThoiHanGiaiQuyet', 'value': ThoiHanGiaiQuyet, 'reason': 'thời hạn giải quyết phải là số ngày làm việc'} end
        ], lambda e: e is not null) as errors,
        MaTTHC as record_key
    from typed
)

select * from final
