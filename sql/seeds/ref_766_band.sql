-- rating bands of the total out of 100: not official (docs/score_766.md: none are published); ours, to
-- colour the score table. An agency is in the highest band whose min_points its total reaches.
create or replace table ref_766_band as
with final as (
    select * from (values
        ('excellent', 1, 'Xuất sắc',   90.0),
        ('good',      2, 'Tốt',        80.0),
        ('fair',      3, 'Khá',        70.0),
        ('average',   4, 'Trung bình', 50.0),
        ('weak',      5, 'Yếu',         0.0)
    ) as t(band_key, sort_order, band_label, min_points)
)

select * replace (min_points::double as min_points) from final;
