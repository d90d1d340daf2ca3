create or replace table dim_peer_group as
with final as (
    select * from (values
        ('department',  1, 'Sở, ban, ngành cấp tỉnh'),
        ('central',     2, 'Cơ quan Trung ương đóng trên địa bàn'),
        ('district',    3, 'UBND cấp huyện (đến 30/06/2025)'),
        ('commune_old', 4, 'UBND cấp xã (đến 30/06/2025)'),
        ('commune',     5, 'UBND cấp xã (từ 01/07/2025)'),
        ('unverified',  9, 'Đơn vị chưa xác minh')
    ) as t(peer_group, sort_order, peer_group_label)
)

select * from final
