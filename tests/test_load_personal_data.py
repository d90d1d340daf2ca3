"""`python -m etl load` stores no personal data (applicant names, ID numbers, phones, addresses, the
official who handled a step) anywhere in the warehouse, and loads processing steps into
raw_dossier_step without the official's name.

Every input file is written by the test itself into tmp_path. Shared writers and readers:
tests/load_helpers.py.
"""

from __future__ import annotations

import datetime as dt
import json
import re

from tests.conftest import ts
from tests.load_helpers import (
    S,
    dossiers,
    json_record,
    load,
    q,
    quarantine,
    rec,
    write_csv,
    write_envelope,
    write_text,
)
from warehouse import store

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
