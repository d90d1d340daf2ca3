"""Roll-ups over administrative units, per-field views and the series across 1 July 2025, against
figures worked out by hand.

The hand-made province "90" (Tỉnh Thử):

  until 30/06/2025 (version 1)             from 01/07/2025 (version 2)
  Huyện Một 901: Xã An 90001, Xã Bình 90002    Xã Mới Một 90101, Xã Mới Hai 90102, Xã Mới Ba 90103
  Huyện Hai 902: Xã Cát 90003, Xã Dũng 90004

  crosswalk: An -> Mới Một (whole); Bình -> Mới Một (default) and Mới Hai (split);
             Cát -> Mới Hai (whole); Dũng -> Mới Ba (whole)

Agencies: SO1 department, TW1 central agency (both serve the province); H1, H2 the district UBNDs
(until 30/06); X1..X4 the old communes' UBNDs (until 30/06); N1..N3 the new communes' UBNDs (from
01/07); ZZ seen only in dossiers (unverified). Dossiers (2025; status 10, in person, unless noted):

 id    agency field received due    end     notes
 S1    SO1    DD    06-02    06-10  06-05   early
 S2    SO1    DD    07-03    07-10  07-15   late
 T1    TW1    HT    06-20    07-05  07-02   early
 H1a   H1     DD    06-03    06-12  06-12   on time
 H1b   H1     DD    06-25    06-28  -       status 4, never finished: overdue from 29/06
 H2a   H2     HT    06-10    06-20  06-18   online, early
 X1a   X1     DD    06-05    06-06  06-09   late
 X1b   X1     HT    06-16    06-20  06-19   online, early
 X2a   X2     HT    06-11    06-13  06-13   on time
 X2b   X2     HT    06-26    07-03  07-03   on time (carried into July)
 X2c   X2     HT    06-27    06-30  06-29   postal, early
 X3a   X3     HT    06-17    06-24  06-30   late
 X4a   X4     HT    06-04    06-11  06-10   early
 N1a   N1     HT    07-01    07-08  07-07   online, early
 N1b   N1     HT    07-10    07-20  07-25   late
 N2a   N2     HT    07-02    07-09  07-09   on time
 N3a   N3     HT    07-20    08-05  -       status 4, not yet due at 31/07
 U1    ZZ     HT    06-12    06-19  06-19   on time
"""

import datetime as dt

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import DOSSIER_SCHEMA, dossier
from warehouse import build, queries, store
from warehouse import queries_units as qu
from warehouse.metrics import MEASURES, REPORT_COLUMNS

UNITS = [
    # version, code, name, level, parent
    (1, "90", "Tỉnh Thử", "province", None),
    (1, "901", "Huyện Một", "district", "90"),
    (1, "902", "Huyện Hai", "district", "90"),
    (1, "90001", "Xã An", "commune", "901"),
    (1, "90002", "Xã Bình", "commune", "901"),
    (1, "90003", "Xã Cát", "commune", "902"),
    (1, "90004", "Xã Dũng", "commune", "902"),
    (2, "90", "Tỉnh Thử", "province", None),
    (2, "90101", "Xã Mới Một", "commune", "90"),
    (2, "90102", "Xã Mới Hai", "commune", "90"),
    (2, "90103", "Xã Mới Ba", "commune", "90"),
]

CROSSWALK = [
    # old, new, is_split, is_default
    ("90001", "90101", False, True),
    ("90002", "90101", True, True),
    ("90002", "90102", True, False),
    ("90003", "90102", False, True),
    ("90004", "90103", False, True),
]

OLD_END, NEW_START = dt.date(2025, 6, 30), dt.date(2025, 7, 1)
AGENCIES = [
    # code, name, level, unit version, unit code, valid from, valid to
    ("SO1", "Sở Tư pháp", "department", 2, "90", None, None),
    ("TW1", "Công an tỉnh", "central", 2, "90", None, None),
    ("H1", "UBND Huyện Một", "district", 1, "901", None, OLD_END),
    ("H2", "UBND Huyện Hai", "district", 1, "902", None, OLD_END),
    ("X1", "UBND Xã An", "commune", 1, "90001", None, OLD_END),
    ("X2", "UBND Xã Bình", "commune", 1, "90002", None, OLD_END),
    ("X3", "UBND Xã Cát", "commune", 1, "90003", None, OLD_END),
    ("X4", "UBND Xã Dũng", "commune", 1, "90004", None, OLD_END),
    ("N1", "UBND Xã Mới Một", "commune", 2, "90101", NEW_START, None),
    ("N2", "UBND Xã Mới Hai", "commune", 2, "90102", NEW_START, None),
    ("N3", "UBND Xã Mới Ba", "commune", 2, "90103", NEW_START, None),
]

FIELDS = [("DD", "Đất đai"), ("HT", "Hộ tịch")]


