"""The hand-made province of the unit roll-up tests (tests/test_units_rollup_*.py; also used by
tests/test_queries_drill.py, test_report_export.py and test_report_office.py): its units, crosswalk,
agencies, fields and dossiers built into a warehouse (make_unit_warehouse), and a strategy drawing
random dossier sets over its agencies (dossier_sets).

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
from hypothesis import strategies as st

from tests.conftest import DOSSIER_SCHEMA, dossier
from warehouse import build, store

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


AGENCY_CODES = [a[0] for a in AGENCIES] + ["ZZ"]
DAY0 = dt.date(2025, 5, 20)


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
