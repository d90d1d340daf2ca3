"""Late dossiers and dossiers falling due soon, for the "Hồ sơ trễ hạn" page (docs/late.md).

These list dossiers, so they read fct_dossier, always filtered by period and by agency or peer
group, and cut at `limit` rows (the caller asks for limit + 1 to know whether the list was cut).
Working days come from dim_date.workday_index; a day outside dim_date falls back to calendar days.
"""

from __future__ import annotations

import polars as pl

LIMIT = 5000

_AS_OF = "coalesce((select cast(value as date) from meta where key = 'as_of'), current_date)"

# the agency filter: one agency, else a peer group, else all (None = no filter)
_AGENCY_FILTER = """
    select agency_code, agency_name from dim_agency
    where ($agency is null or agency_code = $agency)
      and ($peer is null or peer_group = $peer)
"""

_NAMES = """
    procedures as (select procedure_code, procedure_name from dim_procedure),
    fields as (select field_code, any_value(field_name) as field_name from dim_procedure group by field_code)
"""


def agencies(r, peer: str | None = None) -> pl.DataFrame:
    """The agencies of a peer group (all when None), by name."""
    return r.query(
        "select agency_code, agency_name from dim_agency where ($peer is null or peer_group = $peer) "
        "order by agency_name collate vi, agency_code",
        {"peer": peer},
    )


def _ceased(r, alias: str, judged_on: str) -> tuple[str, str]:
    """Columns and join that mark a dossier still open under an agency that had ceased by the day it
    is judged on (dim_agency_successor: the old districts and communes after 30/06/2025): the day the
    agency ended and the agency that took over its dossiers (docs/integrity.md). Builds made before
    dim_agency_successor existed mark none."""
    found = r.query("select count(*) as n from duckdb_tables() "
                    "where table_name = 'dim_agency_successor'")["n"][0]
    if not found:
        return ("null::date as agency_ended_on, null::varchar as ceased_agency, "
                "null::varchar as successor_name", "")
    return ("s.ended_on as agency_ended_on, s.agency_display as ceased_agency, "
            "s.successor_display as successor_name",
            f"left join dim_agency_successor as s on s.agency_code = {alias}.agency_code "
            f"and s.ended_on < {judged_on}")


def _late_ctes(r, dates: dict) -> tuple[str, dict, dict]:
    """The CTEs up to `late` (the dossiers late in the window `dates` — period_dates or window_dates —
    of the chosen agencies), their parameters, and how to get working-day indexes (see late_list)."""
    # builds made before fct_dossier_late existed: the same rows from fct_dossier
    sliced = r.query(
        "select count(*) as n from duckdb_tables() where table_name = 'fct_dossier_late'")["n"][0]
    source = "fct_dossier_late" if sliced else "fct_dossier"
    indexed = sliced and r.query(
        "select count(*) as n from duckdb_columns() where table_name = 'fct_dossier_late' "
        "and column_name = 'due_workday_index'")["n"][0]
    if indexed:
        # the day indexes are columns of fct_dossier_late; the judging day of an open dossier is the
        # eval date, one constant: no join per late dossier
        days = {"judged_index": "case when l.judged_on = l.end_date then l.end_workday_index "
                                "else (select workday_index from dim_date where day = $eval::date) end",
                "due_index": "l.due_workday_index", "day_joins": ""}
    else:
        days = {"judged_index": "j.workday_index", "due_index": "du.workday_index",
                "day_joins": "left join dim_date as j on j.day = l.judged_on "
                             "left join dim_date as du on du.day = l.due_date"}
    ctes = f"""
        with period as (
            select $start::date as start_date, $end::date as end_date, $eval::date as eval_date
            where $found
        ),
        chosen as ({_AGENCY_FILTER}),
        {_NAMES},
        candidates as (
            select d.*, c.agency_name,
                   case when d.end_date between p.start_date and p.end_date and d.finished_class = 'late'
                        then 'finished_late'
                        when d.received_date <= p.eval_date
                         and (d.end_date is null or d.end_date > p.eval_date)
                         and open_class(d.due_date, d.status, p.eval_date) = 'overdue'
                        then 'overdue' end as late_state,
                   case when d.end_date between p.start_date and p.end_date then d.end_date
                        else p.eval_date end as judged_on
            -- every dossier late_state can flag is in fct_dossier_late (sql/marts/fct_dossier_late.sql)
            from {source} as d
            join chosen as c using (agency_code)
            cross join period as p
            where d.received_date <= p.end_date
              and (d.end_date is null or d.end_date >= p.start_date)
              -- the same bounds as constants, and what late_state needs (finished late, or overdue:
              -- due before the eval date, not waiting on the citizen), so the scan skips the rest
              and d.received_date <= $end
              and ((d.finished_class = 'late' and d.end_date between $start and $end)
                   or ((d.end_date is null or d.end_date > $eval)
                       and d.due_date < $eval and d.status not in (5, 6, 8)))
        ),
        late as (
            select * from candidates where late_state is not null
        )"""
    return ctes, dates, days


def late_summary(r, kind: str, key: str, peer: str | None = None, agency: str | None = None) -> dict:
    """How many dossiers late_dossiers would list, finished late among them, and by apology slip:
    issued (apologies), not issued (no_apology), no source says (apology_unknown). Counts only, for
    the line above a list that shows its first rows."""
    ctes, dates, _ = _late_ctes(r, period_dates(r, kind, key))
    return r.query(
        f"""{ctes}
        select count(*) as late, count(*) filter (late_state = 'finished_late') as finished_late,
               count(*) filter (apology_issued) as apologies,
               count(*) filter (not apology_issued) as no_apology,
               count(*) filter (apology_issued is null) as apology_unknown
        from late""",
        {**dates, "peer": peer, "agency": agency},
    ).row(0, named=True)


