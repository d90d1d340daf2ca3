-- per agency and day, the counts of dossiers received and finished that day: the periodic report of
-- any window (queries.report_for_range) is sums of these (carried over = received before the window
-- minus finished before it, in progress = received by its end minus finished by it), plus the
-- overdue ones from fct_dossier_late. Exact only where processing never ends before receipt, so the
-- dossiers that do are kept apart (fct_dossier_irregular) and the report then reads fct_dossier.
create or replace table agg_dossier_day as
with received as (
    select agency_code, received_date as day,
           count(*) as received_new,
           count(*) filter (channel = 2) as received_online,
           count(*) filter (channel = 1) as received_direct,
           count(*) filter (channel = 3) as received_postal
    from fct_dossier group by all
),

finished as (
    select agency_code, end_date as day,
           count(*) as finished,
           count(*) filter (finished_class = 'early') as finished_early,
           count(*) filter (finished_class = 'on_time') as finished_on_time,
           count(*) filter (finished_class = 'late') as finished_late
    from fct_dossier where end_date is not null group by all
),

final as (
    select agency_code, day,
           coalesce(r.received_new, 0) as received_new, coalesce(r.received_online, 0) as received_online,
           coalesce(r.received_direct, 0) as received_direct, coalesce(r.received_postal, 0) as received_postal,
           coalesce(f.finished, 0) as finished, coalesce(f.finished_early, 0) as finished_early,
           coalesce(f.finished_on_time, 0) as finished_on_time, coalesce(f.finished_late, 0) as finished_late
    from received as r full join finished as f using (agency_code, day)
)

select * from final
order by day, agency_code
