-- a dossier still in progress at the end of a period
create or replace macro open_class(due_date, status, period_end) as
    case
        when due_date is null then 'not_due'
        when status in (5, 6, 8) then 'not_due'   -- waiting on the citizen: supplement, fees, stopped
        when due_date >= period_end then 'not_due'
        else 'overdue'
    end;
