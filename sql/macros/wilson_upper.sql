-- the upper bound, by symmetry: upper(k, n) = 1 - lower(n - k, n)
create or replace macro wilson_upper(k, n, z) as
    1 - wilson_lower(n - k, n, z);
