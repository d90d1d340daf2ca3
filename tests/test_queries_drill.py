"""The drill-down's queries (warehouse/queries_drill.py) and how the page shapes a node's children
(ui/drill_parts.py), against the hand-made province of tests/units_fixtures.py (its docstring
has the dossiers) and, for the totals, against the demo warehouse with expectations counted
straight from fct_dossier.

Added here to the hand-made province: centroids for every unit, an old commune "Xã Trống" (90005)
without any agency, and a dossier N2z of Xã Mới Hai without field or catalogued procedure
(received 15/07, due 20/07, finished 18/07: early).

Hand-worked listings (month 2025-06 is judged on 30/06; 2025-07 on 31/07):
  Xã Bình (X2), June: X2a on time, X2b open and not yet due (due 03/07), X2c early -> by date received
  UBND Huyện Một (H1), June: H1b overdue (due 28/06, open) first, then H1a on time
  Huyện Một (901) = H1 + X1 + X2, June: late first (X1a 05/06 late, H1b 25/06 overdue), then by date
     received: H1a 03/06, X2a 11/06, X1b 16/06, X2b 26/06, X2c 27/06
  Xã Bình, July: only X2b, carried over and finished on time on 03/07
  Sở Tư pháp (SO1), year 2025, field Đất đai: S2 late (15/07 > 10/07), then S1 early
"""

import polars as pl
import pytest

from tests.conftest import DOSSIER_SCHEMA, dossier
from tests.units_fixtures import AGENCIES, CROSSWALK, DOSSIERS, FIELDS, UNITS, agencies_frame
from ui import drill_parts as dp
from warehouse import build, store
from warehouse import queries_drill as qd
from warehouse import queries_units as qu
from warehouse.queries_units import NO_FIELD

EXTRA_UNITS = [(1, "90005", "Xã Trống", "commune", "902")]
EXTRA_DOSSIERS = [dossier("N2z", "2025-07-15", "2025-07-20", "2025-07-18", agency="N2", field_code=None,
                          procedure_code="P_X")]


def units_with_centroids() -> pl.DataFrame:
    rows = [(v, code, name, None, level, parent, "90", 21.0 + i / 100, 107.0 + i / 100)
            for i, (v, code, name, level, parent) in enumerate(UNITS + EXTRA_UNITS)]
    return pl.DataFrame(
        rows, schema={"hierarchy_version": pl.Int8, "unit_code": pl.String, "unit_name": pl.String,
                      "unit_type": pl.String, "unit_level": pl.String, "parent_code": pl.String,
                      "province_code": pl.String, "lat": pl.Float64, "lon": pl.Float64},
        orient="row",
    )


def make_drill_warehouse(directory) -> store.Reader:
    tables = {
        "ref_unit": units_with_centroids(),
        "ref_unit_crosswalk": pl.DataFrame(
            CROSSWALK, schema={"old_commune_code": pl.String, "new_commune_code": pl.String,
                               "is_split": pl.Boolean, "is_default": pl.Boolean}, orient="row"),
        "ref_agency": agencies_frame(AGENCIES),
        "ref_field": pl.DataFrame(FIELDS, schema={"field_code": pl.String, "field_name": pl.String},
                                  orient="row"),
        "raw_dossier": pl.DataFrame(DOSSIERS + EXTRA_DOSSIERS, schema=DOSSIER_SCHEMA),
    }
    build.build_from_frames(directory, tables, meta={"as_of": "2025-12-31"}, with_units=False)
    return store.Reader(directory)


@pytest.fixture(scope="module")
def wh(tmp_path_factory):
    r = make_drill_warehouse(tmp_path_factory.mktemp("drill"))
    yield r
    r.close()


def listed(frame: pl.DataFrame) -> list[tuple]:
    return frame.select("dossier_id", "period_state", "is_late").rows()


def ids(frame: pl.DataFrame) -> list[str]:
    return frame["dossier_id"].to_list()


HUYEN_MOT = (1, "district", "901")
COUNTS = ("carried_over", "received_new", "finished", "finished_early", "finished_on_time", "finished_late",
          "in_progress", "in_progress_not_due", "in_progress_overdue")


# ------------------------------------------------------------------------------ what a code names

