"""What the reporting-integrity tests share (tests/test_integrity_*.py, tests/test_page_integrity.py):
dossier builders, the readers of fct_integrity_issue and agg_integrity, and the first hand-made
warehouse's data: dossier states and their loaded history, March 2025, with the issues each check
must find worked out by hand in the comment above them (docs/integrity.md).
"""

import polars as pl

from tests.conftest import dossier, ts

HISTORY_SCHEMA = {
    "dossier_id": pl.String, "state_hash": pl.String, "status": pl.Int8, "received_at": pl.Datetime("us"),
    "due_at": pl.Datetime("us"), "finished_at": pl.Datetime("us"), "returned_at": pl.Datetime("us"),
    "refused_at": pl.Datetime("us"), "supplement_count": pl.Int32, "load_id": pl.String,
    "source_file": pl.String, "source_row": pl.Int64, "loaded_at": pl.Datetime("us"),
}


def done(dossier_id, received, due, finished, **extra) -> dict:
    """A dossier finished and its result returned the same day (status 10), unless told otherwise."""
    extra.setdefault("returned", finished if extra.get("status", 10) == 10 else None)
    return dossier(dossier_id, received, due, finished, **extra)


def state(dossier_id, loaded, status, due, finished=None, returned=None, supplements=0, row=1) -> dict:
    """One loaded state of a dossier (raw_dossier_history), loaded at 06:00 on `loaded`."""
    return dict(
        dossier_id=dossier_id, state_hash=f"{dossier_id}/{loaded}/{status}/{due}", status=status,
        received_at=ts("2025-03-03"), due_at=ts(due), finished_at=ts(finished), returned_at=ts(returned),
        refused_at=None, supplement_count=supplements, load_id="L-hist", source_file=f"dong_bo_{loaded}.json",
        source_row=row, loaded_at=ts(f"{loaded} 06:00"),
    )


def issues(r, check: str | None = None) -> pl.DataFrame:
    where = "" if check is None else f"where check_key = '{check}'"
    return r.query(f"select * from fct_integrity_issue {where} order by check_key, dossier_id")


def counts(r, kind: str, key: str) -> dict[tuple[str | None, str], int]:
    rows = r.query("select agency_code, check_key, issues from agg_integrity "
                   "where period_kind = ? and period_key = ?", [kind, key])
    return {(a, c): n for a, c, n in rows.iter_rows()}


# --------------------------------------------------------------------------------------------
# 1. Dossier states and history, March 2025 (agency A; B for the split by agency and period)
#
#  closed_no_result
#   C1  status 10, finished 07/03, no NgayTra, no electronic result          -> yes, dated 07/03
#   C2  status 10, finished 07/03, returned 08/03                            -> no
#   C3  status 10, finished 07/03, no NgayTra but an electronic result       -> no
#   C4  status 9, finished 07/03, no NgayTra (processed, awaiting collection) -> no
#   (agency C: its only dossier, status 10 with no NgayTra, is not flagged: C's export has no
#    return date at all, so it says nothing about results)
#   C5  history: 4 (04/03) -> 9 finished 06/03 (07/03) -> 4 (09/03) -> 10 finished 20/03
#       closed, then back in processing                                      -> yes, dated 06/03
#  due_moved_no_supplement
#   M1  due 10/03 (04/03) -> 17/03 (11/03), no supplement -> 10 finished 15/03  -> yes, 7 days, dated 11/03
#   M2  due 10/03 -> 15/03 with supplement 0 -> 1, then finished             -> no
#   M3  due 10/03 (status 4) -> 20/03 while status 6 (financial obligations)  -> no
#   M4  due 01/04 (20/03) -> 03/04 (28/03) -> 08/04 (02/04) -> finished 07/04
#       two moves, one row: 01/04 -> 08/04, 7 days in 2 moves                -> yes, dated 28/03 (first move)
#   M5  due 20/03 -> 18/03 (sooner)                                          -> no
#   M6  history holds only the first state (due 10/03); the current state has due 12/03, same
#       supplements, finished 12/03: dated by its end                        -> yes, 2 days, dated 12/03
#  withdrawn_returned_on_time
#   W1  withdrawn (7) 14/03, due 10/03                                       -> yes, 4 days after
#   W2  withdrawn 09/03, due 10/03                                           -> no
#   W3  received 03/03, refused (3) 17/03, due 10/03: leaves the counts      -> yes, 7 days after
#   W4  refused 17/03 but never received                                     -> no
#   W5  received 03/03, refused 05/03, due 10/03                             -> no
#  late_no_apology
#   L1  due 10/03, finished 12/03, no apology                                -> yes, 2 days late
#   L2  the same with an apology slip                                        -> no
#   L3  finished on the due date, no apology                                 -> no
#  repeat_supplement
#   R1  2 requests, finished 20/03                                           -> yes, dated 20/03
#   R2  3 requests, still open (5), received 05/03                           -> yes, dated 05/03
#   R3  1 request                                                            -> no
#  stopped
#   S1  status 8, received 03/03, due 10/03, open                            -> yes, dated 03/03; due passed
#   S2  status 8, ended (refused date) 12/03, due 20/03                      -> yes, dated 12/03
#  agency B
#   B1  late 2 days (due 10/03, finished 12/03), no apology                  -> late_no_apology, March
#   B2  status 10 finished 02/04 with no result                              -> closed_no_result, April
#
# March 2025, agency A: closed_no_result 2 (C1 C5), due_moved 3 (M1 M4 M6), withdrawn_returned 2
# (W1 W3), late_no_apology 1 (L1), repeat_supplement 2 (R1 R2), stopped 2 (S1 S2); agency B:
# late_no_apology 1. April 2025: B closed_no_result 1. Quarter I: the same as March for both.
# Reporting month 03/2025 (15/02-14/03): see test_counts_per_period_agency_and_check.
# --------------------------------------------------------------------------------------------