def d(dossier_id, agency, field, received, due, end, **kw):
    return dossier(dossier_id, "2025-" + received, "2025-" + due, end and "2025-" + end, agency=agency,
                   field_code=field, procedure_code="P_" + field, **kw)


DOSSIERS = [
    d("S1", "SO1", "DD", "06-02", "06-10", "06-05"),
    d("S2", "SO1", "DD", "07-03", "07-10", "07-15"),
    d("T1", "TW1", "HT", "06-20", "07-05", "07-02"),
    d("H1a", "H1", "DD", "06-03", "06-12", "06-12"),
    d("H1b", "H1", "DD", "06-25", "06-28", None, status=4),
    d("H2a", "H2", "HT", "06-10", "06-20", "06-18", channel=2),
    d("X1a", "X1", "DD", "06-05", "06-06", "06-09"),
    d("X1b", "X1", "HT", "06-16", "06-20", "06-19", channel=2),
    d("X2a", "X2", "HT", "06-11", "06-13", "06-13"),
    d("X2b", "X2", "HT", "06-26", "07-03", "07-03"),
    d("X2c", "X2", "HT", "06-27", "06-30", "06-29", channel=3),
    d("X3a", "X3", "HT", "06-17", "06-24", "06-30"),
    d("X4a", "X4", "HT", "06-04", "06-11", "06-10"),
    d("N1a", "N1", "HT", "07-01", "07-08", "07-07", channel=2),
    d("N1b", "N1", "HT", "07-10", "07-20", "07-25"),
    d("N2a", "N2", "HT", "07-02", "07-09", "07-09"),
    d("N3a", "N3", "HT", "07-20", "08-05", None, status=4),
    d("U1", "ZZ", "HT", "06-12", "06-19", "06-19"),
]

# the straddling window: the official reporting month of July 2025, 15/06/2025 to 14/07/2025
WINDOW = (dt.date(2025, 6, 15), dt.date(2025, 7, 14))


def units_frame(units=UNITS) -> pl.DataFrame:
    return pl.DataFrame(
        [(v, code, name, None, level, parent, "90", None, None) for v, code, name, level, parent in units],
        schema={"hierarchy_version": pl.Int8, "unit_code": pl.String, "unit_name": pl.String,
                "unit_type": pl.String, "unit_level": pl.String, "parent_code": pl.String,
                "province_code": pl.String, "lat": pl.Float64, "lon": pl.Float64},
        orient="row",
    )


def agencies_frame(agencies=AGENCIES) -> pl.DataFrame:
    return pl.DataFrame(
        agencies,
        schema={"agency_code": pl.String, "agency_name": pl.String, "agency_level": pl.String,
                "unit_version": pl.Int8, "unit_code": pl.String, "valid_from": pl.Date, "valid_to": pl.Date},
        orient="row",
    ).with_columns(pl.lit(True).alias("verified"))


def make_unit_warehouse(directory, dossiers=DOSSIERS, agencies=AGENCIES, fields=FIELDS,
                        crosswalk=CROSSWALK) -> store.Reader:
    tables = {
        "ref_unit": units_frame(),
        "ref_unit_crosswalk": pl.DataFrame(
            crosswalk, schema={"old_commune_code": pl.String, "new_commune_code": pl.String,
                               "is_split": pl.Boolean, "is_default": pl.Boolean}, orient="row"),
        "ref_agency": agencies_frame(agencies),
        "ref_field": pl.DataFrame(fields, schema={"field_code": pl.String, "field_name": pl.String},
                                  orient="row"),
        "raw_dossier": pl.DataFrame(dossiers, schema=DOSSIER_SCHEMA),
    }
    build.build_from_frames(directory, tables, meta={"as_of": "2025-12-31"}, with_units=False)
    return store.Reader(directory)


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


# ------------------------------------------------------------------------------ property tests

AGENCY_CODES = [a[0] for a in AGENCIES] + ["ZZ"]
DAY0 = dt.date(2025, 5, 20)
_SUM_ALL = ", ".join(f"sum({c})::bigint as {c}" for c in MEASURES)


@st.composite
def dossier_sets(draw):
    n = draw(st.integers(min_value=0, max_value=30))
    rows = []
    for i in range(n):
        received = DAY0 + dt.timedelta(days=draw(st.integers(0, 80)))
        due = received + dt.timedelta(days=draw(st.integers(0, 15)))
        status = draw(st.sampled_from([2, 4, 5, 7, 10, 10, 10]))
        finished = None
        if status in (7, 10):
            finished = received + dt.timedelta(days=draw(st.integers(0, 30)))
        field = draw(st.sampled_from(["DD", "HT", None]))
        rows.append(dossier(
            f"R{i}", received.isoformat(), due.isoformat(), finished and finished.isoformat(),
            agency=draw(st.sampled_from(AGENCY_CODES)), status=status,
            channel=draw(st.sampled_from([1, 2, 3])), field_code=field,
            procedure_code=f"P_{field}" if field else None, supplements=draw(st.integers(0, 2)),
        ))
    return rows


