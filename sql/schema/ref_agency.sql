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