STATES = [
    done("C1", "2025-03-03", "2025-03-10", "2025-03-07", returned=None),
    done("C2", "2025-03-03", "2025-03-10", "2025-03-07", returned="2025-03-08"),
    done("C3", "2025-03-03", "2025-03-10", "2025-03-07", returned=None, electronic_result=True),
    done("C4", "2025-03-03", "2025-03-10", "2025-03-07", status=9),
    done("C5", "2025-03-03", "2025-03-25", "2025-03-20"),
    done("M1", "2025-03-03", "2025-03-17", "2025-03-15"),
    done("M2", "2025-03-03", "2025-03-15", "2025-03-14", supplements=1),
    done("M3", "2025-03-03", "2025-03-20", "2025-03-19"),
    done("M4", "2025-03-19", "2025-04-08", "2025-04-07"),
    done("M5", "2025-03-03", "2025-03-18", "2025-03-17"),
    done("M6", "2025-03-03", "2025-03-12", "2025-03-12"),
    done("W1", "2025-03-03", "2025-03-10", "2025-03-14", status=7),
    done("W2", "2025-03-03", "2025-03-10", "2025-03-09", status=7),
    dossier("W3", "2025-03-03", "2025-03-10", None, status=3, refused="2025-03-17"),
    dossier("W4", None, "2025-03-10", None, status=3, refused="2025-03-17"),
    dossier("W5", "2025-03-03", "2025-03-10", None, status=3, refused="2025-03-05"),
    done("L1", "2025-03-03", "2025-03-10", "2025-03-12"),
    done("L2", "2025-03-03", "2025-03-10", "2025-03-12", apology_issued=True),
    done("L3", "2025-03-03", "2025-03-10", "2025-03-10"),
    done("R1", "2025-03-03", "2025-03-25", "2025-03-20", supplements=2),
    dossier("R2", "2025-03-05", "2025-03-25", None, status=5, supplements=3),
    done("R3", "2025-03-03", "2025-03-25", "2025-03-20", supplements=1),
    dossier("S1", "2025-03-03", "2025-03-10", None, status=8),
    dossier("S2", "2025-03-03", "2025-03-20", None, status=8, refused="2025-03-12"),
    done("B1", "2025-03-03", "2025-03-10", "2025-03-12", agency="B"),
    done("B2", "2025-03-24", "2025-04-04", "2025-04-02", agency="B", returned=None),
    done("X1", "2025-03-03", "2025-03-10", "2025-03-07", agency="C", returned=None),
]
STATE_AGENCIES = [("A", "Đơn vị A", "department"), ("B", "Đơn vị B", "department"),
                  ("C", "UBND xã C", "commune")]

HISTORY = [
    state("C5", "2025-03-04", 4, "2025-03-25"),
    state("C5", "2025-03-07", 9, "2025-03-25", finished="2025-03-06 16:00"),
    state("C5", "2025-03-09", 4, "2025-03-25"),
    state("C5", "2025-03-21", 10, "2025-03-25", finished="2025-03-20", returned="2025-03-20"),
    state("M1", "2025-03-04", 4, "2025-03-10"),
    state("M1", "2025-03-11", 4, "2025-03-17"),
    state("M1", "2025-03-16", 10, "2025-03-17", finished="2025-03-15", returned="2025-03-15"),
    state("M2", "2025-03-04", 4, "2025-03-10"),
    state("M2", "2025-03-06", 5, "2025-03-15", supplements=1),
    state("M2", "2025-03-15", 10, "2025-03-15", finished="2025-03-14", returned="2025-03-14", supplements=1),
    state("M3", "2025-03-04", 4, "2025-03-10"),
    state("M3", "2025-03-08", 6, "2025-03-20"),
    state("M3", "2025-03-20", 10, "2025-03-20", finished="2025-03-19", returned="2025-03-19"),
    state("M4", "2025-03-20", 4, "2025-04-01"),
    state("M4", "2025-03-28", 4, "2025-04-03"),
    state("M4", "2025-04-02", 4, "2025-04-08"),
    state("M4", "2025-04-08", 10, "2025-04-08", finished="2025-04-07", returned="2025-04-07"),
    state("M5", "2025-03-04", 4, "2025-03-20"),
    state("M5", "2025-03-10", 4, "2025-03-18"),
    state("M6", "2025-03-04", 4, "2025-03-10"),
]
