-- yes/no as vendors write it; anything else is unknown (null)
create or replace macro parse_flag(s) as
    case
        when s is null then null
        when lower(s) in ('1', '1.0', 'true', 'có', 'co', 'x', 'yes', 'y', 'đã', 'da', 'c') then true
        when lower(s) in ('0', '0.0', 'false', 'không', 'khong', 'no', 'n', 'chưa', 'chua', 'k') then false
    end;
