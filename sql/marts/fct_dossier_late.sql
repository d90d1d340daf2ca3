-- the dossiers that can be late in some period: finished late, or (open_class) past their due date
-- while still open and not waiting on the citizen. A small slice of fct_dossier, so that listing a
-- period's late dossiers (warehouse/queries_late.py) does not scan every dossier.
-- With the working-day index of the due and end days, so that ranking a year's late dossiers by
-- working days late needs no join per row.
create or replace table fct_dossier_late as
with final as (
    select d.*, du.workday_index as due_workday_index, en.workday_index as end_workday_index
    from fct_dossier as d
    left join dim_date as du on du.day = d.due_date
    left join dim_date as en on en.day = d.end_date
    where d.finished_class = 'late'
       or (d.due_date is not null and d.status not in (5, 6, 8)
           and (d.end_date is null or d.end_date > d.due_date))
)

select * from final
order by received_date, agency_code
;
