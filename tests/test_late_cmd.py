"""`python -m etl late`: the dossiers late in a window, on a small hand-made warehouse.

Calendar, March 2025 (no holiday in it): Mon 03, Fri 07, Mon 10, Tue 11, Wed 12, Thu 13, Fri 14,
Mon 17, Tue 18, Wed 19, Thu 20, ... Data date (as_of) Mon 31/03/2025.
Window 01/03/2025 - 20/03/2025: open dossiers are judged on Thu 20/03 (the window's end; before as_of).

  F1 (A) due Fri 07/03, finished Tue 11/03, slip yes: Mon 10, Tue 11                  -> 2 late
  F2 (B) due Wed 12/03, finished Wed 19/03, slip no: 13, 14, 17, 18, 19              -> 5 late
  O1 (A) due Mon 10/03, still open, slip unknown: 11, 12, 13, 14, 17, 18, 19, 20     -> 8 late
  F3 (A) due Fri 14/03, finished Tue 25/03 (after the window): open and overdue on
         20/03, so listed with no finishing day: 17, 18, 19, 20                      -> 4 late
Not listed: E1 finished on its due day; W1 overdue but waiting on a supplement (status 5);
F4 finished late on 27/02 (before the window); N1 received 21/03 (after it).
Most late first: O1 8, F2 5, F3 4, F1 2. Agency B alone: F2.
"""

import csv
import datetime as dt
import io

import polars as pl
import pytest

from etl import cli, late_cmd
from tests.conftest import dossier, make_warehouse
from tests.office import is_a4_landscape, render, requires_office, words

AGENCIES = [("A", "Sở Một", "department"), ("B", "=Sở Hai", "department")]
DOSSIERS = [
    dossier("F1", "2025-03-03", "2025-03-07", "2025-03-11", apology_issued=True),
    dossier("F2", "2025-03-03", "2025-03-12", "2025-03-19", agency="B", apology_issued=False),
    dossier("O1", "2025-02-24", "2025-03-10", status=2, apology_issued=None),
    dossier("F3", "2025-03-05", "2025-03-14", "2025-03-25", apology_issued=None),
    dossier("E1", "2025-03-03", "2025-03-10", "2025-03-10"),
    dossier("W1", "2025-03-03", "2025-03-05", status=5),
    dossier("F4", "2025-02-17", "2025-02-21", "2025-02-27"),
    dossier("N1", "2025-03-21", "2025-03-24", "2025-03-28"),
]
EXPECTED = """\
dossier_code,agency_code,received_date,due_date,finished_date,working_days_late,apology_slip,apology_date,\
new_due_date,agency_name,procedure_code,procedure_name
O1,A,2025-02-24,2025-03-10,,8,,,,Sở Một,P1,P1
F2,B,2025-03-03,2025-03-12,2025-03-19,5,no,,,'=Sở Hai,P1,P1
F3,A,2025-03-05,2025-03-14,,4,,,,Sở Một,P1,P1
F1,A,2025-03-03,2025-03-07,2025-03-11,2,yes,,,Sở Một,P1,P1
"""
WINDOW = ["--from", "2025-03-01", "--to", "2025-03-20"]


@pytest.fixture(scope="module")
def wh_dir(tmp_path_factory):
    directory = tmp_path_factory.mktemp("late_cmd")
    make_warehouse(directory, DOSSIERS, agencies=AGENCIES, as_of="2025-03-31").close()
    return directory


def run(capsys, *args):
    code = cli.main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_csv_by_hand(wh_dir, capsys):
    code, out, err = run(capsys, "late", "--warehouse", str(wh_dir), *WINDOW)
    assert code == 0
    assert out == EXPECTED
    assert "4 hồ sơ trễ hạn" in err


def test_one_agency_and_output_file(wh_dir, capsys, tmp_path):
    path = tmp_path / "b.csv"
    code, out, _ = run(capsys, "late", "--warehouse", str(wh_dir), *WINDOW, "--agency", "B",
                       "--output", str(path))
    assert code == 0 and out == ""
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    assert [(r["dossier_code"], r["working_days_late"], r["apology_slip"]) for r in rows] == [
        ("F2", "5", "no")]


