-- Decision 766 scores as the national portal (Cổng Dịch vụ công quốc gia) publishes them: one row per
-- published agency, scope and month. `etl load` replaces every row of a (scope, period_key) it loads
-- again; other periods stay, so the table is the history of what was published.
create table if not exists raw_published_766 (
    scope               varchar not null check (scope in ('month', 'year_to_date')),
    period_key          varchar not null,   -- 'YYYY-MM': the month, or the month a year to date runs through
    agency_kind         varchar not null check (agency_kind in ('province', 'department', 'commune')),  -- LOAI_COQUAN 1/2/3
    portal_code         varchar not null,   -- MA_COQUAN: H49 a province, H49.04 one of its departments
    portal_id           varchar,            -- ID
    portal_name         varchar not null,   -- TEN_COQUAN as published (NFC), e.g. 'Sở Tư pháp - tỉnh An Giang'
    points_timeliness   double,             -- TDGQ, of 20
    points_satisfaction double,             -- MDHL, of 18
    points_digitisation double,             -- MDSH, of 22
    points_payment      double,             -- TTTT, of 10
    points_online       double,             -- CLGQ, of 12
    points_transparency double,             -- CKMB, of 18
    total_points        double,             -- TONG_SCORE
    portal_rank         integer,            -- ROW_STT: the portal's rank among agencies of the kind
    simulated           boolean not null default false,  -- made up by the demo, never published
    load_id             varchar,
    source_file         varchar,
    source_sheet        varchar,
    source_row          bigint
);
