-- Who may see what (docs/security.md). Input load_canonical, output load_parsed.
-- TaiKhoan: a local user name or the e-mail the identity provider gives (compared in lower case);
-- VaiTro: lãnh đạo tỉnh / trưởng cơ quan / xem, or "thu hồi" to remove the account's role;
-- MaDonVi: the agency of a trưởng cơ quan (must be in the agency list).
create or replace temp table load_parsed as
with typed as (
    select
        _row,
        lower(trim(TaiKhoan)) as account,
        regexp_replace(strip_accents(replace(lower(coalesce(VaiTro, '')), 'đ', 'd')), '[^a-z]', '', 'g') as role_key,
        fix_identifier(MaDonVi) as agency_code,
        TaiKhoan, VaiTro, MaDonVi
    from load_canonical
),

roles as (
    select
        *,
        case
            when role_key in ('lanhdaotinh', 'lanhdao', 'lanhdaoubnd', 'lanhdaoubndtinh', 'leader') then 'lanh_dao_tinh'
            when role_key in ('truongcoquan', 'truongdonvi', 'truongcoquandonvi', 'thutruong', 'thutruongcoquan',
                              'thutruongdonvi', 'head') then 'truong_co_quan'
            when role_key in ('xem', 'chixem', 'nguoixem', 'viewer') then 'xem'
        end as role,
        role_key in ('thuhoi', 'khong', 'revoke') as revoked
    from typed
),

final as (
    select
        r.*,
        list_filter([
            case when TaiKhoan is null or account = '' then
                {'field': 'TaiKhoan', 'value': null, 'reason': 'thiếu tài khoản (tên đăng nhập hoặc thư điện tử)'}
                 when not regexp_full_match(account, '[a-z0-9][a-z0-9._@+-]{1,127}') then
                {'field': 'TaiKhoan', 'value': TaiKhoan, 'reason': 'tài khoản không hợp lệ (chữ không dấu, số, . _ @ + -)'} end,
            case when VaiTro is null then {'field': 'VaiTro', 'value': null, 'reason': 'thiếu vai trò'}
                 when role is null and not revoked then
                {'field': 'VaiTro', 'value': VaiTro, 'reason': 'vai trò không hợp lệ (lãnh đạo tỉnh, trưởng cơ quan, xem, thu hồi)'} end,
            case when role = 'truong_co_quan' and r.agency_code is null then
                {'field': 'MaDonVi', 'value': null, 'reason': 'trưởng cơ quan cần mã đơn vị'}
                 when role = 'truong_co_quan' and a.agency_code is null then
                {'field': 'MaDonVi', 'value': MaDonVi, 'reason': 'mã đơn vị không có trong danh sách đơn vị'}
                 when role in ('lanh_dao_tinh', 'xem') and r.agency_code is not null then
                {'field': 'MaDonVi', 'value': MaDonVi, 'reason': 'chỉ trưởng cơ quan gắn với một đơn vị'} end
        ], lambda e: e is not null) as errors,
        TaiKhoan as record_key
    from roles as r
    left join ref_agency as a on a.agency_code = r.agency_code
)

select * from final
