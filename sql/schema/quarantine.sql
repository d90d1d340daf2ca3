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
