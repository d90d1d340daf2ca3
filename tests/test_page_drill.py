"""The "Theo địa bàn" page (pages/dia_ban.py) under AppTest: the default view, views opened by URL,
the breadcrumb back up, the "Xem chi tiết" list that drills, unknown codes, a node without dossiers in
the period and an empty warehouse.

Figures on the demo warehouse are checked against counts taken straight from fct_dossier
(tests/test_queries_drill.sql_counts); the hand-made province of tests/units_fixtures.py has its
June 2025 figures worked out by hand in its docstring.
"""

import json
import re

import polars as pl
import pytest

from tests.apptest_support import fresh_caches, no_errors, param, run_page  # noqa: F401
from tests.conftest import make_warehouse
from tests.test_queries_drill import make_drill_warehouse, sql_counts
from ui import components
from warehouse import fmt, store
from warehouse.metrics import METRICS

PAGE = "pages/dia_ban.py"
DRILL_KEYS = ("pb", "cap", "ma", "don_vi", "linh_vuc", "thu_tuc")
ON_TIME_LABEL = METRICS["on_time_rate"].label


def area(name: str) -> str:
    """A district or commune named as an area ('Thành phố Hạ Long' -> 'Địa bàn thành phố Hạ Long'), as
    the page heads it and lists it, apart from its UBND (issue 13)."""
    return "Địa bàn " + name[:1].lower() + name[1:]


def run(**params):
    return run_page(PAGE, **params)


def drill_params(at) -> dict[str, str]:
    return {k: param(at, k) for k in DRILL_KEYS if k in at.query_params}


def metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def infos(at) -> str:
    return " ".join(i.value for i in at.info)


def crumbs(at) -> list[str]:
    return [b.label for b in at.button if (b.key or "").startswith("crumb_")]


def charts(at) -> list[dict]:
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def table(at) -> pl.DataFrame:
    return pl.from_pandas(at.dataframe[0].value)


def number(text: str) -> int:
    return int(text.replace(".", ""))


def html_rows(at) -> list[list[str]]:
    body = " ".join(h.proto.body for h in at.get("html"))
    return [re.findall(r"<td[^>]*>(.*?)</td>", tr)
            for tr in re.findall(r"<tr>(.*?)</tr>", body) if "<td" in tr]


def html_headers(at) -> list[str]:
    body = " ".join(h.proto.body for h in at.get("html"))
    return re.findall(r"<th(?:\s[^>]*)?>(.*?)</th>", body)


# ------------------------------------------------------------------------------ on the demo warehouse

@pytest.fixture(scope="module")
def demo(demo_dir):
    r = store.Reader(demo_dir)
    yield r
    r.close()


@pytest.fixture
def on_demo(demo_dir, monkeypatch):
    monkeypatch.setenv("WAREHOUSE_DIR", str(demo_dir))


