-- The periodic report rolled up from agencies to administrative units (dim_unit_membership):
-- the province, old districts (whole: own UBND + communes' UBNDs), old and new communes.
-- `agency_rows` names a relation with period_kind, period_key, agency_code and additive counts only;
-- every count is summed, so each unit row is exactly the sum of its agencies' rows.
create or replace macro unit_rollup(agency_rows) as table
with agency_rows as (
    select * from query_table(agency_rows)
),

joined as (
    select
        m.hierarchy_version as _hierarchy_version,
        m.unit_level as _unit_level,
        m.unit_code as _unit_code,
        m.level_order as _level_order,
        r.*
    from agency_rows as r
    join dim_unit_membership as m using (agency_code)
),

summed as (
    select
        period_kind,
        period_key,
        _hierarchy_version as hierarchy_version,
        _unit_level as unit_level,
        _unit_code as unit_code,
        _level_order as level_order,
        count(distinct agency_code) as agencies,
        sum(columns(* exclude (period_kind, period_key, agency_code, _hierarchy_version, _unit_level,
                               _unit_code, _level_order)))::bigint
    from joined
    group by all
),

final as (
    select
        s.period_kind,
        s.period_key,
        s.hierarchy_version,
        s.unit_level,
        s.unit_code,
        coalesce(u.unit_name, case when s.unit_level = 'province' then 'Toàn tỉnh' else s.unit_code end)
            as unit_name,
        coalesce(u.unit_label, case when s.unit_level = 'province' then 'Toàn tỉnh' else s.unit_code end)
            as unit_label,
        case when s.unit_level <> 'province' then u.parent_code end as parent_code,
        s.* exclude (period_kind, period_key, hierarchy_version, unit_level, unit_code)
    from summed as s
    left join dim_unit as u
        on u.hierarchy_version = s.hierarchy_version and u.unit_code = s.unit_code
)

select * from final
