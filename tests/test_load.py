"""`python -m etl load`: formats, values, upserts, validation, quarantine, personal data, atomicity.

Every input file is written by the test itself into tmp_path. Every expected value is worked out by
hand in the comments beside it from docs/domain.md's rules; none is copied from the loader's output.
Warehouses start as a copy of one empty warehouse (official units only) built once per session.
Reference data (agency list, procedure catalogue, plan targets): tests/test_load_reference.py.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import unicodedata
from pathlib import Path

import polars as pl
import pytest

from etl.load import load_files
from tests.conftest import NOW, ROOT, ts
from warehouse import queries, store

S = "000.00.01.H22"                      # Sở Tư pháp
H = "000.00.21.H22"                      # UBND thành phố Hạ Long
NAMES = {S: "Sở Tư pháp", H: "UBND thành phố Hạ Long"}
PROCEDURES = {S: ("1.001230", "Cấp phiếu lý lịch tư pháp", "LV01", "Lý lịch tư pháp"),
              H: ("2.000815", "Chứng thực bản sao từ bản chính", "LV02", "Chứng thực")}

# the columns of a flat export (CSV, Excel), by sync name, and the Vietnamese header of each
FLAT = ["MaHoSo", "MaTTHC", "TenTTHC", "MaLinhVuc", "TenLinhVuc", "KenhThucHien", "LoaiDoiTuong",
        "NgayNopHoSo", "NgayTiepNhan", "NgayHenTra", "NgayKetThucXuLy", "NgayTra", "NgayTuChoi",
        "TrangThaiHoSo", "MaDonViXuLy", "DonViXuLy", "HoSoCoThanhPhanSoHoa", "DuocThanhToanTrucTuyen",
        "SoLanBoSung", "CoKetQuaDienTu"]
VI = {
    "MaHoSo": "Mã hồ sơ", "MaTTHC": "Mã thủ tục", "TenTTHC": "Tên thủ tục", "MaLinhVuc": "Mã lĩnh vực",
    "TenLinhVuc": "Lĩnh vực", "KenhThucHien": "Kênh thực hiện", "LoaiDoiTuong": "Loại đối tượng",
    "NgayNopHoSo": "Ngày nộp hồ sơ", "NgayTiepNhan": "Ngày tiếp nhận", "NgayHenTra": "Ngày hẹn trả",
    "NgayKetThucXuLy": "Ngày kết thúc xử lý", "NgayTra": "Ngày trả kết quả", "NgayTuChoi": "Ngày từ chối",
    "TrangThaiHoSo": "Trạng thái hồ sơ", "MaDonViXuLy": "Mã đơn vị xử lý", "DonViXuLy": "Đơn vị xử lý",
    "HoSoCoThanhPhanSoHoa": "Có thành phần số hóa", "DuocThanhToanTrucTuyen": "Thanh toán trực tuyến",
    "SoLanBoSung": "Số lần bổ sung", "CoKetQuaDienTu": "Có kết quả điện tử",
    "ChuHoSo": "Họ tên", "SoGiayToChuHoSo": "Số CCCD", "SoDienThoai": "Điện thoại", "Email": "Thư điện tử",
    "DiaChi": "Địa chỉ thường trú",
}
DATES = ["NgayNopHoSo", "NgayTiepNhan", "NgayHenTra", "NgayKetThucXuLy", "NgayTra", "NgayTuChoi"]
DATE_STYLES = {
    "sync": lambda d: d.strftime("%Y%m%d%H%M%S"),
    "iso": lambda d: d.isoformat(),
    "utc": lambda d: (d - dt.timedelta(hours=7)).strftime("%Y-%m-%dT%H:%M:%SZ"),  # Vietnam is UTC+7
    "vn": lambda d: d.strftime("%d/%m/%Y %H:%M:%S"),
    "vn_min": lambda d: d.strftime("%d/%m/%Y %H:%M"),
}


def rec(mahoso, received=None, due=None, finished=None, *, status=None, channel=1, agency=S, returned=None,
        refused=None, submitted=None, applicant=1, digitised=1, paid=0, supplements=0, e_result=None,
        **extra) -> dict:
    """One dossier with sync field names; dates as conftest.ts ('2025-03-03' means 09:00). Status by
    default: 10 (returned) when it has an end date, else 4 (in progress)."""
    if status is None:
        status = 10 if finished or returned else 4
    code, name, field_code, field_name = PROCEDURES[agency] if agency in PROCEDURES else PROCEDURES[S]
    r = {
        "MaHoSo": mahoso, "MaTTHC": code, "TenTTHC": name, "MaLinhVuc": field_code, "TenLinhVuc": field_name,
        "KenhThucHien": channel, "LoaiDoiTuong": applicant,
        "NgayNopHoSo": ts(submitted or received), "NgayTiepNhan": ts(received), "NgayHenTra": ts(due),
        "NgayKetThucXuLy": ts(finished), "NgayTra": ts(returned), "NgayTuChoi": ts(refused),
        "TrangThaiHoSo": status, "MaDonViXuLy": agency, "DonViXuLy": NAMES.get(agency, "Đơn vị " + agency),
        "HoSoCoThanhPhanSoHoa": digitised, "DuocThanhToanTrucTuyen": paid,
        "SoLanBoSung": supplements,
        "CoKetQuaDienTu": int(bool(finished or returned)) if e_result is None else int(e_result),
    }
    r.update(extra)
    return r


def json_record(r: dict, style: str = "sync") -> dict:
    """A sync record: codes as strings, dates as text, supplements and result documents as lists."""
    out = {}
    for key, value in r.items():
        if key in ("SoLanBoSung", "CoKetQuaDienTu"):
            continue
        if isinstance(value, dt.datetime):
            value = DATE_STYLES[style](value)
        elif isinstance(value, int):
            value = str(value)
        out[key] = value
    out["DanhSachHoSoBoSung"] = [
        {"NgayBoSung": "20250305090000", "NgayTiepNhanBoSung": "20250306090000"}
    ] * r.get("SoLanBoSung", 0)
    out["DanhSachGiayToKetQua"] = (
        [{"TenGiayTo": "Kết quả", "DuongDanTepTinKetQua": f"https://dvc.example.vn/kq/{r['MaHoSo']}.pdf"}]
        if r.get("CoKetQuaDienTu") else [])
    return out


def write_envelope(path: Path, records: list[dict], service="DongBoHoSoMC", style="sync") -> Path:
    body = {"service": service, "isUpdating": False, "data": [json_record(r, style) for r in records]}
    path.write_text(json.dumps(body, ensure_ascii=False, indent=1), encoding="utf-8")  # spread over lines
    return path


def write_json_array(path: Path, records: list[dict], style="iso") -> Path:
    text = json.dumps([json_record(r, style) for r in records], ensure_ascii=False)
    path.write_text(text, encoding="utf-8")
    return path


def write_ndjson(path: Path, records: list[dict], style="utc") -> Path:
    lines = [json.dumps(json_record(r, style), ensure_ascii=False) for r in records]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def flat_rows(records: list[dict], headers: str, style: str) -> tuple[list[str], list[list[str]]]:
    cols = FLAT + [k for k in dict.fromkeys(k for r in records for k in r) if k not in FLAT]
    names = [VI.get(c, c) if headers == "vi" else c for c in cols]
    rows = []
    for r in records:
        row = []
        for c in cols:
            v = r.get(c)
            row.append("" if v is None else DATE_STYLES[style](v) if isinstance(v, dt.datetime) else str(v))
        rows.append(row)
    return names, rows


TONE_MARKS = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}


def to_cp1258(text: str) -> bytes:
    """Windows-1258 has ô, ơ, ư, ... but writes the tone as a combining mark after the letter."""
    out = bytearray()
    for ch in unicodedata.normalize("NFC", text):
        try:
            out += ch.encode("cp1258")
        except UnicodeEncodeError:
            parts = unicodedata.normalize("NFD", ch)
            base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in TONE_MARKS))
            out += (base + "".join(c for c in parts if c in TONE_MARKS)).encode("cp1258")
    return bytes(out)


def write_text(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(to_cp1258(text) if encoding == "cp1258" else text.encode(encoding))
    return path


def write_csv(path: Path, records: list[dict], *, headers="vi", encoding="utf-8-sig", sep=",", style="vn",
              newline="\r\n") -> Path:
    names, rows = flat_rows(records, headers, style)
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=sep, lineterminator=newline)
    writer.writerow(names)
    writer.writerows(rows)
    return write_text(path, buf.getvalue(), encoding)


def write_xlsx(path: Path, records: list[dict], headers="vi") -> Path:
    """Real Excel cells: dates as dates, codes as numbers where a spreadsheet makes them numbers."""
    cols = FLAT + [k for k in dict.fromkeys(k for r in records for k in r) if k not in FLAT]
    data, schema = {}, {}
    for c in cols:
        name = VI.get(c, c) if headers == "vi" else c
        values = [r.get(c) for r in records]
        if c in DATES:
            schema[name] = pl.Datetime("us")
        elif c == "MaTTHC":
            values, schema[name] = [float(v) for v in values], pl.Float64   # 1.001230 becomes 1.00123
        elif c in ("KenhThucHien", "LoaiDoiTuong", "TrangThaiHoSo", "HoSoCoThanhPhanSoHoa",
                   "DuocThanhToanTrucTuyen", "SoLanBoSung", "CoKetQuaDienTu"):
            schema[name] = pl.Int64
        else:
            schema[name] = pl.String
        data[name] = values
    pl.DataFrame(data, schema=schema).write_excel(path)
    return path


# ---- warehouse helpers (the fixtures empty_warehouse and wh live in conftest.py) -------------

def fresh(empty_warehouse: Path, target: Path) -> Path:
    shutil.copytree(empty_warehouse, target)
    return target


def load(directory: Path, *paths, kind=None):
    return load_files(directory, [Path(p) for p in paths], kind=kind, progress=lambda m: None, now=NOW)


def q(directory: Path, sql: str, params=None) -> list[tuple]:
    con = store.connect(store.current_path(directory))
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def qdict(directory: Path, sql: str, params=None) -> list[dict]:
    con = store.connect(store.current_path(directory))
    try:
        cur = con.execute(sql, params or [])
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row)) for row in cur.fetchall()]
    finally:
        con.close()


def dossiers(directory: Path) -> dict[str, dict]:
    return {r["dossier_id"]: r for r in qdict(directory, "select * from raw_dossier")}


def quarantine(directory: Path) -> list[tuple]:
    """(row, record key, field, value) of every quarantined reason, in file order."""
    return q(directory, """select source_row, record_key, field, value from quarantine
                           order by source_row, field""")


def report(directory: Path, start: dt.date, end: dt.date) -> pl.DataFrame:
    reader = store.Reader(directory)
    try:
        return queries.report_for_range(reader, start, end)
    finally:
        reader.close()


def cli(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "etl", *map(str, args)], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)


# ---- one set of records in every format -----------------------------------------------------
#
# Report for March 2025 (01/03 to 31/03), worked out by hand:
#
#  id   received  due     end (source)            status ch  counted as
#  S1   03-03     03-10   03-07 finished          10     2   new, early
#  S2   03-04     03-04   03-04 16:00 finished    10     1   new, on time (same day, times ignored)
#  S3   03-05     03-12   03-14 finished          10     1   new, late
#  S4   03-06     none    03-20 finished           9     3   new, on time (no due date)
#  S5   03-06     03-08   03-25 finished           7     2   new, on time (withdrawn)
#  S6   03-10     03-15   -                        5     1   new, in progress not due (waiting on citizen);
#                                                            its first record (status 2) is replaced by the
#                                                            later one at the end of the file
#  S7   02-20     03-05   03-03 finished          10     1   carried over, early
#  S8   02-10     02-28   -                        4     1   carried over, in progress overdue
#  S9   03-11     -       refused 03-12            3     1   not counted (refused)
#  S10  -         -       -                        1     2   not counted (not received)
#  H1   03-28     04-05   -                        4     2   new, in progress not due (due after 31/03)
#  H2   03-20     03-27   -                        4     1   new, in progress overdue
#  H3   03-12     03-19   03-19 returned (NgayTra) 10     1   new, on time
#  H4   03-12     03-13   03-18 refusal date       8     1   new, late
#  H5   04-02     04-09   04-05 finished          10     1   not counted (April)
#  H6   03-03     03-20   03-18 finished, 2 suppl 10     1   new, early
#  H7   02-25     03-01   03-01 finished          10     1   carried over, on time
#
# S: carried 2 (S7 S8), new 6 (S1-S6): online 2 (S1 S5), direct 3 (S2 S3 S6), postal 1 (S4);
#    finished 6: early 2 (S1 S7), on time 3 (S2 S4 S5), late 1 (S3); in progress 2: not due 1 (S6),
#    overdue 1 (S8); 2 + 6 = 6 + 2; on-time rate 5/6 = 0.8333.
# H: carried 1 (H7), new 5 (H1 H2 H3 H4 H6): online 1 (H1), direct 4; finished 4: early 1 (H6),
#    on time 2 (H3 H7), late 1 (H4); in progress 2: not due 1 (H1), overdue 1 (H2); 1 + 5 = 4 + 2;
#    on-time rate 3/4 = 0.75.

MARCH = [
    rec("S1", "2025-03-03 08:30", "2025-03-10 17:00", "2025-03-07 10:00", returned="2025-03-08 10:00",
        channel=2, paid=1),
    rec("S2", "2025-03-04 09:00", "2025-03-04 17:00", "2025-03-04 16:00"),
    rec("S3", "2025-03-05", "2025-03-12", "2025-03-14"),
    rec("S4", "2025-03-06", None, "2025-03-20", status=9, channel=3, applicant=2),
    rec("S5", "2025-03-06", "2025-03-08", "2025-03-25", status=7, channel=2, digitised=0),
    rec("S6", "2025-03-10", None, None, status=2),
    rec("S7", "2025-02-20", "2025-03-05", "2025-03-03"),
    rec("S8", "2025-02-10", "2025-02-28", None, status=4),
    rec("S9", "2025-03-11", None, None, status=3, refused="2025-03-12"),
    rec("S10", None, None, None, status=1, channel=2, submitted="2025-03-20 14:15"),
    rec("H1", "2025-03-28", "2025-04-05", None, status=4, channel=2, agency=H),
    rec("H2", "2025-03-20", "2025-03-27", None, status=4, agency=H),
    rec("H3", "2025-03-12", "2025-03-19", None, returned="2025-03-19 15:00", agency=H),
    rec("H4", "2025-03-12", "2025-03-13", None, status=8, refused="2025-03-18", agency=H),
    rec("H5", "2025-04-02", "2025-04-09", "2025-04-05", agency=H),
    rec("H6", "2025-03-03", "2025-03-20", "2025-03-18", supplements=2, agency=H),
    rec("H7", "2025-02-25", "2025-03-01", "2025-03-01", agency=H),
    rec("S6", "2025-03-10", "2025-03-15", None, status=5),
]
EXPECTED_MARCH = {
    S: dict(agency_name="Sở Tư pháp", carried_over=2, received_new=6, received_online=2, received_direct=3,
            received_postal=1, finished=6, finished_early=2, finished_on_time=3, finished_late=1,
            in_progress=2, in_progress_not_due=1, in_progress_overdue=1, on_time_rate=0.8333),
    H: dict(agency_name="UBND thành phố Hạ Long", carried_over=1, received_new=5, received_online=1,
            received_direct=4, received_postal=0, finished=4, finished_early=1, finished_on_time=2,
            finished_late=1, in_progress=2, in_progress_not_due=1, in_progress_overdue=1, on_time_rate=0.75),
}

# each format as a vendor would write it; file names say nothing (formats are known from content)
FORMATS = {
    "envelope": lambda p: write_envelope(p, MARCH, style="sync"),
    "json": lambda p: write_json_array(p, MARCH, style="iso"),
    "ndjson": lambda p: write_ndjson(p, MARCH, style="utc"),
    "csv_utf8_bom": lambda p: write_csv(p, MARCH, headers="vi", encoding="utf-8-sig", sep=",", style="vn"),
    "csv_utf8_sync": lambda p: write_csv(p, MARCH, headers="sync", encoding="utf-8", sep=";", style="sync",
                                         newline="\n"),
    "csv_cp1258": lambda p: write_csv(p, MARCH, headers="vi", encoding="cp1258", sep=";", style="vn_min"),
    "xlsx": lambda p: write_xlsx(p, MARCH, headers="vi"),
}
FORMAT_NAME = {"envelope": "envelope", "json": "json", "ndjson": "ndjson", "csv_utf8_bom": "csv",
               "csv_utf8_sync": "csv", "csv_cp1258": "csv", "xlsx": "xlsx"}
BUSINESS = ("dossier_id, procedure_code, field_code, agency_code, channel, applicant_type, submitted_at, "
            "received_at, due_at, finished_at, returned_at, refused_at, status, supplement_count, has_fee, "
            "paid_online, digitised, electronic_result, apology_issued")


@pytest.fixture(scope="module")
def every_format(empty_warehouse, tmp_path_factory) -> dict[str, tuple]:
    base = tmp_path_factory.mktemp("formats")
    out = {}
    for name, write in FORMATS.items():
        path = write(base / f"{name}.dat")
        directory = fresh(empty_warehouse, base / f"wh_{name}")
        out[name] = (path, directory, load(directory, path)[0])
    return out


def test_every_format_is_recognised_from_content_and_fully_loaded(every_format):
    cp1258 = every_format["csv_cp1258"][0].read_bytes()
    with pytest.raises(UnicodeDecodeError):
        cp1258.decode("utf-8")   # the Windows-1258 file really is not UTF-8
    assert every_format["csv_utf8_bom"][0].read_bytes().startswith(b"\xef\xbb\xbf")
    for name, (_, _, result) in every_format.items():
        assert result.unusable is None, (name, result.unusable)
        assert result.fmt == FORMAT_NAME[name], name
        assert result.kind == "dossier", name
        # 18 records read, all good; S6 twice
        assert (result.read, result.loaded, result.rejected, result.exit_code) == (18, 18, 0, 0), name


def test_report_from_the_envelope_matches_the_hand_count(every_format):
    frame = report(every_format["envelope"][1], dt.date(2025, 3, 1), dt.date(2025, 3, 31))
    rows = {r["agency_code"]: r for r in frame.to_dicts()}
    assert set(rows) == {S, H}
    for code, expected in EXPECTED_MARCH.items():
        assert {k: rows[code][k] for k in expected} == expected, code


def test_the_report_is_identical_whatever_the_format(every_format):
    reports = {name: report(d, dt.date(2025, 3, 1), dt.date(2025, 3, 31))
               for name, (_, d, _) in every_format.items()}
    first = reports["envelope"]
    assert first.height == 2
    for name, frame in reports.items():
        assert frame.equals(first), name
    # and over the reporting quarter (15/12/2024 to 14/03/2025) too
    q1 = {name: report(d, dt.date(2024, 12, 15), dt.date(2025, 3, 14))
          for name, (_, d, _) in every_format.items()}
    for name, frame in q1.items():
        assert frame.equals(q1["envelope"]), name


def test_the_stored_dossiers_are_identical_whatever_the_format(every_format):
    stored = {name: q(d, f"select {BUSINESS} from raw_dossier order by dossier_id")
              for name, (_, d, _) in every_format.items()}
    assert len(stored["envelope"]) == 17   # 18 records, S6 twice
    for name, rows in stored.items():
        assert rows == stored["envelope"], name
    one = dossiers(every_format["xlsx"][1])
    # by hand from MARCH: S1 online, paid, finished 07/03 10:00, returned 08/03 10:00, electronic result
    s1 = one["S1"]
    assert (s1["procedure_code"], s1["field_code"], s1["agency_code"]) == ("1.001230", "LV01", S)
    assert (s1["channel"], s1["status"], s1["applicant_type"]) == (2, 10, 1)
    assert s1["received_at"] == dt.datetime(2025, 3, 3, 8, 30)
    assert s1["due_at"] == dt.datetime(2025, 3, 10, 17, 0)
    assert s1["finished_at"] == dt.datetime(2025, 3, 7, 10, 0)
    assert s1["returned_at"] == dt.datetime(2025, 3, 8, 10, 0)
    assert (s1["paid_online"], s1["digitised"], s1["electronic_result"]) == (1, True, True)
    # H6: two supplement requests (a list of 2 in JSON, "2" in the flat files); S6: its later state
    assert one["H6"]["supplement_count"] == 2
    assert (one["S6"]["status"], one["S6"]["due_at"]) == (5, dt.datetime(2025, 3, 15, 9, 0))
    assert one["S10"]["received_at"] is None
    assert one["S10"]["submitted_at"] == dt.datetime(2025, 3, 20, 14, 15)
    # S5 not digitised, not paid online: 0 is a known "no", kept as 0 (only an absent field is unknown)
    assert (one["S5"]["digitised"], one["S5"]["paid_online"]) == (False, 0)
    # unknown agencies are named from DonViXuLy (Windows-1258 and NFC round trip)
    names = dict(q(every_format["csv_cp1258"][1], "select agency_code, agency_name from ref_agency"))
    assert names == {S: "Sở Tư pháp", H: "UBND thành phố Hạ Long"}


# ---- values ---------------------------------------------------------------------------------

DATE_CASES = [
    # (value of NgayTiepNhan, local time it means)
    ("20250303083000", dt.datetime(2025, 3, 3, 8, 30)),            # sync yyyyMMddHHmmss
    ("03/03/2025", dt.datetime(2025, 3, 3, 0, 0)),                 # dd/mm/yyyy: midnight
    ("03/03/2025 08:30", dt.datetime(2025, 3, 3, 8, 30)),
    ("03/03/2025 08:30:15", dt.datetime(2025, 3, 3, 8, 30, 15)),
    ("3/3/2025 8:30", dt.datetime(2025, 3, 3, 8, 30)),             # no leading zeros
    ("2025-03-03", dt.datetime(2025, 3, 3, 0, 0)),                 # ISO date
    ("2025-03-03T08:30:00", dt.datetime(2025, 3, 3, 8, 30)),       # ISO, no offset: already local
    ("2025-03-03 08:30:00", dt.datetime(2025, 3, 3, 8, 30)),
    ("2025-03-02T19:30:00Z", dt.datetime(2025, 3, 3, 2, 30)),      # UTC 19:30 = 02:30 next day in Vietnam
    ("2025-03-03T08:30:00+07:00", dt.datetime(2025, 3, 3, 8, 30)),
    # Excel serial days since 30/12/1899: 01/01/2025 is 45658, so 03/03/2025 is 45658 + 31 + 28 + 2
    ("45719", dt.datetime(2025, 3, 3, 0, 0)),
    ("45719.5", dt.datetime(2025, 3, 3, 12, 0)),                   # half a day: noon
    ("45719.25", dt.datetime(2025, 3, 3, 6, 0)),
]


def test_date_formats_are_read_as_local_vietnam_time(wh, tmp_path):
    lines = ["MaHoSo,NgayTiepNhan,TrangThaiHoSo,KenhThucHien,MaDonViXuLy"]
    lines += [f"T{i},{value},2,1,{S}" for i, (value, _) in enumerate(DATE_CASES)]
    result = load(wh, write_text(tmp_path / "dates.csv", "\n".join(lines) + "\n"))[0]
    assert (result.loaded, result.rejected) == (len(DATE_CASES), 0)
    got = dict(q(wh, "select dossier_id, received_at from raw_dossier"))
    for i, (value, expected) in enumerate(DATE_CASES):
        assert got[f"T{i}"] == expected, value


def test_excel_date_cells_serial_numbers_and_numeric_codes(wh, tmp_path):
    frame = pl.DataFrame({
        "Mã hồ sơ": [2503030001, 2503030002],                      # a number column in Excel
        "Mã thủ tục": [1.00123, 2.000815],                          # 1.001230 lost its trailing zero
        "Mã đơn vị xử lý": [S, S],
        "Ngày tiếp nhận": [dt.datetime(2025, 3, 3, 8, 30), dt.datetime(2025, 3, 4, 14, 0)],
        "Ngày hẹn trả": [dt.date(2025, 3, 10), dt.date(2025, 3, 11)],    # date cells: midnight
        "Ngày kết thúc xử lý": [45723.75, None],                    # a serial number: 07/03/2025 18:00
        "Trạng thái": [10, 4],
        "Kênh thực hiện": [2, 1],
        "Mã lĩnh vực": [12, 12],
    })
    path = tmp_path / "export.xlsx"
    frame.write_excel(path)
    result = load(wh, path)[0]
    assert (result.fmt, result.loaded, result.rejected) == ("xlsx", 2, 0)
    got = dossiers(wh)
    assert set(got) == {"2503030001", "2503030002"}
    one, two = got["2503030001"], got["2503030002"]
    assert (one["procedure_code"], two["procedure_code"]) == ("1.001230", "2.000815")
    assert one["field_code"] == "12"
    assert one["received_at"] == dt.datetime(2025, 3, 3, 8, 30)
    assert one["due_at"] == dt.datetime(2025, 3, 10, 0, 0)
    # 45723 = 45719 (03/03/2025) + 4 -> 07/03/2025; .75 of a day -> 18:00
    assert one["finished_at"] == dt.datetime(2025, 3, 7, 18, 0)
    assert (one["status"], one["channel"], two["status"], two["channel"]) == (10, 2, 4, 1)


def test_excel_rows_are_sheet_rows_even_after_an_empty_row(wh, tmp_path):
    path = tmp_path / "gap.xlsx"
    pl.DataFrame({"Mã hồ sơ": ["E1", None, "E3", "E4"], "Trạng thái": [4, None, 99, 4],
                  "Kênh thực hiện": [1, None, 1, 2],
                  "Ngày tiếp nhận": ["03/03/2025", None, "03/03/2025", "03/03/2025"],
                  "Ngày từ chối": [None, None, None, None],          # an empty column is still a column
                  "Mã đơn vị": [S, None, S, S]}).write_excel(path)
    result = load(wh, path)[0]
    # sheet rows: header 1, E1 2, empty 3, E3 4 (status 99), E4 5
    assert (result.read, result.loaded, result.rejected) == (3, 2, 1)
    assert quarantine(wh) == [(4, "E3", "TrangThaiHoSo", "99")]
    assert {k: v["source_row"] for k, v in dossiers(wh).items()} == {"E1": 2, "E4": 5}
    # a sheet with only its header has no records: unusable
    pl.DataFrame({"Mã hồ sơ": [], "Trạng thái": []}, schema={"Mã hồ sơ": pl.String, "Trạng thái": pl.String}
                 ).write_excel(tmp_path / "empty.xlsx")
    result = load(wh, tmp_path / "empty.xlsx")[0]
    assert result.exit_code == 2 and "không có bản ghi" in result.unusable


def test_codes_spreadsheets_mangled_are_restored(wh, tmp_path):
    text = (
        "MaHoSo,MaTTHC,MaLinhVuc,MaDonViXuLy,KenhThucHien,LoaiDoiTuong,TrangThaiHoSo,NgayTiepNhan\n"
        "123.0,1.00123,5.0,1234.0,2.0,1.0,4.0,03/03/2025\n"         # numbers a spreadsheet wrote back
        " K2 , 1.001230 ,LV01, A.01 ,01,2,04,03/03/2025\n"          # padded text, leading zeros on codes
        "K3,2.1,LV01,A.01,1,1,4,03/03/2025\n"                         # 2.100000 written as 2.1
    )
    result = load(wh, write_text(tmp_path / "codes.csv", text))[0]
    assert (result.loaded, result.rejected) == (3, 0)
    got = dossiers(wh)
    assert set(got) == {"123", "K2", "K3"}
    assert (got["123"]["procedure_code"], got["123"]["field_code"], got["123"]["agency_code"]) == \
        ("1.001230", "5", "1234")
    assert (got["123"]["channel"], got["123"]["applicant_type"], got["123"]["status"]) == (2, 1, 4)
    k2 = got["K2"]
    assert (k2["procedure_code"], k2["agency_code"], k2["channel"]) == ("1.001230", "A.01", 1)
    assert got["K3"]["procedure_code"] == "2.100000"
    # the procedures were unknown: registered under the restored code, not the mangled one
    assert {c for (c,) in q(wh, "select procedure_code from ref_procedure")} == {"1.001230", "2.100000"}


def test_text_in_nfd_is_stored_in_nfc(wh, tmp_path):
    nfd = lambda s: unicodedata.normalize("NFD", s)  # noqa: E731
    assert nfd("Sở Tư pháp") != "Sở Tư pháp"          # the decomposed text really differs
    header = ",".join(nfd(h) for h in ["Mã hồ sơ", "Mã thủ tục", "Tên thủ tục", "Lĩnh vực", "Mã đơn vị xử lý",
                                       "Đơn vị xử lý", "Trạng thái", "Kênh thực hiện", "Ngày tiếp nhận"])
    row = ",".join([nfd("HỒ1"), "1.001230", nfd("Cấp phiếu lý lịch"), nfd("Lý lịch tư pháp"), "X.01",
                    nfd("Sở Tư pháp"), "4", "1", "03/03/2025"])
    load(wh, write_text(tmp_path / "nfd.csv", header + "\n" + row + "\n"))
    # JSON lines whose keys and values are decomposed too
    record = {nfd("Mã hồ sơ"): nfd("HỒ2"), nfd("Mã đơn vị xử lý"): "X.02",
              nfd("Đơn vị xử lý"): nfd("UBND xã Đông Hà"),
              nfd("Trạng thái"): "4", nfd("Kênh thực hiện"): "2", nfd("Ngày tiếp nhận"): "20250303090000",
              nfd("Tên thủ tục"): nfd("Đăng ký khai sinh"), nfd("Mã thủ tục"): "1.001193"}
    write_text(tmp_path / "nfd.jsonl", json.dumps(record, ensure_ascii=False) + "\n")
    result = load(wh, tmp_path / "nfd.jsonl")[0]
    assert (result.fmt, result.loaded) == ("ndjson", 1)
    assert set(dossiers(wh)) == {"HỒ1", "HỒ2"}                      # NFC ids
    assert dict(q(wh, "select agency_code, agency_name from ref_agency")) == {
        "X.01": "Sở Tư pháp", "X.02": "UBND xã Đông Hà"}
    assert dict(q(wh, "select procedure_code, procedure_name from ref_procedure")) == {
        "1.001230": "Cấp phiếu lý lịch", "1.001193": "Đăng ký khai sinh"}
    assert q(wh, "select field_name from ref_field") == [("Lý lịch tư pháp",)]


# ---- unknown codes ----------------------------------------------------------------------------

def test_unknown_agency_and_procedure_are_registered_unverified_and_the_dossier_kept(wh, tmp_path):
    # a known agency first (from an agency list), then dossiers of it and of an unknown one
    write_text(tmp_path / "agencies.csv", f"Mã đơn vị,Tên đơn vị,Cấp\n{S},Sở Tư pháp,Sở\n")
    load(wh, tmp_path / "agencies.csv")
    records = [rec("U1", "2025-03-03", "2025-03-10", "2025-03-05"),
               rec("U2", "2025-03-03", "2025-03-10", "2025-03-05", agency="X.99", MaTTHC="9.999999",
                   TenTTHC="Thủ tục lạ")]
    result = load(wh, write_envelope(tmp_path / "u.json", records))[0]
    assert (result.loaded, result.rejected) == (2, 0)
    assert set(dossiers(wh)) == {"U1", "U2"}
    agencies = {r[0]: r[1:] for r in q(wh, "select agency_code, agency_name, verified from ref_agency")}
    assert agencies == {S: ("Sở Tư pháp", True), "X.99": ("Đơn vị X.99", False)}
    procedures = {r[0]: r[1:]
                  for r in q(wh, "select procedure_code, procedure_name, verified from ref_procedure")}
    assert procedures == {"1.001230": ("Cấp phiếu lý lịch tư pháp", False), "9.999999": ("Thủ tục lạ", False)}
    # the unverified agency is in the report with its dossier (received 03/03, finished early 05/03)
    rows = {r["agency_code"]: r for r in report(wh, dt.date(2025, 3, 1), dt.date(2025, 3, 31)).to_dicts()}
    assert (rows["X.99"]["received_new"], rows["X.99"]["finished_early"]) == (1, 1)
    # a second load of the same codes registers nothing twice
    load(wh, tmp_path / "u.json")
    assert q(wh, "select count(*) from ref_agency") == [(2,)]
    assert q(wh, "select count(*) from ref_procedure") == [(2,)]


# ---- one row per dossier, history, idempotence ----------------------------------------------

def test_a_later_record_in_the_file_replaces_the_earlier_and_history_keeps_each_state(wh, tmp_path):
    text = (
        "MaHoSo,NgayTiepNhan,NgayHenTra,NgayKetThucXuLy,TrangThaiHoSo,KenhThucHien,MaDonViXuLy\n"
        f"D1,03/03/2025,10/03/2025,,2,1,{S}\n"            # received
        f"D2,03/03/2025,10/03/2025,,4,1,{S}\n"
        f"D1,03/03/2025,10/03/2025,,4,1,{S}\n"            # in progress
        f"D1,03/03/2025,10/03/2025,,4,1,{S}\n"            # the same state again: no new history row
        f"D1,03/03/2025,10/03/2025,12/03/2025,10,1,{S}\n"  # finished, late
    )
    result = load(wh, write_text(tmp_path / "dup.csv", text))[0]
    assert (result.read, result.loaded, result.rejected) == (5, 5, 0)
    got = dossiers(wh)
    assert set(got) == {"D1", "D2"}
    assert (got["D1"]["status"], got["D1"]["finished_at"], got["D1"]["source_row"]) == \
        (10, dt.datetime(2025, 3, 12), 6)                # spreadsheet row 6: the last record
    # D1 went through 3 distinct states (2, 4, 10), D2 through one
    history = q(wh, "select dossier_id, status, source_row from raw_dossier_history "
                    "order by dossier_id, source_row")
    assert history == [("D1", 2, 2), ("D1", 4, 4), ("D1", 10, 6), ("D2", 4, 3)]


def test_a_later_load_replaces_the_earlier_state(wh, tmp_path):
    first = write_envelope(tmp_path / "a.json", [rec("L1", "2025-03-03", "2025-03-10", None, status=4),
                                                 rec("L2", "2025-03-03", "2025-03-10", None, status=4)])
    second = write_envelope(tmp_path / "b.json", [rec("L1", "2025-03-03", "2025-03-10", "2025-03-08")])
    load(wh, first)
    load(wh, second)
    got = dossiers(wh)
    assert (got["L1"]["status"], got["L1"]["finished_at"]) == (10, dt.datetime(2025, 3, 8, 9, 0))
    assert got["L1"]["source_file"] == str(second)
    assert got["L2"]["status"] == 4                       # untouched by the second file
    assert q(wh, "select dossier_id, status from raw_dossier_history order by dossier_id, status") == \
        [("L1", 4), ("L1", 10), ("L2", 4)]
    # March: L1 finished 08/03, due 10/03 -> early. The data's date is its newest event, 08/03, so
    # March is judged on 08/03 (README: a period not yet over): L2, due 10/03, is not yet due
    assert q(wh, "select value from meta where key = 'as_of'") == [("2025-03-08",)]
    row = report(wh, dt.date(2025, 3, 1), dt.date(2025, 3, 31)).row(0, named=True)
    assert (row["received_new"], row["finished_early"], row["in_progress_not_due"]) == (2, 1, 1)


def test_history_keeps_states_that_differ_only_in_which_date_is_missing(wh, tmp_path):
    # state 1: due 10/03, not finished; state 2: no due date, finished 10/03 (same status). Both
    # are distinct states, whatever text the two would make if the missing value were just skipped.
    text = (
        "MaHoSo,NgayTiepNhan,NgayHenTra,NgayKetThucXuLy,TrangThaiHoSo,KenhThucHien,MaDonViXuLy\n"
        f"N1,03/03/2025,10/03/2025,,4,1,{S}\n"
        f"N1,03/03/2025,,10/03/2025,4,1,{S}\n"
    )
    load(wh, write_text(tmp_path / "n.csv", text))
    assert q(wh, "select count(*) from raw_dossier_history where dossier_id = 'N1'") == [(2,)]
    got = dossiers(wh)["N1"]
    assert (got["due_at"], got["finished_at"]) == (None, dt.datetime(2025, 3, 10))


def _snapshot(directory: Path) -> dict:
    return {
        "raw_dossier": q(directory, "select * from raw_dossier order by dossier_id"),
        "history": q(directory, "select * from raw_dossier_history order by dossier_id, state_hash"),
        "report": report(directory, dt.date(2025, 3, 1), dt.date(2025, 3, 31)).rows(),
        "agencies": q(directory, "select * from ref_agency order by agency_code"),
        "procedures": q(directory, "select * from ref_procedure order by procedure_code"),
        "quarantine": q(directory, "select kind, source_file, source_row, record_key, field, value, reason "
                                   "from quarantine order by all"),
        "steps": q(directory, "select * exclude (load_id) from raw_dossier_step order by all"),
    }


def test_loading_the_same_file_twice_changes_nothing(wh, tmp_path):
    records = MARCH + [rec("BAD", "2025-03-03", status=42)]          # one rejected record too
    path = write_envelope(tmp_path / "march.json", records)
    steps = write_text(tmp_path / "steps.csv", "MaHoSo,PhongBanXuLy,ThoiDiemXuLy,NoiDungXuLy\n"
                                               "S1,Một cửa,20250303083000,Tiếp nhận\n")
    assert [r.exit_code for r in load(wh, path, steps)] == [1, 0]
    before = _snapshot(wh)
    logs = q(wh, "select count(*) from load_log")[0][0]
    assert [r.exit_code for r in load(wh, path, steps)] == [1, 0]
    assert _snapshot(wh) == before
    assert q(wh, "select count(*) from load_log")[0][0] == logs + 2   # the log says it was loaded again
    assert len(before["raw_dossier"]) == 17 and len(before["quarantine"]) == 1


# ---- validation and quarantine --------------------------------------------------------------

VALIDATION_CSV = (
    "MaHoSo,MaTTHC,KenhThucHien,LoaiDoiTuong,NgayTiepNhan,NgayHenTra,NgayKetThucXuLy,TrangThaiHoSo,MaDonViXuLy\n"
    f"V01,1.001230,1,1,03/03/2025,10/03/2025,07/03/2025,10,{S}\n"          # 2 good
    f",1.001230,1,1,03/03/2025,10/03/2025,07/03/2025,10,{S}\n"             # 3 no MaHoSo
    f"V03,1.001230,1,1,31/02/2025,10/03/2025,07/03/2025,10,{S}\n"          # 4 31 February
    f"V04,1.001230,1,1,10/03/2025,20/03/2025,09/03/2025,10,{S}\n"          # 5 finished before received
    f"V05,1.001230,1,1,03/03/2025,10/03/2025,,11,{S}\n"                    # 6 status 11
    f"V06,1.001230,4,1,03/03/2025,10/03/2025,,4,{S}\n"                     # 7 channel 4
    f"V07,1.001230,1,1,03/03/2025,10/03/2025,,abc,{S}\n"                   # 8 status not a number
    f"V08,1.001230,1,999,03/03/2025,10/03/2025,,4,{S}\n"                   # 9 applicant type 999
    f"V09,1.001230,1,1,05/01/2026,,,2,{S}\n"                               # 10 received after today
    f"V10,1.001230,1,1,03/03/2025,10/03/2025,,10,{S}\n"                    # 11 returned, no end date
    f"V11,1.001230,9,1,03/03/2025,30/02/2025,,4,{S}\n"                     # 12 channel 9 and 30 February
    f"V12,1.001230,2,1,03/03/2025,10/03/2025,,4,{S}\n"                     # 13 good, in progress
    f"V13,1.001230,1,1,,10/03/2025,,4,{S}\n"                               # 14 in progress, never received
    "V14,1.001230,1,1,03/03/2025,10/03/2025,,4,\n"                         # 15 no agency
    f"V15,1.001230,1,1,10/03/2025 15:00,12/03/2025,10/03/2025 08:00,10,{S}\n"  # 16 good: same day
)


def test_every_rejected_record_is_quarantined_with_row_field_value_and_reason(wh, tmp_path):
    path = write_text(tmp_path / "validation.csv", VALIDATION_CSV)
    result = load(wh, path)[0]
    # 15 records: rows 2, 13 and 16 are good; the 12 others are rejected (row 12 for two reasons)
    assert (result.read, result.loaded, result.rejected, result.exit_code) == (15, 3, 12, 1)
    assert set(dossiers(wh)) == {"V01", "V12", "V15"}
    assert quarantine(wh) == [
        (3, None, "MaHoSo", None),
        (4, "V03", "NgayTiepNhan", "31/02/2025"),
        (5, "V04", "NgayKetThucXuLy", "09/03/2025"),
        (6, "V05", "TrangThaiHoSo", "11"),
        (7, "V06", "KenhThucHien", "4"),
        (8, "V07", "TrangThaiHoSo", "abc"),
        (9, "V08", "LoaiDoiTuong", "999"),
        (10, "V09", "NgayTiepNhan", "05/01/2026"),
        (11, "V10", "NgayKetThucXuLy", None),
        (12, "V11", "KenhThucHien", "9"),
        (12, "V11", "NgayHenTra", "30/02/2025"),
        (14, "V13", "NgayTiepNhan", None),
        (15, "V14", "MaDonViXuLy", None),
    ]
    reasons = {(r, f): reason for r, f, reason in q(wh, "select source_row, field, reason from quarantine")}
    assert all(reasons.values())
    assert "thiếu mã hồ sơ" in reasons[(3, "MaHoSo")]
    assert "ngày không hợp lệ" in reasons[(4, "NgayTiepNhan")]
    assert "trước ngày tiếp nhận" in reasons[(5, "NgayKetThucXuLy")]
    assert "trạng thái" in reasons[(6, "TrangThaiHoSo")]
    assert "kênh" in reasons[(7, "KenhThucHien")]
    assert "sau hôm nay" in reasons[(10, "NgayTiepNhan")]
    assert "thiếu ngày tiếp nhận" in reasons[(14, "NgayTiepNhan")]
    # every quarantine row names the file and the load, and the load log agrees with the counts
    assert q(wh, "select distinct source_file, kind from quarantine") == [(str(path), "dossier")]
    assert q(wh, "select rows_read, rows_loaded, rows_rejected, status from load_log where source = ?",
             [str(path)]) == [(15, 3, 12, "partial")]


def test_json_rejects_are_numbered_by_record(wh, tmp_path):
    records = [rec("J1", "2025-03-03"), rec("J2", "2025-03-03", channel=7),
               rec("J3", "2025-03-03"), {**rec("J4", "2025-03-03"), "NgayTiepNhan": "20250231090000"}]
    write_envelope(tmp_path / "env.json", records)
    result = load(wh, tmp_path / "env.json")[0]
    assert (result.loaded, result.rejected) == (2, 2)
    assert quarantine(wh) == [(2, "J2", "KenhThucHien", "7"), (4, "J4", "NgayTiepNhan", "20250231090000")]
    # JSON lines: a line that is not JSON is rejected by its record number, the others load
    lines = [json.dumps(json_record(rec("K1", "2025-03-03"))), "{not json", "",
             json.dumps(json_record(rec("K2", "2025-03-03"))), "[1, 2]"]
    write_text(tmp_path / "k.jsonl", "\n".join(lines) + "\n")
    result = load(wh, tmp_path / "k.jsonl")[0]
    assert (result.fmt, result.loaded, result.rejected) == ("ndjson", 2, 2)
    # records: K1 is 1, the broken line 2, (blank line skipped) K2 3, the array 4
    assert q(wh, "select source_row, field from quarantine where source_file like '%k.jsonl' order by 1") == \
        [(2, None), (4, None)]
    assert {"K1", "K2"} <= set(dossiers(wh))


# ---- unusable files and exit codes ----------------------------------------------------------

def _unusable_files(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    """name -> (file, a word its one-line reason must contain)"""
    d = tmp_path / "bad"
    d.mkdir()
    good_row = f"E1,03/03/2025,4,1,{S}\n"
    files = {
        "empty": (write_text(d / "empty.csv", ""), "rỗng"),
        "blank": (write_text(d / "blank.csv", "\n  \r\n\n"), "rỗng"),
        "header_only": (write_text(d / "header.csv",
                                   "MaHoSo,NgayTiepNhan,TrangThaiHoSo,KenhThucHien,MaDonViXuLy\n"),
                        "không có bản ghi"),
        "plain_text": (write_text(d / "notes.txt", "Báo cáo tháng 3\nkhông có số liệu\n"), "không nhận ra"),
        "binary": (d / "photo.jpg", "nhị phân"),
        "truncated_json": (write_text(d / "cut.json", '[{"MaHoSo": "E1", "NgayTiepNhan": "2025'), "JSON"),
        "broken_envelope": (write_text(d / "cut_env.json", '{"service": "DongBoHoSoMC",\n "data": [\n'
                                       '  {"MaHoSo": "E1"},\n  {"MaHoSo": "E2"'), "JSON"),
        "empty_envelope": (write_text(d / "none.json",
                                      '{"service": "DongBoHoSoMC", "isUpdating": false, "data": []}'),
                           "không có bản ghi"),
        "not_records": (write_text(d / "numbers.json", "[1, 2, 3]"), "không nhận ra"),
        "unknown_columns": (write_text(d / "other.csv", "Tên,Tuổi\nAn,3\n"), "không nhận ra"),
        "missing_required": (write_text(d / "noagency.csv", "MaHoSo,NgayTiepNhan,TrangThaiHoSo,KenhThucHien\n"
                                        "E1,03/03/2025,4,1\n"), "MaDonViXuLy"),
        "bad_xlsx": (d / "broken.xlsx", "Excel"),
        "missing_file": (d / "does_not_exist.csv", "không mở được"),
        "unclosed_quote": (write_text(d / "quote.csv",
                                      "MaHoSo,NgayTiepNhan,TrangThaiHoSo,KenhThucHien,MaDonViXuLy\n"
                                      + good_row + f'E2,"03/03/2025,4,1,{S}\n' + good_row.replace("E1", "E3")
                                      + good_row.replace("E1", "E4")), "ngoặc kép"),
    }
    (d / "photo.jpg").write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 4)
    (d / "broken.xlsx").write_bytes(b"PK\x03\x04" + b"not really a zip archive" * 10)
    return files


def test_unusable_files_load_nothing_and_say_why(wh, tmp_path):
    files = _unusable_files(tmp_path)
    results = load(wh, *(p for p, _ in files.values()))
    for (name, (path, word)), result in zip(files.items(), results):
        assert result.unusable, name
        assert word.lower() in result.unusable.lower(), (name, result.unusable)
        assert result.exit_code == 2, name
        assert "\n" not in result.summary(), name          # one line, naming the file
        assert str(path) in result.summary(), name
    assert q(wh, "select count(*) from raw_dossier") == [(0,)]
    assert q(wh, "select count(*) from quarantine") == [(0,)]
    assert q(wh, "select count(*) from ref_agency") == [(0,)]
    assert q(wh, "select count(*), count(*) filter (where status = 'unusable') from load_log") == \
        [(len(files), len(files))]


def test_exit_codes_of_the_command(empty_warehouse, tmp_path):
    directory = tmp_path / "cli_wh"            # an empty directory: the first load creates the warehouse
    good = write_envelope(tmp_path / "good.json", MARCH)
    out = cli("load", good, "--warehouse", directory)
    assert out.returncode == 0, out.stderr
    assert len(dossiers(directory)) == 17
    partial = write_text(tmp_path / "partial.csv", VALIDATION_CSV)
    out = cli("load", partial, "--warehouse", directory)
    assert out.returncode == 1, out.stderr
    # unusable files together with a good one: exit 2, one line per bad file, the good one loaded
    bad = _unusable_files(tmp_path)
    extra = write_envelope(tmp_path / "extra.json", [rec("EXTRA1", "2025-03-03")])
    out = cli("load", bad["header_only"][0], extra, bad["missing_required"][0], bad["binary"][0],
              "--warehouse", directory)
    assert out.returncode == 2, out.stderr
    for name in ("header_only", "missing_required", "binary"):
        path = str(bad[name][0])
        assert any(path in line and "không nạp được" in line for line in out.stderr.splitlines()), name
    assert "EXTRA1" in dossiers(directory)
    assert "E1" not in dossiers(directory)
    # --kind: a dossier file read as an agency list lacks the agency list's columns
    out = cli("load", good, "--kind", "agency", "--warehouse", directory)
    assert out.returncode == 2 and "MaDonVi" in out.stderr


# ---- CSV edge cases -------------------------------------------------------------------------

HEADER = "Mã hồ sơ;Tên thủ tục;Đơn vị xử lý;Ngày tiếp nhận;Trạng thái;Kênh thực hiện;Mã đơn vị xử lý"


def test_csv_quoted_delimiters_and_newlines_keep_their_rows(wh, tmp_path):
    text = (
        HEADER + "\n"
        'Q1;"Cấp bản sao; trích lục\nhộ tịch";"UBND xã ""Đông Hà""";03/03/2025;4;1;X.1\n'  # row 2, two lines
        'Q2;Khai sinh;UBND xã;03/03/2025;11;1;X.1\n'                                       # row 3: bad status
        'Q3;"Khai tử, ""muộn""";UBND xã Tây Hà;03/03/2025;4;1;X.3\n'                       # row 4
    )
    result = load(wh, write_text(tmp_path / "quoted.csv", text))[0]
    assert (result.loaded, result.rejected) == (2, 1)
    got = dossiers(wh)
    assert (got["Q1"]["source_row"], got["Q3"]["source_row"]) == (2, 4)
    assert quarantine(wh) == [(3, "Q2", "TrangThaiHoSo", "11")]
    assert q(wh, "select agency_code, agency_name from ref_agency order by 1") == [
        ("X.1", 'UBND xã "Đông Hà"'), ("X.3", "UBND xã Tây Hà")]


