"""`python -m etl load` of the portal's published 766 scores (docs/published_766.md), real DuckDB files.

The real export (tests/data/766_scores_2025-10_an_giang_export.xlsx, October 2025) holds 34 provinces
for the month ('Điểm tháng') and the year to date ('Điểm năm'), An Giang's 15 departments ('Sở Ban',
the month) and 102 communes ('Xã Phường', the year to date), and two trend sheets that are skipped.
Quảng Ninh is H49: month 17.66 + 17.89 + 20.22 + 8.73 + 8.07 + 18 = 90.57, rank 2; year to date 89.05,
rank 8. The damaged copies and the JSON files are written by the tests from the real sheets.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import polars as pl
import xlsxwriter

from tests.conftest import ROOT
from tests.load_helpers import cli, load, q

REAL = ROOT / "tests" / "data" / "766_scores_2025-10_an_giang_export.xlsx"
SCORE_SHEETS = ("Điểm năm", "Điểm tháng", "Sở Ban", "Xã Phường")


def sheets() -> dict[str, pl.DataFrame]:
    return pl.read_excel(REAL, sheet_id=0, engine="calamine", infer_schema_length=0)


def counts(directory: Path) -> dict[tuple[str, str, str], int]:
    return {(s, p, k): n for s, p, k, n in q(
        directory, "select scope, period_key, agency_kind, count(*) from raw_published_766 group by all")}


def write_workbook(path: Path, frames: dict[str, pl.DataFrame]) -> Path:
    with xlsxwriter.Workbook(path) as workbook:
        for name, frame in frames.items():
            frame.write_excel(workbook=workbook, worksheet=name, autofit=False)
    return path


def write_json(path: Path, frame: pl.DataFrame, envelope: bool = True) -> Path:
    """Records as the index service returns them: numbers as JSON numbers, codes as text."""
    numeric = ["TDGQ", "MDHL", "MDSH", "TTTT", "CLGQ", "CKMB", "TONG_SCORE"]
    records = [{k: (float(v) if k in numeric and v is not None else v) for k, v in row.items()}
               for row in frame.to_dicts()]
    body = {"data": records} if envelope else records
    path.write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")
    return path


def test_the_real_export_loads_from_the_command_line_and_again_changes_nothing(wh):
    done = cli("load", "--warehouse", wh, REAL)
    assert done.returncode == 0, done.stderr
    assert "34 tỉnh, 15 sở ngành, 102 xã phường" in done.stderr
    assert "bỏ qua trang tính không có cột điểm: 'Xu hướng tháng', 'Xu hướng quý'" in done.stderr
    assert counts(wh) == {("month", "2025-10", "province"): 34, ("month", "2025-10", "department"): 15,
                          ("year_to_date", "2025-10", "province"): 34,
                          ("year_to_date", "2025-10", "commune"): 102}
    h49 = q(wh, """select scope, points_timeliness, points_satisfaction, points_digitisation, points_payment,
                          points_online, points_transparency, total_points, portal_rank, portal_name,
                          source_sheet, source_row
                   from raw_published_766 where portal_code = 'H49' order by scope""")
    assert h49 == [("month", 17.66, 17.89, 20.22, 8.73, 8.07, 18.0, 90.57, 2, "UBND tỉnh Quảng Ninh",
                    "Điểm tháng", 3),
                   ("year_to_date", 18.09, 17.7, 20.17, 9.89, 8.36, 14.84, 89.05, 8, "UBND tỉnh Quảng Ninh",
                    "Điểm năm", 9)]
    before = q(wh, "select * from raw_published_766 order by scope, portal_code")
    [again] = load(wh, REAL)
    assert (again.loaded, again.rejected, again.unusable) == (185, 0, None)
    assert "tháng 10/2025: 34 tỉnh, 15 sở ngành: không thay đổi (giống hệt lần nạp trước)" in again.summary()
    # every row as it was, the load it came from included
    assert q(wh, "select * from raw_published_766 order by scope, portal_code") == before


def test_a_damaged_cell_rejects_its_row_with_the_sheet_row_and_reason_and_keeps_the_others(wh, tmp_path):
    frames = sheets()
    dept = frames["Sở Ban"]
    # spreadsheet rows: header 1, H01.13 row 2, H01.04 row 3, H01.15 row 4
    dept = dept.with_columns(
        pl.when(pl.col("MA_COQUAN") == "H01.04").then(pl.lit("abc")).otherwise(pl.col("TDGQ")).alias("TDGQ"),
        pl.when(pl.col("MA_COQUAN") == "H01.15").then(pl.lit("18.5")).otherwise(pl.col("MDHL")).alias("MDHL"))
    communes = frames["Xã Phường"].with_columns(
        pl.when(pl.col("MA_COQUAN") == "H01.187").then(pl.lit("-1")).otherwise(pl.col("TTTT")).alias("TTTT"))
    path = write_workbook(tmp_path / "diem_766_2025-10_hong.xlsx",
                          {**frames, "Sở Ban": dept, "Xã Phường": communes})
    [result] = load(wh, path)
    assert (result.read, result.loaded, result.rejected, result.unusable) == (185, 182, 3, None)
    assert dict(result.reasons) == {
        "trang tính 'Sở Ban', dòng 3: điểm TDGQ không phải số (abc)": 1,
        "trang tính 'Sở Ban', dòng 4: điểm MDHL vượt điểm tối đa 18 (18.5)": 1,
        "trang tính 'Xã Phường', dòng 2: điểm TTTT âm (-1)": 1,
    }
    assert q(wh, "select source_row, record_key, field, value from quarantine order by record_key") == [
        (3, "Sở Ban · H01.04", "TDGQ", "abc"), (4, "Sở Ban · H01.15", "MDHL", "18.5"),
        (2, "Xã Phường · H01.187", "TTTT", "-1")]
    assert counts(wh)[("month", "2025-10", "department")] == 13
    assert counts(wh)[("year_to_date", "2025-10", "commune")] == 101
    assert counts(wh)[("month", "2025-10", "province")] == 34


def test_a_file_without_a_period_is_refused_with_how_to_give_it(wh, tmp_path):
    path = shutil.copy(REAL, tmp_path / "diem_766_an_giang.xlsx")
    [result] = load(wh, path)
    assert result.unusable is not None and "thêm --period YYYY-MM" in result.unusable
    assert result.loaded == 0 and counts(wh) == {}
    done = cli("load", "--warehouse", wh, path)
    assert done.returncode == 2 and "--period YYYY-MM" in done.stderr
    done = cli("load", "--warehouse", wh, path, "--period", "2025-13")
    assert done.returncode == 2 and "kỳ không hợp lệ" in done.stderr


def test_period_option_wins_over_the_file_name_and_periods_accumulate(wh, tmp_path):
    from etl.load import load_files
    from tests.conftest import NOW

    load_files(wh, [REAL], progress=lambda m: None, now=NOW, period="2025-09")
    assert set(counts(wh)) == {("month", "2025-09", "province"), ("month", "2025-09", "department"),
                               ("year_to_date", "2025-09", "province"),
                               ("year_to_date", "2025-09", "commune")}
    load(wh, REAL)   # the name's 2025-10: a second period beside the first, the history
    assert sum(counts(wh).values()) == 2 * 185


def test_json_records_load_like_the_sheet_and_replace_only_their_own_set(wh, tmp_path):
    load(wh, REAL)
    month = sheets()["Điểm tháng"]
    # the provinces of the month again, as the service's envelope, one province's total corrected
    changed = month.with_columns(
        pl.when(pl.col("MA_COQUAN") == "H49").then(pl.lit("90.6")).otherwise(pl.col("TONG_SCORE"))
        .alias("TONG_SCORE"))
    [result] = load(wh, write_json(tmp_path / "diem_tinh_thang_T10_2025.json", changed))
    assert (result.fmt, result.kind, result.loaded, result.rejected) == ("envelope", "published_766", 34, 0)
    assert "tháng 10/2025: 34 tỉnh: thay thế số liệu đã nạp của kỳ này" in result.summary()
    assert q(wh, "select total_points, source_sheet, source_row from raw_published_766 "
                 "where portal_code = 'H49' and scope = 'month'") == [(90.6, None, 2)]
    # the departments of the same month and the year to date came from the workbook and stay
    assert counts(wh)[("month", "2025-10", "department")] == 15
    assert q(wh, "select count(distinct load_id) from raw_published_766") == [(2,)]
    # the same records as a plain array, the year to date by --scope: the stored rows are identical
    from etl.load import load_files
    from tests.conftest import NOW

    ytd = sheets()["Điểm năm"]
    [same] = load_files(wh, [write_json(tmp_path / "diem_nam_2025-10.json", ytd, envelope=False)],
                        progress=lambda m: None, now=NOW, scope="year_to_date")
    assert (same.fmt, same.loaded) == ("json", 34)
    assert "34 tỉnh: không thay đổi" in same.summary()


def test_the_demo_ships_the_real_october_table():
    from etl.load_published import REFERENCE_FILE

    assert REFERENCE_FILE.read_bytes() == REAL.read_bytes()
