"""Property-based fuzzing of the loader: 1,000 generated broken export files.

Each example mixes known-good dossiers with known-bad ones (no status 42, no channel 9, no 31
February, finished before received, no MaHoSo, no agency, received after today), writes them as CSV
(`,` `;` or tab; UTF-8, UTF-8 with BOM, Windows-1258, Latin-1, UTF-16), JSON (array, sync envelope,
JSON lines) or .xlsx, with headers in sync names or Vietnamese in any case, columns shuffled,
optional ones missing, an unknown column, a personal-data column, cells starting a spreadsheet formula
(= + - @, in names and in dossier ids), a 1 MB field now and then, the same dossier twice (a later
record is a later state), and then maybe damages the bytes: cut short, bytes overwritten or
inserted, a required column left out. Random bytes as a file complete the set.

The loader runs in-process on one DuckDB connection with the warehouse schema (as
bench/bench_load.py's load step does), one file per example. Properties:
- it returns a FileResult and never fails inside (no "lỗi khi nạp tệp" catch-all, no temp table left);
- exit code 2 when unusable and then nothing of the file in raw_dossier or quarantine; else 1 if
  anything was rejected, else 0, and read = loaded + rejected;
- an undamaged file is never unusable: every good dossier is in raw_dossier with its values (the
  last good record of an id wins), every bad one in quarantine, the counts exact;
- a damaged file is unusable as a whole, or every good dossier whose bytes it still holds whole is
  loaded with its values or counted as rejected (damage before it may make it read otherwise: a
  mangled JSON key in the first record names the file's column), never dropped silently;
- a required column left out, or UTF-16, makes the file unusable.
A few files go through `python -m etl load` too, for its exit codes (0, 1, 2).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import subprocess
import sys
from pathlib import Path

import duckdb
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from etl import load
from tests.conftest import ROOT
from tests.fuzz_strategies import INJECTIONS, REQUIRED, Case, Record, S, csv_case, json_case, xlsx_case
from warehouse import build, store

NOW = dt.datetime(2025, 12, 31, 12, 0)


# ---- the loader on one connection -------------------------------------------------------------

@pytest.fixture(scope="module")
def con():
    c = duckdb.connect()
    store.configure(c)
    c.execute("set threads = 2")
    build.create_schema(c)
    build.apply_macros_for(c, build.SQL_DIR / "load")
    yield c
    c.close()


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


def intact(case: Case, span: tuple[int, int]) -> bool:
    """The record's bytes are all still there, untouched, and so is the byte on each side of them
    (what is inserted or overwritten next to a record joins it). Spans are in the bytes as written."""
    if case.cut is None:
        return True     # undamaged, or only re-encoded: identifiers, codes and dates are ASCII
    start, end = span
    a, b = case.cut
    if case.spans and a <= case.spans[0][0]:
        return False    # the header (or the envelope's head) is damaged: every record may read otherwise
    if case.damage.endswith("truncate"):
        return end < a
    if case.damage.endswith("insert"):
        return end + 1 < a or start > a
    return end + 1 < a or start > b


def check(con, path: Path, case: Case, result: load.FileResult) -> None:
    assert result.unusable is None or not result.unusable.startswith("lỗi khi nạp tệp"), result.unusable
    assert con.execute("select count(*) from duckdb_tables() where temporary").fetchall()[0][0] == 0
    assert result.exit_code == (2 if result.unusable else 1 if result.rejected else 0)
    mine = con.execute("select dossier_id, status, channel, agency_code, received_at, finished_at "
                       "from raw_dossier where contains(dossier_id, ?)", [case.token]).fetchall()
    quarantined = con.execute("select record_key, field from quarantine where source_file = ?",
                              [str(path)]).fetchall()
    if result.unusable:
        assert (result.loaded, result.rejected) == (0, 0)
        assert mine == [] and quarantined == [], "an unusable file left records behind"
        assert con.execute("select status from load_log where source = ?", [str(path)]).fetchall() == \
            [("unusable",)]
    else:
        assert result.read == result.loaded + result.rejected
    if not result.unusable and result.kind != "dossier":
        # without a MaHoSo column (left out, or its header mangled) the columns may be another list's
        # (MaTTHC and TenTTHC: the procedure catalogue); never a whole file's
        assert case.dropped_required == "MaHoSo" or case.damage != "none", result.summary()
        assert mine == [], result.summary()
        return
    if case.dropped_required or case.encoding == "utf-16":
        assert result.unusable, "a file without a required column, or in UTF-16, was loaded"
        return
    stored = {r[0]: tuple(r[1:]) for r in mine}
    last_good: dict[str, tuple] = {}          # the last good record of an id is its state
    for r in case.records:
        if r.good:
            last_good[r.values["MaHoSo"]] = r.stored
    if case.damage == "none":
        assert result.unusable is None, result.unusable
        assert stored == last_good
        bads = [r for r in case.records if not r.good]
        assert (result.read, result.loaded, result.rejected) == (
            len(case.records), len(case.records) - len(bads), len(bads))
        for b in bads:
            assert (b.values["MaHoSo"] or None, b.bad_field) in quarantined, (b.values, quarantined)
        assert {k for k, _ in quarantined} <= {b.values["MaHoSo"] or None for b in bads}
        return
    if result.unusable:
        return
    # damaged but usable: every good dossier whose records are all still whole is there as written
    whole: dict[str, bool] = {}
    for r, span in zip(case.records, case.spans):
        whole[r.values["MaHoSo"]] = whole.get(r.values["MaHoSo"], True) and intact(case, span)
    # (an .xlsx has no record spans: its bytes are compressed). One that is not there must have been
    # rejected: damage before it can make it read otherwise (a JSON key of the first record is the
    # file's column name for that field), but never drop it silently
    missing = [i for i, state in last_good.items() if whole.get(i) and stored.get(i) != state]
    assert len(missing) <= result.rejected, (missing, case.damage, result.summary())


def reset(con) -> None:
    """Each example starts from an empty warehouse (the examples must not depend on each other)."""
    for (name,) in con.execute("select table_name from duckdb_tables() where not temporary").fetchall():
        con.execute(f"delete from {name}")


def run(con, files: Path, case: Case) -> None:
    reset(con)
    path = files / f"case.{case.fmt}"      # the loader knows formats from content, not names
    path.write_bytes(case.data)
    result = load._load_file(con, path, None, NOW)
    check(con, path, case, result)


# ---- the properties ---------------------------------------------------------------------------

@settings(settings.get_profile("fuzz"), max_examples=400)
@given(case=csv_case())
def test_broken_csv_files(con, files, case):
    run(con, files, case)


@settings(settings.get_profile("fuzz"), max_examples=300)
@given(case=json_case())
def test_broken_json_files(con, files, case):
    run(con, files, case)


@settings(settings.get_profile("fuzz"), max_examples=150)
@given(case=xlsx_case())
def test_broken_xlsx_files(con, files, case):
    if case.dropped_required is None and case.damage == "none":
        assert pl.read_excel(io.BytesIO(case.data)).height == len(case.records)   # the file is as meant
    run(con, files, case)


@settings(settings.get_profile("fuzz"), max_examples=150)
@given(data=st.binary(max_size=4096) | st.builds(lambda b: b"PK\x03\x04" + b, st.binary(max_size=512))
       | st.builds(lambda b: b"[" + b, st.binary(max_size=512))
       | st.builds(lambda b: b"{" + b, st.binary(max_size=512)))
def test_random_bytes(con, files, data):
    reset(con)
    path = files / "random.dat"
    path.write_bytes(data)
    result = load._load_file(con, path, None, NOW)
    assert result.unusable is None or not result.unusable.startswith("lỗi khi nạp tệp"), result.unusable
    assert result.exit_code == (2 if result.unusable else 1 if result.rejected else 0)
    assert con.execute("select count(*) from duckdb_tables() where temporary").fetchall()[0][0] == 0


def test_files_the_fuzzing_found(con, files):
    """Two files that made the reader raise out of it (reported as "lỗi khi nạp tệp"), now read."""
    header = "MaHoSo,MaDonViXuLy,TrangThaiHoSo,NgayTiepNhan,KenhThucHien"
    cases = {
        # a UTF-8 byte-order mark, then a damaged byte: one wrong character, as without the mark
        "bom.csv": (b"\xef\xbb\xbf" + f"{header},Ghi\xa0chú\n".encode() + b"B1,X.1,4,01/03/2025,1,\x80\n",
                    ["B1"]),
        # lines ended by a lone CR (old Mac exports): the CR stayed inside the header line
        "cr.csv": (f"{header}\rC1,X.1,4,01/03/2025,1\rC2,X.1,4,02/03/2025,2\r".encode(), ["C1", "C2"]),
    }
    for name, (data, ids) in cases.items():
        reset(con)
        path = files / name
        path.write_bytes(data)
        result = load._load_file(con, path, None, NOW)
        assert (result.unusable, result.loaded, result.rejected) == (None, len(ids), 0), result.summary()
        assert con.execute("select dossier_id, source_row from raw_dossier order by 1").fetchall() == \
            [(i, k + 2) for k, i in enumerate(ids)]
    reset(con)
    (files / "cr_only.dat").write_bytes(b"\r\x01")
    result = load._load_file(con, files / "cr_only.dat", None, NOW)
    assert result.unusable and "không nhận ra" in result.unusable


# ---- exit codes of the command ------------------------------------------------------------------

def test_exit_codes_through_the_command(tmp_path):
    """A clean file 0, a file with rejected records 1, an unusable file beside a good one 2 (the good one
    loaded): the files are made by the same builders, with fixed choices."""
    token = "CLI"
    good = [Record({"MaHoSo": f"{token}-{k}", "MaDonViXuLy": S, "TrangThaiHoSo": "4",
                    "NgayTiepNhan": f"0{k + 1}/03/2025 08:00", "KenhThucHien": "2", "NgayKetThucXuLy": "",
                    "TenTTHC": INJECTIONS[k]}, True) for k in range(3)]
    bad = Record({**good[0].values, "MaHoSo": f"{token}-B", "KenhThucHien": "9"}, False)

    def write(name: str, records: list[Record], encoding: str = "utf-8") -> Path:
        cols = REQUIRED + ["NgayKetThucXuLy", "TenTTHC"]
        buf = io.StringIO()
        rows = [[r.values[c] for c in cols] for r in records]
        csv.writer(buf, lineterminator="\n").writerows([cols] + rows)
        path = tmp_path / name
        path.write_bytes(buf.getvalue().encode(encoding))
        return path

    directory = tmp_path / "wh"
    for files, code in (([write("clean.csv", good[:1])], 0), ([write("partial.csv", [good[1], bad])], 1),
                        ([write("utf16.csv", good, "utf-16"), write("more.csv", good[2:])], 2)):
        out = subprocess.run([sys.executable, "-m", "etl", "load", *map(str, files),
                              "--warehouse", str(directory)],
                             cwd=ROOT, capture_output=True, text=True, timeout=300)
        assert out.returncode == code, out.stderr
    con = store.connect(store.current_path(directory))
    try:
        assert sorted(r[0] for r in con.execute("select dossier_id from raw_dossier").fetchall()) == \
            ["CLI-0", "CLI-1", "CLI-2"]
        rejected = con.execute("select record_key, field from quarantine").fetchall()
        assert rejected == [("CLI-B", "KenhThucHien")]
    finally:
        con.close()