def test_csv_rows_with_too_few_or_too_many_columns_are_quarantined_the_rest_loaded(wh, tmp_path):
    text = (
        "MaHoSo,NgayTiepNhan,TrangThaiHoSo,KenhThucHien,MaDonViXuLy\n"
        f"C1,03/03/2025,4,1,{S}\n"                 # 2
        "C2,03/03/2025,4,1\n"                       # 3: 4 fields of 5
        f"C3,03/03/2025,4,1,{S},extra\n"           # 4: 6 fields
        f"C4,03/03/2025,4,1,{S},\n"                # 5: a trailing delimiter is not a sixth value
        f"C5,03/03/2025,4,1,{S}\n"                 # 6
    )
    path = write_text(tmp_path / "columns.csv", text)
    result = load(wh, path)[0]
    assert (result.read, result.loaded, result.rejected, result.exit_code) == (5, 3, 2, 1)
    assert set(dossiers(wh)) == {"C1", "C4", "C5"}
    assert dossiers(wh)["C5"]["source_row"] == 6
    rows = q(wh, "select source_row, reason from quarantine order by 1")
    assert [r for r, _ in rows] == [3, 4]
    assert "thiếu cột" in rows[0][1] and "thừa cột" in rows[1][1]


def test_csv_unclosed_quote_never_loses_records_silently(wh, tmp_path):
    header = "MaHoSo,NgayTiepNhan,TrangThaiHoSo,KenhThucHien,MaDonViXuLy\n"
    # in the middle: the quote would swallow rows 4 and 5 into one value -> the whole file is refused
    middle = write_text(tmp_path / "middle.csv", header + f"U1,03/03/2025,4,1,{S}\n"
                        + f'U2,"03/03/2025,4,1,{S}\n' + f"U3,03/03/2025,4,1,{S}\n"
                        + f"U4,03/03/2025,4,1,{S}\n")
    result = load(wh, middle)[0]
    assert result.exit_code == 2 and "ngoặc kép" in result.unusable
    assert q(wh, "select count(*) from raw_dossier") == [(0,)]
    # on the last line it swallows nothing: that row is quarantined, the others load
    last = write_text(tmp_path / "last.csv", header + f"U1,03/03/2025,4,1,{S}\n" + f"U2,03/03/2025,4,1,{S}\n"
                      + f'U3,03/03/2025,4,1,"{S}\n')
    result = load(wh, last)[0]
    assert (result.loaded, result.rejected) == (2, 1)
    assert set(dossiers(wh)) == {"U1", "U2"}
    assert q(wh, "select source_row from quarantine") == [(4,)]


