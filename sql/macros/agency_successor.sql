-- The agency that took over an ended agency's open dossiers at the 2025 reorganisation (Decree
-- 118/2025/NĐ-CP in force 01/07/2025; docs/integrity.md, "Dossiers of agencies that ceased"), in one
-- place: the demo hands its dossiers over with it and dim_agency_successor names it on the pages.
-- Reads the reference tables only (ref_agency, ref_unit, ref_unit_crosswalk), so it runs before the
-- marts exist. One row per agency of the old hierarchy that ended (valid_to) and has a successor:
-- - an old commune's UBND: the UBND of its default successor commune (ref_unit_crosswalk.is_default;
--   an old commune split between new ones goes to the main one);
-- - an old district's UBND: for a rural district (huyện) with one thị trấn, the UBND of the new commune
--   that took in that thị trấn, the district's seat (huyện lỵ); for a city or town (thành phố, thị xã)
--   or a district with no or several thị trấn, the new commune that took in most of the district's old
--   communes (their default successors), ties to the lowest code.
create or replace macro agency_successor() as table
with ended as (
    select a.agency_code, a.agency_level, a.unit_code, a.valid_to, u.unit_type
    from ref_agency as a
    left join ref_unit as u on u.hierarchy_version = 1 and u.unit_code = a.unit_code
    where a.valid_to is not null and a.unit_version = 1 and a.agency_level in ('commune', 'district')
),

-- the old communes of each ended agency's area, and whether each is its district's only thị trấn
area as (
    select
        e.agency_code,
        u.unit_code as old_commune_code,
        e.agency_level = 'district' and e.unit_type = 'Huyện' and u.unit_type = 'Thị trấn'
            and count(*) filter (u.unit_type = 'Thị trấn') over (partition by e.agency_code) = 1 as is_seat
    from ended as e
    join ref_unit as u
        on u.hierarchy_version = 1 and u.unit_level = 'commune'
       and ((e.agency_level = 'commune' and u.unit_code = e.unit_code)
            or (e.agency_level = 'district' and u.parent_code = e.unit_code))
),

default_successor as (
    select old_commune_code, new_commune_code
    from ref_unit_crosswalk
    qualify row_number() over (partition by old_commune_code order by is_default desc, new_commune_code) = 1
),

votes as (
    select a.agency_code, d.new_commune_code, bool_or(a.is_seat) as is_seat, count(*) as communes
    from area as a
    join default_successor as d using (old_commune_code)
    group by all
),

chosen as (
    select agency_code, new_commune_code
    from votes
    qualify row_number() over (
        partition by agency_code order by is_seat desc, communes desc, new_commune_code) = 1
),

-- the new commune's UBND that existed the day after the old agency ended
final as (
    select c.agency_code, s.agency_code as successor_agency_code
    from chosen as c
    join ended as e using (agency_code)
    join ref_agency as s
        on s.unit_version = 2 and s.unit_code = c.new_commune_code and s.agency_level = 'commune'
       and agency_active(s.valid_from, s.valid_to, e.valid_to + 1, e.valid_to + 1)
    qualify row_number() over (partition by c.agency_code order by s.agency_code) = 1
)

select * from final;
