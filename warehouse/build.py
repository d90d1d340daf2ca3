"""Apply `sql/` to a warehouse connection, in the order the files themselves give.

Where a SQL object goes (warehouse/sql_order.py checks all of it before anything runs):
- one object per file, named like the file: sql/<layer>/NAME.sql creates NAME and nothing else;
- the layers run in this order: schema (the tables ETL writes, `create table if not exists`, made by
  create_schema before a load: timestamps are local Vietnam time without offset, as the one-stop
  systems record them), macros (the rules), seeds (data written in SQL: the 766 index, and the
  editable rules ref_ranking_rule and ref_integrity_* whose default rows a build adds when missing),
  staging (views over the raw tables), marts (dimensions and facts), kpi (the summary tables the
  pages read, and the table macros that compute them);
- between schema and macros the build makes in Python the official calendar of the `holidays`
  package (ref_calendar_package, warehouse/official_calendar.py) and the KPI registry as SQL (dim_kpi
  and the macros kpi_long and target_tolerance, warehouse/kpi_sql.py): they read schema tables and
  later layers read them (sql_order.PYTHON_OBJECTS);
- inside a layer a file runs after the files of the objects it names (a name found in the file,
  ties by file name); a file may name objects of its own layer or an earlier one, never a later one.
  DuckDB binds a macro when it is created, so a macro that reads a mart is a kpi file, not a macros one.
Nothing lists the files: a new file is applied because it is in its layer folder.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import polars as pl

from warehouse import sql_order
from warehouse.sql_order import SQL_DIR


def build_order(sql_dir: Path = SQL_DIR) -> list[Path]:
    """Every file of the layer folders, in the order apply_sql runs them."""
    return [f.path for f in sql_order.build_order(sql_dir)]


def _run(con: duckdb.DuckDBPyConnection, path: Path, sql_dir: Path) -> None:
    try:
        con.execute(path.read_text(encoding="utf-8"))
    except duckdb.Error as exc:
        raise RuntimeError(f"{path.relative_to(sql_dir).as_posix()}: {exc}") from exc


def objects_sql(*names: str) -> str:
    """The SQL of the named objects and of the macros they call, in build order: a few rules without
    the whole build (the demo's hand-over rules, a test). The tables they read are the caller's."""
    return "\n".join(f.path.read_text(encoding="utf-8") for f in sql_order.with_dependencies(names))


def apply_macros_for(con: duckdb.DuckDBPyConnection, folder: Path) -> None:
    """The macros the SQL files of a folder call (the loader's sql/load: parse_local_ts, ...)."""
    con.execute(objects_sql(*sql_order.macros_named_in(folder)))


# raw_dossier columns added after warehouses (and Parquet folders) were first written: an older
# warehouse gets them empty (null, "not said"), an older Parquet folder is read with them null
ADDED_DOSSIER_COLUMNS = ("result_method", "original_due_at", "rescheduled_due_at")


def create_schema(con: duckdb.DuckDBPyConnection, sql_dir: Path = SQL_DIR,
                  order: list[Path] | None = None) -> None:
    """The schema layer: every table ETL writes, made if missing (their rows are never touched)."""
    for path in order if order is not None else build_order(sql_dir):
        if path.parent.name == "schema":
            _run(con, path, sql_dir)
    _add_new_columns(con)


def _add_new_columns(con: duckdb.DuckDBPyConnection) -> None:
    """`create table if not exists` leaves a table made by an older version as it was: add the
    columns added since (a view, Parquet mode's raw_dossier, is left alone)."""
    present = {row[0] for row in con.sql(
        "select column_name from duckdb_columns() where table_name = 'raw_dossier' "
        "and database_name = current_database() and schema_name = 'main'").fetchall()}
    is_table = scalar(con, "select count(*) from duckdb_tables() where table_name = 'raw_dossier' "
                           "and database_name = current_database() and schema_name = 'main'")
    if not is_table or not present or set(ADDED_DOSSIER_COLUMNS) <= present:
        return
    for name, dtype in raw_dossier_columns():
        if name not in present and name in ADDED_DOSSIER_COLUMNS:
            con.execute(f"alter table raw_dossier add column {name} {dtype}")


def apply_sql(con: duckdb.DuckDBPyConnection, sql_dir: Path = SQL_DIR) -> None:
    from warehouse import kpi_sql, official_calendar

    order = build_order(sql_dir)  # a cycle or a misplaced file fails here, before anything runs
    create_schema(con, sql_dir, order)
    # the Python-made objects, between the schema and macros layers (see the top of this module):
    # the official calendar from the `holidays` package, for the years of the data (docs/calendar.md)
    official_calendar.fill_package(con)
    # the KPI registry as SQL (dim_kpi, kpi_long): generated from warehouse/metrics.py, never by hand
    con.execute(kpi_sql.registry_sql())
    for path in order:
        if path.parent.name != "schema":
            _run(con, path, sql_dir)
    if sql_dir == SQL_DIR:
        # what a later load's incremental publish compares with (warehouse/incremental.py)
        from warehouse import incremental
        incremental.mark_built(con)


def insert_frame(con: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame) -> None:
    """Append a frame to a table, matching columns by name."""
    con.register("_frame", frame.to_arrow())
    try:
        con.execute(f"insert into {table} by name select * from _frame")
    finally:
        con.unregister("_frame")


def set_meta(con: duckdb.DuckDBPyConnection, **values: str) -> None:
    for key, value in values.items():
        con.execute(
            "insert or replace into meta values (?, ?)", [key, None if value is None else str(value)]
        )


def load_units(con: duckdb.DuckDBPyConnection) -> None:
    """The official unit lists of both hierarchies and the 2025 crosswalk."""
    from warehouse import units

    con.execute("delete from ref_unit")
    con.execute("delete from ref_unit_crosswalk")
    insert_frame(con, "ref_unit", units.units())
    insert_frame(con, "ref_unit_crosswalk", units.crosswalk())


def build_from_frames(directory, tables: dict[str, pl.DataFrame], meta: dict[str, str] | None = None,
                      with_units: bool = True):
    """A complete new warehouse version from frames of the raw tables (tests, small loads)."""
    from warehouse import store

    with store.new_build(directory) as con:
        create_schema(con)
        if with_units:
            load_units(con)
        for table, frame in tables.items():
            insert_frame(con, table, frame)
        set_meta(con, **(meta or {}))  # before the SQL: periods run up to the data's date
        apply_sql(con)
    return store.current_path(directory)


def advance_as_of(con: duckdb.DuckDBPyConnection, today: dt.date, recorded: dt.date | None = None) -> None:
    """The data's date (meta `as_of`), the one rule every load and build applies.

    It is the newest event in the dossiers (received, finished, returned), never after `today` (the
    load's own date: a record stamped in the future is a clock error, not data), or the date a
    Parquet folder recorded when it was written (`recorded`); and it never moves back. A rebuild
    that loads nothing therefore leaves it where it was, whatever day the rebuild runs."""
    current = scalar(con, "select value from meta where key = 'as_of'")
    candidates = [dt.date.fromisoformat(current)] if current else []
    if recorded is not None:
        candidates.append(recorded)
    else:
        latest = scalar(
            con,
            """select max(greatest(coalesce(received_at, timestamp '1900-01-01'),
                                   coalesce(finished_at, timestamp '1900-01-01'),
                                   coalesce(returned_at, timestamp '1900-01-01')))::date
               from raw_dossier""",
        )
        if latest and latest.year > 1900:
            candidates.append(min(latest, today))
    if candidates:
        set_meta(con, as_of=max(candidates).isoformat())


def scalar(con: duckdb.DuckDBPyConnection, sql: str, params=None):
    """The single value a query returns (DuckDB 2 relations have no fetchone)."""
    rows = con.sql(sql, params=params).fetchall() if params else con.sql(sql).fetchall()
    return rows[0][0] if rows else None


# --- Parquet mode: raw_dossier read from a Hive-partitioned Parquet folder (docs/parquet.md) ---

PARQUET_META_KEY = "dossiers_parquet"


def raw_dossier_columns() -> list[tuple[str, str]]:
    """raw_dossier's columns and types as sql/schema/raw_dossier.sql defines them, in order."""
    con = duckdb.connect()
    try:
        con.execute((SQL_DIR / "schema" / "raw_dossier.sql").read_text(encoding="utf-8"))
        return con.sql("select column_name, data_type from duckdb_columns() "
                       "where table_name = 'raw_dossier' order by column_index").fetchall()
    finally:
        con.close()


def parquet_source_sql(folder: str) -> str:
    """read_parquet over every file under the folder (a local path or an object-storage URL).

    union_by_name: files written at different times may list their columns in another order; the
    partition columns (year, province) come from the folder names and are left out of the view."""
    pattern = folder.rstrip("/") + "/**/*.parquet"
    return (f"read_parquet('{pattern.replace(chr(39), chr(39) * 2)}', hive_partitioning = true, "
            f"hive_types_autocast = false, union_by_name = true)")


def use_parquet_dossiers(con: duckdb.DuckDBPyConnection, folder: str) -> None:
    """Make raw_dossier a view over the Parquet folder, cast to the table's exact columns and types.

    Run before apply_sql: every staging view, mart and summary table then reads the files.
    sql/schema/raw_dossier.sql's `create table if not exists` leaves the view in place."""
    source = parquet_source_sql(folder)
    found = {row[0] for row in con.sql(f"describe select * from {source}").fetchall()}
    columns = ",\n    ".join(f"cast({name if name in found else 'null'} as {dtype}) as {name}"
                              for name, dtype in raw_dossier_columns())
    kind = scalar(con, "select table_type from information_schema.tables where table_name = 'raw_dossier'")
    if kind == "BASE TABLE":
        con.execute("drop table raw_dossier")
    con.execute(f"create or replace view raw_dossier as select\n    {columns}\nfrom {source}")
    set_meta(con, **{PARQUET_META_KEY: folder})


def parquet_folder(con: duckdb.DuckDBPyConnection) -> str | None:
    """The Parquet folder this warehouse reads its dossiers from, or None (its own table)."""
    if not scalar(con, "select count(*) from information_schema.tables where table_name = 'meta'"):
        return None
    return scalar(con, "select value from meta where key = ?", [PARQUET_META_KEY])
