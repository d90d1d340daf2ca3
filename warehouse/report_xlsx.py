"""The periodic report as the .xlsx an office files (warehouse/report.py builds its sheets): Vietnamese
headers, a title with the period in dd/mm/yyyy, one sheet per level with a totals row, numbers stored
as numbers, A4 landscape print. docs/units_report.md describes the sheets.

The totals row recomputes the rate from the summed columns through the registry, rounded as the CSV
rounds it; the cells show it as 96,5% (RATE_FORMAT), the screen's one decimal.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

import polars as pl
import xlsxwriter

from warehouse import queries_units, store, xlsx_layout
from warehouse.escape import escape_column, escape_text
from warehouse.metrics import REPORT_COLUMNS, REPORT_LABELS
from warehouse.report import COLUMN_GROUPS, RATE, RATE_METRIC, TITLE, TOTAL_LABEL, Sheet, report_sheets

# rows 0-2 carry the title, the subject and the period, row 3 the column groups; the table's
# header is row 4 (0-based) and its data start on row 5; the totals row follows the data
HEADER_ROW = 4

# whole numbers as 1.234.567 whatever the reader's locale (literal dots; Excel allows two conditions)
COUNT_FORMAT = r"[>=1000000]#\.###\.##0;[>=1000]#\.##0;0"
# rates as a percentage with one decimal; Excel shows the locale's decimal mark (96,5% in Vietnamese)
RATE_FORMAT = "0.0%"


def _date_vn(d: dt.date) -> str:
    return d.strftime("%d/%m/%Y")


def _totals(sheet: Sheet) -> dict[str, int | float | None]:
    """The totals row: every whole-number column summed, the rate recomputed from the sums."""
    f = sheet.frame
    totals: dict[str, int | float | None] = {c: int(f[c].sum()) for c in sheet.extra_counts}
    for c in REPORT_COLUMNS:
        totals[REPORT_LABELS[c]] = int(f[REPORT_LABELS[c]].sum())
    summed = {c: totals[REPORT_LABELS[c]] for c in REPORT_COLUMNS}
    totals[REPORT_LABELS[RATE]] = RATE_METRIC.value(summed, rounded=True)
    return totals


def _shown(value, rate: bool) -> str:
    """A number as the workbook's format shows it (1.234.567 ; 96,5%), to size its column."""
    if value is None:
        return ""
    if rate:
        return f"{value * 100:.1f}%"
    return f"{int(value):,}".replace(",", ".")


def _pixel_widths(frame: pl.DataFrame, text_columns: list[str], totals: dict,
                  rate_label: str) -> dict[str, int]:
    """Every column's width in PIXELS (polars' column_widths unit), from what its cells and totals show."""
    widths = {}
    for c in frame.columns:
        if c in text_columns and c != "STT":
            shown = [v for v in frame[c].to_list() if v]
            widths[c] = xlsx_layout.column_px(c, shown, wrap=True)
        else:
            shown = [_shown(v, c == rate_label) for v in frame[c].to_list()]
            total = [_shown(totals[c], c == rate_label)] if c in totals else []
            widths[c] = max(xlsx_layout.column_px(c, shown), xlsx_layout.column_px(c, total, bold_cells=True))
    label = TOTAL_LABEL   # written in the name column of the totals row
    name_col = text_columns[2] if len(text_columns) >= 3 else text_columns[-1]
    widths[name_col] = max(widths[name_col], xlsx_layout.column_px(name_col, [label], bold_cells=True))
    return widths