def test_csv_blank_lines_are_skipped_and_rows_are_spreadsheet_rows(wh, tmp_path):
    text = (
        "MaHoSo,NgayTiepNhan,TrangThaiHoSo,KenhThucHien,MaDonViXuLy\n"   # 1
        f"B1,03/03/2025,4,1,{S}\n"                                         # 2
        "\n"                                                              # 3 empty row
        f"B2,03/03/2025,4,1,{S}\n"                                         # 4
        "   \n"                                                           # 5 spaces only
        ",,,,\n"                                                          # 6 delimiters only
        f"B3,03/03/2025,99,1,{S}\n"                                        # 7 bad status
        f"B4,03/03/2025,4,1,{S}\n"                                         # 8
        "\n\n"
    )
    result = load(wh, write_text(tmp_path / "blank.csv", text))[0]
    assert (result.read, result.loaded, result.rejected) == (4, 3, 1)
    got = dossiers(wh)
    assert {k: v["source_row"] for k, v in got.items()} == {"B1": 2, "B2": 4, "B4": 8}
    assert quarantine(wh) == [(7, "B3", "TrangThaiHoSo", "99")]


def test_csv_crlf_line_endings(wh, tmp_path):
    text = (
        "MaHoSo,TenTTHC,NgayTiepNhan,TrangThaiHoSo,KenhThucHien,MaDonViXuLy\r\n"
        f'R1,"hai\r\ndòng",03/03/2025,4,1,{S}\r\n'
        f"R2,một dòng,03/03/2025,4,2,{S}\r\n"
    )
    result = load(wh, write_text(tmp_path / "crlf.csv", text))[0]
    assert (result.loaded, result.rejected) == (2, 0)
    got = dossiers(wh)
    # the last column carries no stray carriage return
    assert {v["agency_code"] for v in got.values()} == {S}
    assert (got["R1"]["source_row"], got["R2"]["source_row"]) == (2, 3)
    assert got["R2"]["channel"] == 2


