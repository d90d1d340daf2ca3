"""Publishing a load by updating only what its records touch (docs/incremental.md).

A full build (warehouse.build.apply_sql) recomputes every table of sql/ from the raw tables: its cost
follows the size of the warehouse. A sync of a few thousand dossier records into the copy of the
current version instead:
- runs every view, macro and seed as the full build does (they cost nothing);
- for the tables of warehouse/incremental_rules.py (those whose cost follows the number of
  dossiers), deletes the rows of the keys the load touched and inserts them again, computed by the
  table's own SQL file while its inputs are narrowed (temporary views of the same names shadow the
  warehouse's tables: DuckDB resolves a name to the temporary one first);
- keeps a table none of whose inputs changed, and rebuilds whole every other table (they read the
  small summary tables).
It falls back to the full build whenever it cannot be sure of the same result: the warehouse was
built by other SQL, the run loaded anything but dossier records, a reference table changed, the
working-day calendar of days already built changed, an agency's end date or the set of agencies
with return dates changed. tests/test_incremental.py compares every table with a full rebuild.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import time
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import duckdb

from warehouse import build, kpi_sql, official_calendar, sql_order
from warehouse.build import scalar, set_meta
from warehouse.incremental_rules import DELTA_RULES, KEEP_UNLESS, PREVIOUS, RULES, DeltaRule, Rule

FINGERPRINT_KEY = "build_fingerprint"
BUILT_AS_OF_KEY = "built_as_of"
# the raw tables a load of dossiers and their processing steps writes; a change to any other schema
# table asks for a full build
DOSSIER_LOAD_TABLES = {"raw_dossier", "raw_dossier_history", "raw_dossier_step", "quarantine", "load_log",
                       "meta"}
# the kinds of file such a load reads (etl/load_parse.py): the sync's dossiers and processing steps
INCREMENTAL_KINDS = ("dossier", "step")
_KIND = re.compile(r"\bcreate\s+(?:or\s+replace\s+)?(?:temp\s+)?(table|view|macro)\b", re.I)
_CREATE_TABLE = re.compile(r"\bcreate\s+or\s+replace\s+table\s+([a-z_][a-z0-9_]*)\s+as\b", re.I)


class FullBuildNeeded(Exception):
    """The incremental path cannot promise the full build's result: the reason, in English."""


@dataclass(frozen=True)
class Before:
    """What the warehouse held before a load, to tell afterwards what the load changed."""
    row_counts: dict[str, int]
    load_ids: frozenset[str]


def fingerprint(sql_dir: Path = build.SQL_DIR) -> str:
    """The code a version's tables were computed by: every SQL file, the KPI registry and the calendar
    package (the incremental rules give the same tables, tests/test_incremental.py). A version built
    by other code is rebuilt whole."""
    digest = hashlib.sha256()
    for path in build.build_order(sql_dir):
        digest.update(path.relative_to(sql_dir).as_posix().encode())
        digest.update(path.read_bytes())
    digest.update(kpi_sql.registry_sql().encode())
    digest.update(metadata.version("holidays").encode())
    return digest.hexdigest()


def schema_tables() -> list[str]:
    return [f.path.stem for f in sql_order.scan() if f.layer == "schema"]


def before_load(con: duckdb.DuckDBPyConnection) -> Before:
    """Row counts of the schema tables a dossier load must not touch (taken before it runs)."""
    counts = {}
    for table in schema_tables():
        if table not in DOSSIER_LOAD_TABLES and _exists(con, table):
            counts[table] = scalar(con, f"select count(*) from {table}")
    logged = con.sql("select load_id from load_log").fetchall() if _exists(con, "load_log") else []
    return Before(counts, frozenset(row[0] for row in logged))


def new_load_ids(con: duckdb.DuckDBPyConnection, before: Before) -> list[str]:
    return sorted({row[0] for row in con.sql("select load_id from load_log").fetchall()} - before.load_ids)


def mark_built(con: duckdb.DuckDBPyConnection) -> None:
    """Recorded by every build: the code it ran and the data's date its tables are computed for."""
    as_of = scalar(con, "select value from meta where key = 'as_of'")
    set_meta(con, **{FINGERPRINT_KEY: fingerprint(), BUILT_AS_OF_KEY: as_of})


