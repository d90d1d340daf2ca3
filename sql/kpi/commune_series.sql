-- A series at new-commune level (hierarchy version 2) across 1 July 2025: each new commune's own
-- UBND figures plus the figures of the old communes (version 1) that became it, through
-- ref_unit_crosswalk. An old commune split between several new communes is not shared out (counts
-- stay whole numbers and the series adds up to the old communes' total): all its figures go to its
-- default successor. Every new commune the split touches, default successor or not, is flagged
-- approximate in the periods where the split commune had figures (the UI labels it "ước tính").
-- `unit_rows` names a relation shaped like unit_rollup's output (agg_unit_report).
create or replace macro commune_series(unit_rows) as table
with links as (
    select * from ref_unit_crosswalk
),

-- the one new commune an old commune's figures go to
successor as (
    select old_commune_code, new_commune_code
    from links
    qualify row_number() over (partition by old_commune_code order by is_default desc, new_commune_code) = 1
),

unit_rows as (
    select * exclude (unit_name, unit_label, parent_code, level_order, agencies)
    from query_table(unit_rows)
    where unit_level = 'commune'
),

-- an old commune has figures in a period when it had a dossier in it (carried over or new)
old_communes as (
    select * exclude (hierarchy_version, unit_level), carried_over + received_new > 0 as has_figures
    from unit_rows
    where hierarchy_version = 1
),

new_communes as (
    select * exclude (hierarchy_version, unit_level) from unit_rows where hierarchy_version = 2
),

mapped as (
    select o.* exclude (unit_code, has_figures), s.new_commune_code as unit_code, o.has_figures::integer as from_old
    from old_communes as o
    join successor as s on s.old_commune_code = o.unit_code
),

-- new communes touched by a split old commune that had figures in the period
touched as (
    select distinct o.period_kind, o.period_key, l.new_commune_code as unit_code, true as touched_by_split
    from old_communes as o
    join links as l on l.old_commune_code = o.unit_code and l.is_split
    where o.has_figures
),

parts as (
    select *, 0 as from_old from new_communes
    union all by name
    select * from mapped
    union all by name
    select * from touched
),

summed as (
    select
        period_kind,
        period_key,
        unit_code,
        coalesce(bool_or(touched_by_split), false) as is_approximate,
        coalesce(sum(from_old), 0)::integer as old_communes,   -- old communes with figures included
        coalesce(sum(columns(* exclude (period_kind, period_key, unit_code, touched_by_split, from_old))), 0)::bigint
    from parts
    group by all
),

final as (
    select
        s.period_kind,
        s.period_key,
        2::tinyint as hierarchy_version,
        s.unit_code,
        coalesce(u.unit_name, s.unit_code) as unit_name,
        coalesce(u.unit_label, s.unit_code) as unit_label,
        u.parent_code,
        s.* exclude (period_kind, period_key, unit_code)
    from summed as s
    left join dim_unit as u on u.hierarchy_version = 2 and u.unit_code = s.unit_code
)

select * from final
