"""The Decision 766 index (agg_score_766, agg_score_766_indicator, agg_pakn_rating, queries_766) against
answers worked out by hand from docs/score_766.md and the data table sql/seeds/ref_766_indicator.sql.

Scoring: points = max x min(1, ratio / threshold). Maxima and thresholds of the seeded table:
transparency 4 x 4.5 (published, publicised, complete: procedures; synced: dossiers), timeliness 20,
online 6 (procedures offered online, full at 80%) + 6 (online share, full at 50%), payment 10,
digitisation 8 (electronic results) + 8 (digitised, full at 80%) + 6 (reuse: no input, always
"không có dữ liệu"), satisfaction 6 (PAKN on time, full if none) + 6 (PAKN satisfaction, full if none
rated) + 6 (ratings, full at 90%, "no data" when none).

Catalogue: P1 online 2, published, publicised, complete.  P2 online 0, published late, publicised,
completeness unknown.  P3 online 1, published, not publicised, complete.  P4 is in no catalogue.

Agency S (department), March 2025 (data as of 31/12/2025):
 id  received due    end          ch proc fee paid dig e-res note
 S1  03-03    03-10  03-07        2  P1   yes 1    yes yes   early
 S2  03-04    03-11  03-11        1  P1   yes -    yes yes   on time
 S3  03-05    03-12  03-14        1  P2   yes -    no  no    late
 S4  03-06    03-13  03-12        2  P2   no  -    yes yes   2 supplement requests: 766-late
 S5  03-10    04-10  open (4)     2  P1   yes 2    yes no    not due at 31/03
 S6  03-11    03-20  open (4)     1  P4   no  -    no  no    overdue at 31/03
 S7  02-20    03-05  03-04        1  P1   yes 1    no  no    carried over, early
 S8  03-12    03-19  03-18        1  P1   yes 1    yes yes   early
 Carried over 1 (S7), new 7. 766 timely: S1 S2 S7 S8 finished + S5 not due = 5 of 8 -> 0.625 -> 12.5.
 Online share over procedures offered online (P1, P4 unknown counts as offered; P2 is not):
   new S1 S2 S5 S6 S8 = 5, online S1 S5 = 2 -> 0.4 / 0.5 -> 6 x 0.8 = 4.8.
 Payment: new with a fee S1 S2 S3 S5 S8 = 5, paid online S1 S5 S8 = 3 -> 0.6 -> 6.0.
 Digitised: S1 S2 S4 S5 S8 = 5 of 7 new -> 0.714286 / 0.8 -> 8 x 0.892857 = 7.142857.
 Electronic results: finished S1 S2 S3 S4 S7 S8 = 6, with e-result S1 S2 S4 S8 = 4 -> 8 x 2/3 = 5.333333.
 Synced: new with a catalogue procedure 6 of 7 (S6 has P4) -> 4.5 x 6/7 = 3.857143.
 Procedures of S in March: P1 P2 P4 (S7 counts: a carried-over dossier is the agency's work too).
   published: known P1 P2, yes P1 -> 1/2 -> 2.25; publicised 2/2 -> 4.5; complete known P1 only, yes
   -> 1/1 -> 4.5; offered online: known P1 P2, P1 -> 0.5 / 0.8 -> 6 x 0.625 = 3.75.
 PAKN of S (received, due, resolved):
   K1 03-02 03-16 03-10 satisfied    resolved on time, rated
   K2 03-05 03-19 03-25 unsatisfied  resolved late, rated
   K3 03-20 04-03 -                  open, not due at 31/03: on time
   K4 03-01 03-15 -                  open, overdue
   K5 02-10 02-24 03-03 (no rating)  carried over, resolved late
   K6 02-01 02-15 02-14              resolved in February: not March's
   March: 5 to handle (K1-K5), on time K1 K3 = 2 -> 0.4 -> 2.4; rated K1 K2, satisfied K1 -> 0.5 -> 3.0.
 Ratings of S: R1 03-08 score 5; R2 03-12 score 4 (names only dossier S2: S's); R3 03-15 score 2;
   R4 03-20 "satisfied", no score; R5 04-02 (April). March: 3 of 4 satisfied -> 0.75 / 0.9 -> 5.0.
 Groups: transparency 2.25 + 4.5 + 4.5 + 3.857143 = 15.107143; timeliness 12.5; online 3.75 + 4.8 =
   8.55; payment 6.0; digitisation 5.333333 + 7.142857 = 12.476190; satisfaction 2.4 + 3.0 + 5.0 = 10.4.
 Total 65.033333 of 100; attainable 94 (reuse has no input); points lost 94 - 65.033333 = 28.966667.

Tiny agency T (commune), March: T1 03-03 due 03-05 end 03-04 in person, P3, digitised, e-result;
 T2 03-10 due 03-12 end 03-13 online, P3. No fee, no PAKN, no rating.
 transparency: published 4.5, publicised 0 (P3 not publicised), complete 4.5, synced 2/2 4.5 = 13.5;
 timeliness 1/2 -> 10; online: P3 offered (1/1) 6 + online 1/2 = 0.5 -> 6 = 12; payment: no fee
 dossier -> full 10 ("không phát sinh"); digitisation: e-result 1/2 -> 4 + digitised 1/2 -> 8 x 0.625
 = 5 -> 9; satisfaction: no PAKN -> 6 + 6, no rating -> no data = 12. Total 66.5 of attainable 88.

Agency E (department): no dossiers, no PAKN, no rating. March: only the two PAKN indicators have
 input (PAKN are loaded from 01/02/2025): full 6 + 6 = 12 of attainable 12; everything else no data.
January 2025 (before any PAKN or rating was recorded, no dossier anywhere): no input at all, for S
 too: total null, attainable 0.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import DOSSIER_SCHEMA, agencies_frame, dossier, ts
from ui import components
from warehouse import build, queries, queries_766, queries_targets, store
from warehouse.metrics import METRICS

# the portal's published scores of October 2025, public data shipped with the tests (tests/data/README.md)
REAL_SCORES = Path(__file__).parent / "data" / "766_scores_2025-10_an_giang_export.xlsx"

PROCEDURE_SCHEMA = {"procedure_code": pl.String, "procedure_name": pl.String, "field_code": pl.String,
                    "online_level": pl.Int8, "published_on_time": pl.Boolean, "publicised": pl.Boolean,
                    "info_complete": pl.Boolean}
PAKN_SCHEMA = {"pakn_id": pl.String, "agency_code": pl.String, "received_at": pl.Datetime("us"),
               "due_at": pl.Datetime("us"), "resolved_at": pl.Datetime("us"), "satisfied": pl.Boolean}
RATING_SCHEMA = {"rating_id": pl.String, "dossier_id": pl.String, "agency_code": pl.String,
                 "rated_at": pl.Datetime("us"), "score": pl.Int8, "satisfied": pl.Boolean}

PROCEDURES = [
    ("P1", "Thủ tục một", "F1", 2, True, True, True),
    ("P2", "Thủ tục hai", "F1", 0, False, True, None),
    ("P3", "Thủ tục ba", "F1", 1, True, False, True),
]
AGENCIES = [
    ("S", "Sở S", "department"),
    ("T", "UBND xã T", "commune"),
    ("E", "Sở E", "department"),
    ("OLD", "UBND xã cũ", "commune", None, dt.date(2025, 6, 30)),
    ("NEW", "UBND xã mới", "commune", dt.date(2025, 7, 1), None),
]


def d(*args, proc="P1", fee=False, paid=None, dig=False, eres=False, **kw) -> dict:
    return dossier(*args, procedure_code=proc, has_fee=fee, paid_online=paid, digitised=dig,
                   electronic_result=eres, **kw)


DOSSIERS = [
    d("S1", "2025-03-03", "2025-03-10", "2025-03-07", agency="S", channel=2, fee=True, paid=1, dig=True,
      eres=True),
    d("S2", "2025-03-04", "2025-03-11", "2025-03-11", agency="S", fee=True, dig=True, eres=True),
    d("S3", "2025-03-05", "2025-03-12", "2025-03-14", agency="S", proc="P2", fee=True),
    d("S4", "2025-03-06", "2025-03-13", "2025-03-12", agency="S", proc="P2", channel=2, dig=True, eres=True,
      supplements=2),
    d("S5", "2025-03-10", "2025-04-10", None, agency="S", status=4, channel=2, fee=True, paid=2, dig=True),
    d("S6", "2025-03-11", "2025-03-20", None, agency="S", status=4, proc="P4"),
    d("S7", "2025-02-20", "2025-03-05", "2025-03-04", agency="S", fee=True, paid=1),
    d("S8", "2025-03-12", "2025-03-19", "2025-03-18", agency="S", fee=True, paid=1, dig=True, eres=True),
    d("T1", "2025-03-03", "2025-03-05", "2025-03-04", agency="T", proc="P3", dig=True, eres=True),
    d("T2", "2025-03-10", "2025-03-12", "2025-03-13", agency="T", proc="P3", channel=2),
    # around the reorganisation (rep_month 2025-07 = 15/06/2025 to 14/07/2025)
    d("O1", "2025-06-20", "2025-06-27", "2025-06-26", agency="OLD", proc="P3", dig=True),
    d("O2", "2025-06-25", "2025-07-02", None, agency="OLD", proc="P3", status=4),
    d("N1", "2025-07-02", "2025-07-04", "2025-07-07", agency="NEW", proc="P3", channel=2),
]


def pakn(pid, agency, received, due, resolved=None, satisfied=None) -> dict:
    return dict(pakn_id=pid, agency_code=agency, received_at=ts(received), due_at=ts(due),
                resolved_at=ts(resolved), satisfied=satisfied)


PAKN = [
    pakn("K1", "S", "2025-03-02", "2025-03-16", "2025-03-10", True),
    pakn("K2", "S", "2025-03-05", "2025-03-19", "2025-03-25", False),
    pakn("K3", "S", "2025-03-20", "2025-04-03"),
    pakn("K4", "S", "2025-03-01", "2025-03-15"),
    pakn("K5", "S", "2025-02-10", "2025-02-24", "2025-03-03"),
    pakn("K6", "S", "2025-02-01", "2025-02-15", "2025-02-14", True),
    pakn("K7", "NEW", "2025-07-03", "2025-07-17", "2025-07-10", True),
]


def rating(rid, dossier_id, agency, rated, score=None, satisfied=None) -> dict:
    return dict(rating_id=rid, dossier_id=dossier_id, agency_code=agency, rated_at=ts(rated), score=score,
                satisfied=satisfied if satisfied is not None else score >= 4)


RATINGS = [
    rating("R1", "S1", "S", "2025-03-08", 5),
    rating("R2", "S2", None, "2025-03-12", 4),
    rating("R3", None, "S", "2025-03-15", 2),
    rating("R4", None, "S", "2025-03-20", None, True),
    rating("R5", None, "S", "2025-04-02", 5),
]


def tables_766(dossiers=DOSSIERS, agencies=AGENCIES, procedures=PROCEDURES, pakn_rows=PAKN,
               ratings=RATINGS) -> dict[str, pl.DataFrame]:
    return {
        "ref_agency": agencies_frame(agencies),
        "ref_procedure": pl.DataFrame(procedures, schema=PROCEDURE_SCHEMA, orient="row")
        .with_columns(pl.lit(True).alias("verified")),
        "raw_dossier": pl.DataFrame(dossiers, schema=DOSSIER_SCHEMA),
        "raw_pakn": pl.DataFrame(pakn_rows, schema=PAKN_SCHEMA),
        "raw_rating": pl.DataFrame(ratings, schema=RATING_SCHEMA),
    }


def make_766(directory: Path, as_of="2025-12-31", **inputs) -> store.Reader:
    build.build_from_frames(directory, tables_766(**inputs), meta={"as_of": as_of}, with_units=False)
    return store.Reader(directory)


class MemoryWarehouse:
    """The same build in memory (no versioned file): for the property tests, many times faster."""

    def __init__(self, as_of: str, **inputs):
        self.con = duckdb.connect()
        store.configure(self.con)
        build.create_schema(self.con)
        for table, frame in tables_766(**inputs).items():
            build.insert_frame(self.con, table, frame)
        build.set_meta(self.con, as_of=as_of)
        build.apply_sql(self.con)

    def query(self, sql: str, params=None) -> pl.DataFrame:
        return self.con.sql(sql, params=params).pl() if params else self.con.sql(sql).pl()

    def close(self) -> None:
        self.con.close()


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


# ---- properties ------------------------------------------------------------------------------

DAY0 = dt.date(2025, 1, 1)


@st.composite
def inputs(draw):
    procs = [(f"P{i}", f"Thủ tục {i}", "F1", draw(st.sampled_from([None, 0, 1, 2])),
              draw(st.sampled_from([None, True, False])), draw(st.sampled_from([None, True, False])),
              draw(st.sampled_from([None, True, False]))) for i in range(3)]
    rows = []
    for i in range(draw(st.integers(0, 25))):
        received = DAY0 + dt.timedelta(days=draw(st.integers(0, 90)))
        status = draw(st.sampled_from([2, 4, 5, 7, 8, 9, 10]))
        finished = received + dt.timedelta(days=draw(st.integers(0, 30))) if status in (7, 9, 10) else None
        rows.append(dossier(
            f"D{i}", received.isoformat(),
            (received + dt.timedelta(days=draw(st.integers(0, 15)))).isoformat(),
            None if finished is None else finished.isoformat(), agency=draw(st.sampled_from(["A", "B"])),
            status=status, channel=draw(st.sampled_from([1, 2, 3])), supplements=draw(st.integers(0, 2)),
            procedure_code=draw(st.sampled_from(["P0", "P1", "P2", "PX"])), has_fee=draw(st.booleans()),
            paid_online=draw(st.sampled_from([None, 1, 2])), digitised=draw(st.booleans()),
            electronic_result=draw(st.booleans())))
    complaints = []
    for i in range(draw(st.integers(0, 6))):
        received = DAY0 + dt.timedelta(days=draw(st.integers(0, 90)))
        resolved = draw(st.one_of(st.none(), st.integers(0, 30)))
        complaints.append(pakn(f"K{i}", draw(st.sampled_from(["A", "B", "C"])), received.isoformat(),
                               (received + dt.timedelta(days=draw(st.integers(0, 20)))).isoformat(),
                               None if resolved is None
                               else (received + dt.timedelta(days=resolved)).isoformat(),
                               draw(st.sampled_from([None, True, False]))))
    rates = [rating(f"R{i}", None, draw(st.sampled_from(["A", "B"])),
                    (DAY0 + dt.timedelta(days=draw(st.integers(0, 90)))).isoformat(), draw(st.integers(1, 5)))
             for i in range(draw(st.integers(0, 6)))]
    return rows, procs, complaints, rates


@settings(max_examples=20, deadline=None)
@given(data=inputs())
def test_groups_within_their_maximum_and_the_total_is_their_sum(data):
    rows, procs, complaints, rates = data
    reader = MemoryWarehouse("2025-04-30", dossiers=rows, procedures=procs, pakn_rows=complaints,
                             ratings=rates,
                             agencies=[("A", "Đơn vị A", "department"), ("B", "Đơn vị B", "commune")])
    try:
        maxima = dict(reader.query("select group_key, max_points from ref_766_group").rows())
        cols = {g: f"points_{g}" for g in maxima}
        scores = reader.query("select * from agg_score_766")
        assert scores.height > 0
        for row in scores.iter_rows(named=True):
            groups = {g: row[c] for g, c in cols.items()}
            for g, value in groups.items():
                assert value is None or -1e-9 <= value <= maxima[g] + 1e-9, (g, value)
            present = [v for v in groups.values() if v is not None]
            if present:
                assert row["total_points"] == pytest.approx(sum(present))
            else:
                assert row["total_points"] is None
            assert row["total_points"] is None or row["total_points"] <= row["attainable_points"] + 1e-9
            assert 0 <= row["attainable_points"] <= row["max_points"] == 100
            assert row["points_lost"] == pytest.approx(row["attainable_points"] - (row["total_points"] or 0))
        ind = reader.query("select * from agg_score_766_indicator")
        scored = ind.filter(pl.col("has_data"))
        assert ((scored["points"] >= 0) & (scored["points"] <= scored["max_points"] + 1e-9)).all()
        unscored = ind.filter(~pl.col("has_data"))
        assert unscored["points"].null_count() == unscored.height
        ratios = scored["ratio"].drop_nulls()
        assert ((ratios >= 0) & (ratios <= 1)).all()
        # the PAKN summary reconciles like the periodic report
        pk = reader.query("select * from agg_pakn_rating")
        if pk.height:
            handled = pk["pakn_carried_over"] + pk["pakn_received_new"]
            assert (handled == pk["pakn_resolved"] + pk["pakn_open"]).all()
            assert (pk["pakn_total"] == pk["pakn_resolved"] + pk["pakn_open"]).all()
            assert (pk["pakn_on_time"] <= pk["pakn_total"]).all()
    finally:
        reader.close()


# ---- the demo --------------------------------------------------------------------------------

def test_demo_totals_look_like_published_ones(demo_dir):
    """At the demo's latest full quarter (Q3 2026) departments and new communes score like the real
    published ones (An Giang, 10/2025: departments mostly 80-95, communes 75-95)."""
    reader = store.Reader(demo_dir)
    try:
        scores = reader.query("select peer_group, total_points from agg_score_766 "
                              "where period_kind = 'quarter' and period_key = '2026-Q3'")
        dep = scores.filter(pl.col("peer_group") == "department")["total_points"]
        com = scores.filter(pl.col("peer_group") == "commune")["total_points"]
        assert dep.len() == 14 and com.len() == 54
        assert ((dep >= 80) & (dep <= 95)).mean() >= 0.7
        assert ((com >= 75) & (com <= 95)).mean() >= 0.7
        assert dep.max() < 100 and com.min() > 50
        # every input the demo provides is used: only the reuse indicator lacks data everywhere
        missing = reader.query("select indicator_key, bool_and(not has_data) as never "
                               "from agg_score_766_indicator "
                               "where period_kind = 'quarter' and period_key = '2026-Q3' group by 1")
        assert set(missing.filter(pl.col("never"))["indicator_key"]) == {"data_reuse"}
    finally:
        reader.close()


def test_demo_inputs_are_deterministic_for_the_seed():
    from etl import demo, demo_inputs
    from etl import demo_reference as ref

    agencies = ref.agencies()
    dossiers = demo.generate_dossiers(agencies, seed=3, scale=0.01, as_of=dt.date(2025, 12, 31))
    first = demo_inputs.generate_pakn(agencies, dossiers, seed=3, as_of=dt.date(2025, 12, 31))
    again = demo_inputs.generate_pakn(agencies, dossiers, seed=3, as_of=dt.date(2025, 12, 31))
    other = demo_inputs.generate_pakn(agencies, dossiers, seed=4, as_of=dt.date(2025, 12, 31))
    assert first.equals(again) and not first.equals(other)
    ratings = demo_inputs.generate_ratings(agencies, dossiers, seed=3, as_of=dt.date(2025, 12, 31))
    end_2025 = dt.date(2025, 12, 31)
    assert ratings.equals(demo_inputs.generate_ratings(agencies, dossiers, seed=3, as_of=end_2025))
    # plausible: answered after received, rated after the result, nothing after the data's date
    resolved = first.filter(pl.col("resolved_at").is_not_null())
    assert (resolved["resolved_at"] >= resolved["received_at"]).all()
    assert first["received_at"].max().date() <= dt.date(2025, 12, 31)
    assert ratings["rated_at"].max().date() <= dt.date(2025, 12, 31)
    assert set(ratings["score"].unique()) <= {1, 2, 3, 4, 5}
    assert (ratings["satisfied"] == (ratings["score"] >= 4)).all()
    assert ratings["rating_id"].is_unique().all() and first["pakn_id"].is_unique().all()
    flags = demo_inputs.procedure_flags(3)
    assert flags.height == len(ref.PROCEDURES) and set(flags["online_level"]) <= {0, 1, 2}


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
