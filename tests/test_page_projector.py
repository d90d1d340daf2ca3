"""The "Trình chiếu" page (pages/trinh_chieu.py, ui/slides.py): every slide's headline against answers
worked out by hand, the demo warehouse against direct SQL, the slide number in the URL, empty states.

Hand-made warehouse, data as of Fri 20/06/2025, three departments; every dossier is received on the
2nd of its month, due on the 10th and finished on the 5th (on time) or the 15th (late):

 agency   Feb 2025 (Q1) on time + late   May 2025 (Q2) on time + late   year so far
 Sở A     40 + 0                         38 + 2                          78 / 80 = 97,5%
 Sở B     36 + 4                         40 + 0                          76 / 80 = 95,0%
 Sở C     30 + 10                        25 + 15                         55 / 80 = 68,75%
 province 106 / 120 = 88,3%              103 / 120 = 85,8%               209 / 240 = 87,1%

Targets 2025: province on-time >= 96% and late share <= 20%; departments on-time >= 90%.

Slide 1 (year 2025): on-time 87,1% misses 96% and the last three months (Apr-Jun = May) run at 85,8%,
  so the projection misses too: at risk. Late share 31/240 = 12,9% <= 20%, recent 17/120 = 14,2%: met.
  For the quarter Q2 the slide shows Q2's own figures against the year's targets: on-time 103/120 =
  85,8% < 96% (chưa đạt), late share 17/120 = 14,2% <= 20% (đạt): 1/2 met in the quarter.
Slide 2 (Q2, on-time, 40 finished each >= the default minimum of 30, Wilson ranking): Sở B 100,0%
  first, Sở A 95,0%, Sở C 62,5% last (3/3).
Slide 3 (Q2): 17 late in the province, Sở C 15 of them = 88,2%; weakest (ranked, with late dossiers,
  lowest Wilson bound first) Sở C 62,5% then Sở A 95,0%; Sở B (100%, none late) is not among them.
Slide 4 (year 2025 running): only Sở C is projected under its 90%. Elapsed 01/01-20/06 = 171 days,
  remaining 194; remaining volume 80 x 194/171 = 90,76 at the recent 62,5%:
  (55 + 0,625 x 90,76) / (80 + 90,76) = 65,4%; short ceil(0,9 x 170,76 - 111,73) = 42 dossiers.
  With the data as of 31/12/2025 instead the year is over: Sở C missed at 68,8%, short
  ceil(0,9 x 80 - 55) = 17; the province missed on time at 87,1%.
Slide 5 (Q2 vs Q1): province on-time 88,3% -> 85,8%, down 2,5 points; Sở B +10,0 points,
  Sở A -5,0, Sở C -12,5.
"""

import json

import pytest
from streamlit.testing.v1 import AppTest

from tests.apptest_support import fresh_caches, no_errors, param, run_page  # noqa: F401
from tests.conftest import make_warehouse
from tests.targets_fixtures import build_warehouse, month_batch
from ui import slides
from warehouse import fmt, store

PAGE = "pages/trinh_chieu.py"
AGENCIES = [("A", "Sở A", "department", None, None, None), ("B", "Sở B", "department", None, None, None),
            ("C", "Sở C", "department", None, None, None)]
DOSSIERS = (
    month_batch("A", 2025, 2, 40, 0) + month_batch("B", 2025, 2, 36, 4) + month_batch("C", 2025, 2, 30, 10)
    + month_batch("A", 2025, 5, 38, 2) + month_batch("B", 2025, 5, 40, 0) + month_batch("C", 2025, 5, 25, 15)
)
TARGETS = [(2025, "province", None, "on_time_rate", ">=", 0.96),
           (2025, "province", None, "late_share", "<=", 0.20),
           (2025, "department", None, "on_time_rate", ">=", 0.90)]
Q2 = {"ky": "quarter", "ma_ky": "2025-Q2"}


