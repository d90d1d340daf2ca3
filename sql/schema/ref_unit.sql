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
