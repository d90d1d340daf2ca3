"""Apply `sql/` to a warehouse connection in the fixed order of sql/build_order.txt."""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl

SQL_DIR = Path(__file__).resolve().parent.parent / "sql"


def build_order() -> list[Path]:
    lines = (SQL_DIR / "build_order.txt").read_text(encoding="utf-8").splitlines()
    return [SQL_DIR / line.strip() for line in lines if line.strip() and not line.startswith("#")]


def create_schema(con: duckdb.DuckDBPyConnection) -> None:
    con.execute((SQL_DIR / "schema" / "raw_tables.sql").read_text(encoding="utf-8"))


def apply_sql(con: duckdb.DuckDBPyConnection) -> None:
    from warehouse import kpi_sql

    # the KPI registry as SQL (dim_kpi, kpi_long): generated from warehouse/metrics.py, never by hand
    con.execute(kpi_sql.registry_sql())
    for path in build_order():
        try:
            con.execute(path.read_text(encoding="utf-8"))
        except duckdb.Error as exc:
            raise RuntimeError(f"{path.relative_to(SQL_DIR)}: {exc}") from exc


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
    from etl import units

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


def scalar(con: duckdb.DuckDBPyConnection, sql: str, params=None):
    """The single value a query returns (DuckDB 2 relations have no fetchone)."""
    rows = con.sql(sql, params=params).fetchall() if params else con.sql(sql).fetchall()
    return rows[0][0] if rows else None
