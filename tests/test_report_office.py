"""The periodic report's workbook as an office sees it: opened in LibreOffice and printed to PDF.

Reading the cells back (tests/test_report_export.py) cannot see a column too narrow to show its
figure: LibreOffice then prints ### and squeezes a header to a letter a line. So these tests render
the workbook (tests/office.py) and read the printed text: every header word whole, the Tổng cộng
figures, no ###, every page A4 landscape and the table one page wide.
"""

import datetime as dt
import re

import polars as pl
import pytest

from tests.office import is_a4_landscape, render, requires_office, words
from tests.units_fixtures import WINDOW, make_unit_warehouse
from warehouse import report, report_xlsx
from warehouse.metrics import REPORT_COLUMNS, REPORT_LABELS

pytestmark = requires_office

HEADER_WORDS = {w for c in [*REPORT_COLUMNS, "on_time_rate"] for w in REPORT_LABELS[c].split()}
GROUP_WORDS = {w for label, _ in report.COLUMN_GROUPS for w in label.split()}


def total_lines(text: str) -> list[list[str]]:
    """The figures of every printed Tổng cộng row, as printed."""
    return [line.split()[2:] for line in text.splitlines() if line.split()[:2] == ["Tổng", "cộng"]]


def rate(text: str) -> str:
    """LibreOffice prints a percentage with its locale's decimal mark: 88.9% or 88,9%."""
    return text.replace(",", ".")


def test_hand_made_province_prints_whole(tmp_path):
    """The hand-made province of tests/units_fixtures.py, window 15/06–14/07/2025, by agency
    (tests/test_report_export.py's docstring): 7 sheets (Toàn tỉnh + 6 groups), one A4 landscape page
    each. Toàn tỉnh's totals: 12 agencies; carried over 2, new 10 (online 2, direct 7, postal 1);
    finished 9 (early 5, on time 3, late 1); open 3 (not due 1, overdue 2); on time 8/9 = 88.9%."""
    directory = tmp_path / "wh"
    make_unit_warehouse(directory).close()
    path = tmp_path / "bao_cao.xlsx"
    report_xlsx.export_xlsx(directory, *WINDOW, "agency", path)
    text, sizes = render(path, tmp_path / "pdf")
    assert "###" not in text
    assert len(sizes) == 7 and all(is_a4_landscape(s) for s in sizes), sizes
    printed = words(text)
    assert HEADER_WORDS | GROUP_WORDS <= printed, sorted((HEADER_WORDS | GROUP_WORDS) - printed)
    assert report.TITLE in text and "Kỳ báo cáo: từ ngày 15/06/2025 đến ngày 14/07/2025" in text
    totals = total_lines(text)
    assert len(totals) == 7
    province = totals[0]
    assert province[:-1] == ["12", "2", "10", "2", "7", "1", "9", "5", "3", "1", "3", "1", "2"]
    assert rate(province[-1]) == "88.9%"
    # Sở, ban, ngành: SO1 alone, new 1 open overdue, no rate (nothing finished)
    assert totals[1] == ["0", "1", "0", "1", "0", "0", "0", "0", "0", "1", "0", "1"]


def big_sheet() -> report.Sheet:
    """Two departments with province-sized counts and a long name (it wraps, it never hides a figure).

    column             SO01        SO02        Tổng cộng
    carried_over       98.765      1           98.766
    received_new       1.234.567   7.654.321   8.888.888
    received_online    1.000.000   5.000.000   6.000.000
    received_direct    234.567     2.654.321   2.888.888
    received_postal    0           0           0
    finished           1.000.000   2.000.000   3.000.000
    finished_early     600.000     1.500.000   2.100.000
    finished_on_time   300.000     400.000     700.000
    finished_late      100.000     100.000     200.000
    in_progress        333.332     5.654.322   5.987.654
    in_progress_not_due 333.000    5.000.000   5.333.000
    in_progress_overdue 332        654.322     654.654
    on_time_rate       90,0%       95,0%       (2.100.000 + 700.000) / 3.000.000 = 93,3%
    """
    frame = pl.DataFrame({
        "agency_code": ["SO01", "SO02"],
        "agency_name": ["Sở Tài nguyên và Môi trường, Văn phòng Đăng ký đất đai và các chi nhánh",
                        "Sở Tư pháp"],
        "carried_over": [98_765, 1], "received_new": [1_234_567, 7_654_321],
        "received_online": [1_000_000, 5_000_000], "received_direct": [234_567, 2_654_321],
        "received_postal": [0, 0], "finished": [1_000_000, 2_000_000],
        "finished_early": [600_000, 1_500_000], "finished_on_time": [300_000, 400_000],
        "finished_late": [100_000, 100_000], "in_progress": [333_332, 5_654_322],
        "in_progress_not_due": [333_000, 5_000_000], "in_progress_overdue": [332, 654_322],
        "on_time_rate": [0.9, 0.95],
    })
    return report._sheet("Sở, ban, ngành", "Sở, ban, ngành cấp tỉnh", frame,
                         {"agency_code": "Mã đơn vị", "agency_name": "Tên đơn vị"})


def test_province_sized_figures_print_in_full(tmp_path):
    path = tmp_path / "lon.xlsx"
    report_xlsx.write_sheets([big_sheet()], "Tỉnh Thử", dt.date(2025, 1, 1), dt.date(2025, 12, 31), path)
    text, sizes = render(path, tmp_path / "pdf")
    assert "###" not in text
    assert len(sizes) == 1 and is_a4_landscape(sizes[0])   # one page wide (and here one tall)
    assert HEADER_WORDS <= words(text), sorted(HEADER_WORDS - words(text))
    (totals,) = total_lines(text)
    assert totals[:-1] == ["98.766", "8.888.888", "6.000.000", "2.888.888", "0", "3.000.000", "2.100.000",
                           "700.000", "200.000", "5.987.654", "5.333.000", "654.654"]
    assert rate(totals[-1]) == "93.3%"
    rows = [line for line in text.splitlines() if re.search(r"\b7\.654\.321\b", line)]
    assert rows and "Sở Tư pháp" in rows[0]
    # the long name wraps inside its cell: all of its words are printed
    assert {"Văn", "phòng", "Đăng", "ký", "chi", "nhánh"} <= words(text)


def test_widths_are_pixels_that_fit_the_figures():
    """The unit polars takes is pixels: a 9-character figure (8.888.888 plus its bold total) needs
    well over 60 px; the old widths (12-14, meant as characters) were 12-14 px."""
    sheet = big_sheet()
    widths = report_xlsx._pixel_widths(sheet.frame, sheet.text_columns, report_xlsx._totals(sheet),
                                  REPORT_LABELS["on_time_rate"])
    assert widths[REPORT_LABELS["received_new"]] >= 70
    assert widths[REPORT_LABELS["received_postal"]] >= 50     # the header's words, not the "0"
    assert 150 <= widths["Tên đơn vị"] <= 320                 # capped: the long name wraps


if __name__ == "__main__":
    pytest.main([__file__])