def test_csv_encoding_utf8_with_a_damaged_byte_is_not_read_as_windows_1258(wh, tmp_path):
    text = ("Mã hồ sơ,Đơn vị xử lý,Ngày tiếp nhận,Trạng thái,Kênh thực hiện,Mã đơn vị xử lý\n"
            "E1,Sở Tư pháp tỉnh Quảng Ninh,03/03/2025,4,1,X.1\n"
            "E2,UBND phường Hồng Gai,03/03/2025,4,1,X.2\n")
    data = text.encode("utf-8").replace("Hồng".encode(), b"H\xff\xfeng")   # two damaged bytes
    (tmp_path / "damaged.csv").write_bytes(data)
    result = load(wh, tmp_path / "damaged.csv")[0]
    assert (result.loaded, result.rejected) == (2, 0)
    names = dict(q(wh, "select agency_code, agency_name from ref_agency"))
    assert names["X.1"] == "Sở Tư pháp tỉnh Quảng Ninh"          # not "SÆ¡Ì‰ ..."
    assert names["X.2"].startswith("UBND phường H") and "\ufffd" in names["X.2"]


def test_csv_duplicate_dossier_in_one_file_keeps_the_last(wh, tmp_path):
    text = (
        HEADER + "\n"
        "DUP;Khai sinh;UBND xã;03/03/2025;2;1;X.1\n"
        "OTHER;Khai sinh;UBND xã;03/03/2025;2;1;X.1\n"
        "DUP;Khai sinh;UBND xã;03/03/2025;4;2;X.1\n"
    )
    result = load(wh, write_text(tmp_path / "dup.csv", text, "cp1258"))[0]
    assert (result.loaded, result.rejected) == (3, 0)
    got = dossiers(wh)
    assert (got["DUP"]["status"], got["DUP"]["channel"], got["DUP"]["source_row"]) == (4, 2, 4)
    assert q(wh, "select count(*) from raw_dossier_history where dossier_id = 'DUP'") == [(2,)]


