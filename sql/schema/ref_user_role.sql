-- who may see what (docs/security.md): an account (local user name or OIDC e-mail, lower case), its
-- role, and for an agency head the agency. Loaded with `python -m etl load --kind role`
create table if not exists ref_user_role (
    account     varchar primary key,
    role        varchar not null check (role in ('lanh_dao_tinh', 'truong_co_quan', 'xem')),
    agency_code varchar,                  -- required for truong_co_quan, null otherwise
    source      varchar
);
