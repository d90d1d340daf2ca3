-- one row per counted dossier (refused and not-yet-received ones are left out, docs/domain.md)
create or replace table fct_dossier as
with dossiers as (
    select * from stg_dossier where is_counted
),

procedures as (
    select procedure_code, field_code, statutory_days, has_fee from dim_procedure
),

final as (
    select
        d.dossier_id,
        d.agency_code,
        d.procedure_code,
        coalesce(d.field_code, p.field_code) as field_code,
        channel,
        status,
        received_date,
        due_date,
        end_date,
        supplement_count,
        -- the dossier's own fee list (or vendor column), else the procedure catalogue's flag; null:
        -- neither says (not in the online-payment denominator, and not "no fee": docs/inputs.md)
        coalesce(d.has_fee, p.has_fee) as has_fee,
        paid_online,
        result_by_post,
        original_due_date,
        rescheduled_due_date,
        digitised,
        electronic_result,
        apology_issued,
        apology_date,
        apology_new_due_date,
        case when end_date is not null then finished_class(end_date, due_date, status) end as finished_class,
        case when end_date is not null
             then finished_class_766(end_date, due_date, status, supplement_count) end as finished_class_766,
        p.statutory_days,
        -- working days from receipt to the end of processing (0 = the same day); unknown for a
        -- withdrawn dossier whose record has no end date (its end date is assumed)
        case when not d.is_end_date_assumed then e.workday_index - r.workday_index end as processing_workdays
    from dossiers as d
    left join procedures as p using (procedure_code)
    left join dim_date as r on r.day = d.received_date
    left join dim_date as e on e.day = d.end_date
)

select * from final
order by received_date, agency_code
;
