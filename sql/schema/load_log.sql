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
