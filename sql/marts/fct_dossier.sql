-- one row per counted dossier (refused and not-yet-received ones are left out, DOMAIN.md)
create or replace table fct_dossier as
with dossiers as (
    select * from stg_dossier where is_counted
),

procedures as (
    select procedure_code, field_code, statutory_days from dim_procedure
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
        has_fee,
        paid_online,
        digitised,
        electronic_result,
        apology_issued,
        case when end_date is not null then finished_class(end_date, due_date, status) end as finished_class,
        case when end_date is not null
             then finished_class_766(end_date, due_date, status, supplement_count) end as finished_class_766,
        p.statutory_days,
        -- working days from receipt to the end of processing (0 = the same day)
        e.workday_index - r.workday_index as processing_workdays
    from dossiers as d
    left join procedures as p using (procedure_code)
    left join dim_date as r on r.day = d.received_date
    left join dim_date as e on e.day = d.end_date
)

select * from final
order by received_date, agency_code
