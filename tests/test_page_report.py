"""The "Báo cáo" page under AppTest: a hand-made province with figures worked out by hand, the demo
warehouse at each level against an independent count over fct_dossier, the .xlsx and brief downloads,
and the empty states.

The hand-made province (data date 31/12/2025; month batches received on the 2nd, due on the 10th,
finished on the 5th = early, or on the 15th = late):

  Sở Một (A, Đất đai)  12/2024: 35 early    01/2025: 40 early, 10 late    04/2025: 45 early, 5 late
  Sở Hai (B, Hộ tịch)  02/2025: 30 early    05/2025: 20 early, 20 late
                       B-open received 02/06/2025, due 10/06/2025, never finished (overdue on 30/06)
  Targets 2025 (province): on-time rate >= 90%, online share >= 20%; no targets for 2024.

Quý II/2025: new 91 (A 50, B 41), finished 90, early 65, late 25, 1 in progress and overdue; on time
65/90 = 72,2%; Quý I/2025: 70/80 = 87,5% -> down 15,27… points -> "giảm 15,3". Both agencies have at
least 30 finished: Sở Hai 20/40 = 50,0% (20 late), Sở Một 45/50 = 90,0% (5 late), named in the
ranking's order (Wilson lower bound: Sở Hai 0,35 before Sở Một 0,79). Fields: Hộ tịch 20
late, Đất đai 5 late. Targets: 72,2% < 90%, online 0/91 = 0,0% < 20%: 0 of 2 met.
Tháng 11/2024 has no dossier; Quý IV/2024 has 35 (all early) and no targets.
"""

import datetime as dt
import io
import re
from html import unescape

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest, app_test

from tests.apptest_support import fresh_caches, no_errors, param, run_page  # noqa: F401
from tests.conftest import make_warehouse
from tests.targets_fixtures import month_batch, targets_frame
from warehouse import report, report_xlsx, store

PAGE = "pages/bao_cao.py"

Q2_PARAGRAPH = (
    "Trong Quý II/2025, toàn tỉnh tiếp nhận 91 hồ sơ (kỳ trước chuyển qua 0, mới tiếp nhận 91), "
    "đã giải quyết 90 hồ sơ, trong đó đúng và trước hạn 65 hồ sơ, đạt 72,2% (giảm 15,3 điểm % so với "
    "Quý I/2025), trễ hạn 25 hồ sơ; đang giải quyết 1 hồ sơ, trong đó quá hạn 1 hồ sơ. Các cơ quan, đơn vị "
    "đứng cuối bảng xếp hạng tỷ lệ đúng hạn (trong số có từ 30 hồ sơ đã giải quyết, xếp theo cận dưới "
    "khoảng tin cậy 95%): Sở Hai (50,0%, 20 hồ sơ trễ hạn); Sở Một (90,0%, 5 hồ sơ trễ hạn). "
    "Các lĩnh vực có nhiều hồ sơ giải quyết trễ hạn nhất: Hộ tịch "
    "(20 hồ sơ, đúng hạn 50,0%); Đất đai (5 hồ sơ, đúng hạn 90,0%). Đối chiếu chỉ tiêu kế hoạch năm 2025: "
    "đạt 0/2 chỉ tiêu; chưa đạt: tỷ lệ giải quyết đúng hạn (72,2%, chỉ tiêu ≥ 90,0%); tỷ lệ hồ sơ trực "
    "tuyến (0,0%, chỉ tiêu ≥ 20,0%)."
)


def in_field(rows: list[dict], field: str) -> list[dict]:
    """Dossiers of one field (each field its own procedure: a procedure belongs to one field)."""
    return [r | {"field_code": field, "procedure_code": "P_" + field} for r in rows]


@pytest.fixture(scope="module")
def small_dir(tmp_path_factory):
    from tests.conftest import dossier

    dossiers = (
        in_field(month_batch("A", 2024, 12, 35, 0) + month_batch("A", 2025, 1, 40, 10)
                 + month_batch("A", 2025, 4, 45, 5), "DD")
        + in_field(month_batch("B", 2025, 2, 30, 0) + month_batch("B", 2025, 5, 20, 20)
                   + [dossier("B-open", "2025-06-02", "2025-06-10", agency="B", status=2)], "HT")
    )
    targets = targets_frame([(2025, "province", None, "on_time_rate", ">=", 0.9),
                             (2025, "province", None, "online_share", ">=", 0.2)])
    fields = pl.DataFrame({"field_code": ["DD", "HT"], "field_name": ["Đất đai", "Hộ tịch"]})
    directory = tmp_path_factory.mktemp("report_small")
    agencies = [("A", "Sở Một", "department"), ("B", "Sở Hai", "department")]
    make_warehouse(directory, dossiers, agencies=agencies, as_of="2025-12-31", targets=targets,
                   extra_tables={"ref_field": fields}).close()
    return directory


