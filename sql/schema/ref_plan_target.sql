-- a target applies to one agency (agency_code) or, when agency_code is null, to every agency of a
-- level; agency_level 'province' is the province as a whole
create table if not exists ref_plan_target (
    year         integer not null,
    agency_level varchar,
    agency_code  varchar,
    kpi          varchar not null,
    comparator   varchar not null check (comparator in ('>=', '<=')),
    target_value double not null,
    source       varchar
);
