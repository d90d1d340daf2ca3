-- one row per dossier with an apology slip in a loaded list: how many slips, the first slip's day and
-- the latest new appointment day it gave (a dossier rescheduled twice has two slips)
create or replace view stg_apology_slip as
with slips as (
    select dossier_id, slip_date, new_due_date from raw_apology_slip
),

final as (
    select
        dossier_id,
        count(*) as slips,
        min(slip_date) as first_slip_date,
        max_by(new_due_date, slip_date) as new_due_date
    from slips
    group by dossier_id
)

select * from final
