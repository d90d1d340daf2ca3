"""Roll-ups over administrative units, per-field views and the series across 1 July 2025 on the
hand-made province (tests/units_fixtures.py lists its units and dossiers), against figures worked out
by hand: June on the old hierarchy, July on the new one, the commune series across the change, a
window straddling 1 July, and range totals reconciling with the agency report.
"""

import polars as pl
import pytest

from tests.units_fixtures import WINDOW, make_unit_warehouse
from warehouse import queries
from warehouse import queries_units as qu
from warehouse.metrics import REPORT_COLUMNS


@pytest.fixture(scope="module")
def wh(tmp_path_factory):
    r = make_unit_warehouse(tmp_path_factory.mktemp("units"))
    yield r
    r.close()


COUNTS = ["carried_over", "received_new", "finished", "finished_early", "finished_on_time", "finished_late",
          "in_progress", "in_progress_not_due", "in_progress_overdue"]


def counts(row: dict) -> tuple:
    """(carried over, new, finished, early, on time, late, in progress, not due, overdue)"""
    return tuple(row[c] for c in COUNTS)


def by_code(frame: pl.DataFrame, key: str = "unit_code") -> dict[str, dict]:
    return {row[key]: row for row in frame.iter_rows(named=True)}


def unit_row(r, kind, key, version, level, code) -> dict | None:
    rows = r.query(
        """select * from agg_unit_report where period_kind = ? and period_key = ?
             and hierarchy_version is not distinct from ? and unit_level = ?
             and unit_code is not distinct from ?""",
        [kind, key, version, level, code],
    )
    assert rows.height <= 1
    return rows.row(0, named=True) if rows.height else None


# ------------------------------------------------------------------------------- June 2025 (old)

def test_june_old_hierarchy_rolls_up_commune_district_province(wh):
    """June (judged on 30/06): district 901 = H1 (new 2: H1a on time, H1b overdue) + Xã An
    (new 2: X1a late, X1b early, 1 online) + Xã Bình (new 3: X2a on time, X2c early, X2b not yet due);
    district 902 = H2 (H2a early, online) + Xã Cát (X3a late) + Xã Dũng (X4a early).
    Province = SO1 (S1 early) + TW1 (T1 open, not due) + 901 + 902 + ZZ (U1 on time): new 13,
    finished 10 (early S1 H2a X1b X2c X4a = 5, on time H1a X2a U1 = 3, late X1a X3a = 2), open 3
    (T1, X2b not due; H1b overdue)."""
    district = by_code(qu.unit_report(wh, "month", "2025-06", "district"))
    assert counts(district["901"]) == (0, 7, 5, 2, 2, 1, 2, 1, 1)
    assert (district["901"]["received_online"], district["901"]["received_postal"]) == (1, 1)
    assert district["901"]["agencies"] == 3
    assert counts(district["902"]) == (0, 3, 3, 2, 0, 1, 0, 0, 0)
    assert district["901"]["parent_code"] == "90"
    communes = by_code(qu.unit_report(wh, "month", "2025-06", "commune", hierarchy_version=1))
    assert counts(communes["90001"]) == (0, 2, 2, 1, 0, 1, 0, 0, 0)
    assert counts(communes["90002"]) == (0, 3, 2, 1, 1, 0, 1, 1, 0)
    assert communes["90002"]["unit_label"] == "Xã Bình, Huyện Một"   # parent shown: names repeat
    assert set(communes) == {"90001", "90002", "90003", "90004"}
    province = qu.unit_report(wh, "month", "2025-06", "province").row(0, named=True)
    assert (province["hierarchy_version"], province["unit_code"]) == (2, "90")
    assert province["unit_name"] == "Tỉnh Thử"
    assert counts(province) == (0, 13, 10, 5, 3, 2, 3, 2, 1)
    assert province["on_time_rate"] == pytest.approx(8 / 10)
    # no new commune existed in June
    assert qu.unit_report(wh, "month", "2025-06", "commune", hierarchy_version=2).height == 0


