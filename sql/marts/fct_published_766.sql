-- The portal's published 766 scores, each matched to our agency: by a loaded correction
-- (ref_published_766_match, code first, then name) or else by normalised name among our agencies of
-- the same kind (portal_name_key), preferring the agency active in the published month. Only the own
-- province's departments and communes are matched; provinces are flagged is_own_province instead.
create or replace table fct_published_766 as
with published as (
    select
        p.*,
        split_part(p.portal_code, '.', 1) as province_portal_code,
        portal_name_key(p.portal_name) as name_key,
        make_date(cast(left(p.period_key, 4) as integer), cast(right(p.period_key, 2) as integer), 1)
            as month_start
    from raw_published_766 as p
),

own_unit as (
    -- the warehouse's province: the demo records it; a loaded warehouse has it from its agencies' units
    select coalesce(
        (select value from meta where key = 'province_code'),
        (select mode(province_code) from dim_agency where province_code is not null)
    ) as province_code
),

own_name as (
    select portal_name_key(u.unit_name) as name_key
    from dim_unit as u, own_unit as o
    where u.unit_level = 'province' and u.unit_code = o.province_code
    qualify row_number() over (order by u.hierarchy_version desc) = 1
),

own_portal as (
    -- by the province row's name; failing that, the prefix most of the loaded departments and communes share
    select coalesce(
        (select any_value(p.portal_code) from published as p, own_name as o
         where p.agency_kind = 'province' and p.name_key = o.name_key),
        (select mode(province_portal_code) from published where agency_kind <> 'province')
    ) as own_portal_code
),

local_rows as (
    select p.*
    from published as p, own_portal as o
    where p.agency_kind <> 'province' and p.province_portal_code = o.own_portal_code
),

by_mapping as (
    select l.scope, l.period_key, l.portal_code, m.agency_code, 'mapping' as match_method
    from local_rows as l
    join ref_published_766_match as m
        on m.portal_code = l.portal_code
        or (m.portal_code is null and portal_name_key(m.portal_name) = l.name_key)
    qualify row_number() over (partition by l.scope, l.period_key, l.portal_code
                               order by m.portal_code is null, m.source_row desc) = 1
),

by_name as (
    select l.scope, l.period_key, l.portal_code, a.agency_code, 'name' as match_method
    from local_rows as l
    join dim_agency as a
        on portal_name_key(a.agency_name) = l.name_key
        -- the portal lists the province-level central agencies (Công an, Thuế, ...) among its departments
        and (a.agency_level = l.agency_kind or (l.agency_kind = 'department' and a.agency_level = 'central'))
    qualify row_number() over (
        partition by l.scope, l.period_key, l.portal_code
        order by agency_active(a.valid_from, a.valid_to, l.month_start, last_day(l.month_start)) desc,
                 a.unit_version desc nulls last, a.agency_code) = 1
),

matched as (
    select * from by_mapping
    union all by name
    select n.* from by_name as n
    anti join by_mapping as m using (scope, period_key, portal_code)
),

final as (
    select
        p.scope,
        p.period_key,
        p.agency_kind,
        p.portal_code,
        p.portal_id,
        p.portal_name,
        p.name_key,                                 -- portal_name_key(portal_name): what the name matching compared
        p.province_portal_code,
        p.agency_kind = 'province' and p.portal_code = o.own_portal_code as is_own_province,
        p.agency_kind <> 'province' and p.province_portal_code = o.own_portal_code as is_own_agency,
        m.agency_code,                              -- null: unmatched (or mapped to nothing)
        m.match_method,
        p.points_transparency,
        p.points_timeliness,
        p.points_online,
        p.points_payment,
        p.points_digitisation,
        p.points_satisfaction,
        p.total_points,
        p.portal_rank,
        p.simulated,
        p.source_file,
        p.source_sheet,
        p.source_row
    from published as p
    cross join own_portal as o
    left join matched as m using (scope, period_key, portal_code)
)

select * from final
order by scope, period_key, agency_kind, portal_code
