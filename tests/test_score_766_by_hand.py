"""The Decision 766 index (agg_score_766, agg_score_766_indicator, agg_pakn_rating, queries_766) on the
hand-made agencies S, T, E and the communes around the reorganisation, against answers worked out by
hand (tests/score766_fixtures.py): the data table of maxima and thresholds (and the portal's published
scores), every indicator and group of an agency, PAKN and rating counts, the registry KPIs, and the
queries the pages use.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from tests.score766_fixtures import make_766
from ui import components
from warehouse import queries, queries_766, queries_targets
from warehouse.metrics import METRICS

# the portal's published scores of October 2025, public data shipped with the tests (tests/data/README.md)
REAL_SCORES = Path(__file__).parent / "data" / "766_scores_2025-10_an_giang_export.xlsx"


@pytest.fixture(scope="module")
def r(tmp_path_factory):
    reader = make_766(tmp_path_factory.mktemp("score766"))
    yield reader
    reader.close()


def indicators(r, agency, kind="month", key="2025-03") -> dict[str, dict]:
    rows = r.query("select * from agg_score_766_indicator where period_kind = ? and period_key = ? "
                   "and agency_code = ?", [kind, key, agency])
    return {row["indicator_key"]: row for row in rows.iter_rows(named=True)}


def score(r, agency, kind="month", key="2025-03") -> dict:
    return r.query("select * from agg_score_766 where period_kind = ? and period_key = ? and agency_code = ?",
                   [kind, key, agency]).row(0, named=True)


# ---- the data table --------------------------------------------------------------------------

def test_the_data_table_adds_up_to_100_and_each_group_to_its_maximum(r):
    groups = dict(r.query("select group_key, max_points from ref_766_group").rows())
    assert groups == {"transparency": 18, "timeliness": 20, "online": 12, "payment": 10,
                      "digitisation": 22, "satisfaction": 18}          # docs/domain.md
    assert sum(groups.values()) == 100
    ind = r.query("select * from ref_766_indicator")
    per_group = dict(ind.group_by("group_key").agg(pl.col("max_points").sum()).rows())
    assert per_group == groups
    assert ind["indicator_key"].is_unique().all()
    assert ((ind["threshold"] > 0) & (ind["threshold"] <= 1)).all()
    assert set(ind["when_empty"]) <= {"full", "no_data"}
    assert set(ind["source"]) <= {"dossier", "procedure", "pakn", "rating", "external"}
    # the portal's numbers (docs/score_766.md): timeliness 20 x the 766 ratio; 6 + 6 + 6 of satisfaction;
    # the thresholds given
    by_key = {row["indicator_key"]: row for row in ind.iter_rows(named=True)}
    assert (by_key["timeliness_766"]["max_points"], by_key["timeliness_766"]["threshold"]) == (20, 1)
    satisfaction = ("pakn_on_time", "pakn_satisfaction", "receiving_satisfaction")
    assert [by_key[k]["max_points"] for k in satisfaction] == [6, 6, 6]
    assert by_key["pakn_on_time"]["when_empty"] == "full"                     # "full if no PAKN"
    assert (by_key["procedures_online"]["threshold"], by_key["online_share"]["threshold"],
            by_key["digitised_dossiers"]["threshold"], by_key["receiving_satisfaction"]["threshold"]) == \
        (0.8, 0.5, 0.8, 0.9)
    bands = r.query("select min_points from ref_766_band order by min_points")["min_points"].to_list()
    assert bands[0] == 0 and bands == sorted(set(bands))


def test_group_maxima_match_the_published_scores(r):
    """The portal's export names the groups by code; no published group score exceeds our maximum,
    the total is the sum of the six, and where someone scored full marks, that is our maximum."""
    groups = dict(r.query("select portal_code, max_points from ref_766_group").rows())
    for sheet in ("Sở Ban", "Xã Phường"):
        real = pl.read_excel(REAL_SCORES, sheet_name=sheet).with_columns(
            pl.col(list(groups) + ["TONG_SCORE"]).cast(pl.Float64))
        for code, maximum in groups.items():
            assert real[code].min() >= 0 and real[code].max() <= maximum + 1e-9, (sheet, code)
        total = real.select(pl.sum_horizontal(list(groups)))[:, 0]
        assert ((total - real["TONG_SCORE"]).abs() < 0.011).all()
    # the groups whose maximum someone reached (online services tops at 10 of 12, digitisation at 20.75)
    both = pl.concat([pl.read_excel(REAL_SCORES, sheet_name=s) for s in ("Sở Ban", "Xã Phường")])
    for code in ("TDGQ", "MDHL", "TTTT", "CKMB"):
        assert both[code].cast(pl.Float64).max() == pytest.approx(groups[code]), code


# ---- one agency's indicators, by hand ---------------------------------------------------------

EXPECTED_S = {  # indicator: (numerator, denominator, points)
    "procedures_published": (1, 2, 2.25),
    "procedures_publicised": (2, 2, 4.5),
    "procedures_complete": (1, 1, 4.5),
    "dossiers_synced": (6, 7, 4.5 * 6 / 7),
    "timeliness_766": (5, 8, 12.5),
    "procedures_online": (1, 2, 3.75),
    "online_share": (2, 5, 4.8),
    "online_payment": (3, 5, 6.0),
    "electronic_results": (4, 6, 8 * 4 / 6),
    "digitised_dossiers": (5, 7, 8 * (5 / 7) / 0.8),
    "pakn_on_time": (2, 5, 2.4),
    "pakn_satisfaction": (1, 2, 3.0),
    "receiving_satisfaction": (3, 4, 5.0),
}


def test_every_indicator_of_an_agency_matches_the_hand_count(r):
    got = indicators(r, "S")
    assert set(got) == set(EXPECTED_S) | {"data_reuse"}
    for key, (num, den, points) in EXPECTED_S.items():
        row = got[key]
        assert (row["numerator"], row["denominator"], row["status"]) == (num, den, "scored"), key
        assert row["ratio"] == pytest.approx(num / den), key
        assert row["points"] == pytest.approx(points), key
        assert row["points_lost"] == pytest.approx(row["max_points"] - points), key
    reuse = got["data_reuse"]
    assert (reuse["status"], reuse["points"], reuse["points_lost"], reuse["has_data"]) == \
        ("no_data", None, None, False)


def test_group_points_total_and_maximum_attainable(r):
    row = score(r, "S")
    assert row["points_transparency"] == pytest.approx(2.25 + 4.5 + 4.5 + 4.5 * 6 / 7)    # 15.107143
    assert row["points_timeliness"] == pytest.approx(12.5)
    assert row["points_online"] == pytest.approx(8.55)
    assert row["points_payment"] == pytest.approx(6.0)
    assert row["points_digitisation"] == pytest.approx(8 * 4 / 6 + 8 * (5 / 7) / 0.8)   # 12.476190
    assert row["points_satisfaction"] == pytest.approx(10.4)
    assert row["total_points"] == pytest.approx(65.033333, abs=1e-6)
    assert (row["max_points"], row["attainable_points"], row["indicators_no_data"]) == (100, 94, 1)
    assert row["points_lost"] == pytest.approx(94 - 65.033333, abs=1e-6)
    assert row["band_label"] == "Trung bình"                                   # 50 <= 65.0 < 70
    assert row["score_of_attainable"] == pytest.approx(100 * 65.033333 / 94, abs=1e-5)


def test_the_766_timeliness_indicator_is_the_registry_kpi(r):
    """Same numerator and denominator as METRICS['timeliness_766'] over agg_periodic_report."""
    m = METRICS["timeliness_766"]
    value = r.query(f"select {m.sql()} from agg_periodic_report where period_kind = 'month' "
                            "and period_key = '2025-03' and agency_code = 'S'")[0, 0]
    assert indicators(r, "S")["timeliness_766"]["ratio"] == pytest.approx(value) == pytest.approx(0.625)


def test_a_tiny_agency(r):
    got = indicators(r, "T")
    points = {k: v["points"] for k, v in got.items()}
    expected = {"procedures_published": 4.5, "procedures_publicised": 0.0, "procedures_complete": 4.5,
                "dossiers_synced": 4.5, "timeliness_766": 10.0, "procedures_online": 6.0, "online_share": 6.0,
                "online_payment": 10.0, "electronic_results": 4.0, "digitised_dossiers": 5.0,
                "pakn_on_time": 6.0, "pakn_satisfaction": 6.0}
    for key, value in expected.items():
        assert points[key] == pytest.approx(value), key
    assert points["data_reuse"] is None and points["receiving_satisfaction"] is None
    # no fee dossier, no PAKN: nothing to judge, full points, said so; no rating: no data
    assert {k: got[k]["status"] for k in ("online_payment", "pakn_on_time", "pakn_satisfaction",
                                          "receiving_satisfaction")} == {
        "online_payment": "no_cases", "pakn_on_time": "no_cases", "pakn_satisfaction": "no_cases",
        "receiving_satisfaction": "no_data"}
    row = score(r, "T")
    assert (row["peer_group"], row["total_points"], row["attainable_points"]) == \
        ("commune", pytest.approx(66.5), 88)
    assert row["points_lost"] == pytest.approx(21.5)


def test_an_agency_without_dossiers(r):
    got = indicators(r, "E")
    assert {k for k, v in got.items() if v["has_data"]} == {"pakn_on_time", "pakn_satisfaction"}
    assert all(v["points"] is None for k, v in got.items() if not v["has_data"])
    row = score(r, "E")
    assert (row["total_points"], row["attainable_points"], row["points_lost"]) == (12.0, 12.0, 0.0)
    assert row["points_timeliness"] is None and row["points_satisfaction"] == 12.0


def test_no_input_at_all_is_no_data_not_zero(r):
    """January 2025: no dossier, PAKN or rating anywhere yet."""
    row = score(r, "S", key="2025-01")
    assert row["total_points"] is None and row["band_label"] is None
    assert (row["attainable_points"], row["points_lost"], row["indicators_no_data"]) == (0, 0, 14)
    # February: PAKN are recorded (from 01/02), ratings not yet (from 08/03): S's receiving satisfaction
    # is no data although S had dossiers; its PAKN are judged (K5, K6)
    feb = indicators(r, "S", key="2025-02")
    assert feb["receiving_satisfaction"]["status"] == "no_data"
    assert feb["pakn_on_time"]["status"] == "scored"
    # K6 resolved 14/02 before its due date 15/02; K5 open at 28/02 and overdue (due 24/02): 1 of 2
    assert (feb["pakn_on_time"]["numerator"], feb["pakn_on_time"]["denominator"]) == (1, 2)


def test_a_period_straddling_the_reorganisation(r):
    """rep_month 2025-07 (15/06 to 14/07/2025): the old commune (until 30/06) and the new one (from
    01/07) are both scored, each on its own dossiers. OLD: O1 early, O2 open and overdue at 14/07
    (due 02/07) -> 1/2 -> 10 points; no PAKN -> 6 + 6. NEW: N1 late -> 0 of 20; K7 on time, satisfied
    -> 6 + 6. August: OLD is not scored although O2 is still open (it no longer exists)."""
    straddle = r.query("select agency_code from agg_score_766 where period_kind = 'rep_month' "
                       "and period_key = '2025-07'")["agency_code"].to_list()
    assert {"OLD", "NEW"} <= set(straddle)
    old, new = indicators(r, "OLD", "rep_month", "2025-07"), indicators(r, "NEW", "rep_month", "2025-07")
    assert old["timeliness_766"]["points"] == pytest.approx(10.0)
    assert (new["timeliness_766"]["numerator"], new["timeliness_766"]["denominator"]) == (0, 1)
    assert new["timeliness_766"]["points"] == 0.0
    assert (new["pakn_on_time"]["status"], new["pakn_on_time"]["points"]) == ("scored", 6.0)
    assert (old["pakn_on_time"]["status"], old["pakn_on_time"]["points"]) == ("no_cases", 6.0)
    for kind, key in (("month", "2025-08"), ("month", "2025-07"), ("quarter", "2025-Q3")):
        agencies = r.query("select agency_code from agg_score_766 where period_kind = ? and period_key = ?",
                           [kind, key])["agency_code"].to_list()
        assert "OLD" not in agencies and "NEW" in agencies, (kind, key)
    # ...and in June the new commune does not exist yet
    june = r.query("select agency_code from agg_score_766 "
                   "where period_kind = 'month' and period_key = '2025-06'")
    assert "NEW" not in june["agency_code"].to_list() and "OLD" in june["agency_code"].to_list()
    # the year 2025 has both, in the same peer group, each with its own dossiers
    year_old, year_new = score(r, "OLD", "year", "2025"), score(r, "NEW", "year", "2025")
    assert year_old["points_timeliness"] == pytest.approx(10.0)   # O1 timely, O2 overdue at 31/12
    assert year_new["points_timeliness"] == 0.0


# ---- PAKN and ratings summary, registry KPIs -------------------------------------------------

def test_pakn_and_rating_counts(r):
    row = r.query("select * from agg_pakn_rating where period_kind = 'month' and period_key = '2025-03' "
                  "and agency_code = 'S'").row(0, named=True)
    keys = ("pakn_carried_over", "pakn_received_new", "pakn_total", "pakn_resolved", "pakn_resolved_on_time",
            "pakn_resolved_late", "pakn_open", "pakn_open_not_due", "pakn_open_overdue", "pakn_on_time",
            "pakn_rated", "pakn_satisfied", "ratings", "ratings_satisfied", "ratings_scored",
            "ratings_score_sum")
    assert {k: row[k] for k in keys} == dict(
        pakn_carried_over=1, pakn_received_new=4, pakn_total=5, pakn_resolved=3, pakn_resolved_on_time=1,
        pakn_resolved_late=2, pakn_open=2, pakn_open_not_due=1, pakn_open_overdue=1, pakn_on_time=2,
        pakn_rated=2, pakn_satisfied=1, ratings=4, ratings_satisfied=3, ratings_scored=3,
        ratings_score_sum=5 + 4 + 2)


def test_registry_kpis_for_pakn_and_satisfaction(r):
    assert METRICS["pakn_on_time_rate"].table == "agg_pakn_rating"
    assert METRICS["on_time_rate"].table == "agg_periodic_report"            # unchanged default
    summary = queries.province_summary(r, "month", "2025-03").row(0, named=True)
    assert summary["pakn_on_time_rate"] == pytest.approx(2 / 5)
    assert summary["pakn_satisfaction_rate"] == pytest.approx(1 / 2)
    assert summary["satisfaction_rate"] == pytest.approx(3 / 4)
    assert summary["received_new"] == 7 + 2                                # S and T: dossier sums unchanged
    # June: no rating, so no satisfaction rate (empty, not zero); K3 and K4 are still open and overdue
    june = queries.province_summary(r, "month", "2025-06").row(0, named=True)
    assert june["satisfaction_rate"] is None and june["pakn_on_time_rate"] == 0.0
    trend = queries.province_trend(r, "month")
    march = trend.filter(pl.col("period_key") == "2025-03").row(0, named=True)
    assert march["satisfaction_rate"] == pytest.approx(0.75) and march["finished"] == 6 + 2
    ranked = queries_targets.ranking(r, "month", "2025-03", "department", "pakn_on_time_rate", min_volume=1)
    s = ranked.filter(pl.col("agency_code") == "S").row(0, named=True)
    assert (s["value"], s["volume"], s["rank"]) == (pytest.approx(0.4), 5, 1)


# ---- queries for the pages -------------------------------------------------------------------

def test_score_table_of_a_peer_group(r):
    table = queries_766.score_table(r, "month", "2025-03", "department")
    # S 65.03, E 12 (only its PAKN indicators have input)
    assert table["agency_code"].to_list() == ["S", "E"]
    assert table["rank"].to_list() == [1, 2]
    communes = queries_766.score_table(r, "month", "2025-03", "commune")
    assert communes.filter(pl.col("agency_code") == "T")["total_points"][0] == pytest.approx(66.5)


def test_one_agency_sorted_by_points_to_win_back(r):
    """S's points lost: timeliness 7.5, payment 4.0, PAKN on time 3.6, PAKN satisfaction 3.0,
    electronic results 2.666667, published 2.25 and offered online 2.25 (transparency first), online
    share 1.2, receiving satisfaction 1.0, digitised 0.857143, synced 0.642857, publicised 0, complete 0;
    reuse (no data) last. Dossiers needed for full points: timeliness ceil(1 x 8) - 5 = 3; payment
    5 - 3 = 2; online share ceil(0.5 x 5) - 2 = 1; digitised ceil(0.8 x 7) - 5 = 1; ratings
    ceil(0.9 x 4) - 3 = 1; procedures online ceil(0.8 x 2) - 1 = 1."""
    got = queries_766.agency_indicators(r, "month", "2025-03", "S")
    assert got["indicator_key"].to_list() == [
        "timeliness_766", "online_payment", "pakn_on_time", "pakn_satisfaction", "electronic_results",
        "procedures_published", "procedures_online", "online_share", "receiving_satisfaction",
        "digitised_dossiers", "dossiers_synced", "procedures_publicised", "procedures_complete", "data_reuse"]
    needed = dict(zip(got["indicator_key"], got["needed"]))
    assert {k: needed[k] for k in ("timeliness_766", "online_payment", "online_share", "digitised_dossiers",
                                   "receiving_satisfaction", "procedures_online", "procedures_complete")} == {
        "timeliness_766": 3, "online_payment": 2, "online_share": 1, "digitised_dossiers": 1,
        "receiving_satisfaction": 1, "procedures_online": 1, "procedures_complete": None}
    assert got.filter(pl.col("indicator_key") == "data_reuse")["status_label"][0] == "Không có dữ liệu"
    groups = queries_766.agency_groups(r, "month", "2025-03", "S")
    assert groups["group_key"].to_list() == ["transparency", "timeliness", "online", "payment",
                                             "digitisation", "satisfaction"]
    dig = groups.filter(pl.col("group_key") == "digitisation").row(0, named=True)
    assert (dig["max_points"], dig["attainable_points"], dig["indicators_no_data"]) == (22, 16, 1)
    one = queries_766.agency_score(r, "month", "2025-03", "S")
    assert (one["rank"], one["ranked_count"]) == (1, 2)
    trend = queries_766.score_trend(r, "month", "S")
    assert trend.filter(pl.col("period_key") == "2025-03")["total_points"][0] == pytest.approx(65.033333)


def test_the_heatmap_scores_each_group_out_of_the_points_with_input(r):
    """Departments in March 2025: S's digitisation has 12.476190 points of the 16 with input (reuse,
    6 points, has none); E has no dossier input, so it is no one in that cell. Satisfaction: S 10.4
    of 18, E 12 of the 12 of its PAKN indicators (no ratings): on average 11.2 of 15."""
    got = queries_766.peer_group_groups(r, "month", "2025-03")
    dept = {row["group_key"]: row
            for row in got.filter(pl.col("peer_group") == "department").iter_rows(named=True)}
    dig = dept["digitisation"]
    assert (dig["agencies"], dig["attainable_points"], dig["max_points"]) == (1, 16, 22)
    assert dig["points"] == pytest.approx(8 * 4 / 6 + 8 * (5 / 7) / 0.8)
    sat = dept["satisfaction"]
    assert (sat["agencies"], sat["attainable_points"], sat["max_points"]) == (2, 15, 18)
    assert sat["points"] == pytest.approx((10.4 + 12) / 2)
    share, text = components.score_766_cell(dig["points"], dig["attainable_points"], dig["max_points"])
    assert share == pytest.approx(12.476190 / 16, abs=1e-6)
    assert text == "12,5/16<br>6 điểm không<br>có dữ liệu"
