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

from etl import command_checks
from warehouse import queries_late, store, xlsx_layout
from warehouse.escape import escape_frame

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
    """The list as an office files it (warehouse/xlsx_layout.py, as the pages' download): a title, who
    and the window in dd/mm/yyyy, Vietnamese headers, dates as dates shown dd/mm/yyyy and working days
    as numbers, A4 landscape one page wide with the header row on every page."""
    sheet = frame.with_columns(
        pl.col("apology_slip").replace_strict(SLIP_VN, default=SLIP_VN[None], return_dtype=pl.String),
    ).select(XLSX_ORDER).rename({c: HEADERS[c] for c in XLSX_ORDER})
    xlsx_layout.write_listing(path, sheet, TITLE,
                              [agency_label, f"Từ ngày {date_from:%d/%m/%Y} đến ngày {date_to:%d/%m/%Y}"],
                              "Hồ sơ trễ hạn", wrap=(HEADERS["agency_name"], HEADERS["procedure_name"]))


def file_name(agency: str | None, agency_name: str | None, date_from: dt.date, date_to: dt.date) -> str:
    """The workbook's name when --output is a folder: who (the agency's name and code, or toan_tinh) and
    the window, as the page's download names its file."""
    who = f"{xlsx_layout.file_part(agency_name or '')}_{agency}" if agency else "toan_tinh"
    return f"ho_so_tre_han_{who}_{date_from:%Y-%m-%d}_{date_to:%Y-%m-%d}.xlsx"


def run(directory: Path, date_from: dt.date, date_to: dt.date, agency: str | None, fmt: str,
        output: Path | None) -> int:
    """The command: 0 when written, 2 with a message on standard error otherwise."""
    if command_checks.refuse(directory, fmt, output):
        return 2
    reader = store.Reader(directory)
    try:
        frame = late_frame(reader, date_from, date_to, agency)
        label, name = "Toàn tỉnh", None
        if agency is not None:
            name = reader.query("select agency_name from dim_agency where agency_code = $a",
                                {"a": agency})["agency_name"][0]
            label = f"{name} ({agency})"
    except LateError as exc:
        print(exc, file=sys.stderr)
        return 2
    finally:
        reader.close()
    if fmt == "xlsx":
        if output.is_dir():
            output = output / file_name(agency, name, date_from, date_to)
        write_xlsx(frame, date_from, date_to, label, output)
        print(f"đã ghi {output}", file=sys.stderr)
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
    late.add_argument("--output", metavar="FILE", type=Path,
                      help="write to FILE (required for xlsx); an existing folder: the xlsx is named there "
                           "after the agency (or toan_tinh) and the window")
