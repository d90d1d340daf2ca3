-- which unit rows each agency's figures count towards (docs/units_report.md):
--   province            every agency of the warehouse (one province, both eras)
--   district (version 1) the district's own UBND and the UBNDs of its communes (the whole district)
--   commune (version 1)  the UBND(s) of an old commune
--   commune (version 2)  the UBND(s) of a new commune
-- departments, central agencies and agencies without a known unit count only towards the province.
-- `province_part` names the one part of the province an agency falls in, so that
-- province = departments + central + old districts + new communes + other, with nothing counted twice
create or replace table dim_unit_membership as
with agencies as (
    select
        agency_code,
        agency_level,
        unit_version,
        unit_code,
        district_code,
        province_code
    from dim_agency
),

-- the province the warehouse serves: the code most of its agencies' units carry, newest hierarchy first
province as (
    select
        a.unit_version as hierarchy_version,
        a.province_code as unit_code
    from agencies as a
    where a.province_code is not null
    group by all
    order by a.unit_version desc, count(*) desc, a.province_code
    limit 1
),

parts as (
    select
        *,
        case
            when agency_level in ('department', 'central') then agency_level
            when agency_level = 'district' and unit_version = 1 and unit_code is not null then 'district'
            when agency_level = 'commune' and unit_version = 1 and district_code is not null then 'district'
            when agency_level = 'commune' and unit_version = 2 and unit_code is not null then 'commune'
            else 'other'
        end as province_part
    from agencies
),

memberships as (
    select
        p.agency_code,
        p.province_part,
        (select hierarchy_version from province) as hierarchy_version,
        'province' as unit_level,
        (select unit_code from province) as unit_code
    from parts as p
    union all
    select agency_code, province_part, 1, 'district', unit_code
    from parts
    where agency_level = 'district' and unit_version = 1 and unit_code is not null
    union all
    select agency_code, province_part, 1, 'district', district_code
    from parts
    where agency_level = 'commune' and unit_version = 1 and district_code is not null
    union all
    select agency_code, province_part, unit_version, 'commune', unit_code
    from parts
    where agency_level = 'commune' and unit_version in (1, 2) and unit_code is not null
),

final as (
    select
        m.agency_code,
        m.hierarchy_version::tinyint as hierarchy_version,
        m.unit_level,
        m.unit_code,
        -- province 0, district 1, commune 2: the order pages and reports list levels in
        case m.unit_level when 'province' then 0 when 'district' then 1 else 2 end as level_order,
        m.province_part
    from memberships as m
)

select * from final
order by level_order, hierarchy_version, unit_code, agency_code
