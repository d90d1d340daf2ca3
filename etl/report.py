"""`python -m etl report`: the periodic report table (Circular 01/2020/TT-VPCP) for any window.

- `--by agency` (default): one row per agency; the CSV is the public interface of the README.
- `--by unit`: one row per administrative unit (province, old districts including their communes,
  old communes, new communes).
- `--by field`: one row per field (lĩnh vực), the whole province.

CSV goes to standard output (or `--output`). The .xlsx is the report as an office files it:
Vietnamese headers, a title with the period in dd/mm/yyyy, one sheet per level with a totals row,
numbers stored as numbers. docs/units_report.md describes the sheets.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

import polars as pl
import xlsxwriter

from etl import xlsx_layout
from warehouse import queries, queries_units, store
from warehouse.metrics import REPORT_COLUMNS, REPORT_LABELS

BY = ("agency", "unit", "field")

TITLE = "BÁO CÁO TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH"
TOTAL_LABEL = "Tổng cộng"
RATE = "on_time_rate"

# rows 0-2 carry the title, the subject and the period, row 3 the column groups; the table's
# header is row 4 (0-based) and its data start on row 5; the totals row follows the data
HEADER_ROW = 4

# groups of report columns, as the paper form heads them
COLUMN_GROUPS = [
    ("Số hồ sơ nhận giải quyết", ["carried_over", "received_new", "received_online", "received_direct",
                                  "received_postal"]),
    ("Số hồ sơ đã giải quyết", ["finished", "finished_early", "finished_on_time", "finished_late"]),
    ("Số hồ sơ đang giải quyết", ["in_progress", "in_progress_not_due", "in_progress_overdue"]),
]

# whole numbers as 1.234.567 whatever the reader's locale (literal dots; Excel allows two conditions)
COUNT_FORMAT = r"[>=1000000]#\.###\.##0;[>=1000]#\.##0;0"
# rates as a percentage with one decimal; Excel shows the locale's decimal mark (96,5% in Vietnamese)
RATE_FORMAT = "0.0%"

# sheet names: at most 31 characters, no '/' (Excel's rules)
AGENCY_SHEETS = {
    "department": "Sở, ban, ngành",
    "central": "Cơ quan Trung ương",
    "district": "Cấp huyện",
    "commune_old": "Cấp xã đến 30-06-2025",
    "commune": "Cấp xã từ 01-07-2025",
    "unverified": "Chưa xác minh",
}

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_PATTERN = r"^[=+\-@\t\r]"


def escape_text(value: str | None) -> str | None:
    """A text cell that a spreadsheet would read as a formula (=, +, -, @, tab, CR) gets a leading
    apostrophe, so that a name from a loaded file cannot run as a formula (CSV/formula injection)."""
    if value is not None and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _date_vn(d: dt.date) -> str:
    return d.strftime("%d/%m/%Y")


# ------------------------------------------------------------------------------------------ CSV

def _unit_csv(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.select("hierarchy_version", "unit_level", "unit_code", "unit_name", "parent_code",
                        *REPORT_COLUMNS, RATE)


def _field_csv(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.select("field_code", "field_name", *REPORT_COLUMNS, RATE)


def report_frame(reader, date_from: dt.date, date_to: dt.date, by: str = "agency") -> pl.DataFrame:
    """The CSV report's rows for a window."""
    if by == "agency":
        return queries.report_for_range(reader, date_from, date_to)
    if by == "unit":
        return _unit_csv(queries_units.unit_report_for_range(reader, date_from, date_to))
    if by == "field":
        return _field_csv(queries_units.field_report_for_range(reader, date_from, date_to))
    raise ValueError(f"--by {by}: expected one of {', '.join(BY)}")


def write_report(directory: Path, date_from: dt.date, date_to: dt.date, out: TextIO,
                 by: str = "agency") -> None:
    reader = store.Reader(directory)
    try:
        frame = report_frame(reader, date_from, date_to, by)
    finally:
        reader.close()
    out.write(escape_frame(frame).write_csv(float_precision=4, null_value=""))


