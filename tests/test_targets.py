"""Plan-target attainment (agg_target_attainment, warehouse/queries_targets.py) against answers worked
out by hand.

Data as of 30/09/2025 (the year 2025 straddles the reorganisation of 01/07/2025). Every dossier is
received on the 2nd of a month and finished in the same month, early (on time) or late.

 agency  kind                               dossiers finished                      on time / finished
 A       department                         Jan, Mar, May: 5 on time each          15 / 15
                                            Jul 3+1 late, Aug 2+1, Sep 2+1         7 / 10 (Jul-Sep)
 B       department                         Feb: 9 on time + 1 late                 9 / 10
 E       department                         none
 D       district, until 30/06/2025         Apr: 3 on time + 1 late                 3 / 4
 N       commune (new), from 01/07/2025     Jul 3+1 late, Aug 3+1 late              6 / 8

Targets 2025: on_time_rate >= 96% for the province, departments, districts and communes (level
defaults); B's own row on_time_rate >= 90% (overrides the default for B only); A's own row
late_share <= 10% (no level default for that KPI).

Year-end projection (docs/targets_rankings.md): remaining denominator = denominator so far x
remaining days / elapsed days of the agency's part of the year; the rest of the year runs at the rate
of the last three calendar months (Jul, Aug, Sep here), or at the year's rate when they are empty.

Days: 01/01-30/09 = 273 elapsed, 01/10-31/12 = 92 remaining; N: 01/07-30/09 = 92, 92 remaining;
D: 01/01-30/06 = 181 elapsed, 0 remaining (its year is over).
"""

import math

import polars as pl
import pytest

from tests.targets_fixtures import build_warehouse, month_batch
from warehouse import queries_targets

AGENCIES = [
    ("A", "Sở A", "department", None, None, None),
    ("B", "Sở B", "department", None, None, None),
    ("E", "Sở E", "department", None, None, None),
    ("D", "UBND huyện D", "district", 1, None, "2025-06-30"),
    ("N", "UBND xã N", "commune", 2, "2025-07-01", None),
]
DOSSIERS = (
    month_batch("A", 2025, 1, 5, 0) + month_batch("A", 2025, 3, 5, 0) + month_batch("A", 2025, 5, 5, 0)
    + month_batch("A", 2025, 7, 3, 1) + month_batch("A", 2025, 8, 2, 1) + month_batch("A", 2025, 9, 2, 1)
    + month_batch("B", 2025, 2, 9, 1)
    + month_batch("D", 2025, 4, 3, 1)
    + month_batch("N", 2025, 7, 3, 1) + month_batch("N", 2025, 8, 3, 1)
)
TARGETS = [
    (2025, level, None, "on_time_rate", ">=", 0.96)
    for level in ("province", "department", "district", "commune")
] + [
    (2025, None, "B", "on_time_rate", ">=", 0.90),
    (2025, "department", "A", "late_share", "<=", 0.10),
]


@pytest.fixture(scope="module")
def wh(tmp_path_factory):
    r = build_warehouse(tmp_path_factory.mktemp("targets"), DOSSIERS, AGENCIES, "2025-09-30", targets=TARGETS)
    yield r
    r.close()


def row(r, agency, kpi, year=2025) -> dict:
    frame = queries_targets.attainment(r, year, agency).filter(pl.col("kpi") == kpi)
    assert frame.height == 1, (agency, kpi, frame)
    return frame.row(0, named=True)


def test_rows_exist_only_where_a_target_applies(wh):
    t = wh.query("select coalesce(agency_code, '(tỉnh)') as who, kpi from agg_target_attainment "
                 "order by 1, 2")
    assert list(t.iter_rows()) == [
        ("(tỉnh)", "on_time_rate"),
        ("A", "late_share"), ("A", "on_time_rate"),
        ("B", "on_time_rate"), ("D", "on_time_rate"), ("E", "on_time_rate"), ("N", "on_time_rate"),
    ]


