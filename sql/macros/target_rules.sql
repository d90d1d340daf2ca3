-- Rules of plan-target attainment (docs/notes/targets_rankings.md), in one place.

-- a value meets a floor (>=) or a ceiling (<=); null when there is no value. The 1e-9 slack keeps
-- 0.96 * 25 / 25 from missing 0.96 by a rounding error
create or replace macro target_met(comparator, value, target) as
    case
        when value is null or target is null then null
        when comparator = '>=' then value >= target - 1e-9
        else value <= target + 1e-9
    end;

-- the gap in the unit a leader acts on: how many more numerator units (dossiers for a share) must
-- turn good at this denominator for a floor to be met, ceil(target * den - num); for a ceiling the
-- excess, ceil(num - target * den). 0 when met, null without a denominator
create or replace macro target_gap(comparator, target, numerator, denominator) as
    case
        when denominator is null or denominator = 0 or target is null then null
        when comparator = '>=' then greatest(0, ceil(round(target * denominator - numerator, 6)))::bigint
        else greatest(0, ceil(round(numerator - target * denominator, 6)))::bigint
    end;
