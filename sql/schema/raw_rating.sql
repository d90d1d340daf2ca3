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
