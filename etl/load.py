"""`python -m etl load`: export files and reference data into a new warehouse version.

One command is one build: every file is read, validated and merged into a copy of the current
warehouse, the summary tables are recomputed, and only then does the new version become current.
A crash or kill at any point leaves the current version exactly as it was. Loads into one
warehouse run one at a time (a lock file), so that two loads started together both arrive.

Per file: good records are loaded, rejected ones go to `quarantine` with file, row, field and
reason; a file that cannot be used at all (unreadable, unknown format, required columns missing)
loads nothing and is reported in one line (each file is applied in its own transaction). A
dossier whose state did not change is left as it was, so loading a file again changes nothing.
Personal data columns are never read.

What a file is and how it is parsed: etl/load_parse.py; how its records are merged: etl/load_apply.py.
"""

from __future__ import annotations

import concurrent.futures
import datetime as dt
import re
import time
import uuid
from pathlib import Path

import duckdb

from etl import load_published, sources
from etl.checksum import file_sha256
from etl.load_apply import APPLY
from etl.load_parse import (
    KIND_LABELS,
    KINDS,
    SQL_LOAD,
    FileResult,
    detect_kind,
    quarantine,
    read_and_parse,
)
from warehouse import build, incremental, store
from warehouse.build import scalar

# the file kinds and a file's result are part of this module's interface: callers import them from here
__all__ = ["KINDS", "KIND_LABELS", "FileResult", "detect_kind", "load_files", "load_into", "clean_temp"]


def load_files(directory: Path, paths: list[Path], kind: str | None = None, progress=print,
               now: dt.datetime | None = None, period: str | None = None,
               scope: str | None = None, incremental_ok: bool = True) -> list[FileResult]:
    """Every file into one new warehouse version. store.new_build lets one writer in at a time
    (each copies the current version and publishes its copy, so two at once would lose data).
    period and scope: --period and --scope, for published 766 scores (etl/load_published.py).
    A load of dossier records updates only what they touch (warehouse/incremental.py) unless
    incremental_ok is False (`etl load --full`); anything else rebuilds every summary table."""
    now = now or dt.datetime.now()
    results: list[FileResult] = []
    directory.mkdir(parents=True, exist_ok=True)
    with store.new_build(directory, from_current=True) as con:
        # decided under the writer's lock: a new warehouse gets the official unit lists first
        is_new = scalar(con, "select count(*) from duckdb_tables() where table_name = 'ref_unit'") == 0
        build.create_schema(con)
        build.apply_macros_for(con, SQL_LOAD)
        if is_new or scalar(con, "select count(*) from ref_unit") == 0:
            progress("Kho mới: nạp danh mục đơn vị hành chính chính thức…")
            build.load_units(con)
        before = incremental.before_load(con) if incremental_ok else None
        for path in paths:
            started = time.perf_counter()
            result = _load_file(con, Path(path), kind, now, period, scope)
            results.append(result)
            progress(result.summary() + f"  [{time.perf_counter() - started:.1f} s]")
        _update_as_of(con, now)  # before the SQL: periods run up to the data's date
        # loaded files make it real data: a demo warehouse that received them no longer runs open
        build.set_meta(con, is_demo="false")
        progress("Cập nhật các bảng tổng hợp…")
        started = time.perf_counter()
        only_dossiers = all(r.kind in incremental.INCREMENTAL_KINDS or r.unusable for r in results)
        how = incremental.publish(con, before, only_dossiers, progress)
        progress(("Cập nhật phần dữ liệu mới" if how == "incremental" else "Tính lại toàn bộ")
                 + f": {time.perf_counter() - started:.1f} s")
    return results


def load_into(con, path: Path, kind: str | None = None, now: dt.datetime | None = None,
              period: str | None = None, scope: str | None = None) -> FileResult:
    """One file into an open build, without recomputing anything (the demo loads the calendar
    override and the published 766 scores this way, as `etl load` would)."""
    build.apply_macros_for(con, SQL_LOAD)
    return _load_file(con, Path(path), kind, now or dt.datetime.now(), period, scope)


def _update_as_of(con, now: dt.datetime) -> None:
    """The data's date (warehouse.build.advance_as_of: newest event, never after today, never back)."""
    build.advance_as_of(con, now.date())
    build.set_meta(con, built_at=now.isoformat(timespec="seconds"))


def _sha256(path: Path) -> str | None:
    """The file's fingerprint, or None when it cannot be read (the reader then says why)."""
    try:
        return file_sha256(path)
    except OSError:
        return None


def _load_file(con, path: Path, kind: str | None, now: dt.datetime, period: str | None = None,
               scope: str | None = None) -> FileResult:
    """One file in one transaction: all its good records, or (unusable file) nothing from it."""
    # the file's fingerprint is read beside the parse (hashing and DuckDB both release the GIL)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        fingerprint = pool.submit(_sha256, path)
        try:
            return _load_file_body(con, path, kind, now, fingerprint, period, scope)
        finally:
            fingerprint.result()


def _load_file_body(con, path: Path, kind: str | None, now: dt.datetime,
                    fingerprint: concurrent.futures.Future, period: str | None = None,
                    scope: str | None = None) -> FileResult:
    result = FileResult(path)
    load_id = f"load-{uuid.uuid4().hex[:12]}"
    started = dt.datetime.now()
    in_transaction = False
    try:
        # reading and parsing only make temp tables (and readers recover from their own errors,
        # which an open transaction would not survive); what changes the warehouse is one transaction
        row_errors = read_and_parse(con, path, kind, now, result, period, scope)
        result.sha256 = fingerprint.result()
        con.begin()
        in_transaction = True
        quarantine(con, load_id, result, path, row_errors)
        result.loaded = APPLY[result.kind](con, load_id, path, now)
        result.notes = load_published.NOTES.get(result.kind, lambda con: [])(con) + result.notes
        con.commit()
    except sources.UnusableFile as exc:
        if in_transaction:
            con.rollback()
        result.unusable = str(exc)
    except Exception as exc:  # noqa: BLE001 - a file that breaks the loader must not load halfway
        if in_transaction:
            con.rollback()
        first_line = str(exc).splitlines()[0] if str(exc) else ""
        result.unusable = f"lỗi khi nạp tệp ({type(exc).__name__}: {first_line})"
    if result.unusable:
        result.loaded = result.rejected = 0
        result.reasons.clear()
        result.notes.clear()
    clean_temp(con)
    result.sha256 = fingerprint.result()
    _log(con, load_id, result, path, started)
    return result


def _log(con, load_id: str, result: FileResult, path: Path, started: dt.datetime) -> None:
    con.execute(
        """insert into load_log (load_id, kind, source, started_at, finished_at, rows_read, rows_loaded,
                                 rows_rejected, status, message, file_format, file_sha256)
           values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        [load_id, result.kind or "?", str(path), started, dt.datetime.now(), result.read, result.loaded,
         result.rejected, "unusable" if result.unusable else ("partial" if result.rejected else "ok"),
         _without_values(result.unusable), result.fmt, result.sha256],
    )


def _without_values(message: str | None) -> str | None:
    """Error texts of the readers may quote a value of the file; the log keeps none (personal data)."""
    if message is None:
        return None
    return re.sub(r"'[^']*'", "'…'", message)


def clean_temp(con: duckdb.DuckDBPyConnection) -> None:
    views = con.sql("select view_name from duckdb_views() where temporary and not internal").fetchall()
    for (name,) in views:
        con.execute(f'drop view if exists temp."{name}"')
    for (name,) in con.sql("select table_name from duckdb_tables() where temporary").fetchall():
        con.execute(f'drop table if exists temp."{name}"')
