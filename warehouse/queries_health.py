"""Health of the data's arrival (docs/receiver.md): when each kind of input was last loaded, and when
each agency last sent something, flagging an agency silent for more than N working days.

An agency's last sign of life is the later of its newest received dossier (NgayTiepNhan) and the
newest time one of its dossiers arrived in a new state (raw_dossier_history.loaded_at: a file that
repeats what the warehouse holds adds nothing there, so a vendor re-sending old data does not count).
Working days come from dim_date (the official calendar, docs/calendar.md); "silent" means more than
N working days after that sign of life up to the reference day (given, never read from the clock
here: the command and the page pass today). An agency with no dossier at all is silent with no date.

The two signs per agency are kept by every build and load in agg_agency_activity (sql/kpi/).
Shared by `python -m etl status` and the data page. Each function takes a `store.Reader` (or anything
with `.query(sql, params)`) and returns a polars DataFrame.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

DEFAULT_SILENT_DAYS = 5


def sources(r) -> pl.DataFrame:
    """Per kind of input (and file format): the last load, files, records loaded and rejected, and
    how many files could not be used at all."""
    return r.query(
        """select kind, coalesce(file_format, '') as file_format,
                  max(finished_at) as last_load,
                  count(distinct source) as files,
                  coalesce(sum(rows_loaded), 0)::bigint as rows_loaded,
                  coalesce(sum(rows_rejected), 0)::bigint as rows_rejected,
                  count(*) filter (where status = 'unusable') as unusable_files
           from load_log
           group by all
           order by last_load desc nulls last, kind"""
    )


def agencies(r, on: dt.date, silent_days: int = DEFAULT_SILENT_DAYS) -> pl.DataFrame:
    """Per agency in service on `on`: last received dossier, last dossier state loaded, the working
    days since the later of the two (up to `on`) and whether that is more than `silent_days`.
    Silent agencies first, the longest silence first."""
    return r.query(
        """with calendar as (
               select max(day) as last_day from dim_date
           ),
           on_day as (
               -- past the calendar's range (800 days after the data) the count stops growing; any
               -- agency that far behind is silent anyway
               select workday_index from dim_date where day = least($on, (select last_day from calendar))
           ),
           joined as (
               select a.agency_code, a.agency_name, a.peer_group, e.last_received, e.last_loaded,
                      greatest(e.last_received, cast(e.last_loaded as date)) as last_seen
               from dim_agency as a
               left join agg_agency_activity as e using (agency_code)
               where (a.valid_to is null or a.valid_to >= $on)
           ),
           final as (
               select j.*,
                      case when j.last_seen is null then null
                           else greatest((select workday_index from on_day) - s.workday_index, 0)
                      end::integer as working_days_silent,
                      j.last_seen is null
                          or (select workday_index from on_day) - s.workday_index > $n as silent
               from joined as j
               left join dim_date as s on s.day = j.last_seen
           )
           select * from final
           order by silent desc, working_days_silent desc nulls first, agency_name, agency_code""",
        {"on": on, "n": silent_days},
    )


def source_stopped(agencies_frame: pl.DataFrame) -> dt.date | None:
    """When every agency is silent at once, the newest dossier received anywhere: the source stopped
    (the receiver, the nightly export, the watch timer), not each agency; None otherwise."""
    if agencies_frame.height == 0 or not agencies_frame["silent"].all():
        return None
    return agencies_frame["last_received"].max()
