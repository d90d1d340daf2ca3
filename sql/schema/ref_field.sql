create table if not exists ref_field (
    field_code varchar primary key,
    field_name varchar not null
);
