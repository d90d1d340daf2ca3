-- 766 timeliness is stricter: more than one supplement request makes a dossier late
create or replace macro finished_class_766(end_date, due_date, status, supplement_count) as
    case when supplement_count > 1 then 'late' else finished_class(end_date, due_date, status) end;