# ---- personal data --------------------------------------------------------------------------

PII = {
    "ChuHoSo": "Zyxwa Nguyễn Thị Bímật",
    "SoGiayToChuHoSo": "079912345678",
    "SoDienThoai": "0912999888",
    "Email": "bimat.zyx@example.vn",
    "DiaChi": "Số 77 ngõ Zyxbimat, phường Hà Khẩu",
}
OFFICIAL = "Cán bộ Zyxcanbo"


def test_personal_data_is_stored_nowhere(wh, tmp_path):
    good = rec("P1", "2025-03-03", "2025-03-10", "2025-03-05", **PII)
    bad = rec("P2", "2025-03-03", status=77, **PII)                    # rejected: quarantine
    write_envelope(tmp_path / "pii.json", [good, bad])
    # Vietnamese headers, a bad date and a row with too many columns (its raw line holds the data)
    write_csv(tmp_path / "pii.csv", [rec("P3", "2025-03-03", **PII),
                                    {**rec("P4", "2025-03-03", **PII), "NgayTiepNhan": "32/13/2025"}])
    with open(tmp_path / "pii.csv", "ab") as fh:
        fh.write(("P5," + ",".join(PII.values()) + ",1,2,3" * 10 + "\r\n").encode("utf-8"))
    # JSON lines with a broken line full of personal data
    lines = [json.dumps(json_record(rec("P6", "2025-03-03", **PII)), ensure_ascii=False),
             '{"MaHoSo": "P7", "ChuHoSo": "' + PII["ChuHoSo"] + '", "SoDienThoai": "' + PII["SoDienThoai"]]
    write_text(tmp_path / "pii.jsonl", "\n".join(lines) + "\n")
    # vendor headers the mapping does not know are not read either
    write_text(tmp_path / "other.csv", "Mã hồ sơ,Họ và tên người nộp,CMND/CCCD,SĐT,Ngày tiếp nhận,Trạng thái,"
               f"Kênh thực hiện,Mã đơn vị xử lý\n"
               f"P8,{PII['ChuHoSo']},{PII['SoGiayToChuHoSo']},{PII['SoDienThoai']},03/03/2025,4,1,{S}\n")
    # a processing step names the official who handled it
    step = {"MaHoSo": "P1", "PhongBanXuLy": "Một cửa", "NguoiXuLy": OFFICIAL,
            "ThoiDiemXuLy": ts("2025-03-03"), "NoiDungXuLy": "Tiếp nhận"}
    write_envelope(tmp_path / "steps.json", [step], service="CapNhatTienDoHoSoMC")
    # an unusable file with personal data in it (no agency column)
    write_text(tmp_path / "unusable.csv",
               f"MaHoSo,ChuHoSo,SoDienThoai\nP9,{PII['ChuHoSo']},{PII['SoDienThoai']}\n")
    results = load(wh, *(tmp_path / n for n in ("pii.json", "pii.csv", "pii.jsonl", "other.csv", "steps.json",
                                                "unusable.csv")))
    assert [r.exit_code for r in results] == [1, 1, 1, 0, 0, 2]
    assert {"P1", "P3", "P6", "P8"} <= set(dossiers(wh))
    assert q(wh, "select count(*) from raw_dossier_step") == [(1,)]
    assert q(wh, "select count(*) from quarantine") == [(4,)]     # P2 status, P4 date, P5 columns, P7 line

    secrets = list(PII.values()) + [OFFICIAL, "Bímật", "Zyxwa", "Zyxcanbo", "079912345678", "0912999888"]
    pattern = "|".join(re.escape(s.lower()) for s in secrets)
    con = store.connect(store.current_path(wh))
    try:
        tables = con.execute("select table_name from duckdb_tables() "
                             "union select view_name from duckdb_views() where not internal").fetchall()
        scanned = 0
        for (table,) in tables:
            cols = [c for (c,) in con.execute(
                "select column_name from information_schema.columns where table_name = ?", [table]
            ).fetchall()]
            joined = " || '|' || ".join(f"coalesce(lower(\"{c}\"::varchar), '')" for c in cols)
            hits = con.execute(f'select count(*) from "{table}" where regexp_matches({joined}, ?)',
                               [pattern]).fetchall()[0][0]
            assert hits == 0, f"personal data in {table}"
            scanned += 1
        assert scanned >= 15
    finally:
        con.close()
    # nor in any file of the warehouse directory (uncompressed text would show here)
    for file in wh.rglob("*"):
        if file.is_file():
            data = file.read_bytes()
            for s in ("079912345678", "0912999888", "bimat.zyx@example.vn", "Zyxbimat", "Zyxcanbo", "Zyxwa"):
                assert s.encode() not in data, (file, s)


