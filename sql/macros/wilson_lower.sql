create or replace macro wilson_lower(k, n, z) as
    case when n is null or n <= 0 or k is null then null else (
        wilson_share(k, n) + z * z / (2 * n)
        - z * sqrt(wilson_share(k, n) * (1 - wilson_share(k, n)) / n + z * z / (4 * n * n))
    ) / (1 + z * z / n) end;
