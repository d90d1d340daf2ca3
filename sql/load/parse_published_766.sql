-- Decision 766 scores as the national portal publishes them (docs/published_766.md). Input
-- load_canonical (one row per record of every score sheet: _sheet, _row, _scope and the portal's
-- columns), load_766_max (portal_code, max_points: the groups of ref_766_group and TONG_SCORE of 100)
-- and the parameters $period (--period), $file_period (from the file's name) and $row_word ('dòng' or
-- 'bản ghi'); output load_parsed. A record is rejected whole, with its sheet, row and reason: a score
-- that is not a number, negative or above its group's maximum, a missing code, name, kind or total.
-- An empty group cell is "không có dữ liệu" (null), never 0.
create or replace temp table load_parsed as
with located as (
    select
        c.*,
        case when _sheet is not null then 'trang tính ''' || _sheet || ''', dòng ' || _row
             else $row_word || ' ' || _row end || ': ' as loc,
        -- --period wins over the record's own period, which wins over the file's name
        coalesce($period,
                 case when regexp_full_match(trim(KY), '\d{4}-(0[1-9]|1[0-2])') then trim(KY)
                      when regexp_full_match(trim(KY), '(0?[1-9]|1[0-2])/\d{4}')
                          then split_part(trim(KY), '/', 2) || '-' || lpad(split_part(trim(KY), '/', 1), 2, '0')
                 end,
                 case when KY is null then $file_period end) as period_key
    from load_canonical as c
),

scores as (
    unpivot (select _sheet, _row, TDGQ, MDHL, MDSH, TTTT, CLGQ, CKMB, TONG_SCORE from located)
    on TDGQ, MDHL, MDSH, TTTT, CLGQ, CKMB, TONG_SCORE
    into name code value text
),

valued as (
    select
        s.*,
        -- '18.2' (the portal, a spreadsheet's number) or '18,2' (typed the Vietnamese way)
        try_cast(case when s.text like '%,%' and s.text not like '%.%' then replace(s.text, ',', '.')
                      else s.text end as double) as points,
        m.max_points
    from scores as s
    left join load_766_max as m on m.portal_code = s.code
),

checked as (
    select
        *,
        case when points is null or not isfinite(points) then 'không phải số'
             when points < 0 then 'âm'
             when points > max_points + 1e-9 then 'vượt điểm tối đa ' || replace(max_points::varchar, '.0', '')
        end as problem
    from valued
),

by_record as (
    select
        _sheet,
        _row,
        max(points) filter (where code = 'TDGQ') as points_timeliness,
        max(points) filter (where code = 'MDHL') as points_satisfaction,
        max(points) filter (where code = 'MDSH') as points_digitisation,
        max(points) filter (where code = 'TTTT') as points_payment,
        max(points) filter (where code = 'CLGQ') as points_online,
        max(points) filter (where code = 'CKMB') as points_transparency,
        max(points) filter (where code = 'TONG_SCORE') as total_points,
        list({'field': code, 'value': text, 'problem': code || ' ' || problem || ' (' || text || ')'}
             order by code) filter (where problem is not null) as score_errors
    from checked
    group by _sheet, _row
),

typed as (
    select
        l.*,
        b.* exclude (_sheet, _row),
        case trim(l.LOAI_COQUAN) when '1' then 'province' when '2' then 'department' when '3' then 'commune'
            when '1.0' then 'province' when '2.0' then 'department' when '3.0' then 'commune' end as agency_kind,
        try_cast(l.ROW_STT as double) as rank_number
    from located as l
    left join by_record as b on b._row = l._row and b._sheet is not distinct from l._sheet
),

final as (
    select
        _sheet,
        _row,
        _scope as scope,
        period_key,
        agency_kind,
        MA_COQUAN as portal_code,
        ID as portal_id,
        TEN_COQUAN as portal_name,
        points_timeliness,
        points_satisfaction,
        points_digitisation,
        points_payment,
        points_online,
        points_transparency,
        total_points,
        case when rank_number = floor(rank_number) then rank_number::integer end as portal_rank,
        list_filter(list_concat([
            case when MA_COQUAN is null then {'field': 'MA_COQUAN', 'value': null,
                                              'reason': loc || 'thiếu mã cơ quan (MA_COQUAN)'} end,
            case when TEN_COQUAN is null then {'field': 'TEN_COQUAN', 'value': null,
                                               'reason': loc || 'thiếu tên cơ quan (TEN_COQUAN)'} end,
            case when agency_kind is null then {'field': 'LOAI_COQUAN', 'value': LOAI_COQUAN,
                'reason': loc || 'LOAI_COQUAN phải là 1 (tỉnh), 2 (sở, ban, ngành) hoặc 3 (xã, phường)'} end,
            case when TONG_SCORE is null then {'field': 'TONG_SCORE', 'value': null,
                                               'reason': loc || 'thiếu tổng điểm (TONG_SCORE)'} end,
            case when ROW_STT is not null and (rank_number is null or rank_number <> floor(rank_number)
                                               or rank_number < 1) then
                {'field': 'ROW_STT', 'value': ROW_STT, 'reason': loc || 'ROW_STT không phải thứ hạng (số nguyên)'} end,
            case when period_key is null and KY is not null then
                {'field': 'KY', 'value': KY, 'reason': loc || 'kỳ không hợp lệ (cần YYYY-MM)'}
                 when period_key is null then
                {'field': 'KY', 'value': null, 'reason': loc || 'thiếu kỳ: thêm --period YYYY-MM'} end
        ], coalesce(list_transform(score_errors, lambda e: {'field': e.field, 'value': e.value,
                                                            'reason': loc || 'điểm ' || e.problem}), [])),
            lambda e: e is not null) as errors,
        coalesce(_sheet || ' · ', '') || coalesce(MA_COQUAN, '?') as record_key
    from typed
)

select * from final
