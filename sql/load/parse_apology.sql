-- Apology slips of one file (a list of slips: dossier code, slip date, new appointment date).
-- Input load_canonical, output load_parsed; $now is the load's time. A slip for a dossier not (yet)
-- loaded is kept: its dossier may come in a later file.
create or replace temp table load_parsed as
with typed as (
    select
        _row,
        fix_identifier(MaHoSo) as dossier_id,
        cast(parse_local_ts(NgayXinLoi) as date) as slip_date,
        cast(parse_local_ts(NgayHenTraMoi) as date) as new_due_date,
        MaHoSo, NgayXinLoi, NgayHenTraMoi
    from load_canonical
),

final as (
    select
        *,
        list_filter([
            case when MaHoSo is null then {'field': 'MaHoSo', 'value': null, 'reason': 'thiếu mã hồ sơ'} end,
            case when NgayXinLoi is null then
                {'field': 'NgayXinLoi', 'value': null, 'reason': 'thiếu ngày xin lỗi'}
                 when slip_date is null then
                {'field': 'NgayXinLoi', 'value': NgayXinLoi, 'reason': 'ngày không hợp lệ'}
                 when year(slip_date) < 2000 or slip_date > cast($now::timestamp + interval 1 day as date) then
                {'field': 'NgayXinLoi', 'value': NgayXinLoi, 'reason': 'ngày không thể có (trước năm 2000 hoặc sau hôm nay)'} end,
            case when NgayHenTraMoi is not null and new_due_date is null then
                {'field': 'NgayHenTraMoi', 'value': NgayHenTraMoi, 'reason': 'ngày không hợp lệ'}
                 when new_due_date < slip_date then
                {'field': 'NgayHenTraMoi', 'value': NgayHenTraMoi, 'reason': 'ngày hẹn trả mới trước ngày xin lỗi'} end
        ], lambda e: e is not null) as errors,
        MaHoSo as record_key
    from typed
)

select * from final
