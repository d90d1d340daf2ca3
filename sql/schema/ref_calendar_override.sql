-- the official calendar's override (docs/calendar.md): days the government announced that the
-- `holidays` package lacks, loaded with `python -m etl load FILE` (a load replaces them all). A row
-- wins over the package for its day. ref_calendar_package, the package's own days, is made again
-- at every build by warehouse/official_calendar.py
create table if not exists ref_calendar_override (
    day    date primary key,
    kind   varchar not null check (kind in ('nghỉ', 'làm bù')),   -- a day off / a day worked
    name   varchar,
    source varchar                                               -- the file it came from
);