def test_unit_info_only_for_units_of_the_province_with_agencies(wh):
    bình = qd.unit_info(wh, 1, "commune", "90002")
    assert (bình["unit_name"], bình["unit_label"], bình["parent_code"], bình["parent_name"]) == (
        "Xã Bình", "Xã Bình, Huyện Một", "901", "Huyện Một")
    assert qd.unit_info(wh, 1, "district", "902")["unit_name"] == "Huyện Hai"
    assert qd.unit_info(wh, 2, "commune", "90103")["unit_name"] == "Xã Mới Ba"
    assert qd.unit_info(wh, 1, "commune", "90005") is None      # in the list, but no agency: not drillable
    assert qd.unit_info(wh, 2, "district", "901") is None       # no districts after 1 July 2025
    assert qd.unit_info(wh, 1, "commune", "90101") is None      # a new commune's code under the old version
    assert qd.unit_info(wh, 1, "commune", "'; drop table x;--") is None


def test_agency_info_places_an_agency_under_its_units(wh):
    x2 = qd.agency_info(wh, "X2")
    assert (x2["agency_name"], x2["province_part"], x2["district_code"], x2["district_name"]) == (
        "UBND Xã Bình", "district", "901", "Huyện Một")
    assert (x2["commune_version"], x2["commune_code"], x2["commune_name"]) == (1, "90002", "Xã Bình")
    so1 = qd.agency_info(wh, "SO1")
    assert (so1["province_part"], so1["district_code"], so1["commune_code"]) == ("department", None, None)
    n1 = qd.agency_info(wh, "N1")
    assert (n1["province_part"], n1["district_code"], n1["commune_version"], n1["commune_code"]) == (
        "commune", None, 2, "90101")
    h1 = qd.agency_info(wh, "H1")
    assert (h1["district_code"], h1["commune_code"]) == ("901", None)
    assert qd.agency_info(wh, "ZZ")["province_part"] == "other"   # seen only in dossiers
    assert qd.agency_info(wh, "NOPE") is None


def test_field_and_procedure_names(wh):
    assert qd.field_name(wh, "DD") == "Đất đai"
    assert qd.field_name(wh, qd.NO_CODE) == NO_FIELD
    assert qd.field_name(wh, "ZZZ") is None
    assert qd.procedure_name(wh, "P_X") == "P_X"          # carried by a dossier, not in the catalogue
    assert qd.procedure_name(wh, "NOPE") is None


def test_unit_centroids_and_members(wh):
    centroids = qd.unit_centroids(wh)
    # every district and commune holding an agency; not the provinces, not the empty Xã Trống
    held = ["901", "902", "90001", "90002", "90003", "90004", "90101", "90102", "90103"]
    assert sorted(centroids["unit_code"].to_list()) == sorted(held)
    an = centroids.filter(pl.col("unit_code") == "90001").row(0, named=True)
    assert (an["lat"], an["lon"]) == (pytest.approx(21.03), pytest.approx(107.03))   # 4th unit of the list
    assert qd.unit_agencies(wh, 1, "district", "901")["agency_code"].to_list() == ["H1", "X1", "X2"]
    assert qd.unit_agencies(wh, 2, "commune", "90102")["agency_code"].to_list() == ["N2"]


def test_agency_node_counts(wh):
    """Xã Bình in June: new 3 (X2a, X2b, X2c), finished 2 (X2c early, X2a on time), open 1 not due."""
    row = qd.agency_node(wh, "month", "2025-06", "X2").row(0, named=True)
    assert [row[c] for c in COUNTS] == [0, 3, 2, 1, 1, 0, 1, 1, 0]
    assert row["on_time_rate"] == 1.0
    assert qd.agency_node(wh, "month", "2025-06", "NOPE").height == 0


# ------------------------------------------------------------------------------ the dossier listing

