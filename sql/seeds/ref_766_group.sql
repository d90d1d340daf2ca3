-- The six groups of the Decision 766 service index (Bộ chỉ số 766/QĐ-TTg) and their maximum points;
-- the indicators of each group and how they are scored: ref_766_indicator.sql.
create or replace table ref_766_group as
with final as (
    select * from (values
        ('transparency', 'CKMB', 1, 'Công khai, minh bạch',          18.0),
        ('timeliness',   'TDGQ', 2, 'Tiến độ, kết quả giải quyết',   20.0),
        ('online',       'CLGQ', 3, 'Dịch vụ công trực tuyến',       12.0),
        ('payment',      'TTTT', 4, 'Thanh toán trực tuyến',         10.0),
        ('digitisation', 'MDSH', 5, 'Số hóa hồ sơ',                  22.0),
        ('satisfaction', 'MDHL', 6, 'Mức độ hài lòng',               18.0)
    ) as t(group_key, portal_code, sort_order, group_label, max_points)
)

select * replace (max_points::double as max_points) from final;
