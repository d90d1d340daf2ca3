"""Ceiling targets ("at most 2% late", "at most N late dossiers") and the count KPI behind the second,
judged the same way by the SQL (agg_target_attainment, the target_met macro) and by every Python
consumer (warehouse.metrics.target_met, ui.components, warehouse.narrative, the pages), with one
tolerance. Answers worked out by hand.

Data as of 30/09/2025; every dossier is received on the 2nd of a month, due on the 10th and finished
on the 5th (on time) or the 15th (late), as tests/targets_fixtures.month_batch makes them.

 agency  dossiers                                                      late_share   overdue_count
 X       March: 49 on time + 1 late                                    1/50 = 2%    1
 Y       March: 48 on time + 2 late                                    2/50 = 4%    2
 Z       March: 5 on time + 2 late; Z-open received 02/09, due 10/09,  2/7          2 + 1 = 3
         still in progress on 30/09 (overdue)
 W       March: 3 on time + 2 late                                     2/5          2
 E       none                                                          —            —

Targets 2025 (each agency's own row, and the province):
 X late_share <= 2%: 1/50 = 2% exactly: met, gap 0.
 Y late_share <= 2%: 4%: missed, gap ceil(2 - 0.02 x 50) = 1 too many.
 Z overdue_count <= 10: 3: met, 7 more late dossiers allowed.
 W overdue_count <= 1: 2: missed, 1 too many; already over for the year.
 E overdue_count <= 10: no dossiers, no value: no verdict.
 province overdue_count <= 5: 1 + 2 + 3 + 2 = 8: missed, 3 too many.

Year-end projection of a count (docs/targets_rankings.md): it runs on at its pace so far, rounded to
whole dossiers: count + round(count x 92 / 273) (273 days elapsed 01/01-30/09, 92 remaining).
 Z 3 + round(1.011) = 4 <= 10: not at risk.   W 2 + round(0.674) = 3: at risk, 2 over at year end.
 province 8 + round(2.696) = 11: at risk, 6 over.
Shares (X, Y): the remaining denominator 50 x 92/273 = 4600/273; July-September have no finished
dossier, so the rest of the year runs at the year's rate.
 X projection (1 + 0.02 x 4600/273) / (50 + 4600/273) = 2% exactly: met, not at risk; the rest of the
   year may run at most (0.02 x 18250/273 - 1) / (4600/273) = 92/4600 = 2%.
 Y projection 4%: at risk; the rest would need (365 - 546)/4600 < 0: out of reach; at the projected
   year-end volume (2 + 0.04 x 4600/273) - 0.02 x 18250/273 = (546 + 184 - 365)/273 = 1.34: 2 over.
"""

import polars as pl
import pytest

from tests.apptest_support import fresh_caches, no_errors, run_page  # noqa: F401
from tests.conftest import dossier
from tests.targets_fixtures import build_warehouse, month_batch
from ui import components
from warehouse import narrative, queries_targets
from warehouse.metrics import METRICS, TARGET_TOLERANCE, target_met

AGENCIES = [(code, f"Sở {code}", "department", None, None, None) for code in ("X", "Y", "Z", "W", "E")]
DOSSIERS = (
    month_batch("X", 2025, 3, 49, 1) + month_batch("Y", 2025, 3, 48, 2)
    + month_batch("Z", 2025, 3, 5, 2) + [dossier("Z-open", "2025-09-02", "2025-09-10", agency="Z", status=4)]
    + month_batch("W", 2025, 3, 3, 2)
)
TARGETS = [
    (2025, "department", "X", "late_share", "<=", 0.02),
    (2025, "department", "Y", "late_share", "<=", 0.02),
    (2025, "department", "Z", "overdue_count", "<=", 10),
    (2025, "department", "W", "overdue_count", "<=", 1),
    (2025, "department", "E", "overdue_count", "<=", 10),
    (2025, "province", None, "overdue_count", "<=", 5),
]


@pytest.fixture(scope="module")
def wh_dir(tmp_path_factory):
    directory = tmp_path_factory.mktemp("ceilings")
    build_warehouse(directory, DOSSIERS, AGENCIES, "2025-09-30", targets=TARGETS).close()
    return directory


