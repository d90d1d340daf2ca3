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
