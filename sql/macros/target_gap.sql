-- the gap in the unit a leader acts on: how many more numerator units (dossiers for a share) must
-- turn good at this denominator for a floor to be met, ceil(target * den - num); for a ceiling the
-- excess, ceil(num - target * den). 0 when met, null without a denominator. A count KPI is judged with
-- denominator 1: ceil(target - count) more for a floor, ceil(count - target) too many for a ceiling
create or replace macro target_gap(comparator, target, numerator, denominator) as
    case
        when denominator is null or denominator = 0 or target is null then null
        when comparator = '>=' then greatest(0, ceil(round(target * denominator - numerator, 6)))::bigint
        else greatest(0, ceil(round(numerator - target * denominator, 6)))::bigint
    end;
