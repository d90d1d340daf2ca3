-- the integrity checks as the pages show them, in catalogue order, with a Vietnamese severity
create or replace table dim_integrity_check as
with checks as (
    select * from ref_integrity_check
),

severities as (
    select * from (values
        ('high', 1, 'Nghiêm trọng'),
        ('medium', 2, 'Cần chấn chỉnh'),
        ('low', 3, 'Theo dõi')
    ) as t(severity, severity_rank, severity_label)
),

final as (
    select c.check_key, c.sort_order, c.label, c.short_label, c.severity, s.severity_rank, s.severity_label,
           c.description
    from checks as c
    join severities as s using (severity)
)

select * from final
order by sort_order