def escape_frame(frame: pl.DataFrame) -> pl.DataFrame:
    """Every text column through escape_text: a file opened in a spreadsheet runs no formula."""
    return frame.with_columns(
        pl.col(c).map_elements(escape_text, return_dtype=pl.String)
        for c, t in frame.schema.items() if t == pl.String
    )


# ----------------------------------------------------------------------------------------- XLSX

@dataclass
class Sheet:
    name: str                     # the tab's name
    subject: str                  # second title line: what the rows are
    frame: pl.DataFrame           # text columns (already in Vietnamese), then REPORT_COLUMNS, on_time_rate
    text_columns: list[str]       # the leading descriptive columns, by their Vietnamese header
    extra_counts: list[str] = field(default_factory=list)   # other whole-number columns (summed)


def _labelled(frame: pl.DataFrame, text: dict[str, str], extra: dict[str, str] | None = None) -> pl.DataFrame:
    """STT, the text columns renamed to Vietnamese, extra whole-number columns, the report columns."""
    extra = extra or {}
    cols = [pl.int_range(1, pl.len() + 1, dtype=pl.Int64).alias("STT")]
    cols += [pl.col(c).cast(pl.String).alias(label) for c, label in text.items()]
    cols += [pl.col(c).cast(pl.Int64).alias(label) for c, label in extra.items()]
    cols += [pl.col(c).cast(pl.Int64).alias(REPORT_LABELS[c]) for c in REPORT_COLUMNS]
    cols += [pl.col(RATE).cast(pl.Float64).alias(REPORT_LABELS[RATE])]
    return frame.select(cols)


def _sheet(name: str, subject: str, frame: pl.DataFrame, text: dict[str, str],
           extra: dict[str, str] | None = None) -> Sheet:
    return Sheet(name, subject, _labelled(frame, text, extra), ["STT", *text.values()],
                 list((extra or {}).values()))


def _agency_sheets(reader, date_from: dt.date, date_to: dt.date) -> list[Sheet]:
    report = queries.report_for_range(reader, date_from, date_to)
    groups = queries_units.agency_groups(reader).select(
        "agency_code", "peer_group", "peer_group_label", "peer_group_order", "unit_label")
    rows = report.join(groups, on="agency_code", how="left").with_columns(
        pl.col("peer_group").fill_null("unverified"))
    summary = (
        rows.group_by("peer_group", "peer_group_label", "peer_group_order")
        .agg(pl.len().cast(pl.Int64).alias("agencies"), *[pl.col(c).sum() for c in REPORT_COLUMNS])
        .sort("peer_group_order")
        .with_columns(_rate_expr())
    )
    sheets = [_sheet("Toàn tỉnh", "Toàn tỉnh, theo nhóm cơ quan, đơn vị", summary,
                     {"peer_group_label": "Nhóm cơ quan, đơn vị"}, {"agencies": "Số cơ quan, đơn vị"})]
    for group, sheet_name in AGENCY_SHEETS.items():
        part = rows.filter(pl.col("peer_group") == group).sort("agency_code")
        if part.height == 0:
            continue
        text = {"agency_code": REPORT_LABELS["agency_code"], "agency_name": REPORT_LABELS["agency_name"]}
        if group in ("district", "commune_old", "commune"):
            text["unit_label"] = "Địa bàn"
        sheets.append(_sheet(sheet_name, part["peer_group_label"][0], part, text))
    return sheets