@pytest.fixture(scope="module")
def places(demo):
    """A district of the demo with its largest old commune, that commune's largest field and procedure
    in 2024, a new commune, and the agency with most dossiers in 2024."""
    district = demo.query(
        """select u.unit_code, u.unit_name from dim_unit as u
           join (select distinct unit_code from dim_unit_membership
                 where hierarchy_version = 1 and unit_level = 'district') using (unit_code)
           where u.hierarchy_version = 1 and u.unit_level = 'district' order by u.unit_code limit 1""").row(0)
    commune = demo.query(
        f"""select a.unit_code, u.unit_name, count(*) as n from fct_dossier as f
            join dim_agency as a using (agency_code)
            join dim_unit as u on u.hierarchy_version = 1 and u.unit_code = a.unit_code
            where a.agency_level = 'commune' and a.unit_version = 1 and a.district_code = '{district[0]}'
              and year(f.received_date) = 2024
            group by all order by n desc, a.unit_code limit 1""").row(0)
    field, procedure = demo.query(
        f"""select f.field_code, f.procedure_code, count(*) as n from fct_dossier as f
            join dim_agency as a using (agency_code)
            where a.agency_level = 'commune' and a.unit_version = 1 and a.unit_code = '{commune[0]}'
              and year(f.received_date) = 2024
            group by all order by n desc, f.procedure_code limit 1""").row(0)[:2]
    new_commune = demo.query(
        """select unit_code, unit_name from dim_unit where hierarchy_version = 2 and unit_level = 'commune'
             and unit_code in (select unit_code from dim_unit_membership where hierarchy_version = 2
                               and unit_level = 'commune')
           order by unit_code limit 1""").row(0)
    agency = demo.query(
        """select agency_code, agency_name, count(*) as n from fct_dossier join dim_agency using (agency_code)
           where year(received_date) = 2024 group by all order by n desc limit 1""").row(0)[:2]
    province = demo.query("select unit_name from dim_unit where unit_level = 'province' and unit_code = "
                          "(select value from meta where key = 'province_code') and hierarchy_version = 2")
    return {"district": district, "commune": commune[:2], "field": field, "procedure": procedure,
            "new_commune": new_commune, "agency": agency, "province": province["unit_name"][0]}


def district_where(code: str) -> str:
    return (f"(a.agency_level = 'district' and a.unit_version = 1 and a.unit_code = '{code}') or "
            f"(a.agency_level = 'commune' and a.unit_version = 1 and a.district_code = '{code}')")


def commune_where(code: str) -> str:
    return f"a.agency_level = 'commune' and a.unit_version = 1 and a.unit_code = '{code}'"


def on_time_target(r, year: int) -> float:
    return r.query(f"""select target_value from ref_plan_target where year = {year} and kpi = 'on_time_rate'
                       and agency_level = 'province' and agency_code is null""")["target_value"][0]


def test_default_view_is_the_province_in_the_latest_year(on_demo, demo, places):
    at = run()
    no_errors(at)
    assert at.title[0].value == "Theo địa bàn"
    assert (param(at, "ky"), param(at, "ma_ky")) == ("year", "2026")
    assert drill_params(at) == {}
    assert at.subheader[0].value == f"{places['province']} · Năm 2026"
    assert crumbs(at) == [] and any(m.value == "**Toàn tỉnh**" for m in at.markdown)
    handled, finished, late = sql_counts(demo, "year", "2026")
    shown = metrics(at)
    assert (shown["Nhận giải quyết"], shown["Đã giải quyết"], shown["Giải quyết quá hạn"]) == (
        fmt.number(handled), fmt.number(finished), fmt.number(late))
    assert re.fullmatch(r"\d{1,3},\d%", shown["Tỷ lệ giải quyết đúng hạn"])
    kinds = [c["data"][0]["type"] for c in charts(at)]
    assert "treemap" in kinds and "bar" in kinds and "scatter" in kinds      # ranked, parts, the map
    treemap = next(c for c in charts(at) if c["data"][0]["type"] == "treemap")["data"][0]
    assert treemap["values"][0] == handled                                   # the root: the whole province
    # 2026 is after the reorganisation: the new communes are among the province's parts
    assert "Cấp xã (từ 01/07/2025)" in table(at)["Nhóm"].to_list()
    assert sum(number(v) for v in table(at)["Nhận giải quyết"].to_list()) == handled