def test_june_drill_down_children_add_up(wh):
    """Province June = SO1 (new 1) + TW1 (1) + ZZ (1) + district 901 (7) + 902 (3) = 13;
    district 901 = its own UBND H1 (2) + Xã An (2) + Xã Bình (3) = 7."""
    kids = qu.unit_children(wh, "month", "2025-06", 2, "province", "90")
    new = {(k, c): n for k, c, n in kids.select("child_kind", "code", "received_new").iter_rows()}
    assert new == {("agency", "SO1"): 1, ("agency", "TW1"): 1, ("agency", "ZZ"): 1,
                   ("unit", "901"): 7, ("unit", "902"): 3}
    kids = qu.unit_children(wh, "month", "2025-06", 1, "district", "901")
    new = {(k, c): n for k, c, n in kids.select("child_kind", "code", "received_new").iter_rows()}
    assert new == {("agency", "H1"): 2, ("unit", "90001"): 2, ("unit", "90002"): 3}
    kids = qu.unit_children(wh, "month", "2025-06", 1, "commune", "90002")
    assert kids["code"].to_list() == ["X2"] and kids["received_new"].to_list() == [3]


def test_june_per_field(wh):
    """June by field. Đất đai: S1 (early), H1a (on time), H1b (open, overdue), X1a (late): new 4,
    finished 3, open 1. Hộ tịch: the other 9 new; finished 7 (early H2a X1b X2c X4a, on time X2a U1,
    late X3a), open 2 (T1, X2b). District 901 (H1, Xã An, Xã Bình): Đất đai H1a H1b X1a -> new 3,
    finished 2; Hộ tịch X1b X2a X2b X2c -> new 4, finished 3. The agency H1 alone: Đất đai, new 2."""
    fields = by_code(qu.field_report(wh, "month", "2025-06"), "field_code")
    assert fields["DD"]["field_name"] == "Đất đai"
    assert counts(fields["DD"]) == (0, 4, 3, 1, 1, 1, 1, 0, 1)
    assert counts(fields["HT"]) == (0, 9, 7, 4, 2, 1, 2, 2, 0)
    district = by_code(qu.field_report(wh, "month", "2025-06", unit=(1, "district", "901")), "field_code")
    assert (district["DD"]["received_new"], district["DD"]["finished"]) == (3, 2)
    assert (district["HT"]["received_new"], district["HT"]["finished"]) == (4, 3)
    h1 = qu.field_report(wh, "month", "2025-06", agency_code="H1")
    assert h1["field_code"].to_list() == ["DD"] and h1["received_new"].to_list() == [2]
    # per procedure (each field has one here): P_DD as Đất đai, for the province and for Xã An
    procs = by_code(qu.procedure_report(wh, "month", "2025-06"), "procedure_code")
    assert counts(procs["P_DD"]) == counts(fields["DD"]) and counts(procs["P_HT"]) == counts(fields["HT"])
    an = qu.procedure_report(wh, "month", "2025-06", unit=(1, "commune", "90001"), field_code="HT")
    assert an["procedure_code"].to_list() == ["P_HT"] and an["finished_early"].to_list() == [1]


# ------------------------------------------------------------------------------- July 2025 (new)

def test_july_new_hierarchy_and_the_leftovers_of_the_old(wh):
    """July (judged on 31/07): H1b still open and overdue (carried over) keeps district 901 alive with
    X2b (carried over, finished on time 03/07); the new communes: Mới Một N1a early + N1b late,
    Mới Hai N2a on time, Mới Ba N3a open, due 05/08 (not yet due).
    Province: carried over 3 (T1 H1b X2b), new 5 (S2 N1a N1b N2a N3a), finished 6 (early T1 N1a,
    on time X2b N2a, late S2 N1b), open 2 (N3a not due, H1b overdue)."""
    district = by_code(qu.unit_report(wh, "month", "2025-07", "district"))
    assert set(district) == {"901"}
    assert counts(district["901"]) == (2, 0, 1, 0, 1, 0, 1, 0, 1)
    new = by_code(qu.unit_report(wh, "month", "2025-07", "commune", hierarchy_version=2))
    assert counts(new["90101"]) == (0, 2, 2, 1, 0, 1, 0, 0, 0)
    assert counts(new["90102"]) == (0, 1, 1, 0, 1, 0, 0, 0, 0)
    assert counts(new["90103"]) == (0, 1, 0, 0, 0, 0, 1, 1, 0)
    assert new["90101"]["parent_code"] == "90"
    province = qu.unit_report(wh, "month", "2025-07", "province").row(0, named=True)
    assert counts(province) == (3, 5, 6, 2, 2, 2, 2, 1, 1)


