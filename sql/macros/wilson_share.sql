-- Rules of fair ranking inside peer groups (docs/targets_rankings.md), in one place.
-- The rule that applies to a KPI and peer group lives in the data table ref_ranking_rule.

-- Wilson score interval of a share k / n at z standard deviations (z = 1.96 for 95%): the lower
-- bound is what the share is "at least" given its volume, so 4/4 (0.51) ranks below 990/1000 (0.98)
create or replace macro wilson_share(k, n) as
    least(greatest(k / n, 0.0), 1.0);