def test_dossiers_of_an_agency_a_unit_a_field_a_procedure(wh):
    assert listed(qd.dossiers(wh, "month", "2025-06", agency_code="X2")) == [
        ("X2a", "on_time", False), ("X2b", "not_due", False), ("X2c", "early", False)]
    assert listed(qd.dossiers(wh, "month", "2025-06", agency_code="H1")) == [
        ("H1b", "overdue", True), ("H1a", "on_time", False)]
    district = qd.dossiers(wh, "month", "2025-06", unit=HUYEN_MOT)
    assert ids(district) == ["X1a", "H1b", "H1a", "X2a", "X1b", "X2b", "X2c"]
    assert district.filter(pl.col("is_late"))["period_state"].to_list() == ["late", "overdue"]
    july = qd.dossiers(wh, "month", "2025-07", unit=(1, "commune", "90002"))
    assert listed(july) == [("X2b", "on_time", False)]
    so1 = qd.dossiers(wh, "year", "2025", agency_code="SO1", field_code="DD")
    assert listed(so1) == [("S2", "late", True), ("S1", "early", False)]
    assert so1.row(0, named=True)["field_name"] == "Đất đai"
    assert so1.row(0, named=True)["agency_name"] == "Sở Tư pháp"
    june = {"kind": "month", "key": "2025-06", "unit": HUYEN_MOT}
    assert ids(qd.dossiers(wh, **june, field_code="HT")) == ["X2a", "X1b", "X2b", "X2c"]
    assert ids(qd.dossiers(wh, **june, procedure_code="P_DD")) == ["X1a", "H1b", "H1a"]
    assert ids(qd.dossiers(wh, "month", "2025-06", unit=HUYEN_MOT, limit=2)) == ["X1a", "H1b"]


def test_dossiers_without_a_field(wh):
    july = qd.dossiers(wh, "month", "2025-07", agency_code="N2", field_code=qd.NO_CODE)
    assert listed(july) == [("N2z", "early", False)]
    assert july["procedure_name"].to_list() == ["P_X"]
    assert ids(qd.dossiers(wh, "month", "2025-07", agency_code="N2", field_code="HT")) == ["N2a"]
    assert ids(qd.dossiers(wh, "month", "2025-07", agency_code="N2", procedure_code="P_X")) == ["N2z"]


def test_dossiers_carry_no_personal_data(wh):
    columns = set(qd.dossiers(wh, "year", "2025", agency_code="X1").columns)
    assert columns == {"dossier_id", "agency_code", "agency_name", "procedure_code", "procedure_name",
                       "field_code", "field_name", "received_date", "due_date", "end_date", "status",
                       "period_state", "is_late"}


def test_dossiers_need_an_agency_or_a_unit(wh):
    with pytest.raises(ValueError):
        qd.dossiers(wh, "year", "2025")


# ------------------------------------------------------------------------------ children of a node

def test_children_of_the_province_and_of_a_district(wh):
    """June, by hand: province = SO1 (S1 early: 100%) + TW1 (T1 open: no rate) + Huyện Một (7 new; finished
    H1a, X1a, X1b, X2a, X2c: 4 of 5 on time) + Huyện Hai (3; H2a, X3a, X4a: 2 of 3) + ZZ (U1 on time)."""
    province = dp.Node("province", "Toàn tỉnh", "Tỉnh Thử", {}, unit=(2, "province", "90"))
    kids = dp.children_rows(qu.unit_children(wh, "month", "2025-06", 2, "province", "90"), province)
    rows = {r["child_id"]: (r["label"], r["group"], r["received"], r["finished"], r["on_time_rate"])
            for r in kids.iter_rows(named=True)}
    assert rows == {
        "a:SO1": ("Sở Tư pháp", "department", 1, 1, 1.0),
        "a:TW1": ("Công an tỉnh", "central", 1, 0, None),
        "u:1:district:901": ("Địa bàn huyện Một", "district", 7, 5, pytest.approx(4 / 5)),
        "u:1:district:902": ("Địa bàn huyện Hai", "district", 3, 3, pytest.approx(2 / 3)),
        "a:ZZ": ("ZZ", "other", 1, 1, 1.0),
    }
    # ranked by on-time rate, then most dossiers, then by name; no rate last
    assert kids["child_id"].to_list() == ["a:SO1", "a:ZZ", "u:1:district:901", "u:1:district:902", "a:TW1"]
    # new communes had nothing in June: not listed
    assert not any(c.startswith("u:2:") for c in rows)

    district = dp.Node("district", "Huyện Một", "Huyện Một", {"pb": "1", "cap": "district", "ma": "901"},
                       "district", unit=HUYEN_MOT)
    kids = dp.children_rows(qu.unit_children(wh, "month", "2025-06", 1, "district", "901"), district)
    assert kids.select("child_id", "label", "group", "level", "received").rows() == [
        ("u:1:commune:90002", "Địa bàn xã Bình, Huyện Một", "old_commune", "commune", 3),   # 2 of 2 on time
        ("a:H1", "UBND Huyện Một", "district_ubnd", "district", 2),                  # 1 of 1
        ("u:1:commune:90001", "Địa bàn xã An, Huyện Một", "old_commune", "commune", 2),     # 1 of 2
    ]
    assert dp.child_params(district, "u:1:commune:90002") == {"pb": "1", "cap": "commune", "ma": "90002"}
    assert dp.child_params(district, "a:H1") == {"pb": "1", "cap": "district", "ma": "901", "don_vi": "H1"}
    assert dp.child_params(province, "a:SO1") == {"don_vi": "SO1"}