# --------------------------------------------------------------------- the series across July 2025

def test_crosswalk_series_june_july(wh):
    """Mới Một = Xã An (whole) + Xã Bình (split; its default successor takes all of it);
    Mới Hai = Xã Cát (whole) and is the other successor of Xã Bình; Mới Ba = Xã Dũng (whole).
    June: Mới Một = An (new 2, fin 2) + Bình (new 3, fin 2, open 1) = new 5, finished 4, open 1,
    approximate; Mới Hai = Cát (new 1, late) approximate (Bình's share is missing); Mới Ba = Dũng
    (new 1, early), exact. July: Mới Một = N1 (new 2, fin 2) + Bình's X2b (carried over, on time) =
    carried 1, new 2, finished 3, approximate; Mới Hai = N2 (new 1) approximate (Bình had figures);
    Mới Ba = N3 (new 1 open), exact."""
    series = {code: qu.commune_series(wh, code) for code in ("90101", "90102", "90103")}
    jun = {c: s.filter(pl.col("period_key") == "2025-06").row(0, named=True) for c, s in series.items()}
    jul = {c: s.filter(pl.col("period_key") == "2025-07").row(0, named=True) for c, s in series.items()}
    assert counts(jun["90101"]) == (0, 5, 4, 2, 1, 1, 1, 1, 0)
    assert (jun["90101"]["is_approximate"], jun["90101"]["old_communes"]) == (True, 2)
    assert jun["90101"]["approximate_label"] == "ước tính"
    assert counts(jun["90102"]) == (0, 1, 1, 0, 0, 1, 0, 0, 0)
    assert (jun["90102"]["is_approximate"], jun["90102"]["old_communes"]) == (True, 1)
    assert counts(jun["90103"]) == (0, 1, 1, 1, 0, 0, 0, 0, 0)
    assert (jun["90103"]["is_approximate"], jun["90103"]["old_communes"]) == (False, 1)
    assert jun["90103"]["approximate_label"] is None
    assert counts(jul["90101"]) == (1, 2, 3, 1, 1, 1, 0, 0, 0)
    assert (jul["90101"]["is_approximate"], jul["90101"]["old_communes"]) == (True, 1)
    assert counts(jul["90102"]) == (0, 1, 1, 0, 1, 0, 0, 0, 0)
    assert (jul["90102"]["is_approximate"], jul["90102"]["old_communes"]) == (True, 0)
    assert counts(jul["90103"]) == (0, 1, 0, 0, 0, 0, 1, 1, 0)
    assert (jul["90103"]["is_approximate"], jul["90103"]["old_communes"]) == (False, 0)
    # Mới Ba's series: May has nothing; June (from Xã Dũng), July (its own), oldest first
    assert series["90103"]["period_key"].to_list()[:2] == ["2025-06", "2025-07"]