# ---- processing steps -----------------------------------------------------------------------

def test_processing_steps_load_into_raw_dossier_step(wh, tmp_path):
    steps = [
        {"MaHoSo": "S1", "PhongBanXuLy": "Bộ phận một cửa", "NguoiXuLy": OFFICIAL,
         "ThoiDiemXuLy": "20250303083000", "NoiDungXuLy": "Tiếp nhận hồ sơ", "TrangThai": "1",
         "NgayKetThucTheoQuyDinh": "20250303170000"},
        {"MaHoSo": "S1", "PhongBanXuLy": "Phòng Hành chính tư pháp", "NguoiXuLy": OFFICIAL,
         "ThoiDiemXuLy": "20250304100000", "NoiDungXuLy": "Thẩm định", "TrangThai": "2",
         "NgayKetThucTheoQuyDinh": "20250306170000"},
        # the same step synced twice: stored once
        {"MaHoSo": "S1", "PhongBanXuLy": "Phòng Hành chính tư pháp", "NguoiXuLy": OFFICIAL,
         "ThoiDiemXuLy": "20250304100000", "NoiDungXuLy": "Thẩm định", "TrangThai": "2",
         "NgayKetThucTheoQuyDinh": "20250306170000"},
        {"MaHoSo": "S1", "PhongBanXuLy": "Lãnh đạo", "NguoiXuLy": OFFICIAL, "ThoiDiemXuLy": "20250231100000",
         "NoiDungXuLy": "Ký duyệt"},                                     # 31 February: rejected
        {"PhongBanXuLy": "Lãnh đạo", "ThoiDiemXuLy": "20250305100000"},  # no MaHoSo: rejected
    ]
    path = tmp_path / "tiendo.json"
    path.write_text(json.dumps({"service": "CapNhatTienDoHoSoMC", "isUpdating": False, "data": steps},
                               ensure_ascii=False), encoding="utf-8")
    result = load(wh, path)[0]
    assert (result.kind, result.read, result.rejected) == ("step", 5, 2)
    assert q(wh, "select dossier_id, department, acted_at, action, step_status, planned_end, source_row "
                 "from raw_dossier_step order by acted_at") == [
        ("S1", "Bộ phận một cửa", dt.datetime(2025, 3, 3, 8, 30), "Tiếp nhận hồ sơ", "1",
         dt.datetime(2025, 3, 3, 17, 0), 1),
        ("S1", "Phòng Hành chính tư pháp", dt.datetime(2025, 3, 4, 10, 0), "Thẩm định", "2",
         dt.datetime(2025, 3, 6, 17, 0), 2),
    ]
    assert quarantine(wh) == [(4, "S1", "ThoiDiemXuLy", "20250231100000"), (5, None, "MaHoSo", None)]
    cols = {c for (c,) in q(wh, "select column_name from information_schema.columns "
                                "where table_name = 'raw_dossier_step'")}
    assert not any("nguoi" in c.lower() or "official" in c.lower() for c in cols)
    # a CSV of steps with Vietnamese headers is recognised from its columns, and a reload adds nothing
    csv_path = write_text(tmp_path / "steps.csv", "Mã hồ sơ,Phòng ban xử lý,Cán bộ xử lý,Thời điểm xử lý,"
                          "Nội dung xử lý,Trạng thái\nS1,Lãnh đạo,Nguyễn Văn B,05/03/2025 09:15,Ký duyệt,3\n")
    for _ in range(2):
        result = load(wh, csv_path)[0]
        assert (result.kind, result.loaded) == ("step", 1)
    assert q(wh, "select count(*), max(acted_at) from raw_dossier_step") == [
        (3, dt.datetime(2025, 3, 5, 9, 15))]


