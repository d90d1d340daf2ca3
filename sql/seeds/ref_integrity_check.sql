-- The integrity checks' catalogue: data, not code. The defaults below are written only for keys the
-- table does not hold yet, so labels and severities changed in the warehouse survive
-- `python -m etl build`, and a check added later still gets its row (thresholds: ref_integrity_setting).
create table if not exists ref_integrity_check (
    check_key   varchar primary key,
    sort_order  integer not null,
    label       varchar not null,       -- Vietnamese, as users see it
    short_label varchar not null,       -- column header
    severity    varchar not null check (severity in ('high', 'medium', 'low')),
    description varchar not null        -- the rule, in Vietnamese
);

insert into ref_integrity_check
select * from (values
    ('closed_no_result', 1, 'Kết thúc hồ sơ khi chưa có kết quả', 'Kết thúc khi chưa có kết quả', 'high',
     'Trạng thái "Đã trả kết quả" (10) nhưng không có ngày trả kết quả và không có kết quả điện tử; '
     || 'hoặc đã kết thúc xử lý (trạng thái 9, 10) rồi lần đồng bộ sau lại quay về đang xử lý.'),
    ('due_moved_no_supplement', 2, 'Lùi ngày hẹn trả không có yêu cầu bổ sung', 'Lùi hẹn không bổ sung', 'high',
     'Giữa hai lần đồng bộ, ngày hẹn trả lùi về sau mà số lần yêu cầu bổ sung không tăng '
     || '(trừ khi hồ sơ đang chờ thực hiện nghĩa vụ tài chính, trạng thái 6).'),
    ('withdrawn_returned_on_time', 3, 'Rút, trả lại hồ sơ sau hạn nhưng không bị tính trễ', 'Rút, trả lại sau hạn', 'high',
     'Hồ sơ công dân rút (trạng thái 7) sau ngày hẹn trả được tính đúng hạn; hồ sơ đã tiếp nhận bị trả lại '
     || '(trạng thái 3) sau ngày hẹn trả ra khỏi số liệu.'),
    ('bulk_closure', 4, 'Kết thúc hồ sơ dồn vào cuối kỳ', 'Dồn cuối kỳ', 'medium',
     'Hồ sơ kết thúc trong những ngày làm việc cuối tháng (hoặc cuối kỳ báo cáo tháng, ngày 14) khi nhịp '
     || 'kết thúc hồ sơ mỗi ngày của đơn vị trong những ngày đó cao gấp nhiều lần các ngày khác của tháng.'),
    ('late_no_apology', 5, 'Trễ hạn không có thư xin lỗi', 'Trễ, không xin lỗi', 'medium',
     'Hồ sơ giải quyết trễ hạn mà không có phiếu xin lỗi và hẹn lại ngày trả.'),
    ('repeat_supplement', 6, 'Yêu cầu bổ sung hồ sơ quá một lần', 'Bổ sung quá 1 lần', 'medium',
     'Hồ sơ bị yêu cầu bổ sung từ hai lần trở lên (Bộ chỉ số 766 tính là trễ hạn).'),
    ('stopped', 7, 'Dừng xử lý hồ sơ', 'Dừng xử lý', 'medium',
     'Hồ sơ ở trạng thái dừng xử lý (8): không bị tính quá hạn khi đang giải quyết; cần xem có đúng quy định.'),
    ('quarantined', 8, 'Bản ghi bị loại khi nạp (ngày, mã không hợp lệ)', 'Bản ghi bị loại', 'low',
     'Bản ghi hồ sơ hoặc bước xử lý bị loại khi nạp vì ngày không hợp lệ, ngày không thể có, mã trạng thái, '
     || 'mã kênh không hợp lệ hoặc thiếu thông tin bắt buộc: số liệu gửi lên không khớp hệ thống.'),
    ('late_department', 9, 'Hồ sơ trễ hạn và bộ phận giữ hồ sơ quá hạn', 'Trễ hạn (có bước xử lý)', 'low',
     'Hồ sơ trễ hạn (đã giải quyết trễ hoặc đang quá hạn) có dữ liệu bước xử lý; bộ phận giữ hồ sơ là bộ phận '
     || 'có bước xử lý vượt hạn bước nhiều ngày nhất.'),
    ('ceased_agency_open', 10, 'Hồ sơ của cơ quan đã giải thể chưa được chuyển giao', 'Cơ quan đã giải thể',
     'medium',
     'Hồ sơ của cơ quan đã giải thể (UBND huyện, xã cũ hoạt động đến hết ngày 30/06/2025) vẫn chưa kết thúc, '
     || 'hoặc kết thúc sau ngày cơ quan giải thể dưới mã của cơ quan đó, thay vì được chuyển cho cơ quan kế thừa.')
) as t(check_key, sort_order, label, short_label, severity, description)
where check_key not in (select check_key from ref_integrity_check);
