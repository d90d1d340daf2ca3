"""`python -m etl load`, one set of records in every format: envelope, JSON, JSON lines, CSV (UTF-8,
Windows-1258, tab or semicolon), Excel, recognised from content; and the values in them (dates read as
Vietnam time, Excel cells and serial numbers, codes a spreadsheet mangled, NFD text).

Every input file is written by the test itself into tmp_path; every expected value is worked out by hand
beside it (the March set: tests/load_helpers.py). Shared writers and readers: tests/load_helpers.py.
"""

from __future__ import annotations

import datetime as dt
import json
import unicodedata

import polars as pl
import pytest

from tests.load_helpers import (
    MARCH,
    H,
    S,
    dossiers,
    fresh,
    load,
    q,
    quarantine,
    report,
    write_csv,
    write_envelope,
    write_json_array,
    write_ndjson,
    write_text,
    write_xlsx,
)

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
