create or replace view stg_agency as
with final as (
    select
        agency_code,
        trim(agency_name) as agency_name,
        agency_level,
        unit_version,
        unit_code,
        valid_from,
        valid_to,
        verified
    from ref_agency
)

select * from final
