-- Corrections to how the portal's agencies are matched to ours (loaded from a mapping file): the
-- portal's code wins over its name; agency_code null says "this portal agency has no counterpart here"
-- (it is then listed as deliberately unmatched, not as a failure to match).
create table if not exists ref_published_766_match (
    portal_code  varchar,
    portal_name  varchar,
    agency_code  varchar,
    note         varchar,
    load_id      varchar,
    source_file  varchar,
    source_row   bigint,
    check (portal_code is not null or portal_name is not null)
);