# ---- all or nothing -------------------------------------------------------------------------

def _big_csv(path: Path, n: int) -> Path:
    """n dossiers of agency S received in March 2025; the first one appears again at the very end
    with a later state (finished), so the later-wins rule is checked on a file read in parallel."""
    i = pl.col("i")
    frame = pl.DataFrame({"i": pl.int_range(0, n, eager=True)}).select(
        pl.format("BIG{}", i).alias("MaHoSo"),
        pl.format("{}/03/2025 08:00", (i % 28 + 1).cast(pl.String).str.zfill(2)).alias("NgayTiepNhan"),
        pl.lit("4").alias("TrangThaiHoSo"),
        (i % 3 + 1).cast(pl.String).alias("KenhThucHien"),
        pl.lit(S).alias("MaDonViXuLy"),
        pl.lit(None, dtype=pl.String).alias("NgayKetThucXuLy"),
    )
    last = pl.DataFrame({"MaHoSo": ["BIG0"], "NgayTiepNhan": ["01/03/2025 08:00"], "TrangThaiHoSo": ["10"],
                         "KenhThucHien": ["1"], "MaDonViXuLy": [S], "NgayKetThucXuLy": ["20/03/2025"]})
    pl.concat([frame, last]).write_csv(path)
    return path


def test_a_killed_load_leaves_the_warehouse_unchanged_and_readable(wh, tmp_path):
    load(wh, write_envelope(tmp_path / "march.json", MARCH))
    before_path = store.current_path(wh)
    before = _snapshot(wh)
    big = _big_csv(tmp_path / "big.csv", 600_000)
    proc = subprocess.Popen([sys.executable, "-m", "etl", "load", str(big), "--warehouse", str(wh)], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while not list((wh / "builds").glob("*.building")):
            assert proc.poll() is None, "the load ended before it could be killed"
            assert time.monotonic() < deadline
            time.sleep(0.005)
        time.sleep(0.4)                     # into the reading and merging of the file
        assert proc.poll() is None, "the load ended before it could be killed"
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
    assert list((wh / "builds").glob("*.building"))        # the half-written copy is left behind...
    assert store.current_path(wh) == before_path            # ...but never published
    assert _snapshot(wh) == before
    # the next load clears the leftover and works; on the big file the last record of BIG0 wins
    results = load(wh, big)
    assert (results[0].loaded, results[0].rejected) == (600_001, 0)
    assert not list((wh / "builds").glob("*.building*"))
    assert q(wh, "select status, finished_at, source_row from raw_dossier where dossier_id = 'BIG0'") == \
        [(10, dt.datetime(2025, 3, 20), 600_002)]        # header row 1, 600,000 rows, then row 600,002
    assert q(wh, "select count(*) from raw_dossier") == [(17 + 600_000,)]


def test_two_loads_at_once_both_arrive(wh, tmp_path):
    """Each load publishes a copy of the warehouse it started from: the second must start from the
    first one's result, not from the version both saw at the start."""
    first = _big_csv(tmp_path / "first.csv", 200_000)
    second = write_envelope(tmp_path / "second.json", [rec("SECOND1", "2025-03-03")])
    proc = subprocess.Popen([sys.executable, "-m", "etl", "load", str(first), "--warehouse", str(wh)],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while not list((wh / "builds").glob("*.building")):
            assert proc.poll() is None, "the first load ended too soon"
            time.sleep(0.005)
        out = cli("load", second, "--warehouse", wh)      # starts while the first is still building
        assert out.returncode == 0, out.stderr
    finally:
        proc.wait()
    assert proc.returncode == 0
    assert q(wh, "select count(*) filter (where dossier_id like 'BIG%'), "
                 "count(*) filter (where dossier_id = 'SECOND1') from raw_dossier") == [(200_000, 1)]


def test_tab_and_semicolon_delimited_files(wh, tmp_path):
    write_text(tmp_path / "tab.txt", f"MaHoSo\tNgayTiepNhan\tTrangThaiHoSo\tKenhThucHien\tMaDonViXuLy\n"
                                     f"TAB1\t03/03/2025\t4\t2\t{S}\n")
    write_text(tmp_path / "semi.txt", f"MaHoSo;NgayTiepNhan;TrangThaiHoSo;KenhThucHien;MaDonViXuLy\n"
                                      f"SEMI1;03/03/2025;4;3;{S}\n")
    results = load(wh, tmp_path / "tab.txt", tmp_path / "semi.txt")
    assert [(r.fmt, r.loaded, r.rejected) for r in results] == [("csv", 1, 0), ("csv", 1, 0)]
    assert {k: v["channel"] for k, v in dossiers(wh).items()} == {"TAB1": 2, "SEMI1": 3}
