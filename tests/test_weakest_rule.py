"""One "weakest" rule (issue 13): the ranking page, the A4 brief, the drafted paragraph and the slides
name the same weakest agencies, by the ranking page's rule (queries_targets.weakest), and never a
unit that had ceased before the period began.

Hand-made warehouse, data as of 31/12/2025, the quarter Quý III/2025 (01/07 - 30/09):

 agency                        Q3 finished   on time   rate     Wilson 95% lower bound
 UBND huyện Cũ (district,      40 = 10 + 30 late       25,0%    ceased 30/06/2025: listed, not ranked
   valid to 30/06/2025)        (received 02/06, due 10/07, finished 05/07 or 15/07)
 Sở Một                        30 = 27 + 3             90,0%    (0,9 + 0,064) / 1,128 - 0,1108 = 0,744
 Sở Hai                        400 = 352 + 48          88,0%    0,8764 - 0,0319 = 0,845
 Sở Ba                         50 = 50 + 0            100,0%    0,929: nothing late, not named
 Sở Bốn                        20 = 10 + 10            50,0%    under the minimum of 30: not ranked
 UBND xã Mới (commune from     100 = 90 + 10           90,0%    0,8852 - 0,0596 = 0,826
   01/07/2025)

The weakest, lowest bound first: Sở Một (0,744), UBND xã Mới (0,826), Sở Hai (0,845). By the bare
rate (the brief's old rule) UBND huyện Cũ (25,0%) came first and Sở Hai before Sở Một. The ranking page
puts Sở Một last of the departments (rank 3 of Sở Ba, Sở Hai, Sở Một). In Q2 (May: 38 + 2) the
district still existed and is ranked.
"""

import polars as pl
import pytest

from tests.conftest import dossier
from tests.targets_fixtures import build_warehouse, month_batch
from ui import brief, slides
from warehouse import narrative, queries, queries_report, queries_targets, queries_units

Q3 = ("quarter", "2025-Q3")
AGENCIES = [
    ("D", "UBND huyện Cũ", "district", 1, None, "2025-06-30"),
    ("S1", "Sở Một", "department", None, None, None),
    ("S2", "Sở Hai", "department", None, None, None),
    ("S3", "Sở Ba", "department", None, None, None),
    ("S4", "Sở Bốn", "department", None, None, None),
    ("C", "UBND xã Mới", "commune", 2, "2025-07-01", None),
]
# the district's last dossiers: received before it ceased, finished in July
LAST = ([dossier(f"D-ok{i}", "2025-06-02", "2025-07-10", "2025-07-05", agency="D") for i in range(10)]
        + [dossier(f"D-late{i}", "2025-06-02", "2025-07-10", "2025-07-15", agency="D") for i in range(30)])
DOSSIERS = (
    month_batch("D", 2025, 5, 38, 2) + LAST
    + month_batch("S1", 2025, 8, 27, 3) + month_batch("S2", 2025, 8, 352, 48)
    + month_batch("S3", 2025, 8, 50, 0) + month_batch("S4", 2025, 8, 10, 10)
    + month_batch("C", 2025, 8, 90, 10)
)
WEAKEST = ["Sở Một", "UBND xã Mới", "Sở Hai"]


@pytest.fixture(scope="module")
def r(tmp_path_factory):
    reader = build_warehouse(tmp_path_factory.mktemp("weakest"), DOSSIERS, AGENCIES, "2025-12-31")
    yield reader
    reader.close()


def q3_period(r) -> dict:
    return queries.periods(r, "quarter").filter(pl.col("period_key") == Q3[1]).row(0, named=True)


def test_a_unit_ceased_before_the_period_is_listed_not_ranked(r):
    district = queries_targets.ranking(r, *Q3, "district", "on_time_rate")
    row = district.row(0, named=True)
    assert (row["agency_name"], row["value"], row["is_active"]) == ("UBND huyện Cũ", 0.25, False)
    assert not row["is_ranked"] and row["unranked_reason"] == "not_active"
    assert queries_targets.UNRANKED_REASONS["not_active"].startswith("Đơn vị đã thôi hoạt động trước kỳ")
    # the same with another minimum (the page re-ranks with the same exclusion rule)
    again = queries_targets.ranking(r, *Q3, "district", "on_time_rate", min_volume=10).row(0, named=True)
    assert not again["is_ranked"] and again["unranked_reason"] == "not_active"
    # in Q2 it still existed: ranked
    q2 = queries_targets.ranking(r, "quarter", "2025-Q2", "district", "on_time_rate").row(0, named=True)
    assert q2["is_ranked"] and q2["is_active"]
    # its group comes last among the period's peer groups
    groups = queries_targets.ranking_peer_groups(r, *Q3)["peer_group"].to_list()
    assert groups[-1] == "district" and groups.index("department") < groups.index("commune")


