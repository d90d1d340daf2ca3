-- both hierarchies; label shows the parent because many commune names repeat ("Phường 1")
create or replace table dim_unit as
with units as (
    select * from ref_unit
),

final as (
    select
        u.hierarchy_version,
        u.unit_code,
        u.unit_name,
        u.unit_type,
        u.unit_level,
        u.parent_code,
        p.unit_name as parent_name,
        u.province_code,
        case when p.unit_name is null or u.unit_level = 'province' then u.unit_name
             else u.unit_name || ', ' || p.unit_name end as unit_label,
        u.lat,
        u.lon
    from units as u
    left join units as p
        on p.hierarchy_version = u.hierarchy_version and p.unit_code = u.parent_code
)

select * from final
