"""The "Cơ quan của tôi" page (pages/co_quan.py) on a hand-made warehouse with answers worked out by
hand, and on the demo warehouse against direct SQL over fct_dossier.

Hand-made data, as of 30/09/2025 (the figures of tests/test_targets.py, with fields and a peer):

 agency                              dossiers (received the 2nd, due the 10th, finished the 5th or the 15th)
 A  Sở A, department                 Dec 2024: 1 on time (the year 2024 exists, without targets)
                                     Jan, Mar, May 2025: 5 on time each (Hộ tịch, P1)
                                     Jul 3 on time + 1 late (P2), Aug 2 + 1 late (P1), Sep 2 + 1 late (P2)
                                     A-open: received 02/09, due 10/09, still in progress (P2): overdue
 B  Sở B, department                 Feb 2025: 9 on time + 1 late; Jul 2025: 10 on time
 E  Sở E, department                 none
 D  UBND huyện D, until 30/06/2025   Apr 2025: 3 on time + 1 late
 Procedures: P1 "Đăng ký khai sinh" (field F1 "Hộ tịch"), P2 "Chứng thực bản sao" (F2 "Chứng thực").

Targets 2025: on time >= 96% for departments and districts; A's own late share <= 10%.
Ranking rule: minimum 5 finished, ranked on the raw value.

A, year 2025 (its 25 finished in 2025; the open one is not finished):
  on time 22/25 = 88,0%: gap ceil(0,96 x 25 - 22) = 2 -> "Cần thêm 2 hồ sơ đúng hạn"; recent months
  (Jul-Sep) 7/10, so the year-end projection is 7616/9125 = 83,5% (tests/test_targets.py works it
  out), 5 short at year end; the rest of the year would need 2754/2300 > 100%: "Không thể đạt trong năm".
  late share 3/25 = 12,0% against its own <= 10%: ceil(3 - 2,5) = 1 -> "Vượt 1 hồ sơ trễ hạn".
A, Q3 2025: finished 10 (7 on time) = 70,0%; B 10/10 = 100%. Rank 2 of 2, percentile 0%, median
  85,0%; in Q2 A (5/5) was ranked alone, 1st: so down 1 ("▼ 1", "-1 bậc").
  Late in Q3: finished late Jul (P2), Aug (P1), Sep (P2) + A-open overdue on 30/09 = 4:
  Chứng thực 3 (75,0%), Hộ tịch 1 (25,0%).
D: ended 30/06/2025 -> "đã kết thúc hoạt động từ 01/07/2025"; a link without ma_ky opens 2025-Q2;
  on time 3/4 = 75,0%, gap ceil(3,84 - 3) = 1, final (no projection): "Không đạt".
"""

import datetime as dt
import io
import math

import polars as pl
import pytest

from tests.apptest_support import fresh_caches, no_errors, param, run_page  # noqa: F401
from tests.conftest import DOSSIER_SCHEMA, dossier, make_warehouse
from tests.targets_fixtures import Z95, agencies_frame, month_batch, rules_frame, targets_frame
from ui.listing import excel_bytes, late_listing
from warehouse import build, queries_late, store

PAGE = "pages/co_quan.py"

AGENCIES = [
    ("A", "Sở A", "department", None, None, None),
    ("B", "Sở B", "department", None, None, None),
    ("E", "Sở E", "department", None, None, None),
    ("D", "UBND huyện D", "district", 1, None, "2025-06-30"),
]
PROCEDURES = pl.DataFrame(
    [("P1", "Đăng ký khai sinh", "F1", 5), ("P2", "Chứng thực bản sao", "F2", 3)],
    schema={"procedure_code": pl.String, "procedure_name": pl.String, "field_code": pl.String,
            "statutory_days": pl.Int32}, orient="row",
).with_columns(pl.lit(True).alias("verified"))
FIELDS = pl.DataFrame({"field_code": ["F1", "F2"], "field_name": ["Hộ tịch", "Chứng thực"]})