def test_the_ranking_query_orders_by_the_wilson_bound(r):
    weakest = queries_targets.weakest(r, *Q3)
    assert weakest["agency_name"].to_list() == WEAKEST
    assert weakest["score"].to_list() == pytest.approx([0.744, 0.826, 0.845], abs=0.001)
    assert weakest["on_time_rate"].to_list() == pytest.approx([0.9, 0.9, 0.88])
    assert weakest["finished"].to_list() == [30, 100, 400]
    assert queries_targets.weakest(r, *Q3, limit=1)["agency_name"].to_list() == ["Sở Một"]
    # the ranking page's table of the departments: Sở Một at the bottom ("Cuối bảng")
    departments = queries_targets.ranking(r, *Q3, "department", "on_time_rate").filter(pl.col("is_ranked"))
    assert departments["agency_name"].to_list() == ["Sở Ba", "Sở Hai", "Sở Một"]


def test_brief_paragraph_and_slides_name_the_same_weakest(r):
    period = q3_period(r)
    weakest = queries_targets.weakest(r, *Q3)
    agencies = queries_report.agency_report(r, *Q3)
    summary = queries.province_summary(r, *Q3).row(0, named=True)
    fig = narrative.figures(period, agencies, queries_units.field_report(r, *Q3), summary,
                            queries.province_targets(r, 2025), weakest)
    # the paragraph names the first three, the brief's table the same, in the same order
    text = narrative.paragraph(fig)
    assert ("đứng cuối bảng xếp hạng tỷ lệ đúng hạn (trong số có từ 30 hồ sơ đã giải quyết, xếp theo cận "
            "dưới khoảng tin cậy 95%): Sở Một (90,0%, 3 hồ sơ trễ hạn); UBND xã Mới (90,0%, 10 hồ sơ trễ "
            "hạn); Sở Hai (88,0%, 48 hồ sơ trễ hạn).") in text
    doc = brief.document(fig, "Tỉnh", "2025-12-31")
    cells = [doc.index(f"<td class=''>{name}</td>") for name in WEAKEST]
    assert cells == sorted(cells)
    # the district's 40 dossiers count in the province's totals, but it is never named
    assert fig.totals["finished"] == 40 + 30 + 400 + 50 + 20 + 100
    assert "UBND huyện Cũ" not in text and "UBND huyện Cũ" not in doc

    rankings = queries_targets.ranking_all_groups(r, *Q3, "on_time_rate")
    assert "UBND huyện Cũ" not in rankings["agency_name"].to_list()
    late = slides.late_slide(rankings, weakest, summary["finished_late"], summary["finished"],
                             period["period_label"], "Tỉnh")
    # slide 3: the most late among the quarter's agencies (Sở Hai, 48), the weakest beside, in order
    assert late.headline == "Sở Hai trễ hạn nhiều nhất Quý III/2025: 48 hồ sơ, 47,5% số trễ hạn toàn tỉnh"
    side = [late.side.index(name) for name in WEAKEST]
    assert side == sorted(side) and "UBND huyện Cũ" not in late.side
    assert "UBND huyện Cũ" not in late.figure.data[0].y
    # slide 2: each group's bottom is its last by the same rule; the district's group is not there
    top_bottom = slides.rankings_slide(rankings, period["period_label"], "Tỉnh")
    assert "Sở Một" in top_bottom.body and "UBND xã Mới" in top_bottom.body
    assert "UBND huyện Cũ" not in top_bottom.body and "UBND cấp huyện" not in top_bottom.body
    assert "UBND huyện Cũ" not in top_bottom.note
    # slide 5: the district (ranked in Q2) does not move in Q3
    previous = queries.province_summary(r, "quarter", "2025-Q2").row(0, named=True)
    progress = slides.progress_slide(summary, previous, period["period_label"], "Quý II/2025", rankings,
                                     "Tỉnh")
    assert progress.figure is None or "UBND huyện Cũ" not in progress.figure.data[0].customdata


def test_the_weakest_of_an_empty_period_is_empty(r):
    # March 2025: no dossier at all, nothing to name
    assert queries_targets.weakest(r, "month", "2025-03").height == 0
