"""The drafted paragraph and the A4 brief (warehouse/narrative.py, ui/brief.py) from hand-made query
results, against sentences worked out by hand.

Quý III/2025, seven agencies (carried, new, finished = early + on time + late, in progress / overdue):

  Sở Xây dựng             5     45     40 = 20 + 12 + 8        10 / 3     80,0%
  UBND xã Lê Lợi          0     50     50 = 30 + 15 + 5         0         90,0%  (old commune, Huyện Hoành Bồ)
  UBND huyện Ba Chẽ      10    100    100 = 50 + 40 + 10       10 / 0     90,0%
  Sở Tư pháp              0     30     29 =  5 +  4 + 20        1 / 0     31,0%  (< 30 finished: not named)
  Công an tỉnh            0   1000   1000 = 900 + 100 + 0       0        100,0%  (no late dossier: not named)
  Sở Y tế                 0    200    200 = 150 + 48 + 2        0         99,0%
  UBND thành phố Hạ Long 1000 20000 19500 = 15000 + 4305 + 195  1500 / 500 99,0%
  province             1015  21425  20919 = 16155 + 4524 + 240  1521 / 503, received 22.440,
                       on time 20.679 / 20.919 = 98,85…% -> 98,9%; Quý II/2025 97,5% -> +1,35… -> "tăng 1,4"

The weakest agencies are queries_targets.weakest's rows (the ranking page's rule, tested on a built
warehouse in tests/test_weakest_rule.py), given here as that query returns them for Q3/2025: ranked,
with late dossiers, lowest Wilson bound first. The district and the old commune ceased on 30/06/2025
and are never ranked in Q3; Sở Tư pháp (29 finished) is under the minimum of 30; Công an tỉnh has no
late dossier. That leaves Sở Xây dựng (32/40: Wilson lower bound 0,652) then Sở Y tế (198/200: 0,964).
"""

import datetime as dt
import re

import polars as pl
import pytest

from ui import brief
from warehouse import narrative
from warehouse.metrics import REPORT_COLUMNS

Q3 = {"period_label": "Quý III/2025", "year": 2025, "start_date": dt.date(2025, 7, 1),
      "end_date": dt.date(2025, 9, 30), "eval_date": dt.date(2025, 9, 30)}

AGENCY_COLUMNS = ["agency_name", "peer_group", "unit_label", *REPORT_COLUMNS, "on_time_rate"]
WEAKEST_COLUMNS = ["agency_name", "peer_group", "unit_label", "finished", "finished_late", "on_time_rate"]


def agency(name, carried, new, online, direct, postal, early, on_time, late, not_due, overdue, rate,
           peer="department", unit=None) -> tuple:
    finished = early + on_time + late
    return (name, peer, unit, carried, new, online, direct, postal, finished, early, on_time, late,
            not_due + overdue, not_due, overdue, rate)


AGENCIES = pl.DataFrame([
    agency("Sở Xây dựng", 5, 45, 20, 25, 0, 20, 12, 8, 7, 3, 0.8),
    agency("UBND xã Lê Lợi", 0, 50, 0, 50, 0, 30, 15, 5, 0, 0, 0.9, "commune_old",
           "Xã Lê Lợi, Huyện Hoành Bồ"),
    agency("UBND huyện Ba Chẽ", 10, 100, 40, 60, 0, 50, 40, 10, 10, 0, 0.9, "district",
           "Huyện Ba Chẽ, Tỉnh Quảng Ninh"),
    agency("Sở Tư pháp", 0, 30, 10, 20, 0, 5, 4, 20, 1, 0, 9 / 29),
    agency("Công an tỉnh", 0, 1000, 600, 400, 0, 900, 100, 0, 0, 0, 1.0, "central"),
    agency("Sở Y tế", 0, 200, 100, 99, 1, 150, 48, 2, 0, 0, 0.99),
    agency("UBND thành phố Hạ Long", 1000, 20000, 8000, 11000, 1000, 15000, 4305, 195, 1000, 500, 0.99,
           "district", "Thành phố Hạ Long, Tỉnh Quảng Ninh"),
], schema=AGENCY_COLUMNS, orient="row")