@pytest.fixture(scope="module")
def wh(wh_dir):
    from warehouse import store

    r = store.Reader(wh_dir)
    yield r
    r.close()


def row(r, agency, kpi) -> dict:
    frame = queries_targets.attainment(r, 2025, agency).filter(pl.col("kpi") == kpi)
    assert frame.height == 1, (agency, kpi, frame)
    return frame.row(0, named=True)


def test_ceiling_share_met_exactly_at_the_target(wh):
    x = row(wh, "X", "late_share")
    assert (x["numerator"], x["denominator"], x["value"]) == (1, 50, pytest.approx(0.02))
    assert (x["is_met"], x["gap_units"], x["is_at_risk"]) == (True, 0, False)
    assert x["projected_value"] == pytest.approx(0.02)
    assert x["required_remaining_value"] == pytest.approx(92 / 4600)
    assert components.target_state(x) == "met"
    assert components.required_rest_of_year(METRICS["late_share"], x) == "≤ 2,0%"
    assert components.gap_words(x) == "Đã đạt chỉ tiêu" and components.gap_short(x) == "—"


def test_ceiling_share_missed_is_an_excess(wh):
    y = row(wh, "Y", "late_share")
    assert (y["value"], y["is_met"], y["gap_units"]) == (pytest.approx(0.04), False, 1)
    assert (y["is_at_risk"], y["year_end_gap_units"]) == (True, 2)
    assert y["required_remaining_value"] == pytest.approx((365 - 546) / 4600)
    assert components.target_state(y) == "at_risk"
    assert components.required_rest_of_year(METRICS["late_share"], y) == "Không thể đạt trong năm"
    assert components.gap_words(y) == "Vượt 1 hồ sơ trễ hạn so với chỉ tiêu"
    assert components.gap_short(y) == "vượt 1"


def test_count_target_met_with_an_allowance_left(wh):
    z = row(wh, "Z", "overdue_count")
    assert (z["is_count"], z["numerator"], z["denominator"], z["value"]) == (True, 3, None, 3)
    assert (z["is_met"], z["gap_units"]) == (True, 0)
    assert (z["projected_value"], z["is_projected_met"]) == (4, True)
    assert (z["is_at_risk"], z["year_end_gap_units"]) == (False, 0)
    assert z["required_remaining_value"] == 7
    assert components.target_state(z) == "met"
    assert components.required_rest_of_year(METRICS["overdue_count"], z) == "Còn được trễ tối đa 7 hồ sơ"


def test_count_target_missed_and_already_over_for_the_year(wh):
    w = row(wh, "W", "overdue_count")
    assert (w["value"], w["is_met"], w["gap_units"]) == (2, False, 1)
    assert (w["projected_value"], w["is_at_risk"], w["year_end_gap_units"]) == (3, True, 2)
    assert w["required_remaining_value"] == -1
    assert components.required_rest_of_year(METRICS["overdue_count"], w) == (
        "Đã vượt 1 hồ sơ trễ hạn so với mức tối đa: không thể đạt trong năm")
    assert components.gap_words(w) == "Vượt 1 hồ sơ trễ hạn so với chỉ tiêu"


def test_count_with_no_figures_has_no_verdict(wh):
    e = row(wh, "E", "overdue_count")
    assert e["value"] is None and e["is_met"] is None and e["gap_units"] is None
    assert e["projected_value"] is None and e["is_at_risk"] is False
    assert components.target_state(e) == "no_data"


def test_province_count_and_the_at_risk_list(wh):
    p = queries_targets.attainment(wh, 2025).row(0, named=True)
    assert (p["kpi"], p["value"], p["is_met"], p["gap_units"]) == ("overdue_count", 8, False, 3)
    assert (p["projected_value"], p["year_end_gap_units"]) == (11, 6)
    risky = queries_targets.at_risk(wh, 2025)
    # the province first, then the largest year-end excess: Y 2 and W 2 dossiers, tied, in the
    # registry's order (late_share before overdue_count). Not Z (projected 4 <= 10), not E, not X
    assert [(r["agency_code"], r["kpi"]) for r in risky.iter_rows(named=True)] == [
        (None, "overdue_count"), ("Y", "late_share"), ("W", "overdue_count")]