def _unit_sheets(reader, date_from: dt.date, date_to: dt.date) -> list[Sheet]:
    parts = queries_units.province_parts_for_range(reader, date_from, date_to)
    units = queries_units.unit_report_for_range(reader, date_from, date_to)
    sheets = [_sheet("Toàn tỉnh", "Toàn tỉnh, theo cấp", parts,
                     {"part_label": "Cấp, nhóm cơ quan"}, {"agencies": "Số cơ quan, đơn vị"})]
    unit_text = {"unit_code": "Mã đơn vị hành chính", "unit_name": "Tên đơn vị hành chính"}
    levels = [
        ("Cấp huyện", "Cấp huyện đến 30/06/2025 (mỗi huyện gồm UBND huyện và các xã)", 1, "district"),
        ("Cấp xã đến 30-06-2025", "Cấp xã đến 30/06/2025", 1, "commune"),
        ("Cấp xã từ 01-07-2025", "Cấp xã từ 01/07/2025", 2, "commune"),
    ]
    for name, subject, version, level in levels:
        part = units.filter((pl.col("hierarchy_version") == version) & (pl.col("unit_level") == level))
        if part.height == 0:
            continue
        text = dict(unit_text)
        if level == "commune" and version == 1:
            text["parent_name"] = "Thuộc"
        sheets.append(_sheet(name, subject, part, text, {"agencies": "Số cơ quan, đơn vị"}))
    series = queries_units.commune_series_for_range(reader, date_from, date_to)
    if series.height and series["old_communes"].sum() > 0:   # only when old communes' figures are mapped
        series = series.with_columns(
            pl.when(pl.col("is_approximate")).then(pl.lit("ước tính")).otherwise(pl.lit("")).alias("approx"))
        sheets.append(_sheet(
            "Quy đổi theo xã mới",
            "Cấp xã từ 01/07/2025, gồm số liệu của các xã cũ trước 01/07/2025 quy đổi theo xã mới "
            "(xã cũ bị chia tách: tính cho xã kế thừa chính, ghi \"ước tính\")",
            series, {**unit_text, "approx": "Ghi chú"}, {"old_communes": "Số xã cũ quy đổi"}))
    return sheets


def _field_sheets(reader, date_from: dt.date, date_to: dt.date) -> list[Sheet]:
    text = {"field_code": "Mã lĩnh vực", "field_name": "Tên lĩnh vực"}
    whole = queries_units.field_report_for_range(reader, date_from, date_to)
    sheets = [_sheet("Toàn tỉnh", "Toàn tỉnh, theo lĩnh vực", whole, text)]
    by_group = queries_units.field_report_for_range(reader, date_from, date_to, by_peer_group=True)
    labels = dict(reader.query("select peer_group, peer_group_label from dim_peer_group").iter_rows())
    for group, sheet_name in AGENCY_SHEETS.items():
        part = by_group.filter(pl.col("peer_group") == group)
        if part.height:
            sheets.append(_sheet(sheet_name, f"{labels.get(group, sheet_name)}, theo lĩnh vực", part, text))
    return sheets


def _rate_expr() -> pl.Expr:
    finished = pl.col("finished")
    return (
        pl.when(finished > 0)
        .then(((pl.col("finished_early") + pl.col("finished_on_time")) / finished).round(4))
        .otherwise(None)
        .alias(RATE)
    )


def report_sheets(reader, date_from: dt.date, date_to: dt.date, by: str = "agency") -> list[Sheet]:
    builders = {"agency": _agency_sheets, "unit": _unit_sheets, "field": _field_sheets}
    if by not in builders:
        raise ValueError(f"--by {by}: expected one of {', '.join(BY)}")
    return builders[by](reader, date_from, date_to)


def _totals(sheet: Sheet) -> dict[str, int | float | None]:
    """The totals row: every whole-number column summed, the rate recomputed from the sums."""
    f = sheet.frame
    totals: dict[str, int | float | None] = {c: int(f[c].sum()) for c in sheet.extra_counts}
    for c in REPORT_COLUMNS:
        totals[REPORT_LABELS[c]] = int(f[REPORT_LABELS[c]].sum())
    finished = totals[REPORT_LABELS["finished"]]
    good = totals[REPORT_LABELS["finished_early"]] + totals[REPORT_LABELS["finished_on_time"]]
    totals[REPORT_LABELS[RATE]] = round(good / finished, 4) if finished else None
    return totals


def _shown(value, rate: bool) -> str:
    """A number as the workbook's format shows it (1.234.567 ; 96,5%), to size its column."""
    if value is None:
        return ""
    if rate:
        return f"{value * 100:.1f}%"
    return f"{int(value):,}".replace(",", ".")


def _pixel_widths(frame: pl.DataFrame, text_columns: list[str], totals: dict, rate_label: str) -> dict[str, int]:
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
    frame = sheet.frame.with_columns(
        pl.when(pl.col(c).str.contains(_FORMULA_PATTERN))
        .then(pl.lit("'") + pl.col(c)).otherwise(pl.col(c)).alias(c)
        for c, t in sheet.frame.schema.items() if t == pl.String
    )
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