def test_agency_specific_target_overrides_the_level_default_for_that_agency_only(wh):
    b, a = row(wh, "B", "on_time_rate"), row(wh, "A", "on_time_rate")
    assert (b["target_value"], b["is_agency_specific"]) == (0.90, True)
    assert (a["target_value"], a["is_agency_specific"]) == (0.96, False)
    # B: 9/10 = 90% meets its own 90% (it would miss the default 96%); nothing recent, so the rest of
    # the year is projected at 90% too: not at risk
    assert b["value"] == pytest.approx(0.9)
    assert (b["is_met"], b["gap_units"], b["is_at_risk"]) == (True, 0, False)
    assert b["projected_value"] == pytest.approx(0.9)


def test_floor_gap_and_projection_worked_by_hand(wh):
    """A, on time >= 96%: 22/25 = 88% so far; gap ceil(0.96 x 25 - 22) = ceil(2.0) = 2 dossiers.
    Recent rate 7/10 = 70%; remaining denominator 25 x 92/273 = 2300/273.
    Projection (22 + 0.7 x 2300/273) / (25 + 2300/273) = (6006 + 1610) / (6825 + 2300) = 7616/9125.
    To end on target the rest must reach (0.96 x 9125/273 - 22) / (2300/273) = 2754/2300 > 100%: out of
    reach; at the projected year-end volume ceil((0.96 x 9125 - 7616)/273) = ceil(1144/273) = 5 more."""
    a = row(wh, "A", "on_time_rate")
    assert (a["numerator"], a["denominator"]) == (22, 25)
    assert a["value"] == pytest.approx(0.88)
    assert (a["is_met"], a["gap_units"]) == (False, 2)
    assert (a["elapsed_days"], a["remaining_days"], a["is_final"]) == (273, 92, False)
    assert a["recent_value"] == pytest.approx(0.7)
    assert a["remaining_denominator"] == pytest.approx(2300 / 273)
    assert a["projected_value"] == pytest.approx(7616 / 9125)
    assert a["required_remaining_value"] == pytest.approx(2754 / 2300)
    assert a["year_end_gap_units"] == 5
    assert (a["is_projected_met"], a["is_at_risk"]) == (False, True)


def test_ceiling_gap_is_the_excess(wh):
    """A, late <= 10% (A's own target): 3/25 = 12%; excess ceil(3 - 0.10 x 25) = ceil(0.5) = 1 late
    dossier too many. Recent late rate 3/10; projection (3 + 0.3 x 2300/273) / (9125/273) =
    (819 + 690)/9125 = 1509/9125 = 16.5%: at risk. The rest of the year may run at most
    (0.10 x 9125/273 - 3) / (2300/273) = (912.5 - 819)/2300; at year end
    ceil((1509 - 912.5)/273) = 3 too many."""
    a = row(wh, "A", "late_share")
    assert (a["comparator"], a["target_value"], a["is_agency_specific"]) == ("<=", 0.10, True)
    assert a["value"] == pytest.approx(0.12)
    assert (a["is_met"], a["gap_units"]) == (False, 1)
    assert a["projected_value"] == pytest.approx(1509 / 9125)
    assert a["required_remaining_value"] == pytest.approx(93.5 / 2300)
    assert (a["year_end_gap_units"], a["is_at_risk"]) == (3, True)


def test_district_that_ended_on_30_june_is_judged_on_its_half_year(wh):
    """D existed 01/01-30/06/2025: 181 days, none remaining. 3/4 = 75%, gap ceil(3.84 - 3) = 1;
    its year is over, so the projection is the final value and it is not 'at risk' (it missed)."""
    d = row(wh, "D", "on_time_rate")
    assert (str(d["active_from"]), str(d["active_to"])) == ("2025-01-01", "2025-06-30")
    assert (d["elapsed_days"], d["remaining_days"], d["is_final"]) == (181, 0, True)
    assert d["value"] == pytest.approx(0.75)
    assert (d["is_met"], d["gap_units"], d["is_at_risk"]) == (False, 1, False)
    assert d["projected_value"] == pytest.approx(0.75)


