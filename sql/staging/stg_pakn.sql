-- citizens' complaints and petitions (PAKN) as local calendar dates; a PAKN without a receiving date
-- or a handling agency cannot be counted anywhere and is left out (the loader quarantines those)
create or replace view stg_pakn as
with source as (
    select * from raw_pakn
),

final as (
    select
        pakn_id,
        agency_code,
        cast(received_at as date) as received_date,
        cast(due_at as date) as due_date,
        cast(resolved_at as date) as resolved_date,
        satisfied
    from source
    where received_at is not null and agency_code is not null
)

select * from final