def test_children_fields_and_procedures(wh):
    agency = dp.Node("agency", "UBND Xã Mới Hai", "UBND Xã Mới Hai", {"don_vi": "N2"}, "commune", agency="N2")
    kids = dp.children_rows(qu.field_report(wh, "month", "2025-07", agency_code="N2"), agency)
    # N2z (no field) early and N2a (Hộ tịch) on time: both 100%, one dossier each
    assert sorted(kids.select("child_id", "label", "level", "received", "on_time_rate").rows()) == [
        ("f:HT", "Hộ tịch", "commune", 1, 1.0), ("f:_", NO_FIELD, "commune", 1, 1.0)]
    assert dp.child_params(agency, "f:_") == {"don_vi": "N2", "linh_vuc": "_"}
    field = dp.Node("field", "Lĩnh vực", "Lĩnh vực", {"don_vi": "N2", "linh_vuc": "_"}, "commune",
                    agency="N2", field="_")
    procedures = dp.children_rows(qu.procedure_report(wh, "month", "2025-07", agency_code="N2"), field)
    assert procedures.select("child_id", "received").rows() == [("p:P_X", 1)]
    assert dp.child_params(field, "p:P_X") == {"don_vi": "N2", "linh_vuc": "_", "thu_tuc": "P_X"}


# ------------------------------------------------------------------------------ where a URL points

def lookups(r) -> dp.Lookups:
    return dp.Lookups(unit=lambda v, lvl, c: qd.unit_info(r, v, lvl, c),
                      agency=lambda c: qd.agency_info(r, c),
                      field=lambda c: qd.field_name(r, c),
                      procedure=lambda c: qd.procedure_name(r, c))


def test_resolve_paths(wh):
    province = qu.province_unit(wh)
    look = lookups(wh)
    url = {"pb": "1", "cap": "commune", "ma": "90002", "linh_vuc": "HT", "thu_tuc": "P_HT"}
    path, problem = dp.resolve(url, province, look)
    assert problem is None
    assert [n.label for n in path] == ["Toàn tỉnh", "Huyện Một", "Xã Bình", "Lĩnh vực Hộ tịch",
                                       "Thủ tục P_HT"]
    assert path[2].title == "Địa bàn xã Bình, Huyện Một (đến 30/06/2025)"
    assert path[-1].title == "Thủ tục P_HT — Địa bàn xã Bình, Huyện Một (đến 30/06/2025)"
    assert path[-1].params == url
    # an agency is placed under its units, whatever else the URL says
    path, problem = dp.resolve({"don_vi": "X2", "pb": "2", "cap": "commune", "ma": "90101"}, province, look)
    assert problem is None
    assert [n.label for n in path] == ["Toàn tỉnh", "Huyện Một", "Xã Bình", "UBND Xã Bình"]
    assert path[-1].params == {"pb": "1", "cap": "commune", "ma": "90002", "don_vi": "X2"}
    path, _ = dp.resolve({"don_vi": "N1"}, province, look)
    assert [n.label for n in path] == ["Toàn tỉnh", "Xã Mới Một", "UBND Xã Mới Một"]
    assert path[1].title == "Địa bàn xã Mới Một (từ 01/07/2025)"
    # fields are looked at inside a commune or an agency only: elsewhere the key is dropped
    path, problem = dp.resolve({"pb": "1", "cap": "district", "ma": "901", "linh_vuc": "HT"}, province, look)
    assert problem is None and path[-1].kind == "district" and "linh_vuc" not in path[-1].params


