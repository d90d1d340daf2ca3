-- The integrity checks' thresholds: data, not code. The defaults below are written only for keys the
-- table does not hold yet, so thresholds changed in the warehouse survive `python -m etl build`.
create table if not exists ref_integrity_setting (
    setting_key varchar primary key,
    value       double not null,
    description varchar
);

insert into ref_integrity_setting
select * from (values
    ('bulk_closure_last_workdays', 3,
     'Số ngày làm việc cuối tháng (cuối kỳ báo cáo tháng) được xét dồn hồ sơ'),
    ('bulk_closure_rate_ratio', 3,
     'Nhịp kết thúc hồ sơ mỗi ngày làm việc trong những ngày cuối gấp từ bấy nhiêu lần các ngày khác thì bị nêu'),
    ('bulk_closure_min_closures', 10,
     'Số hồ sơ kết thúc tối thiểu trong những ngày cuối để xét (đơn vị nhỏ không bị nêu vì ngẫu nhiên)')
) as t(setting_key, value, description)
where setting_key not in (select setting_key from ref_integrity_setting);
