-- the agencies a loaded list of apology slips covers (docs/late.md): those with at least one slip in
-- it for one of their dossiers. The list shows the agency records its slips in the system that
-- exported it, so a late dossier of that agency without a slip in the list had none ("no"); an
-- agency with no slip in any list is not known to record them there ("no data", not "no").
create or replace view stg_apology_coverage as
with slips as (
    select distinct dossier_id from raw_apology_slip
),

final as (
    select distinct d.agency_code
    from raw_dossier as d
    join slips as s using (dossier_id)
)

select * from final