def late_dossiers(r, kind: str, key: str, peer: str | None = None, agency: str | None = None,
                  limit: int = LIMIT) -> pl.DataFrame:
    """Dossiers late in a period (dim_period): see late_list. Most late first; at most `limit` rows."""
    return late_list(r, period_dates(r, kind, key), peer, agency, limit)


def late_in_window(r, date_from, date_to, agency: str | None = None) -> pl.DataFrame:
    """Every dossier late in a window of any dates (`python -m etl late`): see late_list and
    window_dates. All rows, most late first."""
    return late_list(r, window_dates(r, date_from, date_to), None, agency, None)


def late_list(r, dates: dict, peer: str | None = None, agency: str | None = None,
              limit: int | None = LIMIT) -> pl.DataFrame:
    """Dossiers late in a window: finished late within it (end_date in the window), or still open
    at its eval_date and overdue then. late_workdays = working days from the due day to the end
    day (finished) or to the eval_date (open). The department that held it from fct_late_holdup.
    Most late first; at most `limit` rows (None: all)."""
    ctes, dates, days = _late_ctes(r, dates)
    ceased_cols, ceased_join = _ceased(r, "l", "l.judged_on")
    return r.query(
        f"""{ctes},
        -- the first `limit` late dossiers, before the names and departments are looked up for them
        ranked as (
            select l.*,
                   -- working days from the due day to the end (or judging) day
                   coalesce({days['judged_index']} - {days['due_index']}, l.judged_on - l.due_date)
                       as late_workdays
            from late as l
            {days['day_joins']}
            order by late_workdays desc, l.due_date, l.dossier_id
            limit $limit
        ),
        final as (
            select
                l.dossier_id,
                l.agency_code,
                l.agency_name,
                l.procedure_code,
                coalesce(pr.procedure_name, l.procedure_code) as procedure_name,
                coalesce(f.field_name, l.field_code) as field_name,
                l.received_date,
                l.due_date,
                case when l.late_state = 'finished_late' then l.end_date end as end_date,
                l.late_state,
                l.judged_on,
                l.late_workdays,
                l.apology_issued,
                l.apology_date,
                l.apology_new_due_date,
                h.department,
                {ceased_cols}
            from ranked as l
            left join procedures as pr using (procedure_code)
            left join fields as f on f.field_code = l.field_code
            left join fct_late_holdup as h on h.dossier_id = l.dossier_id
            {ceased_join}
        )
        select * from final
        order by late_workdays desc, due_date, dossier_id
        limit $limit
        """,
        {**dates, "peer": peer, "agency": agency, "limit": limit},
    )


def window_dates(r, date_from, date_to) -> dict:
    """A window of any dates as query parameters: open dossiers are judged on its last day, or on the
    data's date (meta as_of) when the window runs past it (what is not loaded is not known), as the
    periodic report of a window judges them (warehouse/report.py)."""
    as_of = r.query(f"select {_AS_OF} as as_of")["as_of"][0]
    return {"start": date_from, "end": date_to, "eval": min(date_to, as_of), "found": True}


def period_dates(r, kind: str, key: str) -> dict:
    """A period's start, end and eval dates as query parameters ($found false when unknown): bound as
    constants, the filters on them reach fct_dossier's scan (zone maps skip other months)."""
    rows = r.query("select start_date, end_date, eval_date from dim_period "
                   "where period_kind = $kind and period_key = $key", {"kind": kind, "key": key})
    if rows.height == 0:
        return {"start": None, "end": None, "eval": None, "found": False}
    row = rows.row(0, named=True)
    return {"start": row["start_date"], "end": row["end_date"], "eval": row["eval_date"], "found": True}


def due_soon(r, days: int, peer: str | None = None, agency: str | None = None,
             limit: int = LIMIT) -> pl.DataFrame:
    """Dossiers still open on the data's date (meta as_of), not yet overdue and not waiting on the
    citizen (open_class 'not_due' with a due date), due within `days` working days:
    workdays_left = workday_index(due) - workday_index(as_of), 0 = due today. Soonest first."""
    ceased_cols, ceased_join = _ceased(r, "o", "o.as_of")
    return r.query(
        f"""
        with as_of as (select {_AS_OF} as as_of),
        chosen as ({_AGENCY_FILTER}),
        {_NAMES},
        open_ as (
            select d.*, c.agency_name, a.as_of
            from fct_dossier as d
            join chosen as c using (agency_code)
            cross join as_of as a
            where d.end_date is null
              and d.received_date <= a.as_of
              and d.due_date >= a.as_of
              and d.status not in (5, 6, 8)     -- waiting on the citizen: the clock is stopped
        ),
        final as (
            select
                o.dossier_id,
                o.agency_code,
                o.agency_name,
                o.procedure_code,
                coalesce(pr.procedure_name, o.procedure_code) as procedure_name,
                coalesce(f.field_name, o.field_code) as field_name,
                o.received_date,
                o.due_date,
                coalesce(du.workday_index - t.workday_index, o.due_date - o.as_of) as workdays_left,
                {ceased_cols}
            from open_ as o
            left join procedures as pr using (procedure_code)
            left join fields as f on f.field_code = o.field_code
            left join dim_date as du on du.day = o.due_date
            left join dim_date as t on t.day = o.as_of
            {ceased_join}
        )
        select * from final
        where workdays_left <= $days
        order by workdays_left, due_date, dossier_id
        limit $limit
        """,
        {"days": days, "peer": peer, "agency": agency, "limit": limit},
    )
