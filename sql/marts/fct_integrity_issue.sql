-- One row per (dossier or loaded record, check) of what the directives call dishonest or sloppy
-- reporting; docs/integrity.md defines each check. event_date places an issue in periods.
-- Bulk closures are found separately for calendar months and for reporting months (15th to 14th):
-- period_basis says which ('month', 'rep_month'); it is null for every other check.
create or replace table fct_integrity_issue as
with as_of as (
    -- the data's date, as dim_period takes it
    select coalesce((select cast(value as date) from meta where key = 'as_of'), current_date) as as_of
),

-- not materialized: six checks read it, each a few columns of a few rows, which a scan of the
-- table gives cheaply; a materialized copy of every dossier would not fit memory at 100 million
dossiers as not materialized (
    select * from fct_dossier
),

-- every loaded state of the dossiers that have a history, in load order; the current state closes
-- the sequence (the loader writes it to the history too: then it repeats the last state, harmlessly).
-- The current state carries no load date: it is dated by its end of processing, if any
states as (
    select dossier_id, status, due_at, finished_at, returned_at, supplement_count, loaded_at,
           cast(loaded_at as date) as seen_date, source_row, 0 as is_current
    from raw_dossier_history
    union all
    select dossier_id, status, due_at, finished_at, returned_at, supplement_count, null,
           dossier_end_date(finished_at, returned_at, refused_at), source_row, 1
    from raw_dossier
    semi join (select distinct dossier_id from raw_dossier_history) using (dossier_id)
),

transitions as (
    select
        dossier_id,
        row_number() over w as seq,
        status,
        lag(status) over w as prev_status,
        cast(due_at as date) as due_date,
        lag(cast(due_at as date)) over w as prev_due_date,
        coalesce(supplement_count, 0) as supplements,
        lag(coalesce(supplement_count, 0)) over w as prev_supplements,
        lag(cast(coalesce(finished_at, returned_at) as date)) over w as prev_end_date,
        seen_date,
        lag(seen_date) over w as prev_seen_date
    from states
    window w as (partition by dossier_id order by is_current, loaded_at, source_row)
),

-- 1. closed with no result: "returned" with no return date and no electronic result, or closed
--    (status 9, 10) and then back in processing at a later load. Only agencies whose data has
--    return dates at all (dim_agency_with_return_dates): a vendor export without the NgayTra column
--    says nothing about results
returned_without_result as (
    select
        d.dossier_id,
        coalesce(d.end_date, d.received_date) as event_date,
        'Trạng thái "Đã trả kết quả" nhưng không có ngày trả kết quả (NgayTra) và không có kết quả '
            || 'điện tử; kết thúc xử lý ngày ' || vn_date_text(d.end_date) || '.' as explanation
    from raw_dossier as r
    join dossiers as d using (dossier_id)
    semi join dim_agency_with_return_dates as a on a.agency_code = r.agency_code
    where r.status = 10 and r.returned_at is null and not coalesce(r.electronic_result, false)
),

reopened as (
    select
        dossier_id,
        coalesce(prev_end_date, prev_seen_date, (select as_of from as_of)) as event_date,
        'Đã kết thúc xử lý' || coalesce(' ngày ' || vn_date_text(prev_end_date), '')
            || ' (trạng thái ' || prev_status || ') rồi quay lại trạng thái ' || status
            || coalesce(' ở lần đồng bộ ngày ' || vn_date_text(seen_date), ' ở dữ liệu hiện tại')
            || ': kết thúc khi chưa có kết quả.' as explanation
    from transitions
    where prev_status in (9, 10) and status in (2, 4, 5, 6)
),

closed_no_result as (
    select dossier_id, min(event_date) as event_date, string_agg(explanation, ' ' order by event_date) as explanation
    from (select * from returned_without_result union all select * from reopened)
    group by dossier_id
),

