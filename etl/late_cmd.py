"""`python -m etl late`: the dossiers late in a window, one row each, as officials ask for them by file.

Late in the window [--from, --to] (warehouse/queries_late.py owns the rule, the page "Hồ sơ trễ hạn"
uses the same): finished late within it, or still open and overdue on its last day (or on the data's
date when the window runs past it). working_days_late = dim_date.workday_index of the finishing day
(open: the judging day) minus that of the due day: the working days after the due date.
apology_slip: yes / no / empty when no loaded source says (docs/late.md).

CSV to standard output (or --output), ISO dates; --format xlsx: Vietnamese headers, dd/mm/yyyy dates,
printed A4 landscape (warehouse/xlsx_layout.py). docs/late.md describes the columns.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import TextIO

import polars as pl
import xlsxwriter

from etl import command_checks
from warehouse import queries_late, store, xlsx_layout
from warehouse.escape import escape_frame, escape_text

# the CSV's columns: the required ones first (their order is the public interface), then names
COLUMNS = ["dossier_code", "agency_code", "received_date", "due_date", "finished_date", "working_days_late",
           "apology_slip", "apology_date", "new_due_date", "agency_name", "procedure_code", "procedure_name"]

HEADERS = {
    "dossier_code": "Mã hồ sơ",
    "agency_code": "Mã đơn vị",
    "agency_name": "Tên đơn vị",
    "procedure_code": "Mã thủ tục",
    "procedure_name": "Tên thủ tục",
    "received_date": "Ngày tiếp nhận",
    "due_date": "Ngày hẹn trả",
    "finished_date": "Ngày kết thúc xử lý",
    "working_days_late": "Số ngày làm việc trễ hạn",
    "apology_slip": "Phiếu xin lỗi",
    "apology_date": "Ngày xin lỗi",
    "new_due_date": "Ngày hẹn trả mới",
}
# the xlsx's column order: who, what, the dates, how late, the slip
XLSX_ORDER = ["dossier_code", "agency_code", "agency_name", "procedure_name", "received_date", "due_date",
              "finished_date", "working_days_late", "apology_slip", "apology_date", "new_due_date"]
SLIP_CSV = {True: "yes", False: "no"}
SLIP_VN = {True: "Có", False: "Chưa", None: "Không có dữ liệu"}
TITLE = "DANH SÁCH HỒ SƠ TRỄ HẠN"
DATE_FORMAT = "dd/mm/yyyy"


class LateError(Exception):
    """A request the command cannot answer (exit code 2, the message on standard error)."""


def late_frame(reader, date_from: dt.date, date_to: dt.date, agency: str | None = None) -> pl.DataFrame:
    """The late list of the window with the command's columns (apology_slip still True/False/None)."""
    if date_from > date_to:
        raise LateError(f"--from {date_from} is after --to {date_to}")
    if agency is not None and reader.query("select count(*) as n from dim_agency where agency_code = $a",
                                           {"a": agency})["n"][0] == 0:
        raise LateError(f"--agency {agency}: no such agency in the warehouse (dim_agency)")
    rows = queries_late.late_in_window(reader, date_from, date_to, agency)
    return rows.select(
        pl.col("dossier_id").alias("dossier_code"),
        "agency_code",
        "received_date",
        "due_date",
        pl.col("end_date").alias("finished_date"),
        pl.col("late_workdays").cast(pl.Int64).alias("working_days_late"),
        pl.col("apology_issued").alias("apology_slip"),
        "apology_date",
        pl.col("apology_new_due_date").alias("new_due_date"),
        "agency_name",
        "procedure_code",
        "procedure_name",
    )


def write_csv(frame: pl.DataFrame, out: TextIO) -> None:
    csv = frame.with_columns(
        pl.col("apology_slip").replace_strict(SLIP_CSV, default=None, return_dtype=pl.String))
    out.write(escape_frame(csv).write_csv(null_value="", date_format="%Y-%m-%d"))