def test_a_district_opened_by_its_link(on_demo, demo, places):
    code, name = places["district"]
    at = run(ky="year", ma_ky="2024", pb="1", cap="district", ma=code)
    no_errors(at)
    # issue 13: the heading says it is the area (all its agencies), not its UBND
    assert at.subheader[0].value == f"{area(name)} (đến 30/06/2025) · Năm 2024"
    assert crumbs(at) == ["Toàn tỉnh"]
    handled, finished, late = sql_counts(demo, "year", "2024", district_where(code))
    shown = metrics(at)
    assert (shown["Nhận giải quyết"], shown["Đã giải quyết"], shown["Giải quyết quá hạn"]) == (
        fmt.number(handled), fmt.number(finished), fmt.number(late))
    # the children table: its UBND and its communes, each commune shown with its district; they add up
    kids = table(at)
    assert set(kids["Nhóm"].to_list()) == {"UBND cấp huyện", "Cấp xã (đến 30/06/2025)"}
    communes = kids.filter(pl.col("Nhóm") == "Cấp xã (đến 30/06/2025)")["Tên"].to_list()
    assert communes and all(c.endswith(f", {name}") for c in communes)
    assert sum(number(v) for v in kids["Nhận giải quyết"].to_list()) == handled
    assert sum(number(v) for v in kids["Giải quyết quá hạn"].to_list()) == late
    # bars: green exactly where the rate meets the province's target (96%), red elsewhere
    target = on_time_target(demo, 2024)
    bars = next(c for c in charts(at) if c["data"][0]["type"] == "bar")["data"][0]
    assert len(bars["x"]) == kids.filter(pl.col(ON_TIME_LABEL) != fmt.EMPTY).height
    for value, colour in zip(bars["x"], bars["marker"]["color"]):
        assert colour == (components.GOOD if value >= target else components.BAD)
    # the map: one dot per commune with dossiers, at its centroid
    dots = next(c for c in charts(at) if c["data"][0]["type"] == "scatter")["data"]
    assert sum(len(trace["x"]) for trace in dots) == len(communes)
    assert all(106 < x < 108.5 for trace in dots for x in trace["x"])


def test_breadcrumb_goes_back_up_one_level_at_a_time(on_demo, places):
    district_code, district_name = places["district"]
    commune_code, commune_name = places["commune"]
    at = run(ky="year", ma_ky="2024", pb="1", cap="commune", ma=commune_code, linh_vuc=places["field"])
    no_errors(at)
    assert crumbs(at) == ["Toàn tỉnh", district_name, commune_name]
    assert at.subheader[0].value.startswith("Lĩnh vực ")
    at.button(key="crumb_2").click().run()
    no_errors(at)
    assert drill_params(at) == {"pb": "1", "cap": "commune", "ma": commune_code}
    assert at.subheader[0].value == f"{area(commune_name)}, {district_name} (đến 30/06/2025) · Năm 2024"
    at.button(key="crumb_1").click().run()
    assert drill_params(at) == {"pb": "1", "cap": "district", "ma": district_code}
    assert at.subheader[0].value == f"{area(district_name)} (đến 30/06/2025) · Năm 2024"
    at.button(key="crumb_0").click().run()
    no_errors(at)
    assert drill_params(at) == {}
    assert (param(at, "ky"), param(at, "ma_ky")) == ("year", "2024")       # the period stays
    assert at.subheader[0].value.endswith("· Năm 2024") and crumbs(at) == []


def test_the_list_drills_down_and_writes_the_url(on_demo, places):
    district_code, district_name = places["district"]
    commune_code, commune_name = places["commune"]
    at = run(ky="year", ma_ky="2024")
    at.selectbox(key="pick_root").set_value(f"u:1:district:{district_code}").run()
    no_errors(at)
    assert drill_params(at) == {"pb": "1", "cap": "district", "ma": district_code}
    assert at.subheader[0].value.startswith(area(district_name))
    pick = at.selectbox(key=f"pick_pb-1_cap-district_ma-{district_code}")
    pick.set_value(f"u:1:commune:{commune_code}").run()
    no_errors(at)
    assert drill_params(at) == {"pb": "1", "cap": "commune", "ma": commune_code}
    assert crumbs(at) == ["Toàn tỉnh", district_name]
    at.selectbox(key=f"pick_pb-1_cap-commune_ma-{commune_code}").set_value(f"f:{places['field']}").run()
    no_errors(at)
    assert drill_params(at) == {"pb": "1", "cap": "commune", "ma": commune_code, "linh_vuc": places["field"]}


