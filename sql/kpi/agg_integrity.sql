-- integrity issues per period (every period of dim_period) x agency x check; agency_code is null for
-- quarantined records no agency could be found for. Bulk closures count on the calendar-month basis
-- in calendar periods and on the reporting-month basis in reporting periods.
create or replace table agg_integrity as
with issues as (
    select * from fct_integrity_issue
),

periods as (
    select period_kind, period_key, start_date, end_date from dim_period
),

final as (
    select
        p.period_kind,
        p.period_key,
        i.agency_code,
        i.check_key,
        count(*) as issues,
        count(distinct i.dossier_id) as dossiers
    from issues as i
    join periods as p
        on i.event_date between p.start_date and p.end_date
       and (i.period_basis is null
            or i.period_basis = case when p.period_kind like 'rep\_%' escape '\' then 'rep_month' else 'month' end)
    group by all
)

select * from final
order by period_kind, period_key, agency_code, check_key
