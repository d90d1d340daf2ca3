-- The agency list. Input load_canonical, output load_parsed.
create or replace temp table load_parsed as
with typed as (
    select
        _row,
        fix_identifier(MaDonVi) as agency_code,
        TenDonVi as agency_name,
        case
            when CapDonVi is null then null
            when strip_accents(lower(CapDonVi)) in ('department', 'so', 'so, ban, nganh', 'so ban nganh', 'cap tinh', 'tinh', 'ban')
                 or strip_accents(lower(CapDonVi)) like 'so %' then 'department'
            when strip_accents(lower(CapDonVi)) in ('central', 'trung uong', 'co quan trung uong', 'nganh doc')
                 or strip_accents(lower(CapDonVi)) like '%trung uong%' then 'central'
            when strip_accents(lower(CapDonVi)) in ('district', 'huyen', 'cap huyen') then 'district'
            when strip_accents(lower(CapDonVi)) in ('commune', 'xa', 'cap xa', 'phuong', 'xa, phuong') then 'commune'
        end as agency_level,
        fix_identifier(MaDonViHanhChinh) as unit_code_raw,
        parse_code_int(PhienBanDonVi) as unit_version_raw,
        cast(parse_local_ts(HieuLucTu) as date) as valid_from,
        cast(parse_local_ts(HieuLucDen) as date) as valid_to,
        MaDonVi, TenDonVi, CapDonVi, MaDonViHanhChinh, PhienBanDonVi, HieuLucTu, HieuLucDen
    from load_canonical
),

-- GSO codes lose their leading zeros in spreadsheets: districts have 3 digits, communes 5
units as (
    select
        *,
        case when unit_code_raw is null then null
             when agency_level = 'department' or agency_level = 'central' then lpad(unit_code_raw, 2, '0')
             when agency_level = 'district' then lpad(unit_code_raw, 3, '0')
             else lpad(unit_code_raw, 5, '0') end as unit_code,
        coalesce(unit_version_raw,
                 case when agency_level = 'district' or valid_to <= date '2025-06-30' then 1 else 2 end)
            as unit_version
    from typed
),

final as (
    select
        u.*,
        list_filter([
            case when MaDonVi is null then {'field': 'MaDonVi', 'value': null, 'reason': 'thiếu mã đơn vị'} end,
            case when TenDonVi is null then {'field': 'TenDonVi', 'value': null, 'reason': 'thiếu tên đơn vị'} end,
            case when CapDonVi is null then {'field': 'CapDonVi', 'value': null, 'reason': 'thiếu cấp đơn vị'}
                 when agency_level is null then
                {'field': 'CapDonVi', 'value': CapDonVi, 'reason': 'cấp không hợp lệ (sở/ban/ngành, trung ương, huyện, xã)'} end,
            case when PhienBanDonVi is not null and unit_version_raw not in (1, 2) then
                {'field': 'PhienBanDonVi', 'value': PhienBanDonVi, 'reason': 'phiên bản danh mục đơn vị hành chính phải là 1 (đến 30/06/2025) hoặc 2 (từ 01/07/2025)'} end,
            case when u.unit_code is not null and r.unit_code is null then
                {'field': 'MaDonViHanhChinh', 'value': MaDonViHanhChinh, 'reason': 'mã đơn vị hành chính không có trong danh mục chính thức'} end,
            case when HieuLucTu is not null and valid_from is null then
                {'field': 'HieuLucTu', 'value': HieuLucTu, 'reason': 'ngày không hợp lệ'} end,
            case when HieuLucDen is not null and valid_to is null then
                {'field': 'HieuLucDen', 'value': HieuLucDen, 'reason': 'ngày không hợp lệ'} end,
            case when valid_to < valid_from then
                {'field': 'HieuLucDen', 'value': HieuLucDen, 'reason': 'hết hiệu lực trước ngày có hiệu lực'} end
        ], lambda e: e is not null) as errors,
        MaDonVi as record_key
    from units as u
    left join ref_unit as r
        on r.hierarchy_version = u.unit_version and r.unit_code = u.unit_code
)

select * from final
