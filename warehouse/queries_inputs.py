"""Which inputs the warehouse holds: how many dossiers say what a KPI or a 766 indicator needs (fees,
online payment, how the result was returned, the rescheduling trace), and whether PAKN, ratings and the
procedure catalogue's flags were loaded (docs/inputs.md). For the data officer (the Dữ liệu page):
a share of 0 means that figure is "không có dữ liệu" on every page.

Each function takes a `store.Reader` (or anything with `.query(sql, params)`) and returns a polars
DataFrame.
"""

from __future__ import annotations

import polars as pl


def dossier_inputs(r) -> pl.DataFrame:
    """Per year of receipt, counted dossiers and how many of them carry each input: the fee known (the
    record's fee list or a vendor column, else the catalogue's flag) and charged; of those charged, the
    online payment known; of those finished, the way the result was returned known; of those with a
    supplement request, the original appointment known."""
    return r.query(
        """select year(received_date) as year,
                  count(*) as dossiers,
                  count(has_fee) as fee_known,
                  count(*) filter (has_fee) as with_fee,
                  count(paid_online) filter (has_fee) as payment_known,
                  count(*) filter (end_date is not null) as finished,
                  count(result_by_post) filter (end_date is not null) as return_known,
                  count(*) filter (supplement_count > 0) as with_supplement,
                  count(original_due_date) filter (supplement_count > 0) as original_due_known
           from fct_dossier
           where received_date is not null
           group by all
           order by year"""
    )


def reference_inputs(r) -> dict:
    """PAKN and ratings loaded (count, first date) and the procedure catalogue's flags known (of the
    procedures listed): what the 766 satisfaction and transparency indicators need."""
    return r.query(
        """select (select count(*) from stg_pakn) as pakn,
                  (select min(received_date) from stg_pakn) as pakn_from,
                  (select count(*) from stg_rating) as ratings,
                  (select min(rated_date) from stg_rating) as ratings_from,
                  count(*) as procedures,
                  count(has_fee) as fee_flag_known,
                  count(online_level) as online_level_known,
                  count(published_on_time) as published_known
           from ref_procedure
           where verified"""
    ).row(0, named=True)
