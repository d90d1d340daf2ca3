-- the new-commune series across 1 July 2025 (kpi/commune_series.sql) for every period of dim_period
create or replace table agg_commune_series as
with final as (
    select * from commune_series('agg_unit_report')
)

select * from final
order by period_kind, period_key, unit_code
