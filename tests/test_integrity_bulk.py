"""Reporting-integrity check of bulk closures (docs/integrity.md), April 2025 on the official
calendar (with its holidays and a worked Saturday), on calendar and reporting months, and its
thresholds read from data. Answers worked out by hand in the comment above the data.

Dates are 2025 and the data's date is 31/12/2025, so nothing here depends on the day the tests run.
"""

import datetime as dt

import polars as pl

from tests.integrity_helpers import counts, done, issues
from warehouse import build, store
from warehouse import queries_integrity as qi

# --------------------------------------------------------------------------------------------
# 2. Bulk closures, April 2025 on the official calendar (docs/calendar.md): 22 weekdays, less the
#    days off Mon 07/04 (Hùng Kings) and Wed 30/04, plus Sat 26/04 worked in exchange for Fri 02/05
#    = 21 working days; the last 3 are Sat 26/04, Mon 28/04 and Tue 29/04 (the window runs from
#    26/04 to the month's end). Every dossier is received on 03/03/2025, except E1 (03/02/2025),
#    so the data covers March and April fully.
#
#   A  4 closures on each of 26/04 (the Saturday worked), 28/04, 29/04 and 1 on 30/04 (a day off,
#      still in the window) = 13; one a working day on the other 18 working days (01/04-25/04
#      without 07/04) = 18.
#      13/3 = 4.33 a day against 18/18 = 1 a day: 4.3 times >= 3, and 13 >= 10 -> 13 issues.
#   B  10 on 29/04; 15 on 02/04 and 15 on 16/04. 10/3 = 3.33 against 30/18 = 1.67: 2.0 times < 3
#      -> none (with the ratio set to 2: 10 x 18 = 180 >= 2 x 3 x 30 = 180, flagged).
#   C  9 on 29/04 and nothing else: 9 < 10 closures -> none (with the minimum set to 9: flagged).
#   D  reporting month 04/2025 (15/03-14/04; working days 17/03-31/03: 11, 01/04-14/04: 10 less
#      07/04 = 9, so 20): 12 closures on its last 3 working days 10/04, 11/04, 14/04 and 6 on
#      17/03-24/03 (17, 18, 19, 20, 21, 24): 4 a day against 6/17 = 0.35: 11.3 times -> 12 issues,
#      on the reporting basis only. On calendar months: March has no closure in 27-31/03, April
#      none in 26-30/04 -> none.
#   A on the reporting basis (04/2025): 10/04, 11/04, 14/04 hold 3 of its closures, < 10 -> none.
# --------------------------------------------------------------------------------------------

def _closures(agency: str, days: list[str], prefix: str | None = None) -> list[dict]:
    prefix = prefix or agency
    return [done(f"{prefix}{i:02d}", "2025-03-03", "2025-05-30", f"2025-{d} 10:00", agency=agency)
            for i, d in enumerate(days, start=1)]


APRIL_WORKDAYS = ["04-01", "04-02", "04-03", "04-04", "04-08", "04-09", "04-10", "04-11", "04-14", "04-15",
                  "04-16", "04-17", "04-18", "04-21", "04-22", "04-23", "04-24", "04-25"]
BULK = (
    _closures("A", ["04-26"] * 4 + ["04-28"] * 4 + ["04-29"] * 4 + ["04-30"] + APRIL_WORKDAYS)
    + _closures("B", ["04-29"] * 10 + ["04-02"] * 15 + ["04-16"] * 15)
    + _closures("C", ["04-29"] * 9)
    + _closures("D", ["04-10"] * 4 + ["04-11"] * 4 + ["04-14"] * 4
                + ["03-17", "03-18", "03-19", "03-20", "03-21", "03-24"])
    + [done("E1", "2025-02-03", "2025-02-10", "2025-02-05", agency="E")]
)
BULK_AGENCIES = [(c, f"Đơn vị {c}", "department") for c in "ABCDE"]


def bulk_warehouse(directory):
    from tests.conftest import make_warehouse

    make_warehouse(directory, BULK, agencies=BULK_AGENCIES).close()   # the official calendar alone
    return directory


def test_bulk_closure_on_calendar_and_reporting_months(tmp_path):
    r = store.Reader(bulk_warehouse(tmp_path))
    found = issues(r, "bulk_closure")
    by = found.group_by("agency_code", "period_basis").len()
    assert sorted(by.iter_rows()) == [("A", "month", 13), ("D", "rep_month", 12)]
    a = found.filter(pl.col("agency_code") == "A")
    assert a["end_date"].min() == dt.date(2025, 4, 26) and a["end_date"].max() == dt.date(2025, 4, 30)
    assert ("trong 3 ngày làm việc cuối tháng 04/2025: đơn vị kết thúc 13/31 hồ sơ của kỳ (41,9%) "
            "trong những ngày này, mỗi ngày gấp 4,3 lần các ngày làm việc khác") in a["explanation"][0]
    d = found.filter(pl.col("agency_code") == "D")
    assert "cuối kỳ báo cáo tháng 04/2025 (đến 14/04/2025)" in d["explanation"][0]
    assert "12/18 hồ sơ" in d["explanation"][0]
    # calendar periods count calendar-month findings, reporting periods the reporting-month ones
    assert counts(r, "month", "2025-04") == {("A", "bulk_closure"): 13}
    assert counts(r, "quarter", "2025-Q2") == {("A", "bulk_closure"): 13}
    assert counts(r, "rep_month", "2025-04") == {("D", "bulk_closure"): 12}
    assert counts(r, "rep_quarter", "2025-Q2") == {("D", "bulk_closure"): 12}
    assert qi.integrity_issues(r, "month", "2025-04", "D", "bulk_closure").height == 0
    assert qi.integrity_issues(r, "rep_month", "2025-04", "D", "bulk_closure").height == 12
    r.close()


def test_bulk_closure_thresholds_are_data(tmp_path):
    """Lower the ratio to 2 and the minimum to 9 in ref_integrity_setting and rebuild (as
    `python -m etl build` does): B (exactly 2.0 times) and C (9 closures) are now flagged too."""
    bulk_dir = bulk_warehouse(tmp_path)
    with store.new_build(bulk_dir, from_current=True) as con:
        settings = "update ref_integrity_setting set value = ? where setting_key = ?"
        con.execute(settings, [2, "bulk_closure_rate_ratio"])
        con.execute(settings, [9, "bulk_closure_min_closures"])
        build.apply_sql(con)
    r = store.Reader(bulk_dir)
    by = issues(r, "bulk_closure").group_by("agency_code", "period_basis").len()
    assert sorted(by.iter_rows()) == [("A", "month", 13), ("B", "month", 10), ("C", "month", 9),
                                      ("D", "rep_month", 12)]
    assert qi.settings(r)["bulk_closure_rate_ratio"] == 2
    r.close()
