-- processing steps (CapNhatTienDoHoSoMC): which department held a dossier, and until when
create table if not exists raw_dossier_step (
    dossier_id   varchar not null,
    department   varchar,              -- PhongBanXuLy
    acted_at     timestamp,            -- ThoiDiemXuLy
    action       varchar,              -- NoiDungXuLy
    step_status  varchar,              -- TrangThai
    planned_end  timestamp,            -- NgayKetThucTheoQuyDinh
    load_id      varchar,
    source_file  varchar,
    source_row   bigint
);