def _as_p2(rows: list[dict]) -> list[dict]:
    p2 = {"procedure_code": "P2", "field_code": "F2"}
    return [r | p2 if "-late" in r["dossier_id"] else r for r in rows]


DOSSIERS = (
    month_batch("A", 2024, 12, 1, 0)
    + month_batch("A", 2025, 1, 5, 0) + month_batch("A", 2025, 3, 5, 0) + month_batch("A", 2025, 5, 5, 0)
    + _as_p2(month_batch("A", 2025, 7, 3, 1)) + month_batch("A", 2025, 8, 2, 1)
    + _as_p2(month_batch("A", 2025, 9, 2, 1))
    + [dossier("A-open", "2025-09-02", "2025-09-10", agency="A", status=2, procedure_code="P2",
               field_code="F2")]
    + month_batch("B", 2025, 2, 9, 1) + month_batch("B", 2025, 7, 10, 0)
    + month_batch("D", 2025, 4, 3, 1)
)
TARGETS = [
    (2025, "department", None, "on_time_rate", ">=", 0.96),
    (2025, "district", None, "on_time_rate", ">=", 0.96),
    (2025, "department", "A", "late_share", "<=", 0.10),
]
RULES = [(None, None, 5, "raw", Z95)]


def build_agency_warehouse(directory) -> store.Reader:
    """As tests/targets_fixtures.build_warehouse (as_of written before the SQL runs), with procedures
    and fields that have names."""
    with store.new_build(directory) as con:
        build.create_schema(con)
        con.execute((build.SQL_DIR / "seeds" / "ref_ranking_rule.sql").read_text(encoding="utf-8"))
        build.set_meta(con, as_of="2025-09-30")
        build.insert_frame(con, "ref_agency", agencies_frame(AGENCIES))
        build.insert_frame(con, "ref_procedure", PROCEDURES)
        build.insert_frame(con, "ref_field", FIELDS)
        build.insert_frame(con, "raw_dossier", pl.DataFrame(DOSSIERS, schema=DOSSIER_SCHEMA))
        build.insert_frame(con, "ref_plan_target", targets_frame(TARGETS))
        con.execute("delete from ref_ranking_rule")
        build.insert_frame(con, "ref_ranking_rule", rules_frame(RULES))
        build.apply_sql(con)
    return store.Reader(directory)


@pytest.fixture(scope="module")
def wh_dir(tmp_path_factory):
    directory = tmp_path_factory.mktemp("agency")
    build_agency_warehouse(directory).close()
    return directory


def texts(at) -> str:
    return "\n".join(m.value for m in at.markdown)


def infos(at) -> str:
    return "\n".join(i.value for i in at.info)


def html(at) -> str:
    return "\n".join(h.proto.body for h in at.get("html"))


def metric(at, label: str):
    return next(m for m in at.metric if m.label == label)


# --- hand-made warehouse --------------------------------------------------------------------------------

def test_targets_gap_projection_and_ceiling_worked_by_hand(wh_dir, monkeypatch):
    monkeypatch.setenv("WAREHOUSE_DIR", str(wh_dir))
    at = run_page(PAGE, don_vi="A", ky="quarter", ma_ky="2025-Q3")
    no_errors(at)
    assert at.header[0].value == "Sở A"
    assert "Lũy kế từ 01/01/2025 đến 30/09/2025: đạt **0/2** chỉ tiêu; **2** chỉ tiêu có nguy cơ" in texts(at)

    assert metric(at, "Tỷ lệ giải quyết đúng hạn").value == "88,0%"
    on_time = next(m.value for m in at.markdown if "Chỉ tiêu ≥ 96,0%" in m.value)
    assert "Có nguy cơ không đạt" in on_time
    assert "22 / 25 · Cần thêm 2 hồ sơ đúng hạn" in on_time
    assert f"Dự báo cuối năm: **{_pct(7616 / 9125)}**, thiếu khoảng 5 hồ sơ đúng hạn" in on_time
    assert "Các tháng còn lại của năm cần đạt: **Không thể đạt trong năm**" in on_time

    assert metric(at, "Tỷ lệ hồ sơ trễ hạn").value == "12,0%"
    late = next(m.value for m in at.markdown if "Chỉ tiêu ≤ 10,0%" in m.value)
    assert "(riêng của đơn vị)" in late and "3 / 25 · Vượt 1 hồ sơ trễ hạn so với chỉ tiêu" in late


