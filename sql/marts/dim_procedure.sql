create or replace table dim_procedure as
with listed as (
    select * from stg_procedure
),

seen_only as (
    select distinct d.procedure_code, d.field_code
    from raw_dossier as d
    where d.procedure_code is not null
      and d.procedure_code not in (select procedure_code from listed)
),

final as (
    select * from listed
    union all by name
    select procedure_code, procedure_code as procedure_name, field_code, field_code as field_name,
           false as verified
    from seen_only
)

select * from final
