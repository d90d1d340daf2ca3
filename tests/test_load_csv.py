"""`python -m etl load` on awkward CSV: quoted delimiters and newlines, rows with too few or too many
columns, an unclosed quote, blank lines, CRLF, a damaged UTF-8 byte, a dossier twice in one file, tab and
semicolon delimiters. Rows are numbered as a spreadsheet numbers them.

Every input file is written by the test itself into tmp_path. Shared writers and readers:
tests/load_helpers.py.
"""

from __future__ import annotations

from tests.load_helpers import S, dossiers, load, q, quarantine, write_text

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


def test_tab_and_semicolon_delimited_files(wh, tmp_path):
    write_text(tmp_path / "tab.txt", f"MaHoSo\tNgayTiepNhan\tTrangThaiHoSo\tKenhThucHien\tMaDonViXuLy\n"
                                     f"TAB1\t03/03/2025\t4\t2\t{S}\n")
    write_text(tmp_path / "semi.txt", f"MaHoSo;NgayTiepNhan;TrangThaiHoSo;KenhThucHien;MaDonViXuLy\n"
                                      f"SEMI1;03/03/2025;4;3;{S}\n")
    results = load(wh, tmp_path / "tab.txt", tmp_path / "semi.txt")
    assert [(r.fmt, r.loaded, r.rejected) for r in results] == [("csv", 1, 0), ("csv", 1, 0)]
    assert {k: v["channel"] for k, v in dossiers(wh).items()} == {"TAB1": 2, "SEMI1": 3}
