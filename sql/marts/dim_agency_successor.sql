-- Every agency that ended (valid_to: the old districts and communes on 30/06/2025), how the pages name
-- it (an old commune with its district: commune names repeat) and the agency that took over its open
-- dossiers (sql/macros/agency_successor.sql), with its unit's parent; null when
-- none is known (a department merged away, or no crosswalk loaded).
create or replace table dim_agency_successor as
with ended as (
    select * from dim_agency where valid_to is not null
),

named as (
    select
        a.agency_code,
        a.agency_name,
        a.agency_level,
        a.valid_to as ended_on,
        case when a.agency_level = 'commune' and u.parent_name is not null
             then a.agency_name || ', ' || u.parent_name else a.agency_name end as agency_display
    from ended as a
    left join dim_unit as u on u.hierarchy_version = a.unit_version and u.unit_code = a.unit_code
),

final as (
    select
        n.*,
        x.successor_agency_code,
        s.agency_name as successor_name,
        case when su.parent_name is not null then s.agency_name || ', ' || su.parent_name
             else s.agency_name end as successor_display
    from named as n
    left join agency_successor() as x using (agency_code)
    left join dim_agency as s on s.agency_code = x.successor_agency_code
    left join dim_unit as su on su.hierarchy_version = s.unit_version and su.unit_code = s.unit_code
)

select * from final
order by agency_code