@pytest.mark.parametrize(("url", "words", "last"), [
    ({"pb": "1", "cap": "district", "ma": "999"}, "Không tìm thấy huyện có mã “999”", "Toàn tỉnh"),
    ({"pb": "2", "cap": "district", "ma": "901"}, "không còn cấp huyện", "Toàn tỉnh"),
    ({"pb": "7", "cap": "galaxy", "ma": "1"}, "không chỉ rõ địa bàn", "Toàn tỉnh"),
    ({"ma": "901"}, "không chỉ rõ địa bàn", "Toàn tỉnh"),
    ({"don_vi": "XYZ.999"}, "Không tìm thấy cơ quan, đơn vị có mã “XYZ.999”", "Toàn tỉnh"),
    ({"pb": "1", "cap": "commune", "ma": "90002", "linh_vuc": "none"}, "Không tìm thấy lĩnh vực", "Xã Bình"),
    ({"don_vi": "SO1", "linh_vuc": "DD", "thu_tuc": "none"}, "Không tìm thấy thủ tục", "Lĩnh vực Đất đai"),
])
def test_resolve_unknown_codes_say_so_and_stop_at_the_last_known_node(wh, url, words, last):
    path, problem = dp.resolve(url, qu.province_unit(wh), lookups(wh))
    assert words in problem
    assert path[-1].label == last


# ------------------------------------------------------------------------------ totals on the demo

def sql_counts(r, kind: str, key: str, agencies_where: str = "true",
               extra: str = "true") -> tuple[int, int, int]:
    """(handled = carried over + new, finished, finished late) counted straight from fct_dossier, for the
    agencies `agencies_where` selects in dim_agency (alias a) and dossiers `extra` selects (alias f)."""
    row = r.query(
        f"""select count(*) as handled,
                   count(*) filter (where f.end_date <= p.end_date) as finished,
                   count(*) filter (where f.end_date <= p.end_date and f.finished_class = 'late') as late
            from fct_dossier as f
            join dim_agency as a using (agency_code)
            cross join (select * from dim_period where period_kind = $kind and period_key = $key) as p
            where f.received_date <= p.end_date and coalesce(f.end_date, date '9999-12-31') >= p.start_date
              and ({agencies_where}) and ({extra})""",
        {"kind": kind, "key": key},
    ).row(0)
    return tuple(row)


def summed(rows: pl.DataFrame) -> tuple[int, int, int]:
    return (int(rows["received"].sum()), int(rows["finished"].sum()), int(rows["finished_late"].sum()))


def own(row: dict) -> tuple[int, int, int]:
    return (row["carried_over"] + row["received_new"], row["finished"], row["finished_late"])


@pytest.fixture(scope="module")
def demo(demo_dir):
    r = store.Reader(demo_dir)
    yield r
    r.close()


# 2024 (old hierarchy only), 2025 (straddles 1 July: both), a month after the reorganisation
PERIODS = [("year", "2024"), ("year", "2025"), ("month", "2025-08")]


@pytest.mark.parametrize(("kind", "key"), PERIODS)
def test_province_children_add_up_to_the_province_and_to_the_dossiers(demo, kind, key):
    province = qu.province_unit(demo)
    unit = (province["hierarchy_version"], "province", province["unit_code"])
    node = dp.Node("province", "Toàn tỉnh", province["unit_name"], {}, unit=unit)
    kids = dp.children_rows(qu.unit_children(demo, kind, key, province["hierarchy_version"], "province",
                                             province["unit_code"]), node)
    expected = sql_counts(demo, kind, key)
    assert expected[0] > 1000
    assert summed(kids) == expected
    row = qu.unit_report(demo, kind, key, "province").row(0, named=True)
    assert own(row) == expected
    groups = set(kids["group"].to_list())
    if key == "2024":
        assert groups == {"department", "central", "district"}
    if key == "2025":
        assert {"district", "commune"} <= groups       # old districts and new communes side by side


