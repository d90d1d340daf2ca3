-- Raw layer: what ETL writes. Timestamps are local Vietnam time (Asia/Ho_Chi_Minh) without offset,
-- exactly as the one-stop systems record them.

create table if not exists meta (
    key   varchar primary key,
    value varchar
);

-- official units, both hierarchies: 1 = until 30/06/2025 (three tiers), 2 = from 01/07/2025
create table if not exists ref_unit (
    hierarchy_version tinyint not null,
    unit_code         varchar not null,   -- GSO code, zero-padded: province 2, district 3, commune 5
    unit_name         varchar not null,
    unit_type         varchar,
    unit_level        varchar not null check (unit_level in ('province', 'district', 'commune')),
    parent_code       varchar,            -- in the same hierarchy version
    province_code     varchar not null,
    lat               double,
    lon               double,
    primary key (hierarchy_version, unit_code)
);

create table if not exists ref_unit_crosswalk (
    old_commune_code varchar not null,    -- hierarchy version 1
    new_commune_code varchar not null,    -- hierarchy version 2
    is_split         boolean not null,    -- the old commune went to more than one new commune
    is_default       boolean not null,    -- the main successor when one must be chosen
    primary key (old_commune_code, new_commune_code)
);

create table if not exists ref_agency (
    agency_code   varchar primary key,    -- electronic identifier code (MaDonViXuLy)
    agency_name   varchar not null,
    agency_level  varchar check (agency_level in ('department', 'district', 'commune', 'central')),  -- null: not yet known
    unit_version  tinyint,                -- the unit the agency serves, keyed by (version, code)
    unit_code     varchar,
    valid_from    date,
    valid_to      date,                   -- last day the agency existed (districts: 30/06/2025)
    verified      boolean not null default true
);

create table if not exists ref_field (
    field_code varchar primary key,
    field_name varchar not null
);

create table if not exists ref_procedure (
    procedure_code varchar primary key,
    procedure_name varchar not null,
    field_code     varchar,
    statutory_days integer,               -- working days allowed by law
    has_fee        boolean,
    verified       boolean not null default true,
    -- inputs of the 766 index that no dossier carries
    online_level      tinyint,            -- 0 not online, 1 partly online, 2 fully online (toàn trình)
    published_on_time boolean,            -- published in the national database on time
    publicised        boolean,            -- made public (posted) on time at the one-stop desk and portal
    info_complete     boolean             -- published information complete and accurate
);

-- who may see what (docs/security.md): an account (local user name or OIDC e-mail, lower case), its
-- role, and for an agency head the agency. Loaded with `python -m etl load --kind role`
create table if not exists ref_user_role (
    account     varchar primary key,
    role        varchar not null check (role in ('lanh_dao_tinh', 'truong_co_quan', 'xem')),
    agency_code varchar,                  -- required for truong_co_quan, null otherwise
    source      varchar
);

-- the official calendar's override (docs/calendar.md): days the government announced that the
-- `holidays` package lacks, loaded with `python -m etl load FILE` (a load replaces them all). A row
-- wins over the package for its day. ref_calendar_package, the package's own days, is made again
-- at every build by warehouse/official_calendar.py
create table if not exists ref_calendar_override (
    day    date primary key,
    kind   varchar not null check (kind in ('nghỉ', 'làm bù')),   -- a day off / a day worked
    name   varchar,
    source varchar                                               -- the file it came from
);

-- a target applies to one agency (agency_code) or, when agency_code is null, to every agency of a
-- level; agency_level 'province' is the province as a whole
create table if not exists ref_plan_target (
    year         integer not null,
    agency_level varchar,
    agency_code  varchar,
    kpi          varchar not null,
    comparator   varchar not null check (comparator in ('>=', '<=')),
    target_value double not null,
    source       varchar
);

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

-- every distinct state a dossier was loaded in: how its status moved over time
create table if not exists raw_dossier_history (
    dossier_id       varchar not null,
    state_hash       varchar not null,
    status           tinyint,
    received_at      timestamp,
    due_at           timestamp,
    finished_at      timestamp,
    returned_at      timestamp,
    refused_at       timestamp,
    supplement_count integer,
    load_id          varchar,
    source_file      varchar,
    source_row       bigint,
    loaded_at        timestamp           -- (dossier_id, state_hash) unique by construction
);

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

-- records a load could not accept, one row per reason; never holds personal data
create table if not exists quarantine (
    load_id     varchar not null,
    kind        varchar not null,      -- dossier, step, agency, procedure, target
    source_file varchar not null,
    source_row  bigint,                -- spreadsheet row (header = 1) or JSON record number
    record_key  varchar,               -- MaHoSo or the reference code, when the record has one
    field       varchar,
    value       varchar,
    reason      varchar not null
);

-- citizens' complaints and petitions about procedures (PAKN)
create table if not exists raw_pakn (
    pakn_id      varchar not null,
    agency_code  varchar,
    received_at  timestamp,
    due_at       timestamp,
    resolved_at  timestamp,
    satisfied    boolean,               -- the citizen's rating of the answer, when given
    load_id      varchar,
    source_file  varchar,
    source_row   bigint
);

-- satisfaction ratings of how a dossier was received and handled
create table if not exists raw_rating (
    rating_id    varchar,
    dossier_id   varchar,
    agency_code  varchar,
    rated_at     timestamp,
    score        tinyint,               -- 1 (very unsatisfied) .. 5 (very satisfied), when given
    satisfied    boolean not null,
    load_id      varchar,
    source_file  varchar,
    source_row   bigint
);

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

create table if not exists load_log (
    load_id       varchar primary key,
    kind          varchar not null,        -- demo, dossiers, agencies, procedures, targets
    source        varchar,
    started_at    timestamp,
    finished_at   timestamp,
    rows_read     bigint,
    rows_loaded   bigint,
    rows_rejected bigint,
    status        varchar,
    message       varchar,
    file_format   varchar,
    file_sha256   varchar
);
