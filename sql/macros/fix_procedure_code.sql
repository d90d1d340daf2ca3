-- national procedure codes are d.dddddd; a spreadsheet that read 1.001230 as a number wrote 1.00123
create or replace macro fix_procedure_code(s) as
    case when length(s) < 8 and regexp_full_match(s, '[0-9]\.[0-9]{1,5}')
         then split_part(s, '.', 1) || '.' || rpad(split_part(s, '.', 2), 6, '0')
         else s end;
