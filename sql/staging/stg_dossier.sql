-- typed view over the raw dossiers: local calendar dates and the rules' inputs
create or replace view stg_dossier as
with source as (
    select * from raw_dossier
),

dated as (
    select
        *,
        cast(received_at as date) as received_date,
        cast(due_at as date) as due_date,
        dossier_end_date(finished_at, returned_at, refused_at) as end_date
    from source
),

final as (
    select
        dossier_id,
        agency_code,
        procedure_code,
        field_code,
        channel,
        applicant_type,
        status,
        received_date,
        due_date,
        end_date,
        supplement_count,
        coalesce(has_fee, false) as has_fee,
        paid_online is not null and paid_online in (1, 2) as paid_online,
        coalesce(digitised, false) as digitised,
        coalesce(electronic_result, false) as electronic_result,
        apology_issued,
        is_counted_dossier(status, received_date) as is_counted
    from dated
)

select * from final
