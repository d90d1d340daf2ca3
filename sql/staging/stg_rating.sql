-- satisfaction ratings as local calendar dates; a rating that names only its dossier belongs to the
-- dossier's agency
create or replace view stg_rating as
with source as (
    select * from raw_rating
),

dossier_agency as (
    select dossier_id, agency_code from raw_dossier
),

final as (
    select
        r.rating_id,
        r.dossier_id,
        coalesce(r.agency_code, d.agency_code) as agency_code,
        cast(r.rated_at as date) as rated_date,
        r.score,
        r.satisfied
    from source as r
    left join dossier_agency as d on r.agency_code is null and d.dossier_id = r.dossier_id
    where r.rated_at is not null
)

select * from final
where agency_code is not null