WEAKEST = pl.DataFrame([("Sở Xây dựng", "department", None, 40, 8, 0.8),
                        ("Sở Y tế", "department", None, 200, 2, 0.99)], schema=WEAKEST_COLUMNS, orient="row")

FIELDS = pl.DataFrame({
    "field_code": ["DD", "HT", "CT", "XD"],
    "field_name": ["Đất đai", "Hộ tịch", "Chứng thực", "Xây dựng"],
    "finished": [300, 20000, 619, 0],
    "finished_late": [120, 100, 20, 0],
    "on_time_rate": [0.6, 0.995, 599 / 619, None],
})

TARGETS = pl.DataFrame({
    "kpi": ["online_share", "on_time_rate", "satisfaction_rate", "late_share", "avg_processing_days", "foo"],
    "comparator": [">=", ">=", ">=", "<=", "<=", ">="],
    "target_value": [0.5, 0.96, 0.9, 0.01, 5.0, 1.0],
})
# the period's registry KPIs (queries.province_summary); no satisfaction ratings in the period
SUMMARY = {"on_time_rate": 0.9885, "online_share": 0.4, "late_share": 0.0123, "avg_processing_days": 4.2,
           "satisfaction_rate": None}

Q3_PARAGRAPH = (
    "Trong Quý III/2025, toàn tỉnh tiếp nhận 22.440 hồ sơ (kỳ trước chuyển qua 1.015, mới tiếp nhận 21.425), "
    "đã giải quyết 20.919 hồ sơ, trong đó đúng và trước hạn 20.679 hồ sơ, đạt 98,9% (tăng 1,4 điểm % so với "
    "Quý II/2025), trễ hạn 240 hồ sơ; đang giải quyết 1.521 hồ sơ, trong đó quá hạn 503 hồ sơ. "
    "Các cơ quan, đơn vị đứng cuối bảng xếp hạng tỷ lệ đúng hạn (trong số có từ 30 hồ sơ đã giải quyết, "
    "xếp theo cận dưới khoảng tin cậy 95%): Sở Xây dựng (80,0%, 8 hồ sơ trễ hạn); "
    "Sở Y tế (99,0%, 2 hồ sơ trễ hạn). "
    "Các lĩnh vực có nhiều hồ sơ giải quyết trễ hạn nhất: Đất đai (120 hồ sơ, đúng hạn 60,0%); "
    "Hộ tịch (100 hồ sơ, đúng hạn 99,5%); Chứng thực (20 hồ sơ, đúng hạn 96,8%). "
    "Đối chiếu chỉ tiêu kế hoạch năm 2025: đạt 2/4 chỉ tiêu; chưa đạt: tỷ lệ hồ sơ trực tuyến (40,0%, "
    "chỉ tiêu ≥ 50,0%); tỷ lệ hồ sơ trễ hạn (1,2%, chỉ tiêu ≤ 1,0%); chưa có số liệu để đánh giá tỷ lệ "
    "hài lòng của người dân, doanh nghiệp."
)


def q3_figures(**kwargs) -> narrative.Figures:
    args = dict(period=Q3, agencies=AGENCIES, fields=FIELDS, summary=SUMMARY, targets=TARGETS,
                weakest=WEAKEST, previous=("Quý II/2025", {"on_time_rate": 0.975}))
    return narrative.figures(**(args | kwargs))


def one_agency(name, carried, new, early, on_time, late, not_due, overdue, rate) -> pl.DataFrame:
    return pl.DataFrame([agency(name, carried, new, 0, new, 0, early, on_time, late, not_due, overdue, rate)],
                        schema=AGENCY_COLUMNS, orient="row")


# --- the paragraph ---------------------------------------------------------------------------------------

def test_paragraph_of_a_closed_quarter_with_an_increase():
    assert narrative.paragraph(q3_figures()) == Q3_PARAGRAPH


