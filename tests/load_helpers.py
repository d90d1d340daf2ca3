"""What the loader tests share (tests/test_load_*.py, and the tests of other inputs that load files):
dossier records with sync field names (rec), writers of every input format (sync envelope, JSON, JSON
lines, CSV in UTF-8 or Windows-1258, Excel), readers of the loaded warehouse, the command line, and the
March 2025 set of records with its report worked out by hand.

The fixtures empty_warehouse and wh live in tests/conftest.py.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import shutil
import subprocess
import sys
import unicodedata
from pathlib import Path

import polars as pl

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
