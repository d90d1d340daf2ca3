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
