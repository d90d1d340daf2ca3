-- apology slips (phiếu xin lỗi và hẹn lại ngày trả kết quả) from a loaded list of slips: the national
-- sync record carries none, so this list (or a vendor's column CoPhieuXinLoi) is the only source of
-- them (docs/late.md). One row per dossier and slip date; a dossier rescheduled twice has two.
create table if not exists raw_apology_slip (
    dossier_id   varchar not null,      -- MaHoSo
    slip_date    date not null,         -- the day the slip was issued
    new_due_date date,                  -- the new appointment day it gives, when given
    load_id      varchar,
    source_file  varchar,
    source_row   bigint
);
