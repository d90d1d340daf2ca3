create or replace macro open_class_766(due_date, status, period_end, supplement_count) as
    case when supplement_count > 1 then 'overdue' else open_class(due_date, status, period_end) end;
