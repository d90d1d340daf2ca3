"""`python -m etl load` validation: every rejected record quarantined with its row, field, value and
reason; files that cannot be used load nothing and say why; the exit codes of the command.

Every input file is written by the test itself into tmp_path; every expected value is worked out by hand
beside it. Shared writers and readers: tests/load_helpers.py.
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.load_helpers import (
    MARCH,
    S,
    cli,
    dossiers,
    json_record,
    load,
    q,
    quarantine,
    rec,
    write_envelope,
    write_text,
)

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