def test_new_commune_from_1_july_is_projected_over_its_own_half_year(wh):
    """N exists from 01/07/2025: 92 days elapsed, 92 remaining, so the remaining denominator is its
    8 so far. 6/8 = 75%, gap ceil(7.68 - 6) = 2. Recent = its whole year: projection (6 + 6)/16 = 75%,
    at risk; year end ceil(0.96 x 16 - 12) = ceil(3.36) = 4 more; the rest must reach
    (15.36 - 6)/8 = 117%."""
    n = row(wh, "N", "on_time_rate")
    assert (str(n["active_from"]), str(n["active_to"])) == ("2025-07-01", "2025-12-31")
    assert (n["elapsed_days"], n["remaining_days"]) == (92, 92)
    assert n["remaining_denominator"] == pytest.approx(8)
    assert (n["value"], n["gap_units"]) == (pytest.approx(0.75), 2)
    assert n["projected_value"] == pytest.approx(0.75)
    assert (n["year_end_gap_units"], n["is_at_risk"]) == (4, True)
    assert n["required_remaining_value"] == pytest.approx(9.36 / 8)


def test_agency_without_dossiers_has_a_target_but_no_value(wh):
    e = row(wh, "E", "on_time_rate")
    assert (e["target_value"], e["denominator"]) == (0.96, 0)
    assert e["value"] is None and e["is_met"] is None and e["gap_units"] is None
    assert e["projected_value"] is None and e["is_at_risk"] is False


def test_province_as_a_whole(wh):
    """All agencies: (22 + 9 + 3 + 6) / (25 + 10 + 4 + 8) = 40/47; gap ceil(0.96 x 47 - 40) = ceil(5.12) = 6.
    Recent (Jul-Sep): A 7/10 + N 6/8 = 13/18. Remaining denominator 47 x 92/273 = 4324/273.
    Projection (40 + 13/18 x 4324/273) / (47 + 4324/273) = (196560 + 56212) / (17155 x 18) = 252772/308790."""
    p = queries_targets.attainment(wh, 2025).row(0, named=True)
    assert (p["scope"], p["agency_code"], p["kpi"]) == ("province", None, "on_time_rate")
    assert p["target_value"] == 0.96
    assert (p["numerator"], p["denominator"]) == (40, 47)
    assert (p["is_met"], p["gap_units"]) == (False, 6)
    assert p["recent_value"] == pytest.approx(13 / 18)
    assert p["projected_value"] == pytest.approx(252772 / 308790)
    assert p["is_at_risk"] is True


def test_at_risk_list(wh):
    """At risk: the province (on time), A (on time and late), N (on time). Not D (its year is over),
    not B (projected on its own target), not E (no dossiers). Province first, then the largest
    year-end shortfall: A on time 5, N 4, A late 3."""
    risky = queries_targets.at_risk(wh, 2025)
    assert [(r["agency_code"], r["kpi"]) for r in risky.iter_rows(named=True)] == [
        (None, "on_time_rate"), ("A", "on_time_rate"), ("N", "on_time_rate"), ("A", "late_share"),
    ]
    communes = queries_targets.at_risk(wh, 2025, peer_group="commune")
    assert communes["agency_code"].to_list() == ["N"]


def test_gap_is_not_fooled_by_floating_point(tmp_path):
    """14 of 25 on time against a 56% floor: 0.56 x 25 = 14.000000000000002 in floating point, so a bare
    ceil(target x den - num) would ask for 1 more dossier; the value meets the target and the gap is 0.
    The year is over (data as of 31/12/2025): the projection is the value itself, not at risk."""
    r = build_warehouse(tmp_path, month_batch("A", 2025, 3, 14, 11), AGENCIES[:1], "2025-12-31",
                        targets=[(2025, "department", None, "on_time_rate", ">=", 0.56)])
    a = row(r, "A", "on_time_rate")
    r.close()
    assert 0.56 * 25 > 14  # the trap is real
    assert (a["numerator"], a["denominator"]) == (14, 25)
    assert (a["is_met"], a["gap_units"], a["is_final"], a["is_at_risk"]) == (True, 0, True, False)
    assert math.isclose(a["projected_value"], 0.56)
