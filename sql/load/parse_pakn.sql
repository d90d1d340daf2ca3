-- Citizens' complaints and petitions (PAKN) of one file. Input load_canonical, output load_parsed.
-- $now is the load's time. Satisfaction as vendors write it: "Hài lòng", "Rất hài lòng", "Không hài
-- lòng", "Bình thường" (not satisfied), or yes/no.
create or replace temp table load_parsed as
with typed as (
    select
        _row,
        fix_identifier(MaPAKN) as pakn_id,
        fix_identifier(MaDonViXuLy) as agency_code,
        DonViXuLy as agency_name,
        parse_local_ts(NgayTiepNhan) as received_at,
        parse_local_ts(HanXuLy) as due_at,
        parse_local_ts(NgayXuLy) as resolved_at,
        case
            when HaiLong is null then null
            when strip_accents(lower(HaiLong)) in ('hai long', 'rat hai long') then true
            when strip_accents(lower(HaiLong)) in ('khong hai long', 'rat khong hai long', 'chua hai long',
                                                   'binh thuong') then false
            else parse_flag(HaiLong)
        end as satisfied,
        MaPAKN, MaDonViXuLy, NgayTiepNhan, HanXuLy, NgayXuLy, HaiLong
    from load_canonical
),

final as (
    select
        *,
        list_filter([
            case when MaPAKN is null then {'field': 'MaPAKN', 'value': null, 'reason': 'thiếu mã phản ánh, kiến nghị'} end,
            case when MaDonViXuLy is null then
                {'field': 'MaDonViXuLy', 'value': null, 'reason': 'thiếu mã đơn vị xử lý'} end,
            case when NgayTiepNhan is null then
                {'field': 'NgayTiepNhan', 'value': null, 'reason': 'thiếu ngày tiếp nhận'}
                 when received_at is null then
                {'field': 'NgayTiepNhan', 'value': NgayTiepNhan, 'reason': 'ngày không hợp lệ'}
                 when year(received_at) < 2000 or received_at > $now::timestamp + interval 1 day then
                {'field': 'NgayTiepNhan', 'value': NgayTiepNhan, 'reason': 'ngày không thể có (trước năm 2000 hoặc sau hôm nay)'} end,
            case when HanXuLy is not null and due_at is null then
                {'field': 'HanXuLy', 'value': HanXuLy, 'reason': 'ngày không hợp lệ'}
                 when cast(due_at as date) < cast(received_at as date) then
                {'field': 'HanXuLy', 'value': HanXuLy, 'reason': 'hạn xử lý trước ngày tiếp nhận'} end,
            case when NgayXuLy is not null and resolved_at is null then
                {'field': 'NgayXuLy', 'value': NgayXuLy, 'reason': 'ngày không hợp lệ'}
                 when resolved_at > $now::timestamp + interval 1 day then
                {'field': 'NgayXuLy', 'value': NgayXuLy, 'reason': 'ngày không thể có (sau hôm nay)'}
                 when cast(resolved_at as date) < cast(received_at as date) then
                {'field': 'NgayXuLy', 'value': NgayXuLy, 'reason': 'xử lý xong trước ngày tiếp nhận'} end,
            case when HaiLong is not null and satisfied is null then
                {'field': 'HaiLong', 'value': HaiLong, 'reason': 'đánh giá không hợp lệ (hài lòng / không hài lòng)'} end
        ], lambda e: e is not null) as errors,
        MaPAKN as record_key
    from typed
)

select * from final