def publish(con: duckdb.DuckDBPyConnection, before: Before | None, only_dossiers: bool,
            progress=print) -> str:
    """Bring every summary table up to date after a load: incrementally when it can, else whole.
    Returns 'incremental' or 'full: <reason>'."""
    try:
        load_ids = new_load_ids(con, before) if before is not None else []
        reason = _why_full(con, before, only_dossiers, load_ids)
        if reason:
            raise FullBuildNeeded(reason)
        try:
            update(con, load_ids)
        except duckdb.Error as exc:
            # an unattended sync must still publish: the full build gives the same tables
            raise FullBuildNeeded(f"the incremental update failed ({type(exc).__name__})") from exc
        mark_built(con)
        return "incremental"
    except FullBuildNeeded as exc:
        _drop_temp(con)
        progress(f"Tính lại toàn bộ các bảng tổng hợp ({exc})…")
        build.apply_sql(con)      # records the build itself (mark_built)
        return f"full: {exc}"


def _why_full(con, before: Before | None, only_dossiers: bool, load_ids: list[str]) -> str | None:
    meta = dict(con.sql("select key, value from meta").fetchall())
    if before is None or not only_dossiers:
        return "the load brought other records than dossiers and their processing steps"
    if meta.get(FINGERPRINT_KEY) != fingerprint():
        return "the current version was built by other code"
    if not meta.get(BUILT_AS_OF_KEY) or not meta.get("as_of"):
        return "the current version has no data's date"
    for table, count in before.row_counts.items():
        if scalar(con, f"select count(*) from {table}") != count:
            return f"{table} changed"
    # a slip list covers the agencies of the dossiers it names (stg_apology_coverage): a dossier it
    # names that is new, or moved agency, may change which agencies are covered (fct_dossier is still
    # the previous version's here)
    if scalar(con, """select count(*) from raw_dossier as r
                      semi join raw_apology_slip using (dossier_id)
                      anti join fct_dossier as f
                          on f.dossier_id = r.dossier_id and f.agency_code = r.agency_code
                      where list_contains(?, r.load_id)""", [load_ids]):
        return "an apology-slip list names a new dossier of the load"
    # an agency that ends between the two dates turns its finished dossiers into issues too
    crossing = scalar(con, "select count(*) from dim_agency_successor "
                           "where ended_on >= ? and ended_on < ?", [meta[BUILT_AS_OF_KEY], meta["as_of"]])
    if crossing:
        return "an agency ended between the two data's dates"
    return None


def update(con: duckdb.DuckDBPyConnection, load_ids: list[str], timings: list | None = None) -> None:
    """The incremental path (raises FullBuildNeeded part way; the caller then rebuilds whole).
    timings, if given, receives (object, what was done, seconds) for each file of sql/."""
    main = f'"{scalar(con, "select current_database()")}".main'
    old_as_of = scalar(con, "select value from meta where key = ?", [BUILT_AS_OF_KEY])
    new_as_of = scalar(con, "select value from meta where key = 'as_of'")
    fill = {"{main}": main, "{old_as_of}": f"date '{dt.date.fromisoformat(old_as_of).isoformat()}'",
            "{new_as_of}": f"date '{dt.date.fromisoformat(new_as_of).isoformat()}'"}
    # the dossiers the load changed: new states, and new processing steps (a step changes the
    # department that held a late dossier; recomputing a dossier's other rows gives them unchanged)
    con.execute("""create or replace temp table inc_changed as
                   select dossier_id from raw_dossier where list_contains(?, load_id)
                   union
                   select dossier_id from raw_dossier_step where list_contains(?, load_id)""",
                [load_ids, load_ids])
    build.create_schema(con)
    official_calendar.fill_package(con)
    con.execute(kpi_sql.registry_sql())
    changed = set(DOSSIER_LOAD_TABLES) | set(sql_order.PYTHON_OBJECTS)
    for f in sql_order.build_order():
        if f.layer == "schema":
            continue
        name = f.creates[0]
        text = f.path.read_text(encoding="utf-8")
        is_table = object_kind(text) == "table"
        touched = bool(f.names & changed)
        if name in PREVIOUS:
            con.execute(f"create or replace temp table inc_prev_{name} as select * from {main}.{name}")
        ruled = name in RULES or name in DELTA_RULES
        if is_table and f.layer in ("marts", "kpi") and not ruled and not touched:
            continue                                  # nothing it reads changed: kept as it was
        started = time.perf_counter()
        if name in KEEP_UNLESS and not scalar(con, _fill(KEEP_UNLESS[name], fill)):
            changed.discard(name)                     # kept: what reads it need not change for it
            continue
        if name in RULES:
            _apply_rule(con, RULES[name], text, main, fill)
        elif name in DELTA_RULES:
            _apply_delta(con, DELTA_RULES[name], text, main, fill)
        else:
            con.execute(text)
        changed.add(name)
        _check(con, name, main)
        if timings is not None:
            timings.append((name, "rule" if ruled else "whole", time.perf_counter() - started))
    _drop_temp(con)


