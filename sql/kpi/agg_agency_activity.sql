-- Per agency, its signs of life for the data-health page and `etl status` (warehouse/queries_health.py,
-- docs/receiver.md): the newest received dossier and the newest time one of its dossiers arrived in a
-- new state. A table, not the page's own query: at 100 million dossiers the join of every raw record
-- to its loaded states took 5,6 s on each view of the page (bench/README.md, issue 16).
create or replace table agg_agency_activity as
with received as (
    select agency_code, max(received_date) as last_received
    from fct_dossier
    group by all
),

-- a file that repeats what the warehouse holds adds no state, so re-sent old data is no sign of life
loaded as (
    select d.agency_code, max(h.loaded_at) as last_loaded
    from raw_dossier_history as h
    join raw_dossier as d using (dossier_id)
    group by all
),

final as (
    select agency_code, e.last_received, l.last_loaded
    from received as e
    full join loaded as l using (agency_code)
)

select * from final
order by agency_code
;
