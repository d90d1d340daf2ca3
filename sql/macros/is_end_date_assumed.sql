-- the end date is that fallback: no date of its own, so no processing time either
create or replace macro is_end_date_assumed(finished_at, returned_at, refused_at, status) as
    status = 7 and finished_at is null and returned_at is null and refused_at is null;
