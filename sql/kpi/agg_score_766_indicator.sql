-- The Decision 766 index per period, agency and indicator: numerator, denominator, ratio, points,
-- maximum and points lost, scored by the data table ref_766_indicator (sql/seeds/ref_766_indicator.sql).
-- An indicator whose input is missing is "không có dữ liệu" (status no_data, points null): it is
-- neither zero nor counted in the maximum attainable.
create or replace table agg_score_766_indicator as
with periods as (
    select period_kind, period_key, start_date, end_date from dim_period
),

-- agencies scored in a period: the listed agencies that existed in it, and any agency with dossiers,
-- PAKN or ratings in it, but never one in a period that began after it ceased to exist (an old
-- commune's dossiers still open after 30/06/2025 do not make it a scored agency of 2026)
activity as (
    select period_kind, period_key, agency_code from agg_periodic_report
    union
    select period_kind, period_key, agency_code from agg_pakn_rating
),

agencies as (
    select p.period_kind, p.period_key, a.agency_code
    from periods as p
    join dim_agency as a on agency_active(a.valid_from, a.valid_to, p.start_date, p.end_date)
    where a.verified
    union
    select t.period_kind, t.period_key, t.agency_code
    from activity as t
    join periods as p using (period_kind, period_key)
    left join dim_agency as a using (agency_code)
    where agency_active(a.valid_from, a.valid_to, p.start_date, p.end_date)
),

dossiers as (
    select * from agg_periodic_report
),

-- per agency and period, from the report's procedure grain: new dossiers whose procedure is in the
-- (verified) catalogue, what the portal can attribute; and new dossiers (and those filed online) of
-- procedures offered online, since a dossier of a procedure not offered online cannot be filed
-- online (a procedure whose online level is unknown counts as offered)
by_procedure as (
    select
        r.period_kind,
        r.period_key,
        r.agency_code,
        sum(r.received_new) filter (p.verified) as received_catalogued,
        sum(r.received_new) filter (coalesce(c.online_level, 1) >= 1) as received_offered_online,
        sum(r.received_online) filter (coalesce(c.online_level, 1) >= 1) as received_online_offered
    from agg_report_detail as r
    left join dim_procedure as p using (procedure_code)
    left join ref_procedure as c using (procedure_code)
    group by all
),

-- the procedures an agency handled dossiers of in the period, with the catalogue's 766 columns
-- (a procedure whose flag is unknown is left out of that flag's denominator)
procedures as (
    select
        d.period_kind,
        d.period_key,
        d.agency_code,
        count(p.published_on_time) as published_known,
        count(*) filter (p.published_on_time) as published,
        count(p.publicised) as publicised_known,
        count(*) filter (p.publicised) as publicised,
        count(p.info_complete) as complete_known,
        count(*) filter (p.info_complete) as complete,
        count(p.online_level) as online_known,
        count(*) filter (p.online_level >= 1) as online       -- partly or fully online
    from (select distinct period_kind, period_key, agency_code, procedure_code from agg_report_detail) as d
    left join ref_procedure as p using (procedure_code)
    group by all
),

-- PAKN and ratings are an input of a period only from the first one the warehouse holds: a period that
-- ended before the first recorded PAKN (rating) has none, rather than "no PAKN, full points"
inputs as (
    select
        (select min(received_date) from stg_pakn) as pakn_from,
        (select min(rated_date) from stg_rating) as rating_from
),

measures as (
    select
        a.period_kind,
        a.period_key,
        a.agency_code,
        coalesce(d.carried_over + d.received_new, 0) > 0 as has_dossiers,
        p.end_date >= i.pakn_from as has_pakn_input,
        p.end_date >= i.rating_from as has_rating_input,
        -- one row per indicator: (numerator, denominator, is the input there)
        unnest([
            {'indicator_key': 'procedures_published', 'numerator': coalesce(pr.published, 0),
             'denominator': coalesce(pr.published_known, 0), 'has_input': coalesce(pr.published_known, 0) > 0},
            {'indicator_key': 'procedures_publicised', 'numerator': coalesce(pr.publicised, 0),
             'denominator': coalesce(pr.publicised_known, 0), 'has_input': coalesce(pr.publicised_known, 0) > 0},
            {'indicator_key': 'procedures_complete', 'numerator': coalesce(pr.complete, 0),
             'denominator': coalesce(pr.complete_known, 0), 'has_input': coalesce(pr.complete_known, 0) > 0},
            {'indicator_key': 'dossiers_synced', 'numerator': coalesce(s.received_catalogued, 0),
             'denominator': coalesce(d.received_new, 0), 'has_input': has_dossiers},
            -- the same numerator and denominator as the registry's timeliness_766 (warehouse/metrics.py)
            {'indicator_key': 'timeliness_766', 'numerator': coalesce(d.finished_timely_766 + d.in_progress_not_due_766, 0),
             'denominator': coalesce(d.carried_over + d.received_new, 0), 'has_input': has_dossiers},
            {'indicator_key': 'procedures_online', 'numerator': coalesce(pr.online, 0),
             'denominator': coalesce(pr.online_known, 0), 'has_input': coalesce(pr.online_known, 0) > 0},
            {'indicator_key': 'online_share', 'numerator': coalesce(s.received_online_offered, 0),
             'denominator': coalesce(s.received_offered_online, 0), 'has_input': has_dossiers},
            -- the input is there when some dossier of the period says whether it has a fee (its fee list,
            -- a vendor column or the catalogue's flag); known but no new one with a fee is "nothing to
            -- judge" (when_empty); no dossier saying it is "no data", never full marks
            {'indicator_key': 'online_payment', 'numerator': coalesce(d.received_paid_online, 0),
             'denominator': coalesce(d.received_with_fee, 0), 'has_input': coalesce(d.dossiers_fee_known, 0) > 0},
            {'indicator_key': 'electronic_results', 'numerator': coalesce(d.finished_electronic_result, 0),
             'denominator': coalesce(d.finished, 0), 'has_input': has_dossiers},
            {'indicator_key': 'digitised_dossiers', 'numerator': coalesce(d.received_digitised, 0),
             'denominator': coalesce(d.received_new, 0), 'has_input': has_dossiers},
            {'indicator_key': 'data_reuse', 'numerator': 0, 'denominator': 0, 'has_input': false},
            {'indicator_key': 'pakn_on_time', 'numerator': coalesce(k.pakn_on_time, 0),
             'denominator': coalesce(k.pakn_total, 0), 'has_input': coalesce(has_pakn_input, false)},
            {'indicator_key': 'pakn_satisfaction', 'numerator': coalesce(k.pakn_satisfied, 0),
             'denominator': coalesce(k.pakn_rated, 0), 'has_input': coalesce(has_pakn_input, false)},
            {'indicator_key': 'receiving_satisfaction', 'numerator': coalesce(k.ratings_satisfied, 0),
             'denominator': coalesce(k.ratings, 0), 'has_input': coalesce(has_rating_input, false)}
        ], recursive := true)
    from agencies as a
    join periods as p using (period_kind, period_key)
    cross join inputs as i
    left join dossiers as d using (period_kind, period_key, agency_code)
    left join by_procedure as s using (period_kind, period_key, agency_code)
    left join procedures as pr using (period_kind, period_key, agency_code)
    left join agg_pakn_rating as k using (period_kind, period_key, agency_code)
),

-- the data table decides: every indicator of it for every agency and period; one that no measure
-- above feeds is "no data"
grid as (
    select a.period_kind, a.period_key, a.agency_code, i.*
    from agencies as a
    cross join ref_766_indicator as i
),

scored as (
    select
        i.period_kind,
        i.period_key,
        i.agency_code,
        i.group_key,
        i.indicator_key,
        i.source,
        m.numerator::bigint as numerator,
        m.denominator::bigint as denominator,
        m.numerator::double / nullif(m.denominator, 0) as ratio,
        i.threshold,
        i.max_points,
        case
            when not coalesce(m.has_input, false) then 'no_data'
            when m.denominator = 0 and i.when_empty = 'full' then 'no_cases'
            when m.denominator = 0 then 'no_data'
            else 'scored'
        end as status
    from grid as i
    left join measures as m using (period_kind, period_key, agency_code, indicator_key)
),

final as (
    select
        *,
        case status
            when 'scored' then max_points * least(1.0, ratio / threshold)
            when 'no_cases' then max_points
        end as points,
        case status
            when 'scored' then max_points - max_points * least(1.0, ratio / threshold)
            when 'no_cases' then 0.0
        end as points_lost,
        status <> 'no_data' as has_data
    from scored
)

select * from final
order by period_kind, period_key, agency_code, group_key, indicator_key