@pytest.fixture(scope="module")
def wh_dir(tmp_path_factory):
    directory = tmp_path_factory.mktemp("projector")
    build_warehouse(directory, DOSSIERS, AGENCIES, "2025-06-20", targets=TARGETS).close()
    return directory


@pytest.fixture
def hand(wh_dir, monkeypatch):
    monkeypatch.setenv("WAREHOUSE_DIR", str(wh_dir))


def headline(at: AppTest) -> str:
    assert len(at.title) == 1, [t.value for t in at.title]
    return at.title[0].value


def html(at: AppTest) -> str:
    return " ".join(h.proto.body for h in at.get("html"))


def infos(at: AppTest) -> str:
    return " ".join(i.value for i in at.info)


def chart(at: AppTest) -> dict:
    return json.loads(at.get("plotly_chart")[0].proto.spec)


# --- each slide on the hand-made warehouse ------------------------------------------------------------

def test_slide_1_province_against_targets(hand):
    at = run_page(PAGE, trang="1", ky="year", ma_ky="2025")
    no_errors(at)
    assert headline(at) == "Tỷ lệ đúng hạn năm 2025: 87,1%, có nguy cơ không đạt chỉ tiêu 96%"
    body = html(at)
    assert ("Năm 2025, số liệu đến 20/06/2025: 1 chỉ tiêu đạt, 1 chỉ tiêu có nguy cơ không đạt "
            "(trên 2 chỉ tiêu của toàn tỉnh).") in body
    assert "12,9%" in body and "Chỉ tiêu ≤ 20%" in body and "ĐẠT" in body
    assert "CÓ NGUY CƠ KHÔNG ĐẠT" in body and "Chỉ tiêu ≥ 96%" in body


def test_slide_1_of_a_quarter_is_the_quarter(hand):
    """Issue 13: the headline is the chosen quarter's rate (the status bar says the quarter), the
    year's figures are named as the year's."""
    at = run_page(PAGE, trang="1", **Q2)
    no_errors(at)
    assert headline(at) == "Tỷ lệ đúng hạn Quý II/2025: 85,8%, chưa đạt chỉ tiêu 96%"
    body = html(at)
    assert ("Quý II/2025 so với chỉ tiêu kế hoạch năm 2025: 1/2 chỉ tiêu đạt trong kỳ. Năm 2025, số liệu "
            "đến 20/06/2025: 1 chỉ tiêu đạt, 1 chỉ tiêu có nguy cơ không đạt") in body
    assert "14,2%" in body and "Năm 2025: 12,9% (đạt)" in body
    assert "85,8%" in body and "CHƯA ĐẠT" in body and "Năm 2025: 87,1% (có nguy cơ không đạt)" in body


def test_slide_2_top_and_bottom_of_each_peer_group(hand):
    at = run_page(PAGE, trang="2", **Q2)
    no_errors(at)
    assert headline(at) == "Đúng hạn Quý II/2025: đầu bảng 100,0%, cuối bảng 62,5%"
    body = html(at)
    top, bottom = body.index("Sở B"), body.index("Sở C")
    assert top < bottom and "100,0%" in body and "62,5%" in body and "hạng 3/3" in body
    assert "Sở A" not in body  # neither first nor last


def test_slide_3_most_late_dossiers(hand):
    at = run_page(PAGE, trang="3", **Q2)
    no_errors(at)
    assert headline(at) == "Sở C trễ hạn nhiều nhất Quý II/2025: 15 hồ sơ, 88,2% số trễ hạn toàn tỉnh"
    assert "Quý II/2025: toàn tỉnh 17 hồ sơ giải quyết trễ hạn trên 120 hồ sơ đã giải quyết." in html(at)
    bars = chart(at)["data"][0]
    assert list(zip(bars["y"], bars["x"])) == [("Sở A", 2), ("Sở C", 15)]  # largest at the top
    side = html(at)
    # the weakest by the ranking page's rule: Sở C then Sở A; Sở B has nothing late
    assert side.index("62,5%") < side.index("95,0%") and "100,0%" not in side


