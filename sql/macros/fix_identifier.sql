-- identifiers a spreadsheet turned into numbers: '12345.0' -> '12345'
-- (the cheap `contains` first: a regular expression on every identifier of a million records costs)
create or replace macro fix_identifier(s) as
    case when ends_with(s, '0') and contains(s, '.') and regexp_full_match(s, '[0-9]+\.0+')
         then split_part(s, '.', 1) else s end;
