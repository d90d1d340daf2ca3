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
        dossier_end_date(finished_at, returned_at, refused_at, status := status, received_at := received_at)
            as end_date,
        is_end_date_assumed(finished_at, returned_at, refused_at, status) as is_end_date_assumed
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
        is_end_date_assumed,
        supplement_count,
        -- null = the record does not say (not "no fee"): docs/inputs.md
        has_fee,
        case when paid_online is not null then paid_online in (1, 2) end as paid_online,
        case when result_method is not null then result_method = 1 end as result_by_post,
        cast(original_due_at as date) as original_due_date,
        cast(rescheduled_due_at as date) as rescheduled_due_date,
        coalesce(digitised, false) as digitised,
        coalesce(electronic_result, false) as electronic_result,
        coalesce(apology_issued, false) as apology_issued,
        is_counted_dossier(status, received_date) as is_counted
    from dated
)

select * from final