def _pct(ratio: float) -> str:
    """96,5% by hand, independent of warehouse.fmt."""
    return f"{ratio * 100:.1f}".replace(".", ",") + "%"


def test_standing_among_peers_worked_by_hand(wh_dir, monkeypatch):
    monkeypatch.setenv("WAREHOUSE_DIR", str(wh_dir))
    at = run_page(PAGE, don_vi="A", ky="quarter", ma_ky="2025-Q3")
    no_errors(at)
    rank = metric(at, "Hạng về tỷ lệ giải quyết đúng hạn")
    assert (rank.value, rank.delta) == ("2/2", "-1 bậc so với kỳ trước")
    body = html(at)
    row = body.split("Tỷ lệ giải quyết đúng hạn</td>", 1)[1].split("</tr>", 1)[0]
    cells = [c.split(">", 1)[1] for c in row.split("</td>") if ">" in c]
    assert cells[:5] == ["70,0%", "2/2", "▼ 1", "0%", "85,0%"]
    # the peer-group ranking and the late page, for the same period
    assert "href='xep_hang?nhom=department&amp;ky=quarter&amp;ma_ky=2025-Q3'" in texts(at)
    assert "href='tre_han?don_vi=A&amp;ky=quarter&amp;ma_ky=2025-Q3'" in texts(at)


def test_late_dossiers_by_field_and_listing_worked_by_hand(wh_dir, monkeypatch):
    monkeypatch.setenv("WAREHOUSE_DIR", str(wh_dir))
    at = run_page(PAGE, don_vi="A", ky="quarter", ma_ky="2025-Q3")
    no_errors(at)
    assert ("**4** hồ sơ trễ hạn trong Quý III/2025: 3 đã giải quyết trễ, 1 đang quá hạn. Nhiều nhất: "
            "**Chứng thực** (3 hồ sơ, 75,0%)") in texts(at)
    body = html(at)
    assert "<td style='text-align:left'>Chứng thực bản sao</td><td style='text-align:left'>Chứng thực</td>" \
           "<td style='text-align:right'>3</td><td style='text-align:right'>75,0%</td>" in body
    assert "<td style='text-align:right'>1</td><td style='text-align:right'>25,0%</td>" in body
    late_ids = {"A-202507-late0", "A-202508-late0", "A-202509-late0", "A-open"}
    assert all(f">{i}<" in body for i in late_ids)
    assert ("**4** hồ sơ trễ hạn · Sở A · Quý III/2025: 3 đã kết thúc trễ, 1 chưa kết thúc và đã quá hạn"
            in texts(at))
    assert [b.label for b in at.get("download_button")] == ["Tải danh sách (Excel)"]

    # the Excel file the button writes: the same four dossiers, in the page's columns
    r = store.Reader(wh_dir)
    listing = late_listing(queries_late.late_dossiers(r, "quarter", "2025-Q3", agency="A"), typed=True)
    r.close()
    # row 0 the title, row 1 the header; the foot counts the rows; dates stored as dates
    sheet = pl.read_excel(io.BytesIO(excel_bytes(listing, "Đã trễ hạn")), read_options={"header_row": 1})
    sheet = sheet.head(-1)
    assert set(sheet["Mã hồ sơ"].to_list()) == late_ids
    assert sheet.filter(pl.col("Mã hồ sơ") == "A-202507-late0")["Hẹn trả"].to_list() == [dt.date(2025, 7, 10)]