def test_a_procedure_lists_its_dossiers_without_personal_data(on_demo, demo, places):
    commune_code, _ = places["commune"]
    at = run(ky="year", ma_ky="2024", pb="1", cap="commune", ma=commune_code, linh_vuc=places["field"],
             thu_tuc=places["procedure"])
    no_errors(at)
    assert at.subheader[0].value.startswith("Thủ tục ")
    assert html_headers(at) == ["Mã hồ sơ", "Tiếp nhận", "Hẹn trả", "Kết thúc", "Trạng thái", "Trong kỳ",
                                "Trễ hạn"]
    expected = demo.query(
        f"""select f.dossier_id, f.end_date <= date '2024-12-31' and f.finished_class = 'late' as late
            from fct_dossier as f join dim_agency as a using (agency_code)
            where {commune_where(commune_code)} and f.procedure_code = '{places['procedure']}'
              and f.field_code = '{places['field']}'
              and f.received_date <= date '2024-12-31'
              and coalesce(f.end_date, date '9999-12-31') >= date '2024-01-01'""")
    rows = html_rows(at)
    assert sorted(r[0] for r in rows) == sorted(expected["dossier_id"].to_list())
    assert metrics(at)["Nhận giải quyết"] == fmt.number(expected.height)
    # late ones first
    flags = [r[-1] == "Trễ hạn" for r in rows]
    assert flags == sorted(flags, reverse=True)
    assert all(re.fullmatch(r"\d\d/\d\d/2\d{3}", r[1]) for r in rows)


def test_an_agency_with_many_dossiers_shows_the_first_500(on_demo, demo, places):
    code, name = places["agency"]
    at = run(ky="year", ma_ky="2024", don_vi=code)
    no_errors(at)
    assert at.subheader[0].value == f"{name} · Năm 2024"
    handled = sql_counts(demo, "year", "2024", f"a.agency_code = '{code}'")[0]
    assert handled > 500
    assert len(html_rows(at)) == 500
    assert any("Chỉ hiện 500 hồ sơ đầu" in c.value for c in at.caption)
    # the agency's own pages, for the same period
    links = " ".join(m.value for m in at.markdown)
    assert f"/co_quan?don_vi={code}&ky=year&ma_ky=2024" in links


@pytest.mark.parametrize(("url", "words", "back_to"), [
    ({"pb": "1", "cap": "district", "ma": "99999"}, "Không tìm thấy huyện có mã “99999”", {}),
    ({"pb": "2", "cap": "district", "ma": "193"}, "không còn cấp huyện", {}),
    ({"pb": "7", "cap": "galaxy", "ma": "1"}, "không chỉ rõ địa bàn", {}),
    ({"don_vi": "XYZ.999"}, "Không tìm thấy cơ quan, đơn vị có mã “XYZ.999”", {}),
    ({"linh_vuc": "none", "thu_tuc": "none", "pb": "1", "cap": "commune"}, "không chỉ rõ địa bàn", {}),
])
def test_unknown_codes_are_said_in_words_with_a_way_back(on_demo, url, words, back_to):
    at = run(ky="year", ma_ky="2024", **url)
    no_errors(at)
    assert words in infos(at)
    assert not at.metric
    at.button(key="back").click().run()
    no_errors(at)
    assert drill_params(at) == back_to
    assert at.subheader[0].value.endswith("· Năm 2024")


def test_an_unknown_field_goes_back_to_its_commune(on_demo, places):
    commune_code, commune_name = places["commune"]
    at = run(ky="year", ma_ky="2024", pb="1", cap="commune", ma=commune_code, linh_vuc="KHONG_CO")
    no_errors(at)
    assert "Không tìm thấy lĩnh vực có mã “KHONG_CO”" in infos(at)
    assert at.button(key="back").label == f"Quay lại {commune_name}"
    at.button(key="back").click().run()
    assert drill_params(at) == {"pb": "1", "cap": "commune", "ma": commune_code}


