-- typed view over the raw dossiers: local calendar dates and the rules' inputs
create or replace view stg_dossier as
with source as (
    select * from raw_dossier
),

slips as (
    select * from stg_apology_slip
),

covered as (
    select agency_code, true as is_covered from stg_apology_coverage
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

-- the apology slip: yes when a loaded slip names the dossier or the vendor's column says yes; no when
-- the column says no or a loaded list covers the agency (stg_apology_coverage); else unknown (null).
-- The national sync record has no such field: without a source a late dossier is "no data", not "no"
with_slips as (
    select
        d.* exclude (apology_issued),
        case when s.dossier_id is not null or d.apology_issued then true
             when d.apology_issued = false or c.is_covered then false
        end as apology_issued,
        s.first_slip_date as apology_date,
        s.new_due_date as apology_new_due_date
    from dated as d
    left join slips as s using (dossier_id)
    left join covered as c using (agency_code)
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
        apology_issued,
        apology_date,
        apology_new_due_date,
        is_counted_dossier(status, received_date) as is_counted
    from with_slips
)

select * from final
