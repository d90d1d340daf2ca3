-- a finished dossier: calendar dates compared, local time
create or replace macro finished_class(end_date, due_date, status) as
    case
        when status = 7 then 'on_time'            -- withdrawn by the citizen
        when due_date is null then 'on_time'
        when end_date < due_date then 'early'
        when end_date = due_date then 'on_time'
        else 'late'
    end;