@pytest.fixture
def media(monkeypatch):
    """AppTest's real media file manager, kept after the run to fetch the downloads' bytes."""
    managers = []

    class KeptManager(app_test.MediaFileManager):
        def __init__(self, storage):
            super().__init__(storage)
            self.storage = storage
            managers.append(self)

    monkeypatch.setattr(app_test, "MediaFileManager", KeptManager)
    return managers


def download(manager, button) -> bytes:
    """The file behind a download button: built now when the page defers it to the click."""
    url = button.proto.url or manager.execute_deferred(button.proto.deferred_file_id)
    return manager.storage.get_file(url.rsplit("/", 1)[-1].split(".")[0]).content


def buttons(at: AppTest) -> dict[str, object]:
    return {b.proto.label: b for b in at.get("download_button")}


def html_tables(at: AppTest) -> list[tuple[list[str], list[list[str]]]]:
    """Every table the page draws: (header, rows of cell texts)."""
    tables = []
    for h in at.get("html"):
        for table in re.findall(r"<table class='vn-table'>.*?</table>", h.proto.body, flags=re.S):
            head = [unescape(c) for c in re.findall(r"<th[^>]*>(.*?)</th>", table)]
            rows = [[unescape(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", tr)]
                    for tr in re.findall(r"<tr>(.*?)</tr>", table.split("</thead>")[1])]
            tables.append((head, rows))
    return tables


def totals_row(table) -> dict[str, str]:
    head, rows = table
    assert rows[-1][1] == report.TOTAL_LABEL
    return dict(zip(head, rows[-1]))


def vn_int(text: str) -> int:
    assert re.fullmatch(r"\d{1,3}(\.\d{3})*", text), text
    return int(text.replace(".", ""))


def read_form(data: bytes) -> dict[str, tuple[pl.DataFrame, dict]]:
    """The .xlsx office form: every sheet's rows and its totals row (the last one)."""
    sheets = pl.read_excel(io.BytesIO(data), sheet_id=0, read_options={"header_row": report_xlsx.HEADER_ROW})
    return {name: (f.head(f.height - 1), f.row(f.height - 1, named=True)) for name, f in sheets.items()}


def run(**params) -> AppTest:
    return run_page(PAGE, **params)


# --- the hand-made province ------------------------------------------------------------------------------

def test_quarter_paragraph_table_form_and_brief_by_hand(small_dir, monkeypatch, media):
    monkeypatch.setenv("WAREHOUSE_DIR", str(small_dir))
    at = run(ky="quarter", ma_ky="2025-Q2")
    no_errors(at)
    assert at.title[0].value == "Báo cáo định kỳ"
    assert param(at, "cap") == "agency"
    assert at.code[0].value == Q2_PARAGRAPH
    cards = {m.label: m.value for m in at.metric}
    assert cards == {"Hồ sơ tiếp nhận": "91", "Đã giải quyết": "90", "Tỷ lệ đúng và trước hạn": "72,2%",
                     "Đang giải quyết quá hạn": "1"}
    # a drop: red and pointing down (Streamlit alone would read the '−' sign as a rise)
    drop = at.metric[2].proto
    assert (drop.delta, drop.color, drop.direction) == ("−15,3\u00a0điểm\u00a0%", drop.RED, drop.DOWN)

    # per peer group (one: departments), then the group's agencies; both end on the same totals row
    tables = html_tables(at)
    assert len(tables) == 2
    groups, agencies = tables
    assert [r[1] for r in groups[1]] == ["Sở, ban, ngành cấp tỉnh", "Tổng cộng"]
    assert [r[1] for r in agencies[1]] == ["Sở Một", "Sở Hai", "Tổng cộng"]
    sai = dict(zip(agencies[0], agencies[1][1]))
    assert (sai["Mới tiếp nhận"], sai["Đã giải quyết"], sai["Quá hạn"], sai["Quá hạn (đang giải quyết)"],
            sai["Tỷ lệ đúng hạn"]) == ("41", "40", "20", "1", "50,0%")
    for table in tables:
        total = totals_row(table)
        columns = ["Kỳ trước chuyển qua", "Mới tiếp nhận", "Đã giải quyết", "Trước hạn", "Đúng hạn",
                   "Quá hạn", "Đang giải quyết", "Tỷ lệ đúng hạn"]
        assert [total[c] for c in columns] == ["0", "91", "90", "65", "0", "25", "1", "72,2%"]

    files = buttons(at)
    assert set(files) == {"Tải bảng báo cáo (.xlsx, mẫu báo cáo)", "Tải bản tóm tắt (.html, mở và in khổ A4)"}
    xlsx = files["Tải bảng báo cáo (.xlsx, mẫu báo cáo)"]
    form = read_form(download(media[-1], xlsx))
    assert list(form) == ["Toàn tỉnh", "Sở, ban, ngành"]
    rows, total = form["Sở, ban, ngành"]
    assert rows["Tên đơn vị"].to_list() == ["Sở Một", "Sở Hai"]
    assert (total["Mới tiếp nhận"], total["Đã giải quyết"], total["Trước hạn"], total["Quá hạn"],
            total["Quá hạn (đang giải quyết)"]) == (91, 90, 65, 25, 1)
    assert total["Tỷ lệ đúng hạn"] == pytest.approx(0.7222, abs=1e-4)

    brief = download(media[-1], files["Tải bản tóm tắt (.html, mở và in khổ A4)"]).decode("utf-8")
    assert brief.startswith("<!DOCTYPE html>") and Q2_PARAGRAPH in brief
    assert "<td class='bad'>Chưa đạt</td>" in brief and "<td class=''>Sở Hai</td>" in brief
    # the same sheet is shown on the page
    assert any(Q2_PARAGRAPH in h.proto.body and "a4-brief" in h.proto.body for h in at.get("html"))


def test_year_without_targets_and_a_period_without_dossiers(small_dir, monkeypatch):
    monkeypatch.setenv("WAREHOUSE_DIR", str(small_dir))
    at = run(ky="quarter", ma_ky="2024-Q4")
    no_errors(at)
    text = at.code[0].value
    # Quý III/2024 has no finished dossier: no comparison
    assert text.startswith("Trong Quý IV/2024, toàn tỉnh tiếp nhận 35 hồ sơ (kỳ trước chuyển qua 0, mới "
                           "tiếp nhận 35), đã giải quyết 35 hồ sơ, trong đó đúng và trước hạn 35 hồ sơ, "
                           "đạt 100,0%, trễ hạn 0")
    assert text.endswith("Năm 2024 chưa có chỉ tiêu kế hoạch để đối chiếu.")
    assert any("Năm 2024 chưa có chỉ tiêu kế hoạch." in h.proto.body for h in at.get("html"))

    at = run(ky="month", ma_ky="2024-11")
    no_errors(at)
    assert [i.value for i in at.info] == [
        "Tháng 11/2024: không có hồ sơ nào trong kỳ này, nên chưa có số liệu để báo cáo."]
    assert not at.get("download_button") and not at.code


def test_unit_level_without_units_and_field_level(small_dir, monkeypatch):
    monkeypatch.setenv("WAREHOUSE_DIR", str(small_dir))
    at = run(ky="quarter", ma_ky="2025-Q2", cap="unit")
    no_errors(at)
    assert at.subheader[0].value == "1. Bảng báo cáo · Theo địa bàn"
    parts = html_tables(at)[0]
    assert [r[1] for r in parts[1]] == ["Sở, ban, ngành cấp tỉnh", "Tổng cộng"]
    assert "chưa có danh mục đơn vị hành chính" in " ".join(i.value for i in at.info)

    at = run(ky="quarter", ma_ky="2025-Q2", cap="field")
    no_errors(at)
    (head, rows), = html_tables(at)
    assert [r[1] for r in rows] == ["Đất đai", "Hộ tịch", "Tổng cộng"]
    assert dict(zip(head, rows[1]))["Quá hạn"] == "20"
    assert totals_row((head, rows))["Đã giải quyết"] == "90"


def test_empty_warehouse(tmp_path, monkeypatch):
    make_warehouse(tmp_path / "empty", [], as_of="2025-12-31").close()
    monkeypatch.setenv("WAREHOUSE_DIR", str(tmp_path / "empty"))
    at = run()
    no_errors(at)
    assert [i.value for i in at.info] == ["Kho dữ liệu chưa có hồ sơ nào, nên chưa có báo cáo."]


# --- the demo warehouse against an independent count ------------------------------------------------

def independent_counts(r, start: dt.date, end: dt.date) -> dict:
    """docs/domain.md's rules written out over fct_dossier: a dossier counts when received by the end and not
    finished before the start; on time when it ended on or before its due day, had none, or was withdrawn."""
    return r.query(
        """select count(*) filter (received_date < $s) as carried_over,
                  count(*) filter (received_date >= $s) as received_new,
                  count(*) filter (end_date <= $e) as finished,
                  count(*) filter (end_date <= $e
                                   and (status = 7 or due_date is null or end_date <= due_date)) as on_time
           from fct_dossier
           where received_date <= $e and (end_date is null or end_date >= $s)""",
        {"s": start, "e": end},
    ).row(0, named=True)


@pytest.mark.parametrize("level", ["agency", "unit", "field"])
def test_demo_levels_agree_with_the_form_and_fct_dossier(demo_dir, monkeypatch, media, level):
    monkeypatch.setenv("WAREHOUSE_DIR", str(demo_dir))
    r = store.Reader(demo_dir)
    expected = independent_counts(r, dt.date(2025, 7, 1), dt.date(2025, 9, 30))
    r.close()
    assert expected["finished"] > 1000            # a real quarter, not an empty one

    at = run(ky="quarter", ma_ky="2025-Q3", cap=level)
    no_errors(at)
    assert param(at, "cap") == level
    assert at.subheader[0].value == "1. Bảng báo cáo · " + {"agency": "Theo cơ quan", "unit": "Theo địa bàn",
                                                           "field": "Theo lĩnh vực"}[level]

    # the paragraph's figures
    m = re.search(r"tiếp nhận ([\d.]+) hồ sơ \(kỳ trước chuyển qua ([\d.]+), mới tiếp nhận ([\d.]+)\), "
                  r"đã giải quyết ([\d.]+) hồ sơ, trong đó đúng và trước hạn ([\d.]+) hồ sơ, đạt (\d+,\d)%",
                  at.code[0].value)
    received, carried, new, finished, on_time = (vn_int(g) for g in m.groups()[:5])
    assert (carried, new, finished, on_time) == (expected["carried_over"], expected["received_new"],
                                                 expected["finished"], expected["on_time"])
    assert received == carried + new
    rate = f"{expected['on_time'] / expected['finished'] * 100:.1f}".replace(".", ",")
    assert m.group(6) == rate

    # the table's totals row (the first table of each level sums the whole province)
    total = totals_row(html_tables(at)[0])
    counts = [vn_int(total[c]) for c in ("Kỳ trước chuyển qua", "Mới tiếp nhận", "Đã giải quyết", "Trước hạn",
                                          "Đúng hạn")]
    assert counts[:3] + [counts[3] + counts[4]] == [carried, new, finished, on_time]
    assert total["Tỷ lệ đúng hạn"] == rate + "%"

    # the downloaded form's province sheet
    xlsx = buttons(at)["Tải bảng báo cáo (.xlsx, mẫu báo cáo)"]
    form = read_form(download(media[-1], xlsx))
    _, form_total = form["Toàn tỉnh"]
    assert (form_total["Kỳ trước chuyển qua"], form_total["Mới tiếp nhận"], form_total["Đã giải quyết"],
            form_total["Trước hạn"] + form_total["Đúng hạn"]) == (carried, new, finished, on_time)
    if level == "agency":
        agencies = pl.concat([rows for name, (rows, _) in form.items() if name != "Toàn tỉnh"],
                             how="diagonal")
        assert agencies["Mới tiếp nhận"].sum() == new


def test_demo_default_view_and_an_unknown_level(demo_dir, monkeypatch):
    monkeypatch.setenv("WAREHOUSE_DIR", str(demo_dir))
    at = run()
    no_errors(at)
    assert (param(at, "ky"), param(at, "cap")) == ("quarter", "agency")
    assert at.code[0].value.startswith("Trong Quý IV/2026 (số liệu đến ngày 23/11/2026), toàn tỉnh tiếp nhận")
    assert len(at.tabs) >= 3                      # one tab per peer group with dossiers

    at = run(ky="quarter", ma_ky="2025-Q3", cap="district")
    no_errors(at)
    assert param(at, "cap") == "agency"
