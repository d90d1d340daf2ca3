-- the dossiers whose processing ended before they were received: agg_dossier_day's sums are exact only
-- without them, so they are kept apart here and the periodic report of a window that has any reads
-- fct_dossier instead (queries.report_for_range)
create or replace table fct_dossier_irregular as
with final as (
    select * from fct_dossier where end_date < received_date
)

select * from final;
