"""The portal's published 766 scores beside ours (warehouse/queries_published.py): each cause rule on
hand-made rows, and a small warehouse where the published rows are written by hand.

The warehouse is tests/test_report_rules.py's March 2025 set (agency A; B has no dossier in 2025). Our
score of A (agg_score_766, docs/score_766.md): February 0 + 16 + 0 + 10 + 0 = 26 with "Mức độ hài
lòng" without input (no rating, no PAKN); March 0 + 13,33 + 4 + 10 + 0 = 27,33, satisfaction again
without input.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from tests.conftest import make_warehouse
from warehouse import queries_published as q
from warehouse import store
from warehouse.queries_766 import GROUP_COLUMNS

XLSX = Path(__file__).parent / "data" / "766_scores_2025-10_an_giang_export.xlsx"
LABELS = {"transparency": "Công khai, minh bạch", "timeliness": "Tiến độ, kết quả giải quyết",
          "online": "Dịch vụ công trực tuyến", "payment": "Thanh toán trực tuyến",
          "digitisation": "Số hóa hồ sơ", "satisfaction": "Mức độ hài lòng"}
# the six groups in GROUP_COLUMNS' order: transparency, timeliness, online, payment, digitisation,
# satisfaction
A_FEBRUARY = (0.0, 16.0, 0.0, 10.0, 0.0, None)
A_MARCH_PUBLISHED = (0.0, 13.33, 4.0, 10.0, 0.0, 15.0)   # the portal has ratings: 15 points
PROVINCES = [("H91", "UBND tỉnh Khác", 95.0, 1), ("H90", "UBND tỉnh Thử", 90.57, 2),
             ("H92", "UBND tỉnh Thứ Ba", 80.0, 3)]


def published_row(scope, period, kind, code, name, groups, total=None, rank=None, simulated=False) -> dict:
    points = dict(zip(GROUP_COLUMNS, groups))
    if total is None and any(v is not None for v in groups):
        total = round(sum(v for v in groups if v is not None), 2)
    return {"scope": scope, "period_key": period, "agency_kind": kind, "portal_code": code,
            "portal_name": name, **points, "total_points": total, "portal_rank": rank, "simulated": simulated}


def published_frame(rows: list[dict]) -> pl.DataFrame:
    schema = {"scope": pl.String, "period_key": pl.String, "agency_kind": pl.String, "portal_code": pl.String,
              "portal_name": pl.String, **{c: pl.Float64 for c in GROUP_COLUMNS}, "total_points": pl.Float64,
              "portal_rank": pl.Int32, "simulated": pl.Boolean}
    return pl.DataFrame(rows, schema=schema)


HAND_ROWS = [
    # February: the portal publishes A exactly as we compute it
    published_row("month", "2025-02", "department", "H90.01", "Đơn vị A - tỉnh Thử", A_FEBRUARY),
    # March: the portal scores satisfaction, we have no input for it; B has no dossier here;
    # a department of the portal that is none of ours
    published_row("month", "2025-03", "department", "H90.01", "Đơn vị A - tỉnh Thử", A_MARCH_PUBLISHED),
    published_row("month", "2025-03", "department", "H90.02", "Đơn vị B - tỉnh Thử",
                  (18.0, 20.0, 12.0, 10.0, 22.0, 18.0)),
    published_row("month", "2025-03", "department", "H90.07", "Sở Không Có - tỉnh Thử",
                  (18.0, 20.0, 12.0, 10.0, 22.0, 18.0)),
    *[published_row("month", "2025-03", "province", code, name, (None,) * 6, total=total, rank=rank)
      for code, name, total, rank in PROVINCES],
    # year to date through March: A's March scores again, against our whole year 2025
    published_row("year_to_date", "2025-03", "department", "H90.01", "Đơn vị A - tỉnh Thử",
                  (0.0, 13.33, 4.0, 10.0, 0.0, None)),
]


def add_xlsx_provinces(directory: Path) -> None:
    """The public file loaded as a user loads it (`etl load`): its 34 provinces, month and year to date
    (and An Giang's departments and communes, which are not this warehouse's)."""
    from etl.load import load_files

    results = load_files(directory, [XLSX], progress=lambda _line: None)
    assert not results[0].unusable and results[0].rejected == 0, results[0].summary()


@pytest.fixture(scope="module")
def hand_reader(tmp_path_factory):
    from tests.test_report_rules import MARCH

    r = make_warehouse(tmp_path_factory.mktemp("published"), MARCH,
                       extra_tables={"raw_published_766": published_frame(HAND_ROWS)})
    yield r
    r.close()


def _row(frame: pl.DataFrame, portal_code: str) -> dict:
    return frame.filter(pl.col("portal_code") == portal_code).row(0, named=True)


# ---------------------------------------------------------------------------- the rules, row by row

def rule_row(**changes) -> dict:
    """A matched agency whose six groups and total are the same on both sides (20 points each)."""
    row = {"agency_code": "A", "portal_code": "H90.01", "match_method": "name", "has_score": True,
           "our_dossiers": 40, "our_until": dt.date(2025, 3, 31), "published_until": dt.date(2025, 3, 31)}
    for c in [*GROUP_COLUMNS, "total_points"]:
        row[f"pub_{c}"] = row[f"our_{c}"] = 20.0
    row.update(changes)
    for c in [*GROUP_COLUMNS, "total_points"]:
        ours, pub = row[f"our_{c}"], row[f"pub_{c}"]
        row[f"diff_{c}"] = None if ours is None or pub is None else ours - pub
    return row


def test_equal_scores_have_no_cause():
    assert q.cause(rule_row(), LABELS) == (None, None)
    # the portal's two decimals: 20,004 against 20 is the same score
    assert q.cause(rule_row(our_total_points=20.004), LABELS) == (None, None)


def test_unmatched_agency_says_how_to_correct_it():
    code, words = q.cause(rule_row(agency_code=None, match_method=None), LABELS)
    assert code == "unmatched" and "H90.01" in words and "tệp đối chiếu" in words
    code, words = q.cause(rule_row(agency_code=None, match_method="mapping"), LABELS)
    assert code == "unmatched" and words.startswith("Tệp đối chiếu ghi: không có cơ quan tương ứng")


def test_no_score_on_our_side():
    assert q.cause(rule_row(has_score=False, our_total_points=None), LABELS)[0] == "no_dossiers"


def test_a_group_without_input_on_our_side_explains_the_gap():
    code, words = q.cause(rule_row(our_points_satisfaction=None, our_total_points=100.0), LABELS)
    assert code == "missing_input"
    assert words == "Phía ta không có dữ liệu đầu vào cho nhóm “Mức độ hài lòng” (Cổng: 20,00 điểm)"


def test_a_different_window():
    code, words = q.cause(rule_row(our_total_points=21.0, our_until=dt.date(2025, 12, 31)), LABELS)
    assert code == "window"
    assert words == ("Khác khoảng thời gian tính điểm: điểm của ta tính đến 31/12/2025, "
                     "Cổng tính đến 31/03/2025")


def test_dossiers_the_portal_counts_that_we_lack():
    # the portal's timeliness lower than ours: it counts late dossiers we do not have
    lower = rule_row(pub_points_timeliness=17.0, pub_total_points=117.0, our_total_points=120.0)
    code, words = q.cause(lower, LABELS)
    assert code == "portal_dossiers"
    assert words.endswith("“Tiến độ, kết quả giải quyết” của Cổng 17,00, của ta 20,00 trên 40 hồ sơ")
    # higher on the portal, but we have few finished dossiers: the same cause
    few = rule_row(pub_points_timeliness=20.0, our_points_timeliness=16.0, our_total_points=116.0,
                   pub_total_points=120.0, our_dossiers=3)
    assert q.cause(few, LABELS)[0] == "portal_dossiers"
    # higher on the portal with many dossiers of ours: no rule explains it
    many = {**few, "our_dossiers": 40}
    assert q.cause(many, LABELS)[0] == "other"


# ---------------------------------------------------------------------------- a hand-made warehouse

def test_published_equal_to_ours_differs_by_nothing(hand_reader):
    frame = q.agency_comparison(hand_reader, "month", "2025-02")
    a = _row(frame, "H90.01")
    assert a["agency_code"] == "A" and a["match_method"] == "name"
    assert a["diff_total_points"] == pytest.approx(0.0, abs=1e-9)
    assert a["our_points_satisfaction"] is None and a["diff_points_satisfaction"] is None
    assert (a["cause_code"], a["cause_text"]) == (None, None)


def test_missing_group_unmatched_and_unscored_in_the_warehouse(hand_reader):
    frame = q.agency_comparison(hand_reader, "month", "2025-03")
    assert frame.height == 3   # every published department of the province, none dropped
    a = _row(frame, "H90.01")
    assert a["our_total_points"] == pytest.approx(27.3333, abs=1e-4)
    assert a["diff_total_points"] == pytest.approx(27.3333 - 42.33, abs=1e-4)
    assert a["cause_code"] == "missing_input" and "“Mức độ hài lòng” (Cổng: 15,00 điểm)" in a["cause_text"]
    assert _row(frame, "H90.02")["cause_code"] == "no_dossiers"
    assert _row(frame, "H90.07")["cause_code"] == "unmatched"
    listed = q.unmatched_agencies(hand_reader)
    assert listed.select("portal_code", "portal_name", "periods").rows() == [
        ("H90.07", "Sở Không Có - tỉnh Thử", "2025-03")]


def test_year_to_date_against_our_whole_year_says_the_windows_differ(hand_reader):
    """Our year 2025 runs to the data's date 31/12/2025, the portal's year to date to 31/03/2025."""
    a = _row(q.agency_comparison(hand_reader, "year_to_date", "2025-03"), "H90.01")
    assert a["window_differs"] is True
    assert (a["our_until"], a["published_until"]) == (dt.date(2025, 12, 31), dt.date(2025, 3, 31))
    assert a["cause_code"] == "window"
    assert a["cause_text"].endswith("điểm của ta tính đến 31/12/2025, Cổng tính đến 31/03/2025")


def test_province_among_the_published(hand_reader):
    standing = q.province_standing(hand_reader, "month", "2025-03")
    assert (standing["portal_code"], standing["portal_rank"], standing["provinces"]) == ("H90", 2, 3)
    assert standing["total_points"] == 90.57 and standing["median_total"] == 90.57
    assert (standing["best_name"], standing["best_total"]) == ("UBND tỉnh Khác", 95.0)
    assert q.province_standing(hand_reader, "month", "2025-02") is None
    trend = q.province_trend(hand_reader, "month")
    assert trend.select("period_key", "portal_rank", "provinces").rows() == [("2025-03", 2, 3)]


def test_running_month_beside_the_last_published(hand_reader):
    running = q.running_month(hand_reader)
    assert running == {"as_of": dt.date(2025, 12, 31), "month": "2025-12", "last_published": "2025-03"}
    est = q.running_estimates(hand_reader, "2025-12", "2025-03")
    a = _row(est.rename({"agency_code": "portal_code"}), "A")
    # December so far 6,67 + 10 (docs/score_766.md); March published 42,33, ours 27,33
    assert a["estimate_total"] == pytest.approx(16.6667, abs=1e-4)
    assert a["published_total"] == 42.33 and a["last_our_total"] == pytest.approx(27.3333, abs=1e-4)


def test_the_demo_with_the_public_file_puts_quang_ninh_second_of_34(demo_dir, tmp_path):
    """The 34 provinces of the public file (tests/data/README.md) in the demo: Quảng Ninh (H49), the
    demo's province, found by its name, is second of 34 in October 2025 with 90,57 and eighth year to
    date with 89,05; the demo's simulated departments and communes are compared, one unmatched."""
    import shutil

    directory = Path(shutil.copytree(demo_dir, tmp_path / "wh"))
    add_xlsx_provinces(directory)
    r = store.Reader(directory)
    try:
        month = q.province_standing(r, "month", "2025-10")
        assert (month["portal_code"], month["portal_rank"], month["provinces"]) == ("H49", 2, 34)
        assert month["total_points"] == 90.57 and month["simulated"] is False
        ytd = q.province_standing(r, "year_to_date", "2025-10")
        assert (ytd["portal_rank"], ytd["total_points"]) == (8, 89.05)
        frame = q.agency_comparison(r, "month", "2025-10")
        assert frame["simulated"].all() and frame.filter(pl.col("agency_code").is_null()).height == 1
        assert set(frame["cause_code"].drop_nulls()) <= {"unmatched", "portal_dossiers"}
        assert frame.filter(pl.col("cause_code").is_null())["diff_total_points"].abs().max() <= q.TOLERANCE
    finally:
        r.close()
