-- Annual plan targets. Input load_canonical and load_kpi_names (name_key, kpi, unit), output load_parsed.
-- A rate target is a share (96%, 0,96); a count target (unit 'count', e.g. overdue_count with
-- SoSanh '<=': at most N late dossiers) is a whole number of dossiers, 1.000 written the Vietnamese way.
create or replace temp table load_parsed as
with typed as (
    select
        c._row,
        parse_code_int(Nam) as year,
        case
            when CapDonVi is null then null
            when strip_accents(lower(CapDonVi)) in ('province', 'tinh', 'toan tinh') then 'province'
            when strip_accents(lower(CapDonVi)) in ('department', 'so', 'so, ban, nganh', 'so ban nganh', 'cap tinh') then 'department'
            when strip_accents(lower(CapDonVi)) in ('central', 'trung uong') then 'central'
            when strip_accents(lower(CapDonVi)) in ('district', 'huyen', 'cap huyen') then 'district'
            when strip_accents(lower(CapDonVi)) in ('commune', 'xa', 'cap xa') then 'commune'
        end as agency_level,
        fix_identifier(MaDonVi) as agency_code,
        k.kpi,
        k.unit = 'count' as is_count,
        case replace(SoSanh, ' ', '')
            when '>=' then '>=' when '≥' then '>=' when '<=' then '<=' when '≤' then '<='
        end as comparator,
        -- '96%', '96', '0,96' and '0.96' all mean 0.96 for a rate
        try_cast(replace(replace(GiaTri, '%', ''), ',', '.') as double) as number,
        GiaTri like '%\%%' escape '\' as is_percent,
        -- a count: '12', '1.000' or '1 000' (thousands), '12.0' (a spreadsheet's number)
        case
            when regexp_full_match(trim(GiaTri), '[0-9]{1,3}([. ][0-9]{3})+')
                then cast(regexp_replace(trim(GiaTri), '[. ]', '', 'g') as double)
            when regexp_full_match(trim(GiaTri), '[0-9]+(\.0+)?') then cast(trim(GiaTri) as double)
        end as count_number,
        Nam, CapDonVi, MaDonVi, ChiSo, SoSanh, GiaTri
    from load_canonical as c
    left join load_kpi_names as k
        -- as mapping.header_key: strip_accents leaves đ alone, so 'đúng hạn' lost its d
        on k.name_key = regexp_replace(strip_accents(replace(lower(coalesce(c.ChiSo, '')), 'đ', 'd')),
                                       '[^0-9a-z]', '', 'g')
),

valued as (
    select
        *,
        case when is_count then count_number
             when is_percent or number > 1 then number / 100 else number end as target_value
    from typed
),

final as (
    select
        *,
        list_filter([
            case when Nam is null then {'field': 'Nam', 'value': null, 'reason': 'thiếu năm'}
                 when year is null or year not between 2000 and 2100 then
                {'field': 'Nam', 'value': Nam, 'reason': 'năm không hợp lệ'} end,
            case when CapDonVi is null and MaDonVi is null then
                {'field': 'CapDonVi', 'value': null, 'reason': 'cần cấp đơn vị hoặc mã đơn vị'}
                 when CapDonVi is not null and agency_level is null then
                {'field': 'CapDonVi', 'value': CapDonVi, 'reason': 'cấp không hợp lệ (tỉnh, sở/ban/ngành, trung ương, huyện, xã)'} end,
            case when ChiSo is null then {'field': 'ChiSo', 'value': null, 'reason': 'thiếu chỉ số'}
                 when kpi is null then {'field': 'ChiSo', 'value': ChiSo, 'reason': 'chỉ số không có trong danh mục chỉ số'} end,
            case when SoSanh is null then {'field': 'SoSanh', 'value': null, 'reason': 'thiếu phép so sánh (>= hoặc <=)'}
                 when comparator is null then {'field': 'SoSanh', 'value': SoSanh, 'reason': 'phép so sánh phải là >= hoặc <='} end,
            case when GiaTri is null then {'field': 'GiaTri', 'value': null, 'reason': 'thiếu giá trị chỉ tiêu'}
                 when is_count and count_number is null then
                {'field': 'GiaTri', 'value': GiaTri, 'reason': 'chỉ tiêu này là số hồ sơ: phải là số nguyên không âm'}
                 when not coalesce(is_count, false) and (number is null or target_value < 0 or target_value > 1) then
                {'field': 'GiaTri', 'value': GiaTri, 'reason': 'giá trị chỉ tiêu phải là tỷ lệ từ 0 đến 100%'} end
        ], lambda e: e is not null) as errors,
        coalesce(MaDonVi, CapDonVi) || ' ' || coalesce(ChiSo, '') as record_key
    from valued
)

select * from final
