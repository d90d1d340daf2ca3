-- '01', '1', '1.0' (a spreadsheet's number) -> 1
create or replace macro parse_code_int(s) as
    coalesce(try_cast(s as integer), try_cast(regexp_replace(s, '\.0+$', '') as integer));