def test_chart_counts_late_dossiers_per_field(wh_dir, monkeypatch):
    import json

    monkeypatch.setenv("WAREHOUSE_DIR", str(wh_dir))
    at = run_page(PAGE, don_vi="A", ky="quarter", ma_ky="2025-Q3")
    chart = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert chart["layout"]["separators"] == ",."
    bars = chart["data"][0]
    assert dict(zip(bars["y"], bars["x"])) == {"Chứng thực": 3, "Hộ tịch": 1}
    assert bars["text"] == ["1 · 25,0%", "3 · 75,0%"]


def test_ended_district_by_link_opens_its_last_period(wh_dir, monkeypatch):
    monkeypatch.setenv("WAREHOUSE_DIR", str(wh_dir))
    at = run_page(PAGE, don_vi="D", ky="quarter")
    no_errors(at)
    assert param(at, "ma_ky") == "2025-Q2" and param(at, "don_vi") == "D"
    assert "Đơn vị đã kết thúc hoạt động từ 01/07/2025" in infos(at)
    assert metric(at, "Tỷ lệ giải quyết đúng hạn").value == "75,0%"
    card = next(m.value for m in at.markdown if "Chỉ tiêu ≥ 96,0%" in m.value)
    assert "Không đạt" in card and "3 / 4 · Cần thêm 1 hồ sơ đúng hạn" in card
    assert "Kết quả đã chốt: **75,0%**" in card

    at = run_page(PAGE, don_vi="D", ky="quarter", ma_ky="2025-Q3", nhom="department")
    no_errors(at)
    assert param(at, "don_vi") == "D" and param(at, "nhom") == "all"
    assert "UBND huyện D: không có hồ sơ nào trong Quý III/2025." in infos(at)
    assert "Đơn vị đã kết thúc hoạt động từ 01/07/2025" in infos(at)
    assert "href='co_quan?don_vi=D&amp;ky=quarter&amp;ma_ky=2025-Q2'" in texts(at)


def test_agency_without_dossiers_in_the_period(wh_dir, monkeypatch):
    monkeypatch.setenv("WAREHOUSE_DIR", str(wh_dir))
    at = run_page(PAGE, don_vi="E", ky="quarter", ma_ky="2025-Q3")
    no_errors(at)
    assert "Sở E: không có hồ sơ nào trong Quý III/2025." in infos(at)
    # its year still has a target, with nothing to judge yet; no ranking, fields or listing
    assert "Chưa có số liệu" in texts(at)
    assert [s.value for s in at.subheader] == ["1. Chỉ tiêu kế hoạch năm 2025"]


def test_year_without_targets(wh_dir, monkeypatch):
    monkeypatch.setenv("WAREHOUSE_DIR", str(wh_dir))
    at = run_page(PAGE, don_vi="A", ky="year", ma_ky="2024")
    no_errors(at)
    assert "chưa có chỉ tiêu kế hoạch năm 2024 nào áp dụng" in infos(at)
    assert metric(at, "Mới tiếp nhận").value == "1"


def test_unknown_code_in_the_link(wh_dir, monkeypatch):
    monkeypatch.setenv("WAREHOUSE_DIR", str(wh_dir))
    at = run_page(PAGE, don_vi="'; drop table x;--", ky="decade", ma_ky="1999")
    no_errors(at)
    assert "Không có cơ quan, đơn vị nào mang mã “'; drop table x;--”" in infos(at)
    assert param(at, "don_vi") in {"A", "B", "E", "D"} and param(at, "ky") == "year"


def test_empty_warehouse(tmp_path, monkeypatch):
    make_warehouse(tmp_path, []).close()
    monkeypatch.setenv("WAREHOUSE_DIR", str(tmp_path))
    at = run_page(PAGE, don_vi="A")
    no_errors(at)
    assert "Kho dữ liệu chưa có hồ sơ nào" in infos(at)


# --- the demo warehouse against fct_dossier ---------------------------------------------------------------

