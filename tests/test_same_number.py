"""One KPI of one agency for one period reads the same on every surface (issue 12): the agency page's
card, the ranking page, the drill-down table, the report's CSV and .xlsx, the drafted paragraph and
the A4 brief, and the projector's slide.

Hand-made warehouse, data as of 20/06/2025, two departments; every dossier is received on 02/02/2025,
due on 10/02 and finished on 05/02 (early, which counts as on time) or on 15/02 (late):

  Sở A: 28 early + 5 late = 33 finished      Sở B: 40 early (a peer to rank against)

On-time rate of Sở A in Quý I/2025 = (early + on time) / finished = 28 / 33 = 0.848484...

- exported (the CSV and the .xlsx cell): 4 decimals, half away from zero: 0.8485 (the fifth decimal,
  8, rounds the fourth up);
- shown with one decimal, as a spreadsheet shows the cell 0.8485 under the format 0.0%: 84.85 -> 84,9%.
  Formatting the raw value instead (84.848...%) would read 84,8%: the page and the workbook would
  differ in their last digit, which is what this test is here to catch.
"""

import csv
import datetime as dt
import io
import re
from decimal import ROUND_HALF_UP, Decimal

import polars as pl
import pytest

from tests.apptest_support import fresh_caches, no_errors, run_page  # noqa: F401
from tests.targets_fixtures import build_warehouse, month_batch
from warehouse import report, report_xlsx, store

AGENCIES = [("A", "Sở A", "department", None, None, None), ("B", "Sở B", "department", None, None, None)]
DOSSIERS = month_batch("A", 2025, 2, 28, 5) + month_batch("B", 2025, 2, 40, 0)
TARGETS = [(2025, "department", None, "on_time_rate", ">=", 0.90)]
Q1 = {"ky": "quarter", "ma_ky": "2025-Q1"}
START, END = dt.date(2025, 1, 1), dt.date(2025, 3, 31)

EXPORTED = 0.8485        # 28 / 33 to 4 decimals, by hand
SHOWN = "84,9%"          # 0.8485 as 0.0% shows it, by hand


@pytest.fixture(scope="module")
def wh_dir(tmp_path_factory):
    directory = tmp_path_factory.mktemp("same_number")
    build_warehouse(directory, DOSSIERS, AGENCIES, "2025-06-20", targets=TARGETS).close()
    return directory


@pytest.fixture
def on_wh(wh_dir, monkeypatch):
    monkeypatch.setenv("WAREHOUSE_DIR", str(wh_dir))


def html(at) -> str:
    return " ".join(h.proto.body for h in at.get("html"))


def cells_of_row(body: str, name: str) -> list[str]:
    """The cells of the first HTML table row that names `name`, tags stripped."""
    for row in re.findall(r"<tr>(.*?)</tr>", body, flags=re.S):
        cells = [re.sub(r"<[^>]+>", "", c) for c in re.findall(r"<td[^>]*>(.*?)</td>", row, flags=re.S)]
        if name in cells:
            return cells
    raise AssertionError(f"no row of {name}")


def spreadsheet_shows(value: float) -> str:
    """A cell's value as the format 0.0% shows it: the decimal value, half up, a decimal comma."""
    shown = (Decimal(repr(value)) * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return f"{shown}%".replace(".", ",")


def test_the_hand_worked_figures_agree_with_each_other():
    assert 28 / 33 != EXPORTED                       # the raw rate has more digits than the export
    assert f"{28 / 33 * 100:.1f}" == "84.8"          # ...and shown raw it would read 84,8%
    assert spreadsheet_shows(EXPORTED) == SHOWN


def test_agency_page_card(on_wh):
    at = run_page("pages/co_quan.py", don_vi="A", **Q1)
    no_errors(at)
    assert {m.label: m.value for m in at.metric}["Tỷ lệ giải quyết đúng hạn"] == SHOWN


def test_ranking_page_table(on_wh):
    at = run_page("pages/xep_hang.py", nhom="department", **Q1)
    no_errors(at)
    row = cells_of_row(html(at), "Sở A")
    assert SHOWN in row and "100,0%" not in row


def test_drill_down_table(on_wh):
    at = run_page("pages/dia_ban.py", **Q1)
    no_errors(at)
    table = pl.from_pandas(at.dataframe[0].value)
    assert table.filter(pl.col("Tên") == "Sở A")["Tỷ lệ giải quyết đúng hạn"].to_list() == [SHOWN]


def test_report_csv(wh_dir):
    out = io.StringIO()
    report.write_report(wh_dir, START, END, out)
    rows = {r["agency_code"]: r for r in csv.DictReader(io.StringIO(out.getvalue()))}
    assert rows["A"]["on_time_rate"] == str(EXPORTED)
    assert spreadsheet_shows(float(rows["A"]["on_time_rate"])) == SHOWN


def test_report_xlsx(wh_dir, tmp_path):
    path = tmp_path / "bao_cao.xlsx"
    reader = store.Reader(wh_dir)
    try:
        report_xlsx.write_xlsx(reader, START, END, "agency", path)
    finally:
        reader.close()
    sheet = pl.read_excel(path, sheet_name="Sở, ban, ngành",
                          read_options={"header_row": report_xlsx.HEADER_ROW})
    rate = sheet.filter(pl.col("Tên đơn vị") == "Sở A")["Tỷ lệ đúng hạn"].to_list()
    assert rate == [EXPORTED]
    assert report_xlsx.RATE_FORMAT == "0.0%" and spreadsheet_shows(rate[0]) == SHOWN


def test_report_page_paragraph_and_brief(on_wh):
    at = run_page("pages/bao_cao.py", **Q1)
    no_errors(at)
    paragraph = at.code[0].value
    assert f"Sở A ({SHOWN}, 5 hồ sơ trễ hạn)" in paragraph
    tables = [h.proto.body for h in at.get("html")]
    # the report table's row of Sở A (its last cell: the rate), then the A4 brief (the page's last
    # piece of HTML) and its list of the weakest agencies
    assert cells_of_row(" ".join(tables[:-1]), "Sở A")[-1] == SHOWN
    assert SHOWN in cells_of_row(tables[-1], "Sở A")


def test_projector_slide(on_wh):
    at = run_page("pages/trinh_chieu.py", trang="2", **Q1)
    no_errors(at)
    assert re.search(rf"Sở A<br><span class='big'>{SHOWN}</span>", html(at))