-- 2. due date moved later between two loads with no new supplement request; waiting for the
--    citizen's financial obligations (status 6) does not count towards the processing time
due_moves as (
    select
        dossier_id,
        seq,
        prev_due_date,
        due_date,
        -- the day the later state was seen (the data's date for an open current state)
        least(coalesce(seen_date, (select as_of from as_of)), (select as_of from as_of)) as seen_date
    from transitions
    where due_date > prev_due_date
      and supplements <= prev_supplements
      and coalesce(status, 0) <> 6
      and coalesce(prev_status, 0) <> 6
),

due_moved as (
    select
        dossier_id,
        min(seen_date) as event_date,
        'Ngày hẹn trả bị lùi từ ' || vn_date_text(arg_min(prev_due_date, seq)) || ' sang '
            || vn_date_text(arg_max(due_date, seq)) || ' (lùi ' || sum(due_date - prev_due_date) || ' ngày'
            || case when count(*) > 1 then ', qua ' || count(*) || ' lần' else '' end
            || ') mà không có yêu cầu bổ sung hồ sơ mới.' as explanation
    from due_moves
    group by dossier_id
),

-- 3. withdrawn after the due date (counted on time), or received and handed back (refused) after
--    it (left out of the counts)
withdrawn_returned as (
    select
        dossier_id,
        end_date as event_date,
        'Công dân rút hồ sơ ngày ' || vn_date_text(end_date) || ', sau ngày hẹn trả ' || vn_date_text(due_date)
            || ' ' || (end_date - due_date) || ' ngày: hồ sơ được tính là đúng hạn.' as explanation
    from dossiers
    where status = 7 and end_date > due_date
    union all
    select
        dossier_id,
        end_date,
        'Hồ sơ đã tiếp nhận ngày ' || vn_date_text(received_date) || ' bị trả lại (trạng thái 3) ngày '
            || vn_date_text(end_date) || ', sau ngày hẹn trả ' || vn_date_text(due_date) || ' '
            || (end_date - due_date) || ' ngày: hồ sơ ra khỏi số liệu nên không bị tính trễ hạn.'
    from stg_dossier
    where status = 3 and received_date is not null and end_date > due_date
),

-- 4. bulk closure: the dossiers an agency closed in the last working days of a month that
--    fct_bulk_closure_period flags (the rule and its settings are there)
bulk_closure as (
    select
        d.dossier_id,
        d.end_date as event_date,
        f.period_basis,
        'Kết thúc xử lý ngày ' || vn_date_text(d.end_date) || ', trong ' || f.last_workdays
            || ' ngày làm việc cuối '
            || case f.period_basis when 'month' then 'tháng ' || strftime(f.end_date, '%m/%Y')
                    else 'kỳ báo cáo tháng ' || strftime(f.end_date, '%m/%Y') || ' (đến ' || vn_date_text(f.end_date) || ')'
               end
            || ': đơn vị kết thúc ' || f.closures_last || '/' || f.closures || ' hồ sơ của kỳ ('
            || vn_decimal_text(100.0 * f.closures_last / f.closures, 1) || '%) trong những ngày này'
            || case when f.rate_multiple is null then ''
                    else ', mỗi ngày gấp ' || vn_decimal_text(f.rate_multiple, 1) || ' lần các ngày làm việc khác'
               end || '.' as explanation
    from fct_bulk_closure_period as f
    join dossiers as d
        on d.agency_code = f.agency_code and d.end_date between f.window_start and f.end_date
),

-- 5. late with no apology slip
late_no_apology as (
    select
        dossier_id,
        end_date as event_date,
        'Kết thúc xử lý ngày ' || vn_date_text(end_date) || ', trễ ' || (end_date - due_date)
            || ' ngày so với ngày hẹn trả ' || vn_date_text(due_date) || ', không có phiếu xin lỗi.' as explanation
    from dossiers
    -- only where a source says "no": an unknown slip (null, no source covers it, docs/late.md) is
    -- never flagged, or a province whose sync record carries no slips would see every late dossier
    where finished_class = 'late' and not apology_issued
),

-- 6. more than one supplement request (the day it ended, or was received while still open)
repeat_supplement as (
    select
        dossier_id,
        coalesce(end_date, received_date) as event_date,
        'Yêu cầu bổ sung ' || supplement_count || ' lần (chỉ được yêu cầu bổ sung một lần); '
            || 'Bộ chỉ số 766 tính hồ sơ này là trễ hạn.' as explanation
    from dossiers
    where supplement_count > 1
),

-- 7. processing stopped (status 8): waiting on the citizen, so never overdue while open
stopped as (
    select
        d.dossier_id,
        coalesce(d.end_date, d.received_date) as event_date,
        case
            when d.end_date is not null then
                'Dừng xử lý (trạng thái 8), kết thúc ngày ' || vn_date_text(d.end_date)
                || coalesce(', hẹn trả ' || vn_date_text(d.due_date), '') || '.'
            when d.due_date < a.as_of then
                'Đang dừng xử lý (trạng thái 8); hẹn trả ' || vn_date_text(d.due_date) || ' đã qua tại ngày số liệu '
                || vn_date_text(a.as_of) || ' nhưng hồ sơ dừng không bị tính quá hạn.'
            else 'Đang dừng xử lý (trạng thái 8)' || coalesce(', hẹn trả ' || vn_date_text(d.due_date), '') || '.'
        end as explanation
    from dossiers as d
    cross join as_of as a
    where d.status = 8
),

-- 8. records the loader quarantined, one row per record (file and row); the agency is the
--    dossier's when it was loaded right another time, else the one its MaHoSo names when it
--    follows the national pattern <agency code>-<yymmdd>-<number>
quarantined_records as (
    select
        load_id,
        kind,
        source_file,
        source_row,
        max(record_key) as record_key,
        string_agg(
            reason || case when value is not null then ' (' || coalesce(field, '') || ': ' || value || ')'
                           when field is not null then ' (' || field || ')' else '' end,
            '; ' order by field) as reasons
    from quarantine
    where kind in ('dossier', 'step')
    group by load_id, kind, source_file, source_row
),

quarantined as (
    select
        q.record_key as dossier_id,
        'tệp ' || q.source_file || coalesce(', dòng ' || q.source_row, '') as record_ref,
        coalesce(d.agency_code, a.agency_code) as agency_code,
        -- the dossier's receiving date, else the date in its MaHoSo, else the load's (not after as_of)
        least(coalesce(d.received_date,
                       cast(try_strptime(regexp_extract(q.record_key, '-([0-9]{6})-[0-9]+$', 1), '%y%m%d') as date),
                       cast(l.started_at as date),
                       x.as_of), x.as_of) as event_date,
        'Bản ghi ' || case q.kind when 'step' then 'bước xử lý' else 'hồ sơ' end || ' bị loại khi nạp: '
            || q.reasons || '.' as explanation,
        q.source_file,
        q.source_row
    from quarantined_records as q
    cross join as_of as x
    left join (select * from stg_dossier
               where dossier_id in (select record_key from quarantine)) as d on d.dossier_id = q.record_key
    left join dim_agency as a on a.agency_code = regexp_extract(q.record_key, '^(.+)-[0-9]{6}-[0-9]+$', 1)
    left join load_log as l on l.load_id = q.load_id
),

-- 9. late dossiers with processing steps, and the department that held them
late_department as (
    select
        dossier_id,
        coalesce(end_date, due_date + 1) as event_date,    -- the day it ended late, or became overdue
        case late_state when 'finished_late' then 'Giải quyết trễ ' else 'Đang quá hạn ' end || late_days || ' ngày'
            || case when department is not null then
                   '; ' || department || ' làm chậm hồ sơ ' || added_days || ' ngày làm việc (bước "'
                   || coalesce(step_action, '') || '": hạn ' || vn_date_text(step_planned_end) || ', thực hiện '
                   || vn_date_text(step_acted_date)
                   || case when overrun_days > added_days
                           then ', quá hạn bước ' || overrun_days || ' ngày, trong đó ' || (overrun_days - added_days)
                                || ' ngày do bước trước chậm'
                           else '' end || ').'
               else '; không bước xử lý nào làm chậm hồ sơ (' || steps || ' bước đã nạp).'
               end as explanation
    from fct_late_holdup
),

-- 10. dossiers of an agency that no longer exists (valid_to before the data's date: the old districts'
--     and communes' UBNDs after 30/06/2025) that were not handed over to its successor: still open
--     on the data's date, or finished after the agency ended under its code. Dated by the data's
--     date while open (the issue is current), by the end date once finished
ceased_agency_open as (
    select
        d.dossier_id,
        coalesce(d.end_date, x.as_of) as event_date,
        'Tiếp nhận ngày ' || vn_date_text(d.received_date) || ' tại ' || s.agency_display
            || ', cơ quan đã giải thể (hoạt động đến hết ngày ' || vn_date_text(s.ended_on) || '); '
            || case when d.end_date is null
                    then 'hồ sơ vẫn chưa kết thúc tại ngày số liệu ' || vn_date_text(x.as_of)
                         || case when open_class(d.due_date, d.status, x.as_of) = 'overdue'
                                 then ', quá hạn từ ngày ' || vn_date_text(d.due_date + 1) else '' end
                    else 'hồ sơ kết thúc ngày ' || vn_date_text(d.end_date) || ' dưới mã của cơ quan đã giải thể'
               end
            || '; ' || coalesce('cần chuyển cho cơ quan kế thừa: ' || s.successor_display,
                                'chưa xác định được cơ quan kế thừa') || '.' as explanation
    from dossiers as d
    join dim_agency_successor as s using (agency_code)
    cross join as_of as x
    where s.ended_on < x.as_of
      and (d.end_date is null or d.end_date > s.ended_on)
),

issues as (
    select 'closed_no_result' as check_key, * from closed_no_result
    union all by name
    select 'due_moved_no_supplement' as check_key, * from due_moved
    union all by name
    select 'withdrawn_returned_on_time' as check_key, * from withdrawn_returned
    union all by name
    select 'bulk_closure' as check_key, * from bulk_closure
    union all by name
    select 'late_no_apology' as check_key, * from late_no_apology
    union all by name
    select 'repeat_supplement' as check_key, * from repeat_supplement
    union all by name
    select 'stopped' as check_key, * from stopped
    union all by name
    select 'quarantined' as check_key, * from quarantined
    union all by name
    select 'late_department' as check_key, * from late_department
    union all by name
    select 'ceased_agency_open' as check_key, * from ceased_agency_open
),

-- the raw records of the dossiers with an issue: read by a semi join on the issues, so that the
-- join below holds a tenth of the records, not every one of them
issue_records as (
    select * from raw_dossier
    where dossier_id in (select dossier_id from issues)
),

final as (
    select
        i.check_key,
        i.dossier_id,
        i.record_ref,
        coalesce(i.agency_code, r.agency_code) as agency_code,
        r.procedure_code,
        cast(r.received_at as date) as received_date,
        cast(r.due_at as date) as due_date,
        dossier_end_date(r.finished_at, r.returned_at, r.refused_at, status := r.status,
                         received_at := r.received_at) as end_date,
        i.event_date,
        i.period_basis,
        h.department,                          -- the department that held it, when it is late
        h.added_days as held_days,             -- working days of delay that department added
        i.explanation,
        coalesce(i.source_file, r.source_file) as source_file,
        coalesce(i.source_row, r.source_row) as source_row
    from issues as i
    left join issue_records as r on r.dossier_id = i.dossier_id
    left join fct_late_holdup as h on h.dossier_id = i.dossier_id
)

select * from final
order by check_key, agency_code, event_date, dossier_id
;