def test_paragraph_of_an_open_year_with_a_decrease_and_no_targets():
    """Năm 2026 judged on 23/11/2026; one agency, 40 finished (30 early, 6 on time, 4 late): 90,0%,
    against 92,5% in 2025: −2,5 points; 10 in progress, none overdue; one field; no 2026 targets."""
    year = {"period_label": "Năm 2026", "year": 2026, "start_date": dt.date(2026, 1, 1),
            "end_date": dt.date(2026, 12, 31), "eval_date": dt.date(2026, 11, 23)}
    fields = pl.DataFrame({"field_name": ["Công nghiệp"], "finished": [40], "finished_late": [4],
                           "on_time_rate": [0.9]})
    only = one_agency("Sở Công Thương", 0, 50, 30, 6, 4, 10, 0, 0.9)
    fig = narrative.figures(year, only, fields, {}, TARGETS.clear(), weakest=only,
                            previous=("Năm 2025", {"on_time_rate": 0.925}))
    assert narrative.paragraph(fig) == (
        "Trong năm 2026 (số liệu đến ngày 23/11/2026), toàn tỉnh tiếp nhận 50 hồ sơ (kỳ trước chuyển qua 0, "
        "mới tiếp nhận 50), đã giải quyết 40 hồ sơ, trong đó đúng và trước hạn 36 hồ sơ, đạt 90,0% (giảm 2,5 "
        "điểm % so với năm 2025), trễ hạn 4 hồ sơ; đang giải quyết 10 hồ sơ, không có hồ sơ nào quá hạn. "
        "Cơ quan, đơn vị đứng cuối bảng xếp hạng tỷ lệ đúng hạn (trong số có từ 30 hồ sơ đã giải quyết, "
        "xếp theo cận dưới khoảng tin cậy 95%): Sở Công Thương (90,0%, 4 hồ sơ trễ hạn). "
        "Lĩnh vực có nhiều hồ sơ giải quyết trễ hạn nhất: Công nghiệp "
        "(4 hồ sơ, đúng hạn 90,0%). Năm 2026 chưa có chỉ tiêu kế hoạch để đối chiếu."
    )


def test_paragraph_without_previous_period_nor_finished_dossiers():
    """Tháng 03/2025, the first month: 2 carried over, 3 new, none finished, all 5 overdue; the one
    target has no value (no finished dossier, no on-time rate)."""
    month = {"period_label": "Tháng 03/2025", "year": 2025, "start_date": dt.date(2025, 3, 1),
             "end_date": dt.date(2025, 3, 31), "eval_date": dt.date(2025, 3, 31)}
    fields = pl.DataFrame({"field_name": ["Hộ tịch"], "finished": [0], "finished_late": [0],
                           "on_time_rate": [None]}, schema_overrides={"on_time_rate": pl.Float64})
    targets = TARGETS.filter(pl.col("kpi") == "on_time_rate")
    fig = narrative.figures(month, one_agency("Sở Một", 2, 3, 0, 0, 0, 0, 5, None), fields,
                            {"on_time_rate": None}, targets, weakest=WEAKEST.clear())
    assert fig.rate is None and fig.rate_change is None
    assert narrative.paragraph(fig) == (
        "Trong tháng 03/2025, toàn tỉnh tiếp nhận 5 hồ sơ (kỳ trước chuyển qua 2, mới tiếp nhận 3), chưa "
        "giải quyết xong hồ sơ nào; đang giải quyết 5 hồ sơ, trong đó quá hạn 5 hồ sơ. Không có cơ quan, "
        "đơn vị nào được xếp hạng (trong số có từ 30 hồ sơ đã giải quyết) giải quyết trễ hạn. "
        "Không có lĩnh vực nào có hồ sơ giải quyết trễ hạn. Đối chiếu chỉ tiêu kế hoạch năm 2025: chưa có "
        "số liệu để đánh giá tỷ lệ giải quyết đúng hạn."
    )


