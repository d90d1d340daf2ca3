-- Satisfaction ratings of dossiers of one file. Input load_canonical, output load_parsed. $now is the
-- load's time. A rating is satisfied when it says so ("Hài lòng", "Rất hài lòng", yes) or, when it
-- only gives a score from 1 to 5, when the score is 4 or 5.
create or replace temp table load_parsed as
with typed as (
    select
        _row,
        fix_identifier(MaDanhGia) as rating_id,
        fix_identifier(MaHoSo) as dossier_id,
        fix_identifier(MaDonViXuLy) as agency_code,
        DonViXuLy as agency_name,
        parse_local_ts(NgayDanhGia) as rated_at,
        parse_code_int(DiemDanhGia) as score_raw,
        case
            when HaiLong is null then null
            when strip_accents(lower(HaiLong)) in ('hai long', 'rat hai long') then true
            when strip_accents(lower(HaiLong)) in ('khong hai long', 'rat khong hai long', 'chua hai long',
                                                   'binh thuong') then false
            else parse_flag(HaiLong)
        end as satisfied_raw,
        MaDanhGia, MaHoSo, MaDonViXuLy, NgayDanhGia, DiemDanhGia, HaiLong
    from load_canonical
),

valued as (
    select
        *,
        case when score_raw between 1 and 5 then score_raw::tinyint end as score,
        coalesce(satisfied_raw, case when score_raw between 1 and 5 then score_raw >= 4 end) as satisfied
    from typed
),

final as (
    select
        *,
        list_filter([
            case when MaHoSo is null and MaDonViXuLy is null then
                {'field': 'MaHoSo', 'value': null, 'reason': 'cần mã hồ sơ hoặc mã đơn vị được đánh giá'} end,
            case when NgayDanhGia is null then
                {'field': 'NgayDanhGia', 'value': null, 'reason': 'thiếu ngày đánh giá'}
                 when rated_at is null then
                {'field': 'NgayDanhGia', 'value': NgayDanhGia, 'reason': 'ngày không hợp lệ'}
                 when year(rated_at) < 2000 or rated_at > $now::timestamp + interval 1 day then
                {'field': 'NgayDanhGia', 'value': NgayDanhGia, 'reason': 'ngày không thể có (trước năm 2000 hoặc sau hôm nay)'} end,
            case when DiemDanhGia is not null and score is null then
                {'field': 'DiemDanhGia', 'value': DiemDanhGia, 'reason': 'điểm đánh giá phải từ 1 đến 5'} end,
            case when HaiLong is not null and satisfied_raw is null then
                {'field': 'HaiLong', 'value': HaiLong, 'reason': 'đánh giá không hợp lệ (hài lòng / không hài lòng)'}
                 when HaiLong is null and DiemDanhGia is null then
                {'field': 'HaiLong', 'value': null, 'reason': 'thiếu kết quả đánh giá (hài lòng hoặc điểm)'} end
        ], lambda e: e is not null) as errors,
        coalesce(MaDanhGia, MaHoSo) as record_key
    from valued
)

select * from final
