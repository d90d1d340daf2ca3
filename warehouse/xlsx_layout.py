"""Column widths, header heights and print setup for the workbooks an office opens and prints (the
periodic report of warehouse/report_xlsx.py, the dossier listings of the pages and etl/late_cmd.py).

Why: polars' `write_excel(column_widths=...)` and xlsxwriter's `set_column_pixels` take PIXELS. A width
given in characters (12, 14) makes a column 12 pixels wide: LibreOffice and Excel then show every number
as ### and squeeze a header to one letter a line. The widths here are estimated in pixels from the text
the cells show, in the workbook's font (Times New Roman 11 pt, the font of administrative documents;
LibreOffice renders it with the metric-compatible Liberation Serif), and generously: a column slightly
too wide costs nothing once the page is fitted to one sheet wide, one too narrow hides the figure.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from pathlib import Path

import polars as pl
import xlsxwriter

from warehouse.escape import escape_frame, escape_text

# the font every cell of the workbook uses (xlsxwriter's default_format_properties)
FONT = {"font_name": "Times New Roman", "font_size": 11}

# Times New Roman 11 pt at 96 dpi is 14.7 px to the em: digits and most lower-case letters are
# 0.5 em (7.3 px), capitals up to 0.72 em (10.6 px), bold a little wider; rounded up
_NARROW = set(" .,;:'!|iljtfrI()[]")
_PX_NARROW, _PX_LOWER, _PX_UPPER = 4.5, 7.6, 10.8
_BOLD = 1.08
_PADDING = 14          # the cell's inner margins, and a digit's worth of slack
LINE_PX = 17           # one line of 11 pt text, with leading

MIN_PX = 40
MAX_TEXT_PX = 300      # longer names wrap inside the cell rather than widen the page


def text_px(text: str, bold: bool = False) -> float:
    """The estimated pixel width of a line of text."""
    width = 0.0
    for ch in text:
        if ch in _NARROW:
            width += _PX_NARROW
        elif ch.isupper() or ch in "%#@&MW":
            width += _PX_UPPER
        else:
            width += _PX_LOWER
    return width * (_BOLD if bold else 1.0)


def longest_word_px(text: str, bold: bool = True) -> float:
    """A wrapped header needs at least its longest word on one line."""
    return max((text_px(w, bold) for w in text.split()), default=0.0)


def column_px(header: str, shown: list[str], *, wrap: bool = False, bold_cells: bool = False) -> int:
    """A column's width in pixels: its longest shown value on one line (numbers never wrap), at least
    the header's longest word (the header wraps). With `wrap`, text wider than MAX_TEXT_PX wraps."""
    cells = max((text_px(s, bold_cells) for s in shown if s), default=0.0)
    if wrap:
        cells = min(cells, MAX_TEXT_PX)
    return int(max(MIN_PX, longest_word_px(header), cells) + _PADDING)


def wrapped_lines(text: str, width_px: int, bold: bool = True) -> int:
    """How many lines `text` takes when wrapped at word boundaries in a column of width_px."""
    room = max(1.0, width_px - _PADDING)
    lines, used = 1, 0.0
    space = text_px(" ", bold)
    for word in text.split():
        w = text_px(word, bold)
        if used and used + space + w > room:
            lines, used = lines + 1, w
        else:
            used = used + space + w if used else w
    return lines


def header_height(headers: dict[str, int]) -> int:
    """The header row's height (points ~ pixels * 0.75) that shows every wrapped header in full."""
    lines = max((wrapped_lines(h, px) for h, px in headers.items()), default=1)
    return int(lines * LINE_PX * 0.75) + 6


def print_setup(ws, repeat_first: int, repeat_last: int) -> None:
    """A4 landscape, one page wide (as many tall as needed), the header rows on every page, centred."""
    ws.set_landscape()
    ws.set_paper(9)                      # 9 = A4 in the spreadsheet's paper codes
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(repeat_first, repeat_last)
    ws.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.5)
    ws.center_horizontally()


# a listing's dates and whole numbers are stored as dates and numbers (they sort, filter and sum) and
# shown the Vietnamese way: 23/11/2026, 1.234 (literal dots, whatever the reader's locale, as the
# periodic report's counts: warehouse/report_xlsx.py)
DATE_FORMAT = "dd/mm/yyyy"
COUNT_FORMAT = r"[>=1000000]#\.###\.##0;[>=1000]#\.##0;0"


def _shown(value) -> str:
    """A cell as its format shows it, to size its column."""
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}".replace(",", ".")
    return str(value)


def write_listing(target, frame: pl.DataFrame, title: str, lines: list[str], sheet: str,
                  wrap: tuple[str, ...] = (), total_label: str = "hồ sơ") -> None:
    """A dossier listing as an office files it, to a path or a binary file object: the title, then
    `lines` (who, the period) in rows of their own, the Vietnamese headers, dates as dates and whole
    numbers as numbers, a count at the foot, A4 landscape one page wide with the header on every page.

    `frame` has its final headers; every text, its headers too, is escaped (warehouse/escape.py)."""
    frame = escape_frame(frame).rename(lambda c: escape_text(c) or c)
    wrap = tuple(escape_text(c) or c for c in wrap)
    header_row = 1 + len(lines)
    dates = [c for c, t in frame.schema.items() if t == pl.Date]
    counts = [c for c, t in frame.schema.items() if t.is_integer()]
    widths = {c: column_px(c, [_shown(v) for v in frame[c].drop_nulls().head(5000)], wrap=c in wrap)
              for c in frame.columns}
    options = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False,
               "default_format_properties": FONT}
    if not isinstance(target, (str, Path)):
        options["in_memory"] = True
    wb = xlsxwriter.Workbook(str(target) if isinstance(target, (str, Path)) else target, options)
    try:
        ws = wb.add_worksheet(sheet[:31])
        last = max(frame.width - 1, 1)
        bold = wb.add_format({"bold": True, "font_size": 14, "align": "center"})
        ws.merge_range(0, 0, 0, last, escape_text(title), bold)
        italic = wb.add_format({"italic": True, "align": "center"})
        for i, line in enumerate(lines, start=1):
            ws.merge_range(i, 0, i, last, escape_text(line), italic)
        ws.set_row(header_row, header_height(widths))
        formats: dict[str, str | dict] = {c: DATE_FORMAT for c in dates}
        formats.update({c: COUNT_FORMAT for c in counts})
        formats.update({c: {"text_wrap": True} for c in wrap if c in frame.columns})
        frame.write_excel(
            workbook=wb, worksheet=ws, position=(header_row, 0), table_style="Table Style Light 1",
            column_formats=formats, column_widths=widths, autofilter=True,
            header_format={"bold": True, "text_wrap": True, "align": "center", "valign": "vcenter",
                           "border": 1},
            freeze_panes=(header_row + 1, 1),
        )
        ws.write_string(header_row + 1 + frame.height, 0, f"Tổng cộng: {frame.height} {total_label}",
                        wb.add_format({"bold": True}))
        print_setup(ws, header_row, header_row)
    finally:
        wb.close()


def file_part(text: str) -> str:
    """'UBND xã Hải Sơn' -> 'ubnd_xa_hai_son': who a file is about, in a name any system can store."""
    plain = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    plain = "".join(ch for ch in plain if not unicodedata.combining(ch)).lower()
    return re.sub(r"[^a-z0-9.]+", "_", plain).strip("_") or "danh_sach"