def write_xlsx(frame: pl.DataFrame, date_from: dt.date, date_to: dt.date, agency_label: str,
               path: Path) -> None:
    """The list as an office files it: a title, the window in dd/mm/yyyy, Vietnamese headers, dates as
    dates shown dd/mm/yyyy, A4 landscape one page wide with the header row on every page."""
    sheet = frame.with_columns(
        pl.col("apology_slip").replace_strict(SLIP_VN, default=SLIP_VN[None], return_dtype=pl.String),
    ).select(XLSX_ORDER)
    sheet = escape_frame(sheet).rename({c: HEADERS[c] for c in XLSX_ORDER})
    shown = {
        HEADERS[c]: ([v.strftime("%d/%m/%Y") for v in frame[c].drop_nulls()] if c.endswith("_date")
                     else [str(v) for v in sheet[HEADERS[c]].drop_nulls()])
        for c in XLSX_ORDER
    }
    wrap = {HEADERS["agency_name"], HEADERS["procedure_name"]}
    widths = {h: xlsx_layout.column_px(h, v, wrap=h in wrap) for h, v in shown.items()}
    header_row = 3
    wb = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False,
                                          "strings_to_numbers": False,
                                          "default_format_properties": xlsx_layout.FONT})
    try:
        ws = wb.add_worksheet("Hồ sơ trễ hạn")
        last = sheet.width - 1
        title = wb.add_format({"bold": True, "font_size": 14, "align": "center"})
        ws.merge_range(0, 0, 0, last, TITLE, title)
        italic = wb.add_format({"italic": True, "align": "center"})
        ws.merge_range(1, 0, 1, last, escape_text(agency_label), italic)
        ws.merge_range(2, 0, 2, last, f"Từ ngày {date_from:%d/%m/%Y} đến ngày {date_to:%d/%m/%Y}", italic)
        ws.set_row(header_row, xlsx_layout.header_height(widths))
        formats: dict[str, str | dict] = {HEADERS[c]: DATE_FORMAT for c in XLSX_ORDER if c.endswith("_date")}
        formats[HEADERS["working_days_late"]] = "0"
        formats.update({h: {"text_wrap": True} for h in wrap})
        sheet.write_excel(
            workbook=wb, worksheet=ws, position=(header_row, 0), table_style="Table Style Light 1",
            column_formats=formats, column_widths=widths, autofilter=False,
            header_format={"bold": True, "text_wrap": True, "align": "center", "valign": "vcenter",
                           "border": 1},
            freeze_panes=(header_row + 1, 1),
        )
        total = wb.add_format({"bold": True})
        ws.write_string(header_row + 1 + sheet.height, 0, f"Tổng cộng: {sheet.height} hồ sơ", total)
        xlsx_layout.print_setup(ws, header_row, header_row)
    finally:
        wb.close()


def run(directory: Path, date_from: dt.date, date_to: dt.date, agency: str | None, fmt: str,
        output: Path | None) -> int:
    """The command: 0 when written, 2 with a message on standard error otherwise."""
    if command_checks.refuse(directory, fmt, output):
        return 2
    reader = store.Reader(directory)
    try:
        frame = late_frame(reader, date_from, date_to, agency)
        label = "Toàn tỉnh"
        if agency is not None:
            name = reader.query("select agency_name from dim_agency where agency_code = $a", {"a": agency})
            label = f"{name['agency_name'][0]} ({agency})"
    except LateError as exc:
        print(exc, file=sys.stderr)
        return 2
    finally:
        reader.close()
    if fmt == "xlsx":
        write_xlsx(frame, date_from, date_to, label, output)
    elif output is not None:
        with open(output, "w", encoding="utf-8", newline="") as out:
            write_csv(frame, out)
    else:
        write_csv(frame, sys.stdout)
    print(f"{frame.height} hồ sơ trễ hạn từ {date_from:%d/%m/%Y} đến {date_to:%d/%m/%Y}", file=sys.stderr)
    return 0


def add_parser(sub, add_warehouse, date_type) -> None:
    late = sub.add_parser("late", help="the dossiers late in a window, one row each (docs/late.md)")
    add_warehouse(late)
    late.add_argument("--from", dest="date_from", type=date_type, required=True)
    late.add_argument("--to", dest="date_to", type=date_type, required=True)
    late.add_argument("--agency", metavar="CODE", help="one agency's dossiers (default: every agency)")
    late.add_argument("--format", choices=["csv", "xlsx"], default="csv",
                      help="csv (ISO dates) to standard output or --output; xlsx (Vietnamese) to --output")
    late.add_argument("--output", metavar="FILE", type=Path, help="write to FILE (required for xlsx)")
