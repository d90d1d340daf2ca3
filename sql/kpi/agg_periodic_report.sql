-- the periodic report for every period of dim_period and every agency: what the pages read
create or replace table agg_periodic_report as
with final as (
    select * from periodic_report('dim_period')
)

select * from final
order by period_kind, period_key, agency_code
