-- agencies, with the unit they serve and their peer group; codes seen only in dossiers are kept
-- as unverified agencies so that no dossier drops out of the counts
create or replace table dim_agency as
with listed as (
    select * from stg_agency
),

seen_only as (
    select distinct d.agency_code
    from raw_dossier as d
    anti join listed as a using (agency_code)
),

agencies as (
    select * from listed
    union all by name
    select agency_code, agency_code as agency_name, null as agency_level, false as verified
    from seen_only
),

final as (
    select
        a.agency_code,
        a.agency_name,
        a.agency_level,
        a.unit_version,
        a.unit_code,
        u.unit_label,
        u.province_code,
        -- peers are ranked only against agencies of the same kind and the same era
        case
            when a.agency_level is null then 'unverified'
            when a.agency_level = 'department' then 'department'
            when a.agency_level = 'central' then 'central'
            when a.agency_level = 'district' then 'district'
            when a.agency_level = 'commune' and a.unit_version = 1 then 'commune_old'
            else 'commune'
        end as peer_group,
        -- the old-hierarchy district a commune agency belongs to, for drill-down
        case when a.agency_level = 'commune' and a.unit_version = 1 then u.parent_code end as district_code,
        a.valid_from,
        a.valid_to,
        a.verified
    from agencies as a
    left join dim_unit as u
        on u.hierarchy_version = a.unit_version and u.unit_code = a.unit_code
)

select * from final
