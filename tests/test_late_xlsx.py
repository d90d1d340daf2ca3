"""The late-dossier workbook, read back from its XML (issue 13, item 5): dates are stored as dates
(numeric cells under a dd/mm/yyyy format) and working days late as numbers (numeric cells under the
1.234 format), so they sort and sum; who and the period are in the title rows and in the file's name.
The same writer (warehouse/xlsx_layout.write_listing) makes the page's download and the command's file.

The hand-made warehouse is tests/test_late_cmd.py's: in 01/03-20/03/2025, O1 (Sở Một) is open and 8
working days late on the 20th, F2 (Sở Hai) due 12/03 finished 19/03 is 5 late, F3 is 4, F1 is 2.
"""

import datetime as dt
import html
import io
import re
import zipfile

import polars as pl

from etl import cli, late_cmd
from tests.test_late_cmd import WINDOW, wh_dir  # noqa: F401 - the module's warehouse fixture
from ui import listing
from warehouse import xlsx_layout

EXCEL_EPOCH = dt.date(1899, 12, 30)


def cells(data: bytes) -> dict[str, tuple[str | None, str, str]]:
    """{"A1": (type, value, number format)} of the first sheet: type "s" is a (shared) string, None a
    number (Excel stores a date as a number of days, its format shows it as a date)."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode("utf-8")
        styles = z.read("xl/styles.xml").decode("utf-8")
    formats = {m.group(1): html.unescape(m.group(2))
               for m in re.finditer(r'<numFmt numFmtId="(\d+)" formatCode="([^"]*)"', styles)}
    xfs = re.search(r"<cellXfs[^>]*>(.*?)</cellXfs>", styles, re.S).group(1)
    by_style = [formats.get(m.group(1), m.group(1)) for m in re.finditer(r'<xf numFmtId="(\d+)"', xfs)]
    out = {}
    for m in re.finditer(r'<c r="([A-Z]+\d+)"([^>]*?)(?:/>|>(.*?)</c>)', sheet, re.S):
        ref, attrs, body = m.group(1), m.group(2), m.group(3) or ""
        kind = re.search(r' t="(\w+)"', attrs)
        style = re.search(r' s="(\d+)"', attrs)
        value = re.search(r"<v>(.*?)</v>", body)
        out[ref] = (kind.group(1) if kind else None, value.group(1) if value else "",
                    by_style[int(style.group(1))] if style else "General")
    return out


def test_command_workbook_stores_dates_and_numbers(wh_dir, tmp_path, capsys):  # noqa: F811
    code = cli.main(["late", "--warehouse", str(wh_dir), *WINDOW, "--format", "xlsx", "--output",
                     str(tmp_path)])
    assert code == 0
    # a folder as --output: the file is named after who and the window
    path = tmp_path / "ho_so_tre_han_toan_tinh_2025-03-01_2025-03-20.xlsx"
    assert path.exists(), list(tmp_path.iterdir())
    got = cells(path.read_bytes())
    # rows 1-3 the title, who and the window; row 4 the header; row 5 O1, row 6 F2
    assert [pl.read_excel(path, has_header=False)[:, 0][i] for i in range(3)] == [
        "DANH SÁCH HỒ SƠ TRỄ HẠN", "Toàn tỉnh", "Từ ngày 01/03/2025 đến ngày 20/03/2025"]
    columns = {late_cmd.HEADERS[c]: chr(ord("A") + i) for i, c in enumerate(late_cmd.XLSX_ORDER)}
    due, late = columns["Ngày hẹn trả"], columns["Số ngày làm việc trễ hạn"]
    kind, value, shown = got[f"{due}5"]                      # O1 due 10/03/2025
    assert kind is None and EXCEL_EPOCH + dt.timedelta(days=int(value)) == dt.date(2025, 3, 10)
    assert shown == "dd/mm/yyyy"
    assert [got[f"{late}{r}"][:2] for r in (5, 6, 7, 8)] == [(None, n) for n in ("8", "5", "4", "2")]
    assert got[f"{late}5"][2] == xlsx_layout.COUNT_FORMAT
    assert got[f"{columns['Mã hồ sơ']}5"][0] == "s"          # codes stay text


def test_command_names_one_agency(wh_dir, tmp_path, capsys):  # noqa: F811
    assert cli.main(["late", "--warehouse", str(wh_dir), *WINDOW, "--agency", "A", "--format", "xlsx",
                     "--output", str(tmp_path)]) == 0
    path = tmp_path / "ho_so_tre_han_so_mot_A_2025-03-01_2025-03-20.xlsx"
    assert pl.read_excel(path, has_header=False)[:, 0][1] == "Sở Một (A)"


def test_page_workbook_stores_dates_and_numbers():
    """The page's file: the listing as typed (listing.late_listing(..., typed=True)), a title and two
    lines above it; 0 working days left is the number 0 (the screen says "Hôm nay")."""
    rows = pl.DataFrame({
        "dossier_id": ["X1", "X2"], "agency_name": ["=Sở Hai", "Sở Một"], "agency_code": ["B", "A"],
        "procedure_name": ["P", "P"], "field_name": ["F", "F"],
        "received_date": [dt.date(2025, 3, 3)] * 2, "due_date": [dt.date(2025, 3, 12), dt.date(2025, 3, 7)],
        "end_date": [dt.date(2025, 3, 19), None], "late_workdays": [1234, 2],
        "late_state": ["finished_late", "open_overdue"], "apology_issued": [False, None],
        "apology_date": [None, None], "apology_new_due_date": [None, None], "department": [None, "Phòng"],
    }, schema_overrides={"apology_date": pl.Date, "apology_new_due_date": pl.Date,
                         "apology_issued": pl.Boolean})
    frame = listing.late_listing(rows, with_agency=True, typed=True)
    data = listing.excel_bytes(frame, "Đã trễ hạn", "DANH SÁCH HỒ SƠ TRỄ HẠN",
                               ("Toàn tỉnh", "Quý I/2025: từ ngày 01/01/2025 đến ngày 31/03/2025"))
    head = pl.read_excel(io.BytesIO(data), has_header=False)[:, 0].head(3).to_list()
    assert head == ["DANH SÁCH HỒ SƠ TRỄ HẠN", "Toàn tỉnh",
                    "Quý I/2025: từ ngày 01/01/2025 đến ngày 31/03/2025"]
    back = pl.read_excel(io.BytesIO(data), read_options={"header_row": 3}).head(-1)
    assert back["Hẹn trả"].to_list() == [dt.date(2025, 3, 12), dt.date(2025, 3, 7)]
    assert back["Số ngày làm việc trễ"].to_list() == [1234, 2]
    assert back["Số ngày làm việc trễ"].sum() == 1236                      # they sum
    assert back["Cơ quan, đơn vị"].to_list()[0] == "'=Sở Hai"            # escaped, still
    got = cells(data)
    late_col = chr(ord("A") + frame.columns.index("Số ngày làm việc trễ"))
    due_col = chr(ord("A") + frame.columns.index("Hẹn trả"))
    assert got[f"{late_col}5"] == (None, "1234", xlsx_layout.COUNT_FORMAT)   # shown 1.234
    assert got[f"{due_col}5"][0] is None and got[f"{due_col}5"][2] == "dd/mm/yyyy"
    soon = listing.due_soon_listing(rows.with_columns(pl.Series("workdays_left", [0, 3])), typed=True)
    assert soon["Còn (ngày làm việc)"].to_list() == [0, 3]


def test_file_part_is_plain():
    assert xlsx_layout.file_part("UBND xã Hải Sơn") == "ubnd_xa_hai_son"
    assert xlsx_layout.file_part("Đặc khu Vân Đồn (đến 30/06/2025)") == "dac_khu_van_don_den_30_06_2025"
    assert xlsx_layout.file_part("—") == "danh_sach"