def _fill(sql: str, fill: dict[str, str]) -> str:
    for key, value in fill.items():
        sql = sql.replace(key, value)
    return sql


def _apply_rule(con, rule: Rule, text: str, main: str, fill: dict[str, str]) -> None:
    t = rule.table
    rows = _fill(rule.rows, fill)
    con.execute(f"create or replace temp table inc_scope_{t} as {_fill(rule.scope, fill)}")
    con.execute(f"create or replace temp table inc_old_{t} as select * from {main}.{t} where {rows}")
    for name in rule.pinned:   # computed before any input is narrowed
        con.execute(f"create or replace temp table inc_pin_{name} as select * from {main}.{name}")
    # the narrowed inputs are made once: a file may read a table in several of its steps
    for name, predicate in rule.inputs.items():
        query = (predicate if predicate.lstrip().startswith("select ")
                 else f"select * from {main}.{name} as _row where {predicate}")
        con.execute(f"create or replace temp table inc_in_{name} as {_fill(query, fill)}")
    shadows = {name: f"select * from inc_pin_{name}" for name in rule.pinned}
    shadows |= {name: f"select * from inc_in_{name}" for name in rule.inputs}
    _run_over(con, text, t, f"inc_calc_{t}", shadows)
    con.execute(f"create or replace temp table inc_new_{t} as select * from inc_calc_{t} where {rows}")
    con.execute(f"delete from {main}.{t} where {rows}")
    con.execute(f"insert into {main}.{t} select * from inc_new_{t}")
    con.execute(f"drop table temp.main.inc_calc_{t}")


def _run_over(con, text: str, table: str, result: str, shadows: dict[str, str]) -> None:
    """The table's file, its result into the temp table `result`, while each relation of `shadows`
    reads the given query instead."""
    for name, query in shadows.items():
        con.execute(f"create or replace temp view {name} as {query}")
    try:
        body, count = _CREATE_TABLE.subn(f"create or replace temp table {result} as", text, count=1)
        if count != 1:
            raise FullBuildNeeded(f"{table}'s file does not create it with `create or replace table`")
        con.execute(body)
    finally:
        for name in shadows:
            con.execute(f"drop view if exists temp.main.{name}")


def _period_sets(con, per: str, main: str) -> None:
    """The periods as they were (identical rows), those whose row moved (old and new rows), new ones."""
    key = "period_kind, period_key"
    con.execute(f"create or replace temp table inc_p_same as "
                f"select * from {main}.{per} intersect select * from inc_prev_{per}")
    con.execute(f"""create or replace temp table inc_p_moved_old as
                    select * from inc_prev_{per} where ({key}) in (select {key} from {main}.{per})
                    except select * from inc_p_same""")
    con.execute(f"""create or replace temp table inc_p_moved_new as select * from {main}.{per}
                    where ({key}) in (select {key} from inc_p_moved_old)""")
    con.execute(f"""create or replace temp table inc_p_added as select * from {main}.{per}
                    where ({key}) not in (select {key} from inc_prev_{per})""")


def _kept_moved_rows(con, rule: DeltaRule, main: str, fill: dict[str, str]) -> str:
    """The source rows a moved period may count differently (rule.moved), of the dossiers the load
    left alone. Read in two steps: the oldest receipt among them first, so that the second scan
    skips the row groups before it (the table is in receipt order; open dossiers are recent)."""
    src, moved = rule.source, _fill(rule.moved, fill)
    con.execute(f"create or replace temp table inc_open_kept as select * from {main}.{src} limit 0")
    if moved == "false":
        return "select * from inc_open_kept"
    first = scalar(con, f"select min(received_date) from {main}.{src} where {moved}")
    if first is not None:
        con.execute(f"""insert into inc_open_kept select * from {main}.{src}
                        where received_date >= date '{first.isoformat()}' and ({moved})
                          and dossier_id not in (select dossier_id from inc_scope_{src})""")
    return "select * from inc_open_kept"