def test_a_new_commune_before_july_2025_has_no_dossiers(on_demo, places):
    code, name = places["new_commune"]
    at = run(ky="year", ma_ky="2024", pb="2", cap="commune", ma=code)
    no_errors(at)
    said = infos(at)
    assert f"{area(name)} (từ 01/07/2025): không có hồ sơ nào trong Năm 2024" in said
    assert "chỉ có từ 01/07/2025" in said
    at.button(key="back").click().run()
    assert drill_params(at) == {}
    # the same commune in 2026 has figures
    at = run(ky="year", ma_ky="2026", pb="2", cap="commune", ma=code)
    no_errors(at)
    assert number(metrics(at)["Nhận giải quyết"]) > 0


# ------------------------------------------------------------------------------ hand-made warehouses

@pytest.fixture
def hand_made(tmp_path, monkeypatch):
    make_drill_warehouse(tmp_path).close()
    monkeypatch.setenv("WAREHOUSE_DIR", str(tmp_path))


def test_district_figures_by_hand(hand_made):
    """June 2025, Huyện Một: new 7, finished 5 (X1a late), on time 4/5 = 80,0%, H1b overdue.
    Children: Xã Bình (3 new, 2 finished, 100%), UBND Huyện Một (2, 1, 100%, H1b overdue), Xã An
    (2, 2, 50%: X1a late)."""
    at = run(ky="month", ma_ky="2025-06", pb="1", cap="district", ma="901")
    no_errors(at)
    assert at.subheader[0].value == "Địa bàn huyện Một (đến 30/06/2025) · Tháng 06/2025"
    assert metrics(at) == {"Nhận giải quyết": "7", "Đã giải quyết": "5", "Tỷ lệ giải quyết đúng hạn": "80,0%",
                           "Giải quyết quá hạn": "1", "Đang giải quyết quá hạn": "1"}
    assert table(at).drop("Nhóm").rows() == [
        ("Địa bàn xã Bình, Huyện Một", "3", "2", "100,0%", "0", "0"),
        ("UBND Huyện Một", "2", "1", "100,0%", "0", "1"),
        ("Địa bàn xã An, Huyện Một", "2", "2", "50,0%", "1", "0"),
    ]
    # no plan targets in this warehouse: neutral bars, no target ticks
    bars = next(c for c in charts(at) if c["data"][0]["type"] == "bar")["data"]
    assert bars[0]["marker"]["color"] == [components.NEUTRAL] * 3 and len(bars) == 1


def test_an_agency_link_is_placed_under_its_commune(hand_made):
    at = run(ky="month", ma_ky="2025-06", don_vi="X2")
    no_errors(at)
    assert crumbs(at) == ["Toàn tỉnh", "Huyện Một", "Xã Bình"]
    assert drill_params(at) == {"pb": "1", "cap": "commune", "ma": "90002", "don_vi": "X2"}
    assert [r[0] for r in html_rows(at)] == ["X2a", "X2b", "X2c"]
    assert [r[-2] for r in html_rows(at)] == ["Giải quyết đúng hạn", "Đang giải quyết, trong hạn",
                                              "Giải quyết trước hạn"]


def test_a_period_without_dossiers_says_so(hand_made):
    at = run(ky="month", ma_ky="2025-05")
    no_errors(at)
    assert "Tỉnh Thử: không có hồ sơ nào trong Tháng 05/2025." in infos(at)
    assert not at.metric


def test_an_empty_warehouse_says_so(tmp_path, monkeypatch):
    make_warehouse(tmp_path, []).close()
    monkeypatch.setenv("WAREHOUSE_DIR", str(tmp_path))
    at = run()
    no_errors(at)
    assert "Kho dữ liệu chưa có hồ sơ nào" in infos(at)
