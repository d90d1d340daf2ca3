create table if not exists ref_procedure (
    procedure_code varchar primary key,
    procedure_name varchar not null,
    field_code     varchar,
    statutory_days integer,               -- working days allowed by law
    has_fee        boolean,
    verified       boolean not null default true,
    -- inputs of the 766 index that no dossier carries
    online_level      tinyint,            -- 0 not online, 1 partly online, 2 fully online (toàn trình)
    published_on_time boolean,            -- published in the national database on time
    publicised        boolean,            -- made public (posted) on time at the one-stop desk and portal
    info_complete     boolean             -- published information complete and accurate
);
