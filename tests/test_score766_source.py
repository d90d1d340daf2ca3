"""`python -m etl score766 --source computed|published|both` (etl/score766.py, docs/published_766.md).

Ours: the October 2025 set of tests/test_inputs_sync.py, worked out there by hand:
  S  CKMB 18, TDGQ 20, CLGQ 12, TTTT 5.00, MDSH 16, MDHL 18, total 89.00 (unscored 6)
  H  the same but TTTT 3.33, total 87.33
Published (a JSON file of the index service, October 2025, matched by a mapping file):
  H49.12  -> S  CKMB 18, TDGQ 19.5, CLGQ 12, TTTT 4, MDSH 16.25, MDHL 18, total 87.75, rank 5
  H49.300 -> H  CKMB 18, TDGQ 20, CLGQ 12, TTTT empty (nothing published), MDSH 16, MDHL 18, total 84
Differences, ours minus published:
  S  CKMB 0, TDGQ 0.50, CLGQ 0, TTTT 1.00, MDSH -0.25, MDHL 0, total 89 - 87.75 = 1.25
  H  TTTT empty (no published figure: no difference, never 3.33), total 87.33 - 84 = 3.33
The year to date through October (loaded with --scope year_to_date) gives S a total of 88.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import polars as pl
import pytest

from tests.load_helpers import H, S, cli, load, write_text
from tests.test_inputs_sync import october_warehouse

GROUPS = ["CKMB", "TDGQ", "CLGQ", "TTTT", "MDSH", "MDHL", "TONG_SCORE"]


def record(code, name, kind, tdgq, mdhl, mdsh, tttt, clgq, ckmb, total, rank) -> dict:
    return {"ID": code, "TEN": name, "TEN_COQUAN": name, "MA_COQUAN": code, "LOAI_COQUAN": kind,
            "TDGQ": tdgq, "MDHL": mdhl, "MDSH": mdsh, "TTTT": tttt, "CLGQ": clgq, "CKMB": ckmb,
            "TONG_SCORE": total, "ROW_STT": rank}


@pytest.fixture(scope="module")
def warehouse(empty_warehouse, tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("source")
    directory = october_warehouse(empty_warehouse, base, True)
    month = [record("H49.12", "Sở Tư pháp - tỉnh Quảng Ninh", "2", 19.5, 18, 16.25, 4, 12, 18, 87.75, 5),
             record("H49.300", "UBND phường Hồng Gai - tỉnh Quảng Ninh", "3", 20, 18, 16, "", 12, 18, 84, 9)]
    ytd = [record("H49.12", "Sở Tư pháp - tỉnh Quảng Ninh", "2", 20, 18, 16, 4, 12, 18, 88, 3)]
    (base / "thang_10_2025.json").write_text(json.dumps({"data": month}, ensure_ascii=False),
                                             encoding="utf-8")
    (base / "nam_2025-10.json").write_text(json.dumps(ytd, ensure_ascii=False), encoding="utf-8")
    mapping = write_text(base / "doi_chieu.csv", f"portal_code,agency_code\nH49.12,{S}\nH49.300,{H}\n")
    results = load(directory, base / "thang_10_2025.json", mapping)
    assert [(r.loaded, r.rejected) for r in results] == [(2, 0), (2, 0)]
    done = cli("load", "--warehouse", directory, base / "nam_2025-10.json", "--scope", "year_to_date")
    assert done.returncode == 0, done.stderr
    return directory


def score(directory: Path, period: str, source: str) -> dict[str, dict]:
    done = cli("score766", "--warehouse", directory, "--period", period, "--source", source)
    assert done.returncode == 0, done.stderr
    return {r["agency_code"]: r for r in csv.DictReader(io.StringIO(done.stdout))}


def test_computed_is_the_default_and_unchanged(warehouse):
    assert score(warehouse, "2025-10", "computed") == score(warehouse, "2025-10", "computed")
    done = cli("score766", "--warehouse", warehouse, "--period", "2025-10")
    assert list(csv.DictReader(io.StringIO(done.stdout)))[0]["TONG_SCORE"] == "89.00"


def test_published_gives_the_portal_figures_of_our_matched_agencies(warehouse):
    got = score(warehouse, "2025-10", "published")
    assert list(got[S]) == ["agency_code", "agency_name", "portal_code", "portal_name", *GROUPS,
                            "portal_rank"]
    assert [got[S][c] for c in GROUPS] == ["18.00", "19.50", "12.00", "4.00", "16.25", "18.00", "87.75"]
    assert (got[S]["portal_code"], got[S]["portal_rank"]) == ("H49.12", "5")
    assert (got[H]["TTTT"], got[H]["TONG_SCORE"]) == ("", "84.00")
    # a year: its newest year to date
    assert score(warehouse, "2025", "published")[S]["TONG_SCORE"] == "88.00"


def test_both_adds_published_and_difference_columns_worked_out_by_hand(warehouse):
    got = score(warehouse, "2025-10", "both")
    assert list(got[S]) == ["agency_code", "agency_name", *GROUPS, "unscored_points",
                            *[f"published_{c}" for c in GROUPS], *[f"difference_{c}" for c in GROUPS]]
    assert [got[S][f"difference_{c}"] for c in GROUPS] == \
        ["0.00", "0.50", "0.00", "1.00", "-0.25", "0.00", "1.25"]
    assert (got[S]["TONG_SCORE"], got[S]["published_TONG_SCORE"]) == ("89.00", "87.75")
    assert (got[H]["TTTT"], got[H]["published_TTTT"], got[H]["difference_TTTT"]) == ("3.33", "", "")
    assert got[H]["difference_TONG_SCORE"] == "3.33"


def test_both_as_a_workbook_has_vietnamese_headers(warehouse, tmp_path):
    out = tmp_path / "diem.xlsx"
    done = cli("score766", "--warehouse", warehouse, "--period", "2025-10", "--source", "both",
               "--format", "xlsx", "--output", out)
    assert done.returncode == 0, done.stderr
    frame = pl.read_excel(out)
    assert "Cổng công bố: Tổng điểm" in frame.columns
    assert "Chênh lệch (tính - công bố): Tổng điểm" in frame.columns


def test_a_quarter_or_a_period_without_published_scores_is_refused(warehouse):
    done = cli("score766", "--warehouse", warehouse, "--period", "2025-Q4", "--source", "published")
    assert done.returncode == 2 and "theo tháng và lũy kế năm" in done.stderr
    done = cli("score766", "--warehouse", warehouse, "--period", "2025-09", "--source", "both")
    assert done.returncode == 2 and "chưa có điểm Cổng công bố" in done.stderr