@pytest.mark.parametrize(("kind", "key"), PERIODS[:2])
def test_every_district_is_its_ubnd_and_its_communes(demo, kind, key):
    districts = qu.unit_report(demo, kind, key, "district", 1)
    assert districts.height == 13
    for district in districts.iter_rows(named=True):
        code = district["unit_code"]
        node = dp.Node("district", "", "", {}, "district", unit=(1, "district", code))
        kids = dp.children_rows(qu.unit_children(demo, kind, key, 1, "district", code), node)
        expected = sql_counts(
            demo, kind, key,
            f"(a.agency_level = 'district' and a.unit_version = 1 and a.unit_code = '{code}') or "
            f"(a.agency_level = 'commune' and a.unit_version = 1 and a.district_code = '{code}')")
        assert summed(kids) == expected == own(district), code
        assert kids.filter(pl.col("group") == "district_ubnd").height == 1


def test_commune_fields_procedures_and_listing_add_up(demo):
    kind, key = "year", "2024"
    communes = qu.unit_report(demo, kind, key, "commune", 1).sort("received_new", descending=True)
    commune = communes.row(0, named=True)
    code = commune["unit_code"]
    unit = (1, "commune", code)
    expected = sql_counts(demo, kind, key, f"a.agency_level = 'commune' and a.unit_version = 1 "
                                           f"and a.unit_code = '{code}'")
    node = dp.Node("commune", "", "", {}, "commune", unit=unit)
    fields = dp.children_rows(qu.field_report(demo, kind, key, None, unit), node)
    assert summed(fields) == expected == own(commune)
    listing = qd.dossiers(demo, kind, key, None, unit, None, None, 100_000)
    assert listing.height == expected[0]
    assert listing.filter(pl.col("period_state").is_in(["early", "on_time", "late"])).height == expected[1]
    assert listing.filter(pl.col("period_state") == "late").height == expected[2]
    late_or_overdue = commune["finished_late"] + commune["in_progress_overdue"]
    assert listing.filter(pl.col("is_late")).height == late_or_overdue
    # one field: its procedures add up to it, and so does the listing
    field_code = fields["child_id"][0].removeprefix("f:")
    field = dp.Node("field", "", "", {}, "commune", unit=unit, field=field_code)
    procedures = dp.children_rows(qu.procedure_report(demo, kind, key, None, unit, field_code), field)
    field_expected = sql_counts(demo, kind, key, f"a.agency_level = 'commune' and a.unit_version = 1 "
                                                 f"and a.unit_code = '{code}'",
                                f"f.field_code = '{field_code}'")
    field_row = fields.filter(pl.col("child_id") == f"f:{field_code}")
    assert summed(procedures) == field_expected == summed(field_row)
    assert qd.dossiers(demo, kind, key, None, unit, field_code, None, 100_000).height == field_expected[0]


def test_agency_fields_add_up(demo):
    kind, key = "year", "2025"
    agency = demo.query("select agency_code from dim_agency where agency_level = 'department' "
                        "order by agency_code limit 1")["agency_code"][0]
    expected = sql_counts(demo, kind, key, f"a.agency_code = '{agency}'")
    node = dp.Node("agency", "", "", {}, "department", agency=agency)
    fields = dp.children_rows(qu.field_report(demo, kind, key, agency), node)
    assert summed(fields) == expected == own(qd.agency_node(demo, kind, key, agency).row(0, named=True))
    assert qd.dossiers(demo, kind, key, agency, None, None, None, 100_000).height == expected[0]


def test_centroids_of_the_demo_units(demo):
    centroids = qd.unit_centroids(demo)
    counts = {(v, lvl): n for v, lvl, n in centroids.group_by("hierarchy_version", "unit_level").len().rows()}
    members = demo.query("""select hierarchy_version, unit_level, count(distinct unit_code)
                            from dim_unit_membership where unit_level <> 'province' group by all""").rows()
    assert counts == {(v, lvl): n for v, lvl, n in members}       # every unit has a centroid
    # Quảng Ninh lies around 20.7-21.7 N, 106.4-108.1 E
    assert centroids["lat"].is_between(20.5, 21.9).all() and centroids["lon"].is_between(106.3, 108.2).all()
