"""Dossiers as Hive-partitioned Parquet, and warehouses that read them from such a folder.

`export(warehouse, folder)` writes the current build's raw_dossier (every loaded record, the input
everything else derives from; it holds no personal data) as

    folder/year=YYYY/province=PP/dossier_0.parquet

year = the year of received_at (stored in Vietnam local time, so no time-zone shift); province = the
province code of the unit the handling agency serves (ref_agency -> ref_unit, in that unit's own
hierarchy version), else the warehouse's `province_code` setting. A value that is missing (no
receiving date, no province known) is written as Hive's `__HIVE_DEFAULT_PARTITION__`.

`build_from_folder(warehouse, folder)` publishes a new warehouse version whose raw_dossier is a view
over the folder (warehouse.build.use_parquet_dossiers); the setting stays in the warehouse, so later
`etl build` and `etl load` runs keep reading the folder. See docs/parquet.md.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb

from warehouse import build, store
from warehouse.build import scalar

REMOTE_PREFIXES = ("s3://", "s3a://", "gs://", "gcs://", "r2://", "az://", "abfss://", "http://", "https://")


class ParquetError(Exception):
    """A folder or warehouse that cannot be used; the message names it and says why."""


@dataclass
class Partition:
    year: str
    province: str
    dossiers: int
    files: int
    bytes: int


def is_remote(folder: str) -> bool:
    return folder.lower().startswith(REMOTE_PREFIXES)


def normalise(folder: str | os.PathLike) -> str:
    """An absolute local path (the view stored in the warehouse must not depend on the working
    directory) or an object-storage URL as given."""
    text = str(folder)
    return text.rstrip("/") if is_remote(text) else str(Path(text).expanduser().resolve())


# --- export -----------------------------------------------------------------------------------

EXPORT_SQL = """
copy (
    select
        d.*,
        year(d.received_at) as year,
        coalesce(u.province_code, (select value from meta where key = 'province_code')) as province
    from raw_dossier as d
    left join ref_agency as a using (agency_code)
    left join ref_unit as u on u.hierarchy_version = a.unit_version and u.unit_code = a.unit_code
    -- in receiving order: each row group covers a narrow date range, so engines that filter on
    -- received_at skip the others (min/max statistics); also the smallest files of the orders tried
    order by d.received_at
) to '{target}' (format parquet, partition_by (year, province), compression zstd,
                 filename_pattern 'dossier_{{i}}', row_group_size 122880{kv_metadata})