def test_change_wording():
    """At the one decimal shown: +0,04 points reads 'không đổi'; a previous period without a rate, or
    none at all, adds no comparison."""
    def change(rate, previous_rate, label="Tháng 02/2025"):
        fig = narrative.Figures("Tháng 03/2025", 2025, dt.date(2025, 3, 1), dt.date(2025, 3, 31),
                                dt.date(2025, 3, 31), {"on_time_rate": rate}, label, previous_rate)
        return narrative.change_text(fig)

    assert change(0.9, 0.8996) == "không đổi so với tháng 02/2025"
    assert change(0.9, 0.9) == "không đổi so với tháng 02/2025"
    assert change(0.9, 0.8994) == "tăng 0,1 điểm % so với tháng 02/2025"
    assert change(0.85, 0.9) == "giảm 5,0 điểm % so với tháng 02/2025"
    assert change(0.85, None) == ""
    assert change(None, 0.9) == ""
    assert change(0.85, None, None) == ""
    assert change(0.97, 0.96, "Kỳ báo cáo quý I/2025 (15/12/2024 – 14/03/2025)") == (
        "tăng 1,0 điểm % so với kỳ báo cáo quý I/2025 (15/12/2024 – 14/03/2025)")


def test_period_labels_inside_a_sentence():
    assert narrative.in_sentence("Năm 2025") == "năm 2025"
    assert narrative.in_sentence("6 tháng đầu năm 2025") == "6 tháng đầu năm 2025"
    assert narrative.in_sentence("Quý III/2025") == "Quý III/2025"
    assert narrative.in_sentence("Kỳ báo cáo tháng 03/2025 (15/02/2025 – 14/03/2025)") == (
        "kỳ báo cáo tháng 03/2025 (15/02/2025 – 14/03/2025)")


# --- the figures -----------------------------------------------------------------------------------------

def test_rollup_sums_and_recomputes_the_rate():
    totals = narrative.rollup(AGENCIES).row(0, named=True)
    assert (totals["carried_over"], totals["received_new"], totals["finished"]) == (1015, 21425, 20919)
    early_on_time_late = (totals["finished_early"], totals["finished_on_time"], totals["finished_late"])
    assert early_on_time_late == (16155, 4524, 240)
    assert (totals["in_progress"], totals["in_progress_overdue"]) == (1521, 503)
    assert totals["on_time_rate"] == pytest.approx(20679 / 20919)
    by_group = {r["peer_group"]: r for r in narrative.rollup(AGENCIES, "peer_group").iter_rows(named=True)}
    # districts: Ba Chẽ 90/100 and Hạ Long 19305/19500 -> 19395/19600, not the mean of 90% and 99%
    assert by_group["district"]["finished"] == 19600
    assert by_group["district"]["on_time_rate"] == pytest.approx(19395 / 19600)
    assert list(by_group) == ["department", "commune_old", "district", "central"]
    empty = narrative.rollup(AGENCIES.clear()).row(0, named=True)
    assert empty["finished"] == 0 and empty["on_time_rate"] is None


def test_weakest_agencies_keep_the_ranking_order_and_name_old_communes_with_their_district():
    """The order, minimum and exclusions are queries_targets.weakest's (tests/test_weakest_rule.py);
    here: its rows are kept in order, cut to the brief's five, and an old commune's UBND is named with
    its district (Q2/2025, when the old communes still existed)."""
    rows = pl.DataFrame([
        ("UBND xã Lê Lợi", "commune_old", "Xã Lê Lợi, Huyện Hoành Bồ", 50, 5, 0.9),
        ("UBND huyện Ba Chẽ", "district", "Huyện Ba Chẽ, Tỉnh Quảng Ninh", 100, 10, 0.9),
        *[(f"Sở {i}", "department", None, 100, 1, 0.99) for i in range(5)],
    ], schema=WEAKEST_COLUMNS, orient="row")
    five = narrative.weakest_agencies(rows)
    assert five["display_name"].to_list() == [
        "UBND xã Lê Lợi, Huyện Hoành Bồ", "UBND huyện Ba Chẽ", "Sở 0", "Sở 1", "Sở 2"]
    assert narrative.weakest_agencies(rows, limit=1)["agency_name"].to_list() == ["UBND xã Lê Lợi"]