def _write_sheet(wb: xlsxwriter.Workbook, sheet: Sheet, heading: str, period: str, styles: dict) -> None:
    texts = [c for c, t in sheet.frame.schema.items() if t == pl.String]
    frame = sheet.frame.with_columns(escape_column(c) for c in texts)
    ws = wb.add_worksheet(sheet.name)
    ncols = frame.width
    ws.merge_range(0, 0, 0, ncols - 1, TITLE, styles["title"])
    ws.merge_range(1, 0, 1, ncols - 1, escape_text(heading), styles["subtitle"])
    ws.merge_range(2, 0, 2, ncols - 1, period, styles["subtitle"])
    numeric = [c for c in frame.columns if c not in sheet.text_columns or c == "STT"]
    rate_label = REPORT_LABELS[RATE]
    totals = _totals(sheet)
    widths = _pixel_widths(frame, sheet.text_columns, totals, rate_label)
    col = len(sheet.text_columns) + len(sheet.extra_counts)
    groups = {}
    for label, columns in COLUMN_GROUPS:
        ws.merge_range(3, col, 3, col + len(columns) - 1, label, styles["group"])
        groups[label] = sum(widths[REPORT_LABELS[c]] for c in columns)
        col += len(columns)
    ws.set_row(3, xlsx_layout.header_height(groups))
    ws.set_row(HEADER_ROW, xlsx_layout.header_height(widths))
    formats: dict[str, str | dict] = {
        c: (RATE_FORMAT if c == rate_label else ("0" if c == "STT" else COUNT_FORMAT)) for c in numeric}
    formats.update({c: {"text_wrap": True} for c in sheet.text_columns if c != "STT"})
    frame.write_excel(
        workbook=wb,
        worksheet=ws,
        position=(HEADER_ROW, 0),
        table_style="Table Style Light 1",
        column_formats=formats,
        header_format={"bold": True, "text_wrap": True, "align": "center", "valign": "vcenter", "border": 1},
        column_widths=widths,
        autofilter=False,
        freeze_panes=(HEADER_ROW + 1, len(sheet.text_columns)),
    )
    # the totals row, right below the table (outside it, so that sorting the table leaves it last)
    row = HEADER_ROW + 1 + frame.height
    label_col = 2 if len(sheet.text_columns) >= 3 else len(sheet.text_columns) - 1   # the name column
    for c, name in enumerate(frame.columns):
        if c == label_col:
            ws.write_string(row, c, TOTAL_LABEL, styles["total_text"])
        elif name in totals:
            value = totals[name]
            fmt = styles["total_rate"] if name == rate_label else styles["total_count"]
            if value is None:
                ws.write_blank(row, c, None, fmt)
            else:
                ws.write_number(row, c, value, fmt)
        else:
            ws.write_blank(row, c, None, styles["total_text"])
    xlsx_layout.print_setup(ws, 3, HEADER_ROW)


def write_xlsx(reader, date_from: dt.date, date_to: dt.date, by: str, path: Path) -> list[Sheet]:
    """The report as an .xlsx file; returns the sheets written (tests compare them to the CSV)."""
    sheets = report_sheets(reader, date_from, date_to, by)
    province = queries_units.province_unit(reader)
    write_sheets(sheets, (province or {}).get("unit_name"), date_from, date_to, path)
    return sheets


def write_sheets(sheets: list[Sheet], province_name: str | None, date_from: dt.date, date_to: dt.date,
                 path: Path) -> None:
    """The workbook of the given sheets: title rows, the table, the totals row, A4 landscape print."""
    period = f"Kỳ báo cáo: từ ngày {_date_vn(date_from)} đến ngày {_date_vn(date_to)}"
    # no string is ever turned into a formula or a link, whatever it holds
    wb = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False,
                                          "strings_to_numbers": False,
                                          "default_format_properties": xlsx_layout.FONT})
    try:
        base = xlsx_layout.FONT
        styles = {
            "title": wb.add_format({**base, "bold": True, "font_size": 14, "align": "center"}),
            "subtitle": wb.add_format({**base, "italic": True, "align": "center"}),
            "group": wb.add_format({**base, "bold": True, "align": "center", "valign": "vcenter", "border": 1,
                                    "text_wrap": True}),
            "total_text": wb.add_format({**base, "bold": True, "border": 1}),
            "total_count": wb.add_format({**base, "bold": True, "border": 1, "num_format": COUNT_FORMAT}),
            "total_rate": wb.add_format({**base, "bold": True, "border": 1, "num_format": RATE_FORMAT}),
        }
        wb.set_properties({"title": TITLE, "subject": period})
        for sheet in sheets:
            heading = f"{province_name} – {sheet.subject}" if province_name else sheet.subject
            _write_sheet(wb, sheet, heading, period, styles)
    finally:
        wb.close()


def export_xlsx(directory: Path, date_from: dt.date, date_to: dt.date, by: str, path: Path) -> None:
    reader = store.Reader(directory)
    try:
        write_xlsx(reader, date_from, date_to, by, path)
    finally:
        reader.close()


def xlsx_bytes(reader, date_from: dt.date, date_to: dt.date, by: str) -> bytes:
    """The workbook as bytes, for a download button: the file `python -m etl report --format xlsx`
    writes."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bao_cao.xlsx"
        write_xlsx(reader, date_from, date_to, by, path)
        return path.read_bytes()
