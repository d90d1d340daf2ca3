create table if not exists ref_unit_crosswalk (
    old_commune_code varchar not null,    -- hierarchy version 1
    new_commune_code varchar not null,    -- hierarchy version 2
    is_split         boolean not null,    -- the old commune went to more than one new commune
    is_default       boolean not null,    -- the main successor when one must be chosen
    primary key (old_commune_code, new_commune_code)
);