def test_slide_4_at_risk_while_the_year_runs(hand):
    at = run_page(PAGE, trang="4", **Q2)
    no_errors(at)
    assert headline(at) == "1 đơn vị có nguy cơ không đạt chỉ tiêu năm 2025"
    body = html(at)
    assert "Toàn tỉnh: tỷ lệ giải quyết đúng hạn dự báo" in body
    row = body[body.index("<tbody>"):]
    assert "Sở C" in row and "65,4%" in row and "≥ 90%" in row and ">thiếu 42<" in row
    assert "Sở A" not in row and "Sở B" not in row


def test_slide_4_missed_once_the_year_is_over(tmp_path, monkeypatch):
    build_warehouse(tmp_path, DOSSIERS, AGENCIES, "2025-12-31", targets=TARGETS).close()
    monkeypatch.setenv("WAREHOUSE_DIR", str(tmp_path))
    at = run_page(PAGE, trang="4", **Q2)
    no_errors(at)
    assert headline(at) == "1 đơn vị không đạt chỉ tiêu năm 2025"
    body = html(at)
    assert "Toàn tỉnh: tỷ lệ giải quyết đúng hạn đạt 87,1%, chỉ tiêu ≥ 96%." in body
    row = body[body.index("<tbody>"):]
    assert "Sở C" in row and "68,8%" in row and ">thiếu 17<" in row


def test_slide_5_progress_since_the_previous_quarter(hand):
    at = run_page(PAGE, trang="5", **Q2)
    no_errors(at)
    assert headline(at) == "Tỷ lệ đúng hạn Quý II/2025 giảm 2,5\u00a0điểm\u00a0%: từ 88,3% xuống 85,8%"
    assert "Quý II/2025 so với Quý I/2025" in html(at)
    bars = chart(at)["data"][0]
    # bottom to top: the largest fall, then the gains
    assert bars["customdata"] == ["Sở C", "Sở A", "Sở B"]
    assert bars["x"] == pytest.approx([-12.5, -5.0, 10.0])
    assert bars["text"] == ["−12,5\u00a0điểm\u00a0%", "−5,0\u00a0điểm\u00a0%", "+10,0\u00a0điểm\u00a0%"]


def test_first_period_has_nothing_to_compare_with(hand):
    at = run_page(PAGE, trang="5", ky="quarter", ma_ky="2025-Q1")
    no_errors(at)
    assert headline(at) == "Quý I/2025: chưa có kỳ trước để so sánh"
    assert "kỳ đầu tiên" in infos(at)


# --- the slide number and the timer in the URL --------------------------------------------------------

@pytest.mark.parametrize(("asked", "shown"), [("99", "5"), ("0", "1"), ("-2", "1"), ("abc", "1"), ("3", "3")])
def test_out_of_range_slide_number_is_clamped(hand, asked, shown):
    at = run_page(PAGE, trang=asked, **Q2)
    no_errors(at)
    assert param(at, "trang") == shown
    assert f"Trang {shown}/5" in html(at)


def test_buttons_turn_and_wrap_round(hand):
    at = run_page(PAGE, trang="1", **Q2)
    first = headline(at)
    at.button(key="slide_next").click().run()
    no_errors(at)
    assert param(at, "trang") == "2" and headline(at).startswith("Đúng hạn Quý II/2025")
    at.button(key="slide_prev").click().run()
    at.button(key="slide_prev").click().run()
    assert param(at, "trang") == "5" and headline(at).startswith("Tỷ lệ đúng hạn Quý II/2025 giảm")
    at.button(key="slide_next").click().run()
    assert param(at, "trang") == "1" and headline(at) == first
    assert param(at, "ky") == "quarter" and param(at, "ma_ky") == "2025-Q2"  # the period stays


def test_timer_from_the_link(hand):
    at = run_page(PAGE, trang="2", tu_dong="2", **Q2)
    no_errors(at)
    assert param(at, "tu_dong") == "2" and "tự chuyển sau 2 giây" in html(at)
    at = run_page(PAGE, trang="2", tu_dong="abc", **Q2)
    no_errors(at)
    assert param(at, "tu_dong") == "0" and "tự chuyển" not in html(at)


