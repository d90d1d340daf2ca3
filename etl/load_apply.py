"""The records a file of `python -m etl load` parsed (temp table load_parsed), merged into the
warehouse, one function per kind of data (APPLY). Each runs inside the file's transaction
(etl/load.py) and returns the number of records loaded.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from etl.load_apology import apply_apology_slips
from etl.load_published import apply_match, apply_published
from warehouse.build import scalar

# what a dossier's state is made of: every stored column but where it came from. JSON keeps a null
# apart from an empty or 'NULL' text (concat_ws skipped nulls, so "due 10/03, not finished" and
# "no due date, finished 10/03" were one state)
STATE_COLUMNS = ("procedure_code", "field_code", "agency_code", "channel", "applicant_type", "submitted_at",
                 "received_at", "due_at", "finished_at", "returned_at", "refused_at", "status",
                 "supplement_count", "has_fee", "paid_online", "digitised", "electronic_result",
                 "apology_issued", "result_method", "original_due_at", "rescheduled_due_at")


def _state_hash(alias: str = "") -> str:
    prefix = f"{alias}." if alias else ""
    fields = ", ".join(f"'{c}': {prefix}{c}" for c in STATE_COLUMNS)
    # xxhash of the row: fast; only ever compared between states of the same dossier
    return f"hash({{{fields}}})::varchar"


def _apply_dossiers(con, load_id: str, path: Path, now: dt.datetime) -> int:
    # a view: each statement below reads only the columns it needs
    con.execute(
        f"""create or replace temp view load_good as
            select *, {_state_hash()} as state_hash from load_parsed where len(errors) = 0"""
    )
    # a later record of the same dossier in the file is a later state of it; most exports hold each
    # dossier once, and then the (costly) de-duplication is skipped
    repeats = scalar(con, "select count(*) - count(distinct dossier_id) from load_good")
    if repeats:
        con.execute(
            """create or replace temp table load_latest as
               select * from load_good
               qualify row_number() over (partition by dossier_id order by _row desc) = 1"""
        )
    else:
        con.execute("create or replace temp view load_latest as select * from load_good")
    first_state = ("qualify row_number() over (partition by dossier_id, state_hash order by _row) = 1"
                   if repeats else "")
    con.execute(
        f"""insert into raw_dossier_history
            select dossier_id, state_hash, status, received_at, due_at, finished_at, returned_at, refused_at,
                   supplement_count, ?, ?, _row, ?
            from load_good as g
            where not exists (select 1 from raw_dossier_history as h
                              where h.dossier_id = g.dossier_id and h.state_hash = g.state_hash)
            {first_state}""",
        [load_id, str(path), now],
    )
    # only dossiers whose state changed are replaced: loading a file again leaves every row as it
    # was, including the load it came from
    if scalar(con, "select count(*) from (select 1 from raw_dossier limit 1)"):
        con.execute(
            f"""create or replace temp table load_changed as
                select n.* from load_latest as n
                left join raw_dossier as d using (dossier_id)
                where d.dossier_id is null or {_state_hash('d')} <> n.state_hash"""
        )
        con.execute("delete from raw_dossier where dossier_id in (select dossier_id from load_changed)")
    else:
        con.execute("create or replace temp view load_changed as select * from load_latest")
    con.execute(
        """insert into raw_dossier by name
           select dossier_id, procedure_code, field_code, agency_code, channel, applicant_type,
                  submitted_at, received_at, due_at, finished_at, returned_at, refused_at, status,
                  supplement_count, has_fee, paid_online, digitised, electronic_result, apology_issued,
                  result_method, original_due_at, rescheduled_due_at,
                  ? as load_id, ? as source_file, _row as source_row
           from load_changed""",
        [load_id, str(path)],
    )
    _register_unknown(con)
    return scalar(con, "select count(*) from load_good")


def _register_unknown(con) -> None:
    """Codes the warehouse does not know yet are registered as unverified, never a reason to drop."""
    con.execute(
        """insert into ref_agency (agency_code, agency_name, verified)
           select agency_code, coalesce(mode(agency_name), agency_code), false
           from load_latest
           where agency_code not in (select agency_code from ref_agency)
           group by agency_code"""
    )
    con.execute(
        """insert into ref_field (field_code, field_name)
           select field_code, coalesce(mode(field_name), field_code)
           from load_latest
           where field_code is not null and field_code not in (select field_code from ref_field)
           group by field_code"""
    )
    con.execute(
        """insert into ref_procedure (procedure_code, procedure_name, field_code, verified)
           select procedure_code, coalesce(mode(procedure_name), procedure_code), mode(field_code), false
           from load_latest
           where procedure_code is not null
             and procedure_code not in (select procedure_code from ref_procedure)
           group by procedure_code"""
    )


def _apply_steps(con, load_id: str, path: Path, now: dt.datetime) -> int:
    # a step is (dossier, when, department, what): the same step twice, in one file or in two
    # loads, is stored once
    con.execute(
        """insert into raw_dossier_step
           select g.dossier_id, g.department, g.acted_at, g.action, g.step_status, g.planned_end,
                  ?, ?, g._row
           from load_parsed g
           where len(g.errors) = 0
             and not exists (select 1 from raw_dossier_step s
                             where s.dossier_id = g.dossier_id and s.acted_at = g.acted_at
                               and s.department is not distinct from g.department
                               and s.action is not distinct from g.action)
           qualify row_number() over (partition by g.dossier_id, g.acted_at, g.department, g.action
                                      order by g._row) = 1""",
        [load_id, str(path)],
    )
    return scalar(con, "select count(*) from load_parsed where len(errors) = 0")


def _apply_agencies(con, load_id: str, path: Path, now: dt.datetime) -> int:
    con.execute(
        """create or replace temp table load_latest as
           select * from load_parsed where len(errors) = 0
           qualify row_number() over (partition by agency_code order by _row desc) = 1"""
    )
    con.execute("delete from ref_agency where agency_code in (select agency_code from load_latest)")
    con.execute(
        """insert into ref_agency (agency_code, agency_name, agency_level, unit_version, unit_code,
                                   valid_from, valid_to, verified)
           select agency_code, agency_name, agency_level,
                  case when unit_code is not null then unit_version end, unit_code, valid_from, valid_to, true
           from load_latest"""
    )
    return scalar(con, "select count(*) from load_parsed where len(errors) = 0")


def _apply_procedures(con, load_id: str, path: Path, now: dt.datetime) -> int:
    con.execute(
        """create or replace temp table load_latest as
           select * from load_parsed where len(errors) = 0
           qualify row_number() over (partition by procedure_code order by _row desc) = 1"""
    )
    # the 766 columns: a catalogue without them (or an empty cell) keeps what an earlier load gave
    con.execute(
        """create or replace temp table load_previous as
           select procedure_code, online_level, published_on_time, publicised, info_complete
           from ref_procedure where procedure_code in (select procedure_code from load_latest)"""
    )
    con.execute("delete from ref_procedure where procedure_code in (select procedure_code from load_latest)")
    con.execute(
        """insert into ref_procedure (procedure_code, procedure_name, field_code, statutory_days, has_fee,
                                      verified, online_level, published_on_time, publicised, info_complete)
           select n.procedure_code, n.procedure_name, n.field_code, n.statutory_days, n.has_fee, true,
                  coalesce(n.online_level, o.online_level),
                  coalesce(n.published_on_time, o.published_on_time),
                  coalesce(n.publicised, o.publicised), coalesce(n.info_complete, o.info_complete)
           from load_latest as n left join load_previous as o using (procedure_code)"""
    )
    con.execute(
        """insert or replace into ref_field (field_code, field_name)
           select field_code, mode(field_name) from load_latest
           where field_code is not null and field_name is not null group by field_code"""
    )
    return scalar(con, "select count(*) from load_parsed where len(errors) = 0")


def _apply_targets(con, load_id: str, path: Path, now: dt.datetime) -> int:
    con.execute(
        """create or replace temp table load_latest as
           select * from load_parsed where len(errors) = 0
           qualify row_number() over (partition by year, agency_level, agency_code, kpi
                                      order by _row desc) = 1"""
    )
    con.execute(
        """delete from ref_plan_target t using load_latest n
           where t.year = n.year and t.kpi = n.kpi
             and t.agency_level is not distinct from n.agency_level
             and t.agency_code is not distinct from n.agency_code"""
    )
    con.execute(
        """insert into ref_plan_target
           select year, agency_level, agency_code, kpi, comparator, target_value, ? from load_latest""",
        [f"nạp từ {path.name}"],
    )
    return scalar(con, "select count(*) from load_parsed where len(errors) = 0")


def _register_unknown_agencies(con) -> None:
    """Agencies named by PAKN or ratings that the warehouse does not know yet: unverified, as for dossiers."""
    con.execute(
        """insert into ref_agency (agency_code, agency_name, verified)
           select agency_code, coalesce(mode(agency_name), agency_code), false
           from load_latest
           where agency_code is not null and agency_code not in (select agency_code from ref_agency)
           group by agency_code"""
    )


def _apply_pakn(con, load_id: str, path: Path, now: dt.datetime) -> int:
    # one row per PAKN: a later record of it (later in the file, or in a later load) replaces it
    con.execute(
        """create or replace temp table load_latest as
           select * from load_parsed where len(errors) = 0
           qualify row_number() over (partition by pakn_id order by _row desc) = 1"""
    )
    # unchanged records stay as they were (with the load they came from): loading a file twice changes nothing
    con.execute(
        """create or replace temp table load_changed as
           select n.* from load_latest as n
           left join raw_pakn as o using (pakn_id)
           where o.pakn_id is null
              or o.agency_code is distinct from n.agency_code or o.received_at is distinct from n.received_at
              or o.due_at is distinct from n.due_at or o.resolved_at is distinct from n.resolved_at
              or o.satisfied is distinct from n.satisfied"""
    )
    con.execute("delete from raw_pakn where pakn_id in (select pakn_id from load_changed)")
    con.execute(
        """insert into raw_pakn (pakn_id, agency_code, received_at, due_at, resolved_at, satisfied,
                                 load_id, source_file, source_row)
           select pakn_id, agency_code, received_at, due_at, resolved_at, satisfied, ?, ?, _row
           from load_changed""",
        [load_id, str(path)],
    )
    _register_unknown_agencies(con)
    return scalar(con, "select count(*) from load_parsed where len(errors) = 0")


def _apply_ratings(con, load_id: str, path: Path, now: dt.datetime) -> int:
    # a rating with an id: a later record of it replaces it; without one, the same rating (dossier,
    # agency, time, score, result) is stored once
    con.execute(
        """create or replace temp table load_latest as
           select * from load_parsed where len(errors) = 0 and rating_id is not null
           qualify row_number() over (partition by rating_id order by _row desc) = 1
           union all by name
           select * from load_parsed where len(errors) = 0 and rating_id is null
           qualify row_number() over (partition by dossier_id, agency_code, rated_at, score, satisfied
                                      order by _row) = 1"""
    )
    con.execute(
        """create or replace temp table load_changed as
           select n.* from load_latest as n
           where not exists (
               select 1 from raw_rating as o
               where o.rating_id is not distinct from n.rating_id
                 and o.dossier_id is not distinct from n.dossier_id
                 and o.agency_code is not distinct from n.agency_code
                 and o.rated_at = n.rated_at and o.score is not distinct from n.score
                 and o.satisfied = n.satisfied)"""
    )
    con.execute(
        """delete from raw_rating
           where rating_id in (select rating_id from load_changed where rating_id is not null)"""
    )
    con.execute(
        """insert into raw_rating (rating_id, dossier_id, agency_code, rated_at, score, satisfied,
                                   load_id, source_file, source_row)
           select rating_id, dossier_id, agency_code, rated_at, score, satisfied, ?, ?, _row
           from load_changed""",
        [load_id, str(path)],
    )
    _register_unknown_agencies(con)
    return scalar(con, "select count(*) from load_parsed where len(errors) = 0")


def _apply_calendar(con, load_id: str, path: Path, now: dt.datetime) -> int:
    from etl.calendar_load import apply_calendar  # the official calendar's override: docs/calendar.md

    return apply_calendar(con, load_id, path, now)


def _apply_roles(con, load_id: str, path: Path, now: dt.datetime) -> int:
    """Who may see what (docs/security.md): the role list's good rows replace the rows of the same
    accounts; VaiTro "thu hồi" removes one."""
    con.execute(
        """create or replace temp table load_latest as
           select * from load_parsed where len(errors) = 0
           qualify row_number() over (partition by account order by _row desc) = 1"""
    )
    con.execute("delete from ref_user_role where account in (select account from load_latest)")
    con.execute(
        """insert into ref_user_role (account, role, agency_code, source)
           select account, role, agency_code, ? from load_latest where role is not null""",
        [f"nạp từ {path.name}"],
    )
    return con.sql("select count(*) from load_parsed where len(errors) = 0").fetchall()[0][0]


APPLY = {"dossier": _apply_dossiers, "step": _apply_steps, "agency": _apply_agencies,
         "procedure": _apply_procedures, "target": _apply_targets, "pakn": _apply_pakn,
         "rating": _apply_ratings, "role": _apply_roles, "calendar": _apply_calendar,
         "apology": apply_apology_slips, "published_766": apply_published, "published_766_match": apply_match}
