-- the periodic report at its finest grain (period, agency, field, procedure) for every period of
-- dim_period: what the by-field and by-procedure views sum
create or replace table agg_report_detail as
with final as (
    select * from periodic_report('dim_period')
)

select * from final
order by period_kind, period_key, agency_code, field_code, procedure_code