def test_window_past_the_data_date_judges_open_ones_on_it(wh_dir, capsys):
    """Window 01/03 - 30/04, data up to Mon 31/03: open dossiers judged on 31/03. F3 finished late on
    Tue 25/03 in the window now: 17, 18, 19, 20, 21, 24, 25 -> 7. O1: 11/03 to 31/03 -> 15 working days
    (11-14: 4, 17-21: 5, 24-28: 5, 31: 1). N1 finished Fri 28/03, due Mon 24/03: 25, 26, 27, 28 -> 4."""
    code, out, _ = run(capsys, "late", "--warehouse", str(wh_dir), "--from", "2025-03-01",
                       "--to", "2025-04-30")
    assert code == 0
    got = [(r["dossier_code"], r["finished_date"], r["working_days_late"])
           for r in csv.DictReader(io.StringIO(out))]
    assert got == [("O1", "", "15"), ("F3", "2025-03-25", "7"), ("F2", "2025-03-19", "5"),
                   ("N1", "2025-03-28", "4"), ("F1", "2025-03-11", "2")]


@pytest.mark.parametrize("args, message", [
    (["--agency", "ZZ"], "--agency ZZ"),
    (["--from", "2025-03-20", "--to", "2025-03-01"], "is after"),
    (["--format", "xlsx"], "--output"),
])
def test_bad_requests_exit_2(wh_dir, capsys, args, message):
    base = WINDOW if "--from" not in args else []
    code, out, err = run(capsys, "late", "--warehouse", str(wh_dir), *base, *args)
    assert code == 2 and out == "" and message in err


def test_missing_warehouse_and_bad_date_exit_2(tmp_path, capsys):
    code, _, err = run(capsys, "late", "--warehouse", str(tmp_path / "none"), *WINDOW)
    assert code == 2 and "no warehouse" in err
    with pytest.raises(SystemExit) as exc:
        cli.main(["late", "--warehouse", str(tmp_path), "--from", "2025-02-30", "--to", "2025-03-01"])
    assert exc.value.code == 2
    assert "ngày không hợp lệ" in capsys.readouterr().err


def test_xlsx_vietnamese(wh_dir, capsys, tmp_path):
    path = tmp_path / "tre_han.xlsx"
    code, _, _ = run(capsys, "late", "--warehouse", str(wh_dir), *WINDOW, "--format", "xlsx",
                     "--output", str(path))
    assert code == 0
    raw = pl.read_excel(path, has_header=False)
    first = raw[raw.columns[0]].to_list()
    assert first[0] == "DANH SÁCH HỒ SƠ TRỄ HẠN" and first[2] == "Từ ngày 01/03/2025 đến ngày 20/03/2025"
    rows = pl.read_excel(path, read_options={"header_row": 3})
    assert rows.columns == ["Mã hồ sơ", "Mã đơn vị", "Tên đơn vị", "Tên thủ tục", "Ngày tiếp nhận",
                            "Ngày hẹn trả", "Ngày kết thúc xử lý", "Số ngày làm việc trễ hạn",
                            "Phiếu xin lỗi", "Ngày xin lỗi", "Ngày hẹn trả mới"]
    data = rows.head(4)
    assert data["Mã hồ sơ"].to_list() == ["O1", "F2", "F3", "F1"]
    assert data["Phiếu xin lỗi"].to_list() == ["Không có dữ liệu", "Chưa", "Không có dữ liệu", "Có"]
    assert data["Tên đơn vị"].to_list()[1] == "'=Sở Hai"
    assert data["Ngày hẹn trả"].to_list()[0] == dt.date(2025, 3, 10)   # a date, not text
    assert data["Số ngày làm việc trễ hạn"].to_list() == [8, 5, 4, 2]
    assert rows.row(4)[0] == "Tổng cộng: 4 hồ sơ"


@requires_office
def test_xlsx_prints_readable(wh_dir, capsys, tmp_path):
    """LibreOffice prints the dates dd/mm/yyyy in full, no ###, on A4 landscape."""
    path = tmp_path / "tre_han.xlsx"
    code, _, _ = run(capsys, "late", "--warehouse", str(wh_dir), *WINDOW, "--format", "xlsx",
                     "--output", str(path))
    assert code == 0
    text, sizes = render(path, tmp_path / "pdf")
    assert "###" not in text and sizes and all(is_a4_landscape(s) for s in sizes)
    o1 = next(line for line in text.splitlines() if line.split()[:1] == ["O1"])
    assert "24/02/2025" in o1 and "10/03/2025" in o1 and "Không có dữ liệu" in o1
    header_words = {w for c in late_cmd.XLSX_ORDER for w in late_cmd.HEADERS[c].split()}
    assert header_words <= words(text), sorted(header_words - words(text))   # no header squeezed
    assert "Tổng cộng: 4 hồ sơ" in text