def test_counts_are_not_ranked(wh):
    """A count grows with the agency's size: the ranking ranks its rate (late_share) instead."""
    kpis = wh.query("select distinct kpi from agg_ranking")["kpi"].to_list()
    assert "late_share" in kpis and "overdue_count" not in kpis


def test_every_python_consumer_agrees_with_the_sql_verdict(wh):
    rows = [row(wh, a, k) for a, k in [("X", "late_share"), ("Y", "late_share"), ("Z", "overdue_count"),
                                       ("W", "overdue_count"), ("E", "overdue_count")]]
    for r in rows:
        metric, goal = METRICS[r["kpi"]], {"comparator": r["comparator"], "target_value": r["target_value"]}
        assert target_met(r["comparator"], r["value"], r["target_value"]) == r["is_met"], r["agency_code"]
        assert components.target_status(metric, r["value"], goal)[1] == r["is_met"]
        met = components.met_count([r["value"]], goal)
        assert met == (1 if r["is_met"] else 0)
        checks = narrative.target_checks({r["kpi"]: r["value"]},
                                         pl.DataFrame([{"kpi": r["kpi"], **goal}]))
        assert [c.met for c in checks] == [r["is_met"]]
    # the ranking chart colours X (2%, met) green and Y (4%, missed) red against the ceiling
    ranked = pl.DataFrame({"is_ranked": [True, True], "rank": [1, 2], "agency_name": ["Sở X", "Sở Y"],
                           "agency_code": ["X", "Y"], "volume": [50, 50], "value": [0.02, 0.04]})
    fig = components.ranking_chart(ranked, METRICS["late_share"], {"comparator": "<=", "target_value": 0.02})
    assert list(fig.data[0].marker.color) == [components.BAD, components.GOOD]   # drawn worst first
    assert fig.layout.annotations[0].text == "Chỉ tiêu ≤ 2,0%"


@pytest.mark.parametrize(("comparator", "value", "target", "met"), [
    ("<=", 0.02 + TARGET_TOLERANCE / 2, 0.02, True),      # a rounding error above a ceiling: still met
    ("<=", 0.02 + TARGET_TOLERANCE * 2, 0.02, False),
    (">=", 0.96 - TARGET_TOLERANCE / 2, 0.96, True),
    (">=", 0.96 - TARGET_TOLERANCE * 2, 0.96, False),
    ("<=", 10.0, 10.0, True),
    ("<=", 11.0, 10.0, False),
])
def test_one_tolerance_in_sql_and_python(wh, comparator, value, target, met):
    sql = wh.query("select target_met($c, $v::double, $t::double) as m",
                   {"c": comparator, "v": value, "t": target})["m"][0]
    assert sql is met
    assert target_met(comparator, value, target) is met
    goal = {"comparator": comparator, "target_value": target}
    assert components.target_status(METRICS["late_share"], value, goal)[1] is met
    checks = narrative.target_checks({"late_share": value}, pl.DataFrame([{"kpi": "late_share", **goal}]))
    assert checks[0].met is met


def test_a_count_target_is_judged_only_on_a_whole_year():
    """'At most 10 late dossiers' is a year's ceiling: a quarter's 4 say nothing of it."""
    targets = pl.DataFrame([{"kpi": "overdue_count", "comparator": "<=", "target_value": 10.0}])
    assert narrative.target_checks({"overdue_count": 4.0}, targets, whole_year=False) == []
    [check] = narrative.target_checks({"overdue_count": 12.0}, targets, whole_year=True)
    assert (check.met, check.value_text, check.target_text) == (False, "12 hồ sơ", "≤ 10 hồ sơ")