def test_weakest_fields_by_late_dossiers():
    assert narrative.weakest_fields(FIELDS)["field_name"].to_list() == ["Đất đai", "Hộ tịch", "Chứng thực"]


def test_target_checks_floor_ceiling_and_missing_values():
    checks = {c.kpi: c for c in narrative.target_checks(SUMMARY, TARGETS)}
    assert list(checks) == ["on_time_rate", "online_share", "late_share", "avg_processing_days",
                            "satisfaction_rate"]
    assert [checks[k].met for k in checks] == [True, False, False, True, None]
    assert (checks["late_share"].value_text, checks["late_share"].target_text) == ("1,2%", "≤ 1,0%")
    assert checks["avg_processing_days"].target_text == "≤ 5,0 ngày"
    # exactly on the target meets it, whichever way the float rounds
    on_time_only = TARGETS.filter(pl.col("kpi") == "on_time_rate")
    exact = narrative.target_checks({"on_time_rate": 0.1 + 0.86}, on_time_only)
    assert exact[0].met is True


# --- the A4 brief ----------------------------------------------------------------------------------------

def test_brief_holds_the_figures_and_is_self_contained():
    fig = q3_figures()
    doc = brief.document(fig, "Tỉnh Quảng Ninh", "2025-10-05")
    assert doc.startswith("<!DOCTYPE html>") and "@page { size: A4; margin: 15mm; }" in doc
    # nothing fetched: no link, no external script, image, font or stylesheet
    assert not re.search(r"https?://|src=|href=|@import|url\(", doc), doc
    text = re.sub(r"<[^>]+>", " ", doc)
    for figure in ("22.440", "20.919", "98,9%", "+1,4\u00a0điểm\u00a0% so với kỳ trước", "240", "503",
                   "Số liệu đến ngày 05/10/2025", "Quý III/2025 (từ ngày 01/07/2025 đến ngày 30/09/2025)"):
        assert figure in text, figure
    # the targets table: each target with its verdict, in the registry's order
    verdicts = re.findall(r"<td class='(ok|bad|na)'>([^<]+)</td>", doc)
    assert verdicts == [("ok", "Đạt"), ("bad", "Chưa đạt"), ("bad", "Chưa đạt"), ("ok", "Đạt"),
                        ("na", "Chưa có số liệu")]
    # the weakest agencies (the ranking's rows) and the three fields with late dossiers, the paragraph
    for name in ["Sở Xây dựng", "Sở Y tế", "Đất đai", "Hộ tịch", "Chứng thực"]:
        assert f"<td class=''>{name}</td>" in doc, name
    assert "cuối bảng xếp hạng đúng hạn" in doc and "không nêu đơn vị đã thôi hoạt động trước kỳ" in text
    assert "<td class=''>Sở Tư pháp</td>" not in doc and "Xây dựng</td>" not in doc.replace("Sở Xây dựng", "")
    assert Q3_PARAGRAPH in doc
    # the page's fragment is the same sheet, without the print script
    fragment = brief.fragment(fig, "Tỉnh Quảng Ninh", "2025-10-05")
    assert Q3_PARAGRAPH in fragment and "<script" not in fragment and "@page" not in fragment


def test_brief_escapes_names_and_says_when_there_are_no_targets():
    names = WEAKEST.with_columns(
        pl.when(pl.col("agency_name") == "Sở Xây dựng").then(pl.lit("<img src=x onerror=alert(1)>"))
        .otherwise(pl.col("agency_name")).alias("agency_name"))
    fig = q3_figures(weakest=names, targets=TARGETS.clear(), summary={})
    doc = brief.document(fig, "<b>Tỉnh</b>", None)
    assert "<img" not in doc and "&lt;img src=x onerror=alert(1)&gt;" in doc
    assert "&lt;b&gt;Tỉnh&lt;/b&gt;" in doc
    assert "Năm 2025 chưa có chỉ tiêu kế hoạch." in doc
    assert "Số liệu đến ngày —" in doc
