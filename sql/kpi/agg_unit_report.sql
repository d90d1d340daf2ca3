-- the periodic report per period and administrative unit (province, old district, old and new
-- commune), for every period of dim_period; a district row includes its communes
create or replace table agg_unit_report as
with final as (
    select * from unit_rollup('agg_periodic_report')
)

select * from final
order by period_kind, period_key, level_order, hierarchy_version, unit_code
