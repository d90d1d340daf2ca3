-- one row per counted dossier (refused and not-yet-received ones are left out, DOMAIN.md)
create or replace table fct_dossier as
with dossiers as (
    select * from stg_dossier where is_counted
),

final as (
    select
        dossier_id,
        agency_code,
        procedure_code,
        field_code,
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
             then finished_class_766(end_date, due_date, status, supplement_count) end as finished_class_766
    from dossiers
)

select * from final
order by received_date, agency_code
