-- one row per dossier (MaHoSo), its latest known state. Unique by construction (the loader
-- deletes a dossier's old row before inserting its new one, and tests check it); no index, because
-- maintaining one costs more than the whole rest of a million-record load
create table if not exists raw_dossier (
    dossier_id        varchar not null,    -- MaHoSo
    procedure_code    varchar,
    field_code        varchar,
    agency_code       varchar not null,    -- MaDonViXuLy
    channel           tinyint,             -- KenhThucHien: 1 in person, 2 online, 3 postal
    applicant_type    tinyint,             -- LoaiDoiTuong
    submitted_at      timestamp,           -- NgayNopHoSo
    received_at       timestamp,           -- NgayTiepNhan
    due_at            timestamp,           -- NgayHenTra (latest appointment)
    finished_at       timestamp,           -- NgayKetThucXuLy
    returned_at       timestamp,           -- NgayTra
    refused_at        timestamp,           -- NgayTuChoi
    status            tinyint not null,    -- TrangThaiHoSo 1..10
    supplement_count  integer not null default 0,
    has_fee           boolean,             -- a DanhSachLePhi item with Gia > 0 (or a vendor's fee column);
                                           -- false: every fee 0; null: not said (docs/inputs.md)
    paid_online       tinyint,             -- DuocThanhToanTrucTuyen: 1 national portal, 2 provincial gateway,
                                           -- 0 not paid online; null: not said
    digitised         boolean,             -- HoSoCoThanhPhanSoHoa
    electronic_result boolean,             -- a result document with an attached file
    apology_issued    boolean,             -- apology slip issued (late dossiers)
    result_method     tinyint,             -- HinhThuc: 0 result returned in person, 1 by post; null: not said
    original_due_at   timestamp,           -- the appointment before the first supplement request
                                           -- (earliest NgayHenTraTruoc of DanhSachHoSoBoSung)
    rescheduled_due_at timestamp,          -- the latest new appointment a supplement request set
                                           -- (latest NgayHenTraMoi)
    load_id           varchar,
    source_file       varchar,
    source_row        bigint
);