def _apply_delta(con, rule: DeltaRule, text: str, main: str, fill: dict[str, str]) -> None:
    t, src, per = rule.table, rule.source, rule.periods
    old, new = f"select * from inc_old_{src}", f"select * from inc_new_{src}"
    if per is None:
        runs = [(-1, {src: old}), (1, {src: new})]
    else:
        _period_sets(con, per, main)
        kept = _kept_moved_rows(con, rule, main, fill)
        runs = [(-1, {per: "select * from inc_p_same", src: old}),
                (1, {per: "select * from inc_p_same", src: new}),
                (-1, {per: "select * from inc_p_moved_old", src: f"{old} union all by name {kept}"}),
                (1, {per: "select * from inc_p_moved_new", src: f"{new} union all by name {kept}"}),
                (1, {per: "select * from inc_p_added"})]            # every dossier, the new periods only
    columns = [c for (c,) in con.sql("select column_name from duckdb_columns() where table_name = ? "
                                     "and database_name = current_database() order by column_index",
                                     params=[t]).fetchall()]
    values = [c for c in columns if c not in rule.keys]
    parts = []
    for n, (sign, shadows) in enumerate(runs):
        if per is not None and not scalar(con, f"select count(*) from ({shadows[per]})"):
            continue
        _run_over(con, text, t, f"inc_part{n}", shadows)
        parts.append(f"select {', '.join(rule.keys)}, "
                     + ", ".join(f"{sign} * {c} as {c}" for c in values) + f" from inc_part{n}")
    if not parts:
        return
    keys = ", ".join(rule.keys)
    con.execute(f"""create or replace temp table inc_delta as
                    select {keys}, {', '.join(f'sum({c}) as {c}' for c in values)}
                    from ({' union all '.join(parts)}) group by all""")
    same = " and ".join(f"t.{k} is not distinct from d.{k}" for k in rule.keys)
    con.execute(f"""create or replace temp table inc_merged as
                    select {', '.join(f'd.{k}' for k in rule.keys)},
                           {', '.join(f'coalesce(t.{c}, 0) + d.{c} as {c}' for c in values)}
                    from inc_delta as d left join {main}.{t} as t on {same}""")
    con.execute(f"delete from {main}.{t} as t using inc_delta as d where {same}")
    con.execute(f"insert into {main}.{t} by name select * from inc_merged where {rule.present}")
    for n in range(len(runs)):
        con.execute(f"drop table if exists temp.main.inc_part{n}")


def _check(con, name: str, main: str) -> None:
    """Changes a rule cannot follow: stop and rebuild whole."""
    if name == "dim_date":
        # working-day indexes are a running count from the first day: stored in fct_dossier_late
        moved = scalar(con, f"""select count(*) from inc_prev_dim_date as p
                                join {main}.dim_date as d using (day)
                                where p.is_workday <> d.is_workday or p.workday_index <> d.workday_index""")
        if moved or scalar(con, f"select min(day) from {main}.dim_date") != scalar(
                con, "select min(day) from inc_prev_dim_date"):
            raise FullBuildNeeded("the working-day calendar of days already built changed")
    if name == "dim_agency_with_return_dates":
        differs = scalar(con, f"""select count(*) from (
            select * from inc_prev_dim_agency_with_return_dates except select * from {main}.{name}
            union all
            select * from {main}.{name} except select * from inc_prev_dim_agency_with_return_dates)""")
        if differs:
            raise FullBuildNeeded("an agency's records now carry return dates")


def object_kind(text: str) -> str:
    """'table', 'view' or 'macro': what a file of sql/ creates."""
    return _KIND.search(text).group(1).lower()


def _drop_temp(con) -> None:
    for name, kind in con.sql("select table_name, table_type from information_schema.tables "
                              "where table_catalog = 'temp'").fetchall():
        if name.startswith("inc_") or kind == "VIEW":
            con.execute(f"drop {'view' if kind == 'VIEW' else 'table'} if exists temp.main.{name}")


def _exists(con, table: str) -> bool:
    return bool(scalar(con, "select count(*) from duckdb_tables() where table_name = ? "
                            "and database_name = current_database()", [table]))
