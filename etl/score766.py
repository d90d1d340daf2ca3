"""`python -m etl score766`: the Decision 766 scores of every agency for one period, as a file.

One row per agency: `agency_code,agency_name`, the six group scores under the National Public
Service Portal's codes (CKMB, TDGQ, CLGQ, TTTT, MDSH, MDHL), `TONG_SCORE` (the total out of 100)
and `unscored_points` (the points no loaded input lets the warehouse score). An empty group cell is
"không có dữ liệu": none of the group's indicators has input (docs/inputs.md), never 0 nor full marks.

KEY names a calendar period: `2025-10` (month), `2025-Q3` (quarter), `2025-H1` (half year) or
`2025` (year). CSV (the default) is machine-readable like `etl report`: dot decimals, 2 decimals;
xlsx is for an office: Vietnamese headers, points with 2 decimals in the reader's locale (88,25).

--source (docs/published_766.md): `computed` (the default) the table above; `published` the scores the
national portal published for our matched agencies (agency_code, agency_name, portal_code,
portal_name, the six groups, TONG_SCORE, portal_rank; an empty cell: nothing published); `both` the
computed table plus `published_<CODE>` and `difference_<CODE>` (ours minus published) for the six
groups and TONG_SCORE, an agency matched on one side only keeping empty cells on the other. The
portal publishes months and years to date only: a month KEY reads the month, a year KEY ('2025') the
newest year to date of that year loaded (through October when 2025-10 is the last loaded); a quarter
or a half year has no published counterpart and is refused.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import TextIO

import polars as pl

from etl import command_checks
from warehouse import queries_766, queries_published_match, store

KEY_PATTERNS = (
    (re.compile(r"\d{4}-(0[1-9]|1[0-2])"), "month"),
    (re.compile(r"\d{4}-Q[1-4]"), "quarter"),
    (re.compile(r"\d{4}-H[12]"), "half"),
    (re.compile(r"\d{4}"), "year"),
)
GROUP_CODES = ["CKMB", "TDGQ", "CLGQ", "TTTT", "MDSH", "MDHL"]
SCORE_COLUMNS = GROUP_CODES + ["TONG_SCORE", "unscored_points"]
HEADERS_VI = {
    "agency_code": "Mã đơn vị",
    "agency_name": "Tên đơn vị",
    "CKMB": "Công khai, minh bạch (CKMB)",
    "TDGQ": "Tiến độ, kết quả giải quyết (TDGQ)",
    "CLGQ": "Dịch vụ công trực tuyến (CLGQ)",
    "TTTT": "Thanh toán trực tuyến (TTTT)",
    "MDSH": "Số hóa hồ sơ (MDSH)",
    "MDHL": "Mức độ hài lòng (MDHL)",
    "TONG_SCORE": "Tổng điểm",
    "unscored_points": "Điểm không có dữ liệu để chấm",
    "portal_code": "Mã cơ quan trên Cổng",
    "portal_name": "Tên cơ quan trên Cổng",
    "portal_rank": "Thứ hạng trên Cổng",
}
PUBLISHED_COLUMNS = GROUP_CODES + ["TONG_SCORE"]
for _code in PUBLISHED_COLUMNS:
    _label = HEADERS_VI[_code]
    HEADERS_VI[f"published_{_code}"] = f"Cổng công bố: {_label}"
    HEADERS_VI[f"difference_{_code}"] = f"Chênh lệch (tính - công bố): {_label}"
SOURCES = ("computed", "published", "both")
# points are at most 100: no thousands separator; the decimal mark is the reader's (88,25 in Vietnamese)
POINTS_FORMAT = "0.00"


class ScoreError(Exception):
    """A message for the user; the command exits 2."""


def period_of(key: str) -> tuple[str, str]:
    """('month', '2025-10') from '2025-10'; ScoreError for anything else."""
    for pattern, kind in KEY_PATTERNS:
        if pattern.fullmatch(key.strip()):
            return kind, key.strip()
    raise ScoreError(f"--period {key}: cần tháng 2025-10, quý 2025-Q3, 6 tháng 2025-H1 hoặc năm 2025")


def score_frame(reader, key: str) -> pl.DataFrame:
    kind, key = period_of(key)
    if not queries_766.has_period(reader, kind, key):
        raise ScoreError(f"--period {key}: kho không có kỳ này (chưa có dữ liệu hoặc sau ngày số liệu)")
    frame = queries_766.period_scores(reader, kind, key)
    missing = [c for c in SCORE_COLUMNS if c not in frame.columns]
    if missing:  # the group codes come from ref_766_group: a renamed code must not go unnoticed
        raise ScoreError(f"bảng ref_766_group thiếu mã nhóm {', '.join(missing)}")
    return frame.select("agency_code", "agency_name",
                        *[pl.col(c).cast(pl.Float64).round(2) for c in SCORE_COLUMNS])


def published_frame(reader, key: str) -> pl.DataFrame:
    """The published scores of our matched agencies for KEY (a month, or a year: its newest year to date)."""
    kind, key = period_of(key)
    if kind == "month":
        scope, period_key = "month", key
    elif kind == "year":
        scope, period_key = "year_to_date", queries_published_match.latest_year_to_date(reader, key)
    else:
        raise ScoreError(f"--period {key}: Cổng chỉ công bố điểm theo tháng và lũy kế năm "
                         "(dùng tháng 2025-10 hoặc năm 2025)")
    frame = (queries_published_match.published_scores(reader, scope, period_key)
             if period_key else pl.DataFrame())
    if frame.height == 0:
        raise ScoreError(f"--period {key}: kho chưa có điểm Cổng công bố của đơn vị nào cho kỳ này "
                         "(nạp bằng: python -m etl load TỆP --period YYYY-MM; docs/published_766.md)")
    return frame.select("agency_code", "agency_name", "portal_code", "portal_name",
                        *[pl.col(c).cast(pl.Float64).round(2) for c in PUBLISHED_COLUMNS],
                        pl.col("portal_rank").cast(pl.Int64))


def both_frame(reader, key: str) -> pl.DataFrame:
    """Ours, then the published columns and the differences (ours minus published), by agency."""
    ours = score_frame(reader, key)
    published = published_frame(reader, key)
    merged = ours.join(
        published.select("agency_code", pl.col("agency_name").alias("_published_name"),
                         *[pl.col(c).alias(f"published_{c}") for c in PUBLISHED_COLUMNS]),
        on="agency_code", how="full", coalesce=True,
    ).with_columns(pl.coalesce("agency_name", "_published_name").alias("agency_name")).drop("_published_name")
    return merged.with_columns(
        [(pl.col(c) - pl.col(f"published_{c}")).round(2).alias(f"difference_{c}") for c in PUBLISHED_COLUMNS]
    ).sort("agency_code")


def frame_for(reader, key: str, source: str = "computed") -> pl.DataFrame:
    if source == "published":
        return published_frame(reader, key)
    if source == "both":
        return both_frame(reader, key)
    return score_frame(reader, key)


def write_csv(frame: pl.DataFrame, out: TextIO) -> None:
    from warehouse.escape import escape_frame

    out.write(escape_frame(frame).write_csv(float_precision=2, null_value=""))


def write_xlsx(frame: pl.DataFrame, path: Path, key: str) -> None:
    from warehouse.escape import escape_frame

    frame = escape_frame(frame)
    points = [c for c, dtype in frame.schema.items() if dtype == pl.Float64]
    frame = frame.rename({c: HEADERS_VI[c] for c in frame.columns if c in HEADERS_VI})
    # write_excel takes widths in pixels: about 7 pixels a character of an 11-point font
    widths = {HEADERS_VI["agency_code"]: 130}
    for name in ("agency_name", "portal_name"):
        if HEADERS_VI[name] in frame.columns:
            longest = frame[HEADERS_VI[name]].str.len_chars().max() if frame.height else 0
            widths[HEADERS_VI[name]] = max(160, min(420, 7 * int(longest or 0) + 16))
    widths.update({HEADERS_VI[c]: 110 for c in points})
    frame.write_excel(
        path,
        worksheet=f"Bộ chỉ số 766 {key}"[:31],
        column_formats={HEADERS_VI[c]: POINTS_FORMAT for c in points},
        header_format={"bold": True, "text_wrap": True, "align": "center", "valign": "vcenter", "border": 1},
        column_widths=widths,
        autofilter=False,
        freeze_panes=(1, 2),
        table_style="Table Style Light 1",
    )


def run(directory: Path, key: str, fmt: str = "csv", output: Path | None = None,
        source: str = "computed") -> int:
    if command_checks.refuse(directory, fmt, output):
        return 2
    reader = store.Reader(directory)
    try:
        frame = frame_for(reader, key, source)
    except ScoreError as exc:
        print(exc, file=sys.stderr)
        return 2
    finally:
        reader.close()
    if fmt == "xlsx":
        write_xlsx(frame, output, key)
    elif output is not None:
        with open(output, "w", encoding="utf-8", newline="") as out:
            write_csv(frame, out)
    else:
        write_csv(frame, sys.stdout)
    return 0


def add_parser(sub) -> None:
    p = sub.add_parser("score766", help="Decision 766 scores of every agency for one period (CSV or xlsx)")
    p.add_argument("--warehouse", metavar="DIR",
                   help="warehouse directory (default: $WAREHOUSE_DIR or data/warehouse)")
    p.add_argument("--period", required=True, metavar="KEY",
                   help="2025-10 (month), 2025-Q3, 2025-H1 or 2025 (year)")
    p.add_argument("--format", choices=["csv", "xlsx"], default="csv")
    p.add_argument("--output", metavar="FILE", type=Path, help="write to FILE (required for xlsx)")
    p.add_argument("--source", choices=SOURCES, default="computed",
                   help="computed (default): ours; published: the portal's for our matched agencies; "
                        "both: ours with published_* and difference_* columns (docs/published_766.md)")
