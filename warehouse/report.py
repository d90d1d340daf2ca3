"""The periodic report table (Circular 01/2020/TT-VPCP) for any window: its rows, its CSV and the
sheets of its .xlsx form (written by warehouse/report_xlsx.py). `python -m etl report` and the
Báo cáo page both call it, so the CLI's file and the page's download are the same report.

- `--by agency` (default): one row per agency; the CSV is the public interface of the README.
- `--by unit`: one row per administrative unit (province, old districts including their communes,
  old communes, new communes).
- `--by field`: one row per field (lĩnh vực), the whole province.

The report's columns have one owner: REPORT_COLUMNS and REPORT_LABELS (warehouse/metrics.py), grouped
here as the paper form heads them (COLUMN_GROUPS); the rate is the registry's on-time rate at its
export precision (Metric.digits), in the CSV, the sheets and their totals rows alike.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

import polars as pl

from warehouse import queries, queries_units, store
from warehouse.escape import escape_frame
from warehouse.metrics import METRICS, REPORT_COLUMNS, REPORT_LABELS

BY = ("agency", "unit", "field")

TITLE = "BÁO CÁO TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH"
TOTAL_LABEL = "Tổng cộng"
RATE = "on_time_rate"
RATE_METRIC = METRICS[RATE]

# groups of report columns, as the paper form heads them
COLUMN_GROUPS = [
    ("Số hồ sơ nhận giải quyết", ["carried_over", "received_new", "received_online", "received_direct",
                                  "received_postal"]),
    ("Số hồ sơ đã giải quyết", ["finished", "finished_early", "finished_on_time", "finished_late"]),
    ("Số hồ sơ đang giải quyết", ["in_progress", "in_progress_not_due", "in_progress_overdue"]),
]

# sheet names: at most 31 characters, no '/' (Excel's rules)
AGENCY_SHEETS = {
    "department": "Sở, ban, ngành",
    "central": "Cơ quan Trung ương",
    "district": "Cấp huyện",
    "commune_old": "Cấp xã đến 30-06-2025",
    "commune": "Cấp xã từ 01-07-2025",
    "unverified": "Chưa xác minh",
}

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
    out.write(escape_frame(frame).write_csv(float_precision=RATE_METRIC.digits, null_value=""))


# ------------------------------------------------------------------------------ sheets of the .xlsx

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
    """The rate of a row of summed report columns, rounded as the CSV's (the registry's formula)."""
    return RATE_METRIC.polars(summed=False, rounded=True)


def report_sheets(reader, date_from: dt.date, date_to: dt.date, by: str = "agency") -> list[Sheet]:
    builders = {"agency": _agency_sheets, "unit": _unit_sheets, "field": _field_sheets}
    if by not in builders:
        raise ValueError(f"--by {by}: expected one of {', '.join(BY)}")
    return builders[by](reader, date_from, date_to)


