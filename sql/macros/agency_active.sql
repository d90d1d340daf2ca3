-- An agency is active in a window when its validity (valid_from .. valid_to, both days included; null
-- = open) overlaps the window start_date .. end_date: it existed on at least one of its days. The one
-- rule of every "agencies of a period" list (rankings, targets, the 766 score); an agency active on a
-- single day is agency_active(valid_from, valid_to, day, day).
create or replace macro agency_active(valid_from, valid_to, start_date, end_date) as
    coalesce(valid_from, date '1900-01-01') <= end_date
    and coalesce(valid_to, date '9999-12-31') >= start_date;
