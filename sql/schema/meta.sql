create table if not exists meta (
    key   varchar primary key,
    value varchar
);
