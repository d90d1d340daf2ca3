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
