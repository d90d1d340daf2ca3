-- the periodic report per agency and period: the sum of its fields' and procedures' rows
create or replace table agg_periodic_report as
with detail as (
    select * from agg_report_detail
),

final as (
    select
        period_kind,
        period_key,
        agency_code,
        sum(columns(* exclude (period_kind, period_key, agency_code, field_code, procedure_code)))::bigint
    from detail
    group by all
)

select * from final
order by period_kind, period_key, agency_code
