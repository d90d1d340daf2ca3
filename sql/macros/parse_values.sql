-- Parsing of text values as real exports write them. All dates are local Vietnam time.

-- yyyyMMddHHmmss, dd/mm/yyyy[ HH:MM[:SS]], dd-mm-yyyy, ISO (with or without an offset), and
-- Excel serial day numbers (days since 30/12/1899) that spreadsheets leave in date columns
create or replace macro parse_local_ts(s) as
    case
        when s is null then null
        when regexp_full_match(s, '[3-7][0-9]{4}(\.[0-9]+)?')
            then timestamp '1899-12-30' + to_microseconds(cast(round(s::double * 86400000000) as bigint))
        when regexp_full_match(s, '[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9:.]+(Z|[+-][0-9]{2}:?[0-9]{2})')
            then timezone('Asia/Ho_Chi_Minh', try_cast(s as timestamptz))
        else try_strptime(s, [
            '%Y%m%d%H%M%S', '%Y%m%d',
            '%d/%m/%Y %H:%M:%S', '%d/%m/%Y %H:%M', '%d/%m/%Y',
            '%d-%m-%Y %H:%M:%S', '%d-%m-%Y %H:%M', '%d-%m-%Y',
            '%Y-%m-%dT%H:%M:%S', '%Y-%m-%dT%H:%M:%S.%f', '%Y-%m-%d %H:%M:%S', '%Y-%m-%d %H:%M:%S.%f',
            '%Y-%m-%d %H:%M', '%Y-%m-%d'
        ])
    end;

-- '01', '1', '1.0' (a spreadsheet's number) -> 1
create or replace macro parse_code_int(s) as
    try_cast(regexp_replace(s, '\.0+$', '') as integer);

-- yes/no as vendors write it; anything else is unknown (null)
create or replace macro parse_flag(s) as
    case
        when s is null then null
        when lower(s) in ('1', '1.0', 'true', 'có', 'co', 'x', 'yes', 'y', 'đã', 'da', 'c') then true
        when lower(s) in ('0', '0.0', 'false', 'không', 'khong', 'no', 'n', 'chưa', 'chua', 'k') then false
    end;

-- national procedure codes are d.dddddd; a spreadsheet that read 1.001230 as a number wrote 1.00123
create or replace macro fix_procedure_code(s) as
    case when regexp_full_match(s, '[0-9]\.[0-9]{1,5}')
         then split_part(s, '.', 1) || '.' || rpad(split_part(s, '.', 2), 6, '0')
         else s end;

-- identifiers a spreadsheet turned into numbers: '12345.0' -> '12345'
create or replace macro fix_identifier(s) as
    case when regexp_full_match(s, '[0-9]+\.0+') then split_part(s, '.', 1) else s end;
