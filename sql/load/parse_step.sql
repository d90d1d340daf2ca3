-- Processing steps (CapNhatTienDoHoSoMC) of one file. Input load_canonical, output load_parsed.
create or replace temp table load_parsed as
with typed as (
    select
        _row,
        fix_identifier(MaHoSo) as dossier_id,
        PhongBanXuLy as department,
        parse_local_ts(ThoiDiemXuLy) as acted_at,
        NoiDungXuLy as action,
        TrangThai as step_status,
        parse_local_ts(NgayKetThucTheoQuyDinh) as planned_end,
        MaHoSo, ThoiDiemXuLy, NgayKetThucTheoQuyDinh
    from load_canonical
),

final as (
    select
        *,
        list_filter([
            case when MaHoSo is null then {'field': 'MaHoSo', 'value': null, 'reason': 'thiếu mã hồ sơ'} end,
            case when ThoiDiemXuLy is null then
                {'field': 'ThoiDiemXuLy', 'value': null, 'reason': 'thiếu thời điểm xử lý'}
                 when acted_at is null then
                {'field': 'ThoiDiemXuLy', 'value': ThoiDiemXuLy, 'reason': 'ngày không hợp lệ'} end,
            case when NgayKetThucTheoQuyDinh is not null and planned_end is null then
                {'field': 'NgayKetThucTheoQuyDinh', 'value': NgayKetThucTheoQuyDinh, 'reason': 'ngày không hợp lệ'} end
        ], lambda e: e is not null) as errors
    from typed
)

select * from final
