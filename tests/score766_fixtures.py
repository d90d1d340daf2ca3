"""The hand-made inputs of the Decision 766 index tests (tests/test_score_766_*.py): procedures,
agencies, dossiers, PAKN and ratings, built into a warehouse on disk (make_766) or in memory
(MemoryWarehouse), with the answers worked out by hand from docs/score_766.md and the data table
sql/seeds/ref_766_indicator.sql.

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

from tests.conftest import DOSSIER_SCHEMA, agencies_frame, dossier, ts
from warehouse import build, store

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