def _mismatches(r, left: str, right: str, keys: str) -> pl.DataFrame:
    """Rows where two relations keyed by `keys` differ in any measure (missing rows count as zero)."""
    diff = " or ".join(f"coalesce(l.{c}, 0) <> coalesce(r.{c}, 0)" for c in MEASURES)
    return r.query(f"select * from ({left}) as l full join ({right}) as r using ({keys}) where {diff}")


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=dossier_sets(), start=st.integers(0, 70), length=st.integers(0, 50))
def test_rollups_equal_the_sum_of_their_parts(tmp_path_factory, rows, start, length):
    r = make_unit_warehouse(tmp_path_factory.mktemp("prop_units"), dossiers=rows)
    try:
        per_period = "period_kind, period_key"
        # province = every agency
        assert _mismatches(
            r, f"select {per_period}, {_SUM_ALL} from agg_periodic_report group by all",
            f"select {per_period}, {_SUM_ALL} from agg_unit_report where unit_level = 'province' "
            "group by all",
            per_period).height == 0
        # province = departments + central + old districts (whole) + new communes + other agencies
        assert _mismatches(
            r, f"""select {per_period}, {_SUM_ALL} from (
                     select a.* from agg_periodic_report a join dim_agency g using (agency_code)
                     where g.peer_group in ('department', 'central', 'unverified')
                     union all by name
                     select * from agg_unit_report
                     where (hierarchy_version = 1 and unit_level = 'district')
                        or (hierarchy_version = 2 and unit_level = 'commune')) group by all""",
            f"select {per_period}, {_SUM_ALL} from agg_unit_report where unit_level = 'province' "
            "group by all",
            per_period).height == 0
        # old district = its own UBND + its communes
        assert _mismatches(
            r, f"""select {per_period}, unit_code, {_SUM_ALL} from (
                     select a.*, g.unit_code from agg_periodic_report a join dim_agency g using (agency_code)
                     where g.agency_level = 'district'
                     union all by name
                     select * exclude (unit_code), parent_code as unit_code from agg_unit_report
                     where hierarchy_version = 1 and unit_level = 'commune') group by all""",
            f"""select {per_period}, unit_code, {_SUM_ALL} from agg_unit_report
                where unit_level = 'district' group by all""",
            f"{per_period}, unit_code").height == 0
        # a commune of either era = its UBND
        assert _mismatches(
            r, f"""select {per_period}, g.unit_version as hierarchy_version, g.unit_code, {_SUM_ALL}
                   from agg_periodic_report a join dim_agency g using (agency_code)
                   where g.agency_level = 'commune' group by all""",
            f"""select {per_period}, hierarchy_version, unit_code, {_SUM_ALL} from agg_unit_report
                where unit_level = 'commune' group by all""",
            f"{per_period}, hierarchy_version, unit_code").height == 0
        # the series loses and adds nothing: new communes + old communes (all of them are mapped)
        assert _mismatches(
            r, f"select {per_period}, {_SUM_ALL} from agg_unit_report where unit_level = 'commune' "
               "group by all",
            f"select {per_period}, {_SUM_ALL} from agg_commune_series group by all",
            per_period).height == 0
        # drill-down: the children of every unit row add up to it (a sample: the month of July)
        july = r.query("select * from agg_unit_report where period_kind = 'month' and period_key = '2025-07'")
        for row in july.iter_rows(named=True):
            kids = qu.unit_children(r, "month", "2025-07", row["hierarchy_version"], row["unit_level"],
                                    row["unit_code"])
            assert {c: kids[c].sum() for c in REPORT_COLUMNS} == {c: row[c] for c in REPORT_COLUMNS}
        # any window: units, parts and fields reconcile with the agency report
        date_from = DAY0 + dt.timedelta(days=start)
        date_to = date_from + dt.timedelta(days=length)
        agency = queries.report_for_range(r, date_from, date_to)
        total = {c: agency[c].sum() for c in REPORT_COLUMNS}
        units = qu.unit_report_for_range(r, date_from, date_to)
        province = units.filter(pl.col("unit_level") == "province")
        assert {c: province[c].sum() for c in REPORT_COLUMNS} == total
        parts = qu.province_parts_for_range(r, date_from, date_to)
        assert {c: parts[c].sum() for c in REPORT_COLUMNS} == total
        fields = qu.field_report_for_range(r, date_from, date_to)
        assert {c: fields[c].sum() for c in REPORT_COLUMNS} == total
        for row in units.iter_rows(named=True):
            assert row["carried_over"] + row["received_new"] == row["finished"] + row["in_progress"]
    finally:
        r.close()