def test_keyboard_script_is_on_the_page(hand):
    at = run_page(PAGE, **Q2)
    scripts = [h.proto for h in at.get("html") if "keydown" in h.proto.body]
    assert len(scripts) == 1 and scripts[0].unsafe_allow_javascript
    assert "slide_next" in scripts[0].body and "requestFullscreen" in scripts[0].body


# --- empty states -------------------------------------------------------------------------------------

@pytest.mark.parametrize("number", ["1", "2", "3", "4", "5"])
def test_empty_warehouse_says_so_on_every_slide(tmp_path, monkeypatch, number):
    make_warehouse(tmp_path, []).close()
    monkeypatch.setenv("WAREHOUSE_DIR", str(tmp_path))
    at = run_page(PAGE, trang=number)
    no_errors(at)
    assert headline(at) == "Kho dữ liệu chưa có hồ sơ nào"
    assert "chưa có gì để trình chiếu" in infos(at)


@pytest.mark.parametrize("number", ["2", "3", "5"])
def test_period_without_dossiers_says_so(hand, number):
    at = run_page(PAGE, trang=number, ky="month", ma_ky="2025-04")
    no_errors(at)
    assert headline(at) == "Tháng 04/2025: không có hồ sơ nào trong kỳ"
    assert "không có hồ sơ nào trong kỳ này" in infos(at)


@pytest.mark.parametrize("number", ["1", "4"])
def test_year_without_targets_says_so(tmp_path, monkeypatch, number):
    build_warehouse(tmp_path, DOSSIERS, AGENCIES, "2025-06-20").close()
    monkeypatch.setenv("WAREHOUSE_DIR", str(tmp_path))
    at = run_page(PAGE, trang=number, **Q2)
    no_errors(at)
    assert headline(at) == "Năm 2025 chưa có chỉ tiêu kế hoạch"
    assert "Chưa có chỉ tiêu kế hoạch năm 2025" in infos(at)


# --- the demo warehouse against direct SQL ------------------------------------------------------------

@pytest.fixture(scope="module")
def demo_sql(demo_dir):
    r = store.Reader(demo_dir)
    yield r
    r.close()


def _one(r, sql: str, params=None):
    return r.query(sql, params or []).row(0)


def _on_time(r, kind: str, key: str) -> float:
    return _one(r, """select sum(finished_early + finished_on_time)::double / sum(finished)
                      from agg_periodic_report where period_kind = ? and period_key = ?""", [kind, key])[0]


@pytest.fixture
def demo(demo_dir, monkeypatch):
    monkeypatch.setenv("WAREHOUSE_DIR", str(demo_dir))


def test_demo_slide_1_is_the_quarter_on_time_rate(demo, demo_sql):
    # issue 13: the quarter chosen, not the year, under a status bar that says "Quý III/2025"
    at = run_page(PAGE, trang="1", ky="quarter", ma_ky="2025-Q3")
    no_errors(at)
    rate = _on_time(demo_sql, "quarter", "2025-Q3")
    (goal,) = _one(demo_sql, """select target_value from ref_plan_target where year = 2025
                                and agency_level = 'province' and kpi = 'on_time_rate'""")
    verdict = "đạt" if rate >= goal else "chưa đạt"
    assert headline(at) == (f"Tỷ lệ đúng hạn Quý III/2025: {fmt.percent(rate)}, {verdict} chỉ tiêu "
                            f"{fmt.percent(goal, 0)}")


def test_demo_slide_2_best_and_worst_ranked(demo, demo_sql):
    at = run_page(PAGE, trang="2", ky="quarter", ma_ky="2025-Q3")
    no_errors(at)
    # first = rank 1; last = the largest rank of its group (groups with more than one ranked agency)
    best, worst = _one(demo_sql, """
        with ranked as (
            select peer_group, value, rank, max(rank) over (partition by peer_group) as last_rank,
                   count(*) over (partition by peer_group) as ranked_agencies
            from agg_ranking
            where period_kind = 'quarter' and period_key = '2025-Q3' and kpi = 'on_time_rate' and is_ranked
        )
        select max(value) filter (where rank = 1),
               min(value) filter (where rank = last_rank and ranked_agencies > 1)
        from ranked""")
    expected = f"Đúng hạn Quý III/2025: đầu bảng {fmt.percent(best)}, cuối bảng {fmt.percent(worst)}"
    assert headline(at) == expected


