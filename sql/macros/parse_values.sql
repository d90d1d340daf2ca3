-- Parsing of text values as real exports write them. All dates are local Vietnam time.

-- yyyyMMddHHmmss, dd/mm/yyyy[ HH:MM[:SS]], dd-mm-yyyy, ISO (with or without an offset), and
-- Excel serial day numbers (days since 30/12/1899) that spreadsheets leave in date columns
-- The common shapes go straight to their one format (a list of formats is tried in turn and
-- costs ten times more on a million rows); everything else falls through to the full list.
create or replace macro parse_local_ts(s) as
    case
        when s is null then null
        when s like '__/__/____ __:__:__' then try_strptime(s, '%d/%m/%Y %H:%M:%S')
        when s like '__/__/____' then try_strptime(s, '%d/%m/%Y')
        when s like '______________' and s not like '%-%' and s not like '%/%'
            then try_strptime(s, '%Y%m%d%H%M%S')
        when s like '____-__-__' then try_strptime(s, '%Y-%m-%d')
        when s like '____-__-__ __:__:__' then try_strptime(s, '%Y-%m-%d %H:%M:%S')
        when s like '____-__-__T__:__:__' then try_strptime(s, '%Y-%m-%dT%H:%M:%S')
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
    coalesce(try_cast(s as integer), try_cast(regexp_replace(s, '\.0+$', '') as integer));

-- yes/no as vendors write it; anything else is unknown (null)
create or replace macro parse_flag(s) as
    case
        when s is null then null
        when lower(s) in ('1', '1.0', 'true', 'có', 'co', 'x', 'yes', 'y', 'đã', 'da', 'c') then true
        when lower(s) in ('0', '0.0', 'false', 'không', 'khong', 'no', 'n', 'chưa', 'chua', 'k') then false
    end;

-- national procedure codes are d.dddddd; a spreadsheet that read 1.001230 as a number wrote 1.00123
create or replace macro fix_procedure_code(s) as
    case when length(s) < 8 and regexp_full_match(s, '[0-9]\.[0-9]{1,5}')
         then split_part(s, '.', 1) || '.' || rpad(split_part(s, '.', 2), 6, '0')
         else s end;

-- identifiers a spreadsheet turned into numbers: '12345.0' -> '12345'
-- (the cheap `contains` first: a regular expression on every identifier of a million records costs)
create or replace macro fix_identifier(s) as
    case when ends_with(s, '0') and contains(s, '.') and regexp_full_match(s, '[0-9]+\.0+')
         then split_part(s, '.', 1) else s end;