def test_agency_page_says_the_allowance_and_the_excess(wh_dir, monkeypatch):
    monkeypatch.setenv("WAREHOUSE_DIR", str(wh_dir))
    at = run_page("pages/co_quan.py", don_vi="Z", ky="year", ma_ky="2025")
    no_errors(at)
    card = next(m.value for m in at.markdown if "Chỉ tiêu ≤ 10 hồ sơ" in m.value)
    assert "3 hồ sơ · Đã đạt chỉ tiêu" in card
    assert "Dự báo cuối năm: **4 hồ sơ**" in card
    assert "Các tháng còn lại của năm: **Còn được trễ tối đa 7 hồ sơ**" in card
    at = run_page("pages/co_quan.py", don_vi="W", ky="year", ma_ky="2025")
    no_errors(at)
    card = next(m.value for m in at.markdown if "Chỉ tiêu ≤ 1 hồ sơ" in m.value)
    assert "Có nguy cơ không đạt" in card and "2 hồ sơ · Vượt 1 hồ sơ trễ hạn so với chỉ tiêu" in card
    assert "Dự báo cuối năm: **3 hồ sơ**, vượt khoảng 2 hồ sơ trễ hạn" in card


def test_overview_shows_the_province_ceiling(wh_dir, monkeypatch):
    monkeypatch.setenv("WAREHOUSE_DIR", str(wh_dir))
    at = run_page("pages/tong_quan.py", ky="year", ma_ky="2025")
    no_errors(at)
    body = "\n".join(h.proto.body for h in at.get("html"))
    row_ = body.split("Số hồ sơ trễ hạn, quá hạn</td>", 1)[1].split("</tr>", 1)[0]
    cells = [c.split(">", 1)[1] for c in row_.split("</td>") if ">" in c]
    assert cells == ["≤ 5 hồ sơ", "8 hồ sơ", "Có nguy cơ không đạt", "vượt 3", "11 hồ sơ",
                     "Đã vượt 3 hồ sơ trễ hạn so với mức tối đa: không thể đạt trong năm"]


# --- `python -m etl load` of a targets file with ceilings ---------------------------------------------

CEILINGS = (
    "Năm,Cấp,Mã đơn vị,Chỉ số,So sánh,Giá trị\n"
    "2026,Sở,,Tỷ lệ hồ sơ trễ hạn,<=,2%\n"                          # 2  at most 2% late
    '2026,Cấp xã,,late_share,≤,"0,02"\n'                           # 3  the same, decimal comma
    "2026,Toàn tỉnh,,overdue_count,<=,1.000\n"                     # 4  at most 1.000 (one thousand)
    '2026,,X,"Số hồ sơ trễ hạn, quá hạn",<=,12\n'                  # 5  one agency, by the label
    "2026,Sở,,overdue_count,<=,12.0\n"                             # 6  a spreadsheet's number
    "2026,Cấp xã,,overdue_count,<=,10%\n"                          # 7  a count is not a percentage
    '2026,Cấp huyện,,overdue_count,<=,"2,5"\n'                     # 8  nor a fraction of a dossier
    '2026,Sở,,"Tỷ lệ phản ánh, kiến nghị đã giải quyết",>=,96%\n'  # 9  PAKN resolved, a floor
)


def test_ceiling_and_count_targets_load_from_a_file(tmp_path):
    from tests.load_helpers import load, q, quarantine, write_text
    from warehouse import build, store

    directory = tmp_path / "wh"
    with store.new_build(directory) as con:
        build.create_schema(con)
        build.apply_sql(con)
    result = load(directory, write_text(tmp_path / "chi_tieu_tran.csv", CEILINGS))[0]
    assert (result.kind, result.loaded, result.rejected) == ("target", 6, 2)
    rows = q(directory, "select agency_level, agency_code, kpi, comparator, round(target_value, 6) "
                        "from ref_plan_target order by kpi, agency_level nulls first")
    assert rows == [
        ("commune", None, "late_share", "<=", 0.02),
        ("department", None, "late_share", "<=", 0.02),
        (None, "X", "overdue_count", "<=", 12.0),
        ("department", None, "overdue_count", "<=", 12.0),
        ("province", None, "overdue_count", "<=", 1000.0),
        ("department", None, "pakn_resolved_rate", ">=", 0.96),
    ]
    assert [(r, f, v) for r, _, f, v in quarantine(directory)] == [(7, "GiaTri", "10%"), (8, "GiaTri", "2,5")]
    reasons = q(directory, "select distinct reason from quarantine")
    assert reasons == [("chỉ tiêu này là số hồ sơ: phải là số nguyên không âm",)]