def test_demo_slide_3_most_late_agency(demo, demo_sql):
    at = run_page(PAGE, trang="3", ky="quarter", ma_ky="2025-Q3")
    no_errors(at)
    # issue 13: among the agencies of the quarter (the districts ceased on 30/06/2025 are not named)
    name, late = _one(demo_sql, """select a.agency_name, r.finished_late from agg_periodic_report as r
                                   join dim_agency as a using (agency_code)
                                   join agg_ranking as k using (period_kind, period_key, agency_code)
                                   where period_kind = 'quarter' and period_key = '2025-Q3'
                                     and k.kpi = 'on_time_rate' and k.is_active
                                   order by r.finished_late desc, a.agency_name limit 1""")
    (total,) = _one(demo_sql, """select sum(finished_late) from agg_periodic_report
                                 where period_kind = 'quarter' and period_key = '2025-Q3'""")
    short = name.removesuffix(" tỉnh Quảng Ninh")
    assert headline(at) == (f"{short} trễ hạn nhiều nhất Quý III/2025: {fmt.number(late)} hồ sơ, "
                            f"{fmt.percent(late / total)} số trễ hạn toàn tỉnh")


def test_demo_slide_4_agencies_that_missed_2025(demo, demo_sql):
    at = run_page(PAGE, trang="4", ky="quarter", ma_ky="2025-Q3")
    no_errors(at)
    (n,) = _one(demo_sql, """select count(distinct agency_code) from agg_target_attainment
                             where year = 2025 and scope = 'agency' and is_final and is_met = false""")
    assert n > 0
    assert headline(at) == f"{n} đơn vị không đạt chỉ tiêu năm 2025"


def test_demo_slide_5_change_since_the_previous_quarter(demo, demo_sql):
    at = run_page(PAGE, trang="5", ky="quarter", ma_ky="2025-Q3")
    no_errors(at)
    now, before = _on_time(demo_sql, "quarter", "2025-Q3"), _on_time(demo_sql, "quarter", "2025-Q2")
    text = headline(at)
    assert fmt.percent(now) in text and fmt.percent(before) in text
    assert ("giảm" if now < before else "tăng") in text
    assert "Quý III/2025 so với Quý II/2025" in html(at)


@pytest.mark.parametrize("kind", ["year", "month", "rep_quarter"])
def test_demo_every_slide_of_other_period_kinds(demo, kind):
    for number in range(1, 6):
        at = run_page(PAGE, trang=str(number), ky=kind)
        no_errors(at)
        assert headline(at)


# --- small rules ----------------------------------------------------------------------------------------

def test_short_names_drop_the_province():
    assert slides.short_name("Sở Tư pháp tỉnh Quảng Ninh", "Tỉnh Quảng Ninh") == "Sở Tư pháp"
    assert slides.short_name("Công an thành phố Hải Phòng", "Thành phố Hải Phòng") == "Công an"
    assert slides.short_name("UBND xã Ba Chẽ", "Tỉnh Quảng Ninh") == "UBND xã Ba Chẽ"
    assert slides.short_name("Quảng Ninh", "Tỉnh Quảng Ninh") == "Quảng Ninh"
    assert slides.short_name("Sở Y tế", None) == "Sở Y tế"


def test_targets_read_as_people_say_them():
    from warehouse.metrics import METRICS

    m = METRICS["on_time_rate"]
    assert slides.target_text(m, 0.96) == "96%"
    assert slides.target_text(m, 0.965) == "96,5%"
    assert slides.target_text(m, 1.0) == "100%"
