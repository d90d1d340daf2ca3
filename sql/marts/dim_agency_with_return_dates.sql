-- the agencies whose records carry a return date (NgayTra) at all: only their dossiers can be
-- "returned without a result" (fct_integrity_issue's check 1), as a vendor export without the column
-- says nothing about results. A table of its own so the per-dossier checks can be recomputed for a
-- few dossiers (warehouse/incremental.py) and still see every agency's records.
create or replace table dim_agency_with_return_dates as
with final as (
    select distinct agency_code from raw_dossier where returned_at is not null
)

select * from final
order by agency_code
;
