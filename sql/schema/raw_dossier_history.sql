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
