-- what an agency is ranked on: for a share (bounded KPI) under the 'wilson' method, the pessimistic
-- end of its 95% interval (lower bound when higher is better, upper bound when lower is better);
-- otherwise (method 'raw', or processing days and scores) the value itself
create or replace macro ranking_score(method, bounded, higher_is_better, numerator, denominator, value, z) as
    case
        when value is null then null
        when method = 'wilson' and bounded and higher_is_better then wilson_lower(numerator, denominator, z)
        when method = 'wilson' and bounded then wilson_upper(numerator, denominator, z)
        else value
    end;
