create or replace view stg_procedure as
with final as (
    select
        p.procedure_code,
        p.procedure_name,
        p.field_code,
        coalesce(f.field_name, p.field_code) as field_name,
        p.statutory_days,
        p.has_fee,
        p.verified
    from ref_procedure as p
    left join ref_field as f using (field_code)
)

select * from final