"""


def export(directory: Path, folder: str | os.PathLike) -> list[Partition]:
    """The current build's dossiers into `folder`, replacing it whole.

    Written into a sibling `folder.tmp-<pid>` and renamed into place only when complete: a failed
    export leaves the previous folder as it was. (Between the two renames there is an instant with
    no folder; a warehouse reading it only reads at build time and for one count on the Dữ liệu page.)
    """
    source = store.current_path(directory)
    if source is None:
        raise ParquetError(f"no warehouse in {directory} (run: python -m etl demo --warehouse {directory})")
    target = Path(normalise(folder))
    if is_remote(str(folder)):
        raise ParquetError(f"{folder}: export writes a local folder; copy it to object storage afterwards "
                           "(docs/parquet.md)")
    con = store.connect(source, read_only=True)
    try:
        reads_from = build.parquet_folder(con)
        if reads_from and Path(reads_from) == target:
            raise ParquetError(f"{target}: this warehouse reads its dossiers from that folder; "
                               "export elsewhere")
        work = target.with_name(f"{target.name}.tmp-{os.getpid()}")
        shutil.rmtree(work, ignore_errors=True)
        work.parent.mkdir(parents=True, exist_ok=True)
        try:
            # the data's date travels with the files: a warehouse built from them keeps it
            as_of = scalar(con, "select value from meta where key = 'as_of'")
            kv = f", kv_metadata {{as_of: '{dt.date.fromisoformat(as_of).isoformat()}'}}" if as_of else ""
            con.execute(EXPORT_SQL.format(target=str(work).replace("'", "''"), kv_metadata=kv))
        except BaseException:
            shutil.rmtree(work, ignore_errors=True)
            raise
    finally:
        con.close()
    _swap_into_place(work, target)
    return partitions(str(target))


def _swap_into_place(work: Path, target: Path) -> None:
    old = target.with_name(f"{target.name}.old-{os.getpid()}")
    if target.exists():
        os.replace(target, old)
    os.replace(work, target)
    shutil.rmtree(old, ignore_errors=True)


def partitions(folder: str) -> list[Partition]:
    """Rows, files and bytes per year/province of a written folder, read back from the files."""
    con = duckdb.connect()
    try:
        rows = con.sql(
            f"""select year, province, count(*) as dossiers
                from {build.parquet_source_sql(folder)}
                group by all order by all"""
        ).fetchall()
    finally:
        con.close()
    out = []
    for year, province, count in rows:
        part = Path(folder) / f"year={_hive(year)}" / f"province={_hive(province)}"
        files = list(part.glob("*.parquet"))
        size = sum(f.stat().st_size for f in files)
        out.append(Partition(_hive(year), _hive(province), count, len(files), size))
    return out


def _hive(value) -> str:
    return "__HIVE_DEFAULT_PARTITION__" if value is None else str(value)


# --- warehouses that read a folder ---------------------------------------------------------------

def check_folder(folder: str) -> None:
    """Refuse, naming the folder, one that is missing, holds no Parquet file, or lacks a column of
    raw_dossier. Object-storage URLs are checked by DuckDB when the view is made."""
    if not is_remote(folder):
        path = Path(folder)
        if not path.is_dir():
            raise ParquetError(f"{folder}: no such folder (export one with: python -m etl export-parquet "
                               f"--output {folder})")
        if next(path.rglob("*.parquet"), None) is None:
            raise ParquetError(f"{folder}: the folder holds no .parquet file")
    con = duckdb.connect()
    try:
        described = con.sql(f"describe select * from {build.parquet_source_sql(folder)}").fetchall()
        found = {row[0] for row in described}
    except duckdb.Error as exc:
        raise ParquetError(f"{folder}: cannot be read as Parquet ({str(exc).splitlines()[0]})") from exc
    finally:
        con.close()
    missing = [name for name, _ in build.raw_dossier_columns()
               if name not in found and name not in build.ADDED_DOSSIER_COLUMNS]
    if missing:
        raise ParquetError(f"{folder}: the Parquet files lack the columns {', '.join(missing)}")


def build_from_folder(directory: Path, folder: str | os.PathLike, today: dt.date | None = None) -> Path:
    """A new warehouse version whose raw_dossier is the folder; the current one stays as it was if
    anything fails. The other raw tables (reference data, history, steps, quarantine, settings)
    come from the current version, or, in an empty warehouse directory, only the official unit
    lists; the summary tables are recomputed. A fresh file rather than a copy of the current one:
    the copy would keep the space of the dropped dossier table."""
    folder = normalise(folder)
    check_folder(folder)
    directory.mkdir(parents=True, exist_ok=True)
    with store.new_build(directory) as con:
        build.create_schema(con)
        _copy_raw_tables(con, store.current_path(directory))
        if not scalar(con, "select count(*) from ref_unit"):
            build.load_units(con)
        build.use_parquet_dossiers(con, folder)
        repeated = scalar(con, "select count(*) - count(distinct dossier_id) from raw_dossier")
        if repeated:
            raise ParquetError(f"{folder}: {repeated} records repeat a dossier_id already in the folder "
                               "(a warehouse holds one row per dossier)")
        # the folder's own date when its export recorded one: a rebuild from the same files keeps
        # the data's date whatever day it runs
        build.advance_as_of(con, today or dt.date.today(), recorded=recorded_as_of(folder))
        build.set_meta(con, built_at=dt.datetime.now().isoformat(timespec="seconds"))
        build.apply_sql(con)
    return store.current_path(directory)


def _copy_raw_tables(con, source: Path | None) -> None:
    """Every table of sql/schema/ but raw_dossier, from the current version."""
    if source is None:
        return
    listing = "select list(table_name) from duckdb_tables() where database_name = {}"
    tables = [t for t in scalar(con, listing.format("current_database()")) if t != "raw_dossier"]
    con.execute(f"attach '{str(source).replace(chr(39), chr(39) * 2)}' as current_version (read_only)")
    try:
        present = set(scalar(con, listing.format("'current_version'")))
        for table in tables:
            if table in present:
                con.execute(f"insert into {table} by name select * from current_version.{table}")
    finally:
        con.execute("detach current_version")


def recorded_as_of(folder: str) -> dt.date | None:
    """The data's date the export wrote into the files (Parquet key-value metadata `as_of`), the
    latest if files of several exports are mixed; None for files written by another tool."""
    con = duckdb.connect()
    try:
        pattern = folder.rstrip("/") + "/**/*.parquet"
        value = scalar(con, "select max(decode(value)) from parquet_kv_metadata(?) "
                            "where decode(key) = 'as_of'", [pattern])
    except duckdb.Error:
        return None   # metadata unreadable (a store without it): the dossiers' newest event decides
    finally:
        con.close()
    return dt.date.fromisoformat(value) if value else None


def folder_of(directory: Path) -> str | None:
    """The Parquet folder the current version reads its dossiers from, if any."""
    path = store.current_path(directory)
    if path is None:
        return None
    con = store.connect(path, read_only=True)
    try:
        return build.parquet_folder(con)
    finally:
        con.close()
