-- Rules of plan-target attainment (docs/targets_rankings.md), in one place.

-- a value meets a floor (>=) or a ceiling (<=); null when there is no value. The slack,
-- target_tolerance(), is warehouse/metrics.TARGET_TOLERANCE (the Python pages judge with the same):
-- it keeps 0.96 * 25 / 25 from missing 0.96 by a rounding error
create or replace macro target_met(comparator, value, target) as
    case
        when value is null or target is null then null
        when comparator = '>=' then value >= target - target_tolerance()
        else value <= target + target_tolerance()
    end;

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
