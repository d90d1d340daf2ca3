-- calendar periods (month, quarter, half-year, year) and the official reporting windows, which
-- run from the 15th of the month before to the 14th (Q1 2023 = 15/12/2022 to 14/03/2023)
create or replace table dim_period as
with bounds as (
    select
        date_trunc('year', min(received_date)) as first_day,
        coalesce((select cast(value as date) from meta where key = 'as_of'), current_date) as as_of
    from fct_dossier
),

years as (
    select cast(y as integer) as year
    from bounds, range(year(coalesce(first_day, as_of)), year(as_of) + 1) as t(y)
),

calendar_months as (
    select year, m as month from years, range(1, 13) as t(m)
),

calendar as (
    select 'month' as period_kind, year, month as seq,
           make_date(year, month, 1) as start_date,
           last_day(make_date(year, month, 1)) as end_date
    from calendar_months
    union all
    select 'quarter', year, q, make_date(year, 3 * q - 2, 1), last_day(make_date(year, 3 * q, 1))
    from years, range(1, 5) as t(q)
    union all
    select 'half', year, h, make_date(year, 6 * h - 5, 1), last_day(make_date(year, 6 * h, 1))
    from years, range(1, 3) as t(h)
    union all
    select 'year', year, 1, make_date(year, 1, 1), make_date(year, 12, 31)
    from years
),

-- a reporting window ends on the 14th of the period's last month and starts the day after the
-- previous window ended
reporting as (
    select
        'rep_' || period_kind as period_kind,
        year,
        seq,
        cast(make_date(year(start_date), month(start_date), 15) - interval 1 month as date) as start_date,
        make_date(year(end_date), month(end_date), 14) as end_date
    from calendar
),

labelled as (
    select
        *,
        case period_kind
            when 'month' then 'Tháng ' || lpad(seq::varchar, 2, '0') || '/' || year
            when 'quarter' then 'Quý ' || ['I', 'II', 'III', 'IV'][seq] || '/' || year
            when 'half' then case seq when 1 then '6 tháng đầu năm ' else '6 tháng cuối năm ' end || year
            when 'year' then 'Năm ' || year
            else 'Kỳ báo cáo ' ||
                case period_kind
                    when 'rep_month' then 'tháng ' || lpad(seq::varchar, 2, '0') || '/' || year
                    when 'rep_quarter' then 'quý ' || ['I', 'II', 'III', 'IV'][seq] || '/' || year
                    when 'rep_half' then case seq when 1 then '6 tháng đầu năm ' else '6 tháng cuối năm ' end || year
                    else 'năm ' || year
                end
                || ' (' || strftime(start_date, '%d/%m/%Y') || ' – ' || strftime(end_date, '%d/%m/%Y') || ')'
        end as period_label
    from (select * from calendar union all select * from reporting)
),

final as (
    select
        period_kind,
        case
            when period_kind like '%month' then year || '-' || lpad(seq::varchar, 2, '0')
            when period_kind like '%quarter' then year || '-Q' || seq
            when period_kind like '%half' then year || '-H' || seq
            else year::varchar
        end as period_key,
        year,
        seq,
        period_label,
        start_date,
        end_date,
        -- a period not yet over is judged as of the data's date, not its future end
        least(end_date, (select as_of from bounds)) as eval_date
    from labelled
    where start_date <= (select as_of from bounds)
)

select * from final
order by period_kind, start_date
