-- The official calendar's override (docs/calendar.md): date, kind ('nghỉ' a day off, 'làm bù' a
-- day worked), name. Input load_canonical, output load_parsed.
create or replace temp table load_parsed as
with typed as (
    select
        _row,
        cast(parse_local_ts(Ngay) as date) as day,
        -- kind as people write it: accents, case and spaces do not matter
        regexp_replace(trim(strip_accents(replace(lower(coalesce(LoaiNgay, '')), 'đ', 'd'))), '\s+', ' ', 'g')
            as kind_key,
        TenNgay as name,
        Ngay, LoaiNgay, TenNgay
    from load_canonical
),

kinds as (
    select
        *,
        case
            when kind_key in ('nghi', 'ngay nghi', 'nghi le', 'nghi bu', 'ngay nghi bu', 'off') then 'nghỉ'
            when kind_key in ('lam bu', 'ngay lam bu', 'di lam bu', 'lam viec', 'di lam', 'ngay lam viec',
                              'worked') then 'làm bù'
        end as kind
    from typed
),

final as (
    select
        *,
        list_filter([
            case when Ngay is null then {'field': 'Ngay', 'value': null, 'reason': 'thiếu ngày'}
                 when day is null then {'field': 'Ngay', 'value': Ngay, 'reason': 'ngày không hợp lệ'} end,
            case when LoaiNgay is null then {'field': 'LoaiNgay', 'value': null, 'reason': 'thiếu loại ngày (nghỉ hoặc làm bù)'}
                 when kind is null then
                {'field': 'LoaiNgay', 'value': LoaiNgay, 'reason': 'loại ngày phải là "nghỉ" hoặc "làm bù"'} end
        ], lambda e: e is not null) as errors,
        coalesce(strftime(day, '%d/%m/%Y'), Ngay) as record_key
    from kinds
)

select * from final