def test_default_view_opens_an_agency(demo_dir, monkeypatch):
    monkeypatch.setenv("WAREHOUSE_DIR", str(demo_dir))
    at = run_page(PAGE)
    no_errors(at)
    assert at.title[0].value == "Cơ quan của tôi"
    r = store.Reader(demo_dir)
    name = r.query("select agency_name from dim_agency where agency_code = ?", [param(at, "don_vi")]).item()
    latest = r.query("select max(year) from dim_period").item()
    r.close()
    assert at.header[0].value == name
    assert param(at, "ky") == "year" and param(at, "ma_ky") == str(latest)
    assert at.subheader[1].value == f"1. Chỉ tiêu kế hoạch năm {latest}"


def test_department_by_link_matches_fct_dossier(demo_dir, monkeypatch):
    """The department with the most late dossiers in 2025: its on-time rate and gap against the
    department target, and its late count, each counted straight from fct_dossier."""
    r = store.Reader(demo_dir)
    start, end = dt.date(2025, 1, 1), dt.date(2025, 12, 31)
    late = r.query(
        """select agency_code,
                  count(*) filter (where end_date between $s and $e and end_date > due_date and status <> 7)
                      as finished_late,
                  count(*) filter (where received_date <= $e and (end_date is null or end_date > $e)
                                   and due_date < $e and status not in (5, 6, 8)) as overdue,
                  count(*) filter (where end_date between $s and $e) as finished,
                  count(*) filter (where end_date between $s and $e
                                   and (due_date is null or end_date <= due_date or status = 7)) as on_time
           from fct_dossier join dim_agency using (agency_code)
           where agency_level = 'department'
           group by agency_code
           order by finished_late + overdue desc, agency_code limit 1""",
        {"s": start, "e": end},
    ).row(0, named=True)
    target = r.query("""select target_value from ref_plan_target where year = 2025 and agency_code is null
                        and agency_level = 'department' and kpi = 'on_time_rate'""").item()
    r.close()
    code = late["agency_code"]
    monkeypatch.setenv("WAREHOUSE_DIR", str(demo_dir))
    at = run_page(PAGE, don_vi=code, ky="year", ma_ky="2025")
    no_errors(at)
    total = late["finished_late"] + late["overdue"]
    assert total > 0
    assert (f"**{_count(total)}** hồ sơ trễ hạn trong Năm 2025: {_count(late['finished_late'])} "
            f"đã giải quyết trễ, {_count(late['overdue'])} đang quá hạn") in texts(at)
    assert metric(at, "Tỷ lệ giải quyết đúng hạn").value == _pct(late["on_time"] / late["finished"])
    card = next(m.value for m in at.markdown if f"Chỉ tiêu ≥ {_pct(target)}" in m.value)
    gap = math.ceil(round(target * late["finished"] - late["on_time"], 6))
    words = f"Cần thêm {_count(gap)} hồ sơ đúng hạn" if gap > 0 else "Đã đạt chỉ tiêu"
    assert f"{_count(late['on_time'])} / {_count(late['finished'])} · {words}" in card


def _count(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def test_a_link_inside_the_app_wins_over_the_last_choice(wh_dir, monkeypatch):
    """Same session: the user picks an agency (the URL follows); then a link (st.switch_page from another
    page) brings other URL values, which the page shows instead of the last choice."""
    monkeypatch.setenv("WAREHOUSE_DIR", str(wh_dir))
    at = run_page(PAGE, don_vi="A", ky="quarter", ma_ky="2025-Q3")
    at.selectbox(key="url_don_vi").set_value("B").run()
    no_errors(at)
    assert at.header[0].value == "Sở B" and param(at, "don_vi") == "B" and param(at, "ma_ky") == "2025-Q3"
    at.query_params["don_vi"] = "D"
    at.query_params["ma_ky"] = "2025-Q2"
    at.run()
    no_errors(at)
    assert at.header[0].value == "UBND huyện D" and param(at, "ma_ky") == "2025-Q2"
    assert at.selectbox(key="url_ma_ky").value == "2025-Q2"