def test_period_straddling_1_july(wh):
    """The reporting month of July 2025 (15/06 to 14/07, judged on 14/07):
    district 901 = H1 (H1b new, overdue) + An (X1b new online, early) + Bình (X2b new, on time;
    X2c new postal, early): new 4, finished 3, open 1 overdue;
    district 902 = H2 (H2a carried over, early) + Cát (X3a new, late): carried 1, new 1, finished 2;
    new communes: Mới Một N1a early, N1b open not due (due 20/07); Mới Hai N2a on time.
    Province: carried 2 (H2a U1), new 10, finished 9 (early T1 H2a X1b X2c N1a, on time X2b N2a U1,
    late X3a), open 3 (N1b not due; S2 due 10/07 and H1b overdue).
    Series: Mới Một = N1 + An + Bình (new 5, finished 4, open 1), approximate; Mới Hai = N2 + Cát
    (new 2, finished 2), approximate."""
    key = ("rep_month", "2025-07")
    assert counts(unit_row(wh, *key, 1, "district", "901")) == (0, 4, 3, 2, 1, 0, 1, 0, 1)
    assert counts(unit_row(wh, *key, 1, "district", "902")) == (1, 1, 2, 1, 0, 1, 0, 0, 0)
    assert counts(unit_row(wh, *key, 2, "commune", "90101")) == (0, 2, 1, 1, 0, 0, 1, 1, 0)
    assert counts(unit_row(wh, *key, 2, "commune", "90102")) == (0, 1, 1, 0, 1, 0, 0, 0, 0)
    province = unit_row(wh, *key, 2, "province", "90")
    assert counts(province) == (2, 10, 9, 5, 3, 1, 3, 1, 2)
    series = by_code(wh.query("select * from agg_commune_series where period_kind = ? and period_key = ?",
                              list(key)))
    assert counts(series["90101"]) == (0, 5, 4, 3, 1, 0, 1, 1, 0) and series["90101"]["is_approximate"]
    assert counts(series["90102"]) == (0, 2, 2, 0, 1, 1, 0, 0, 0) and series["90102"]["is_approximate"]
    assert "90103" not in series   # neither Xã Dũng nor Mới Ba had a dossier in the window

    # the same window through the range queries of `python -m etl report` gives the same rows; there
    # agencies without dossiers in the window (X4, N3) are listed with zeros
    rng = qu.unit_report_for_range(wh, *WINDOW)
    units = {(r["hierarchy_version"], r["unit_level"], r["unit_code"]): r for r in rng.iter_rows(named=True)}
    assert counts(units[(2, "province", "90")]) == counts(province)
    assert counts(units[(1, "district", "901")]) == (0, 4, 3, 2, 1, 0, 1, 0, 1)
    assert counts(units[(1, "commune", "90004")]) == (0,) * 9
    assert counts(units[(2, "commune", "90103")]) == (0,) * 9
    assert units[(1, "commune", "90002")]["parent_name"] == "Huyện Một"
    rseries = by_code(qu.commune_series_for_range(wh, *WINDOW))
    assert counts(rseries["90101"]) == counts(series["90101"]) and rseries["90101"]["is_approximate"]
    assert counts(rseries["90103"]) == (0,) * 9
    assert (rseries["90103"]["is_approximate"], rseries["90103"]["old_communes"]) == (False, 0)
    parts = by_code(qu.province_parts_for_range(wh, *WINDOW), "province_part")
    assert {p: r["received_new"] for p, r in parts.items()} == {
        "department": 1, "central": 1, "district": 5, "commune": 3, "other": 0}
    assert parts["other"]["carried_over"] == 1 and parts["district"]["carried_over"] == 1


def test_range_totals_reconcile_with_the_agency_report(wh):
    """The province row, the sum of the province's parts and the field rows all equal the sum of
    the agency report's rows (the CSV of `python -m etl report`)."""
    agency = queries.report_for_range(wh, *WINDOW)
    total = {c: agency[c].sum() for c in REPORT_COLUMNS}
    units = qu.unit_report_for_range(wh, *WINDOW)
    province = units.filter(pl.col("unit_level") == "province").row(0, named=True)
    assert {c: province[c] for c in REPORT_COLUMNS} == total
    parts = qu.province_parts_for_range(wh, *WINDOW)
    assert {c: parts[c].sum() for c in REPORT_COLUMNS} == total
    fields = qu.field_report_for_range(wh, *WINDOW)
    assert {c: fields[c].sum() for c in REPORT_COLUMNS} == total
    by_group = qu.field_report_for_range(wh, *WINDOW, by_peer_group=True)
    assert {c: by_group[c].sum() for c in REPORT_COLUMNS} == total
