"""The official calendar (docs/calendar.md): working days from the `holidays` package (the real one),
with the override loaded by `python -m etl load`, as every working-day figure counts them.

Working days late = workday_index(finished) - workday_index(due): the working days after the due
day up to and including the finishing day (warehouse/queries_late.py, sql/marts/dim_date.sql).

  T1 due Fri 24/01/2025, finished Mon 03/02/2025: Mon 27 - Fri 31/01 are Tết days off (29 Tết to
     Mùng ba), Sat 01 and Sun 02/02 the weekend, Mon 03/02 worked -> 1 (Monday to Friday gave 6).
  H1 due Mon 28/04/2025, finished Mon 05/05/2025: Tue 29/04 worked, Wed 30/04 and Thu 01/05
     holidays, Fri 02/05 off (swapped for Sat 26/04, before the due day), Sat 03 and Sun 04 the
     weekend, Mon 05/05 worked -> 2 (Monday to Friday gave 5).
  N1 due Fri 09/01/2026, finished Mon 12/01/2026: the package has no New Year 2026 swap, so
     Sat 10 and Sun 11 are the weekend, Mon 12 worked -> 1; once the override (the repo's own
     etl/reference/calendar_override.csv) makes Sat 10/01 a working day -> 2.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from etl import cli
from etl.load import load_files
from tests.conftest import ROOT, dossier, make_warehouse
from warehouse import official_calendar, store
from warehouse import queries_late as ql

OVERRIDE = ROOT / "etl" / "reference" / "calendar_override.csv"
NOW = dt.datetime(2026, 1, 31, 12, 0)   # the loads' "today", passed explicitly

DOSSIERS = [
    dossier("T1", "2025-01-20", "2025-01-24", "2025-02-03"),
    dossier("H1", "2025-04-21", "2025-04-28", "2025-05-05"),
    dossier("N1", "2026-01-05", "2026-01-09", "2026-01-12"),
]


def _load(directory: Path, *paths: Path):
    return load_files(directory, list(paths), progress=lambda m: None, now=NOW)


def _late(directory: Path, month: str) -> dict[str, int]:
    r = store.Reader(directory)
    try:
        late = ql.late_dossiers(r, "month", month)
        return dict(late.select("dossier_id", "late_workdays").rows())
    finally:
        r.close()


def _days(directory: Path, sql: str) -> list[tuple]:
    r = store.Reader(directory)
    try:
        return r.query(sql).rows()
    finally:
        r.close()


@pytest.fixture
def wh(tmp_path) -> Path:
    directory = tmp_path / "wh"
    make_warehouse(directory, DOSSIERS, as_of="2026-01-31").close()
    return directory


def test_working_days_late_around_tet_and_may_day(wh):
    assert _late(wh, "2025-02") == {"T1": 1}
    assert _late(wh, "2025-05") == {"H1": 2}


def test_new_year_2026_swap_comes_from_the_override_file(wh):
    assert _late(wh, "2026-01") == {"N1": 1}
    (result,) = _load(wh, OVERRIDE)
    assert (result.kind, result.read, result.loaded, result.rejected) == ("calendar", 2, 2, 0)
    assert _late(wh, "2026-01") == {"N1": 2}
    # the days of the swap as dim_date counts them: Fri 02/01 off, Sat 10/01 worked
    assert _days(wh, "select day, is_workday from dim_date where day in "
                     "('2026-01-02', '2026-01-10', '2026-01-11') order by day") == [
        (dt.date(2026, 1, 2), False), (dt.date(2026, 1, 10), True), (dt.date(2026, 1, 11), False)]
    # the earlier years are unchanged by it
    assert _late(wh, "2025-02") == {"T1": 1}


def test_processing_time_counts_the_same_working_days(tmp_path):
    """fct_dossier.processing_workdays (processing time against the statutory days) reads dim_date:
    P1 received Fri 24/01/2025, finished Mon 03/02/2025 took 1 working day (Mon 03/02), not 6."""
    directory = tmp_path / "p"
    make_warehouse(directory, [dossier("P1", "2025-01-24", "2025-02-05", "2025-02-03")]).close()
    assert _days(directory, "select processing_workdays from fct_dossier") == [(1,)]


def test_dim_date_range_comes_from_the_data_not_today(tmp_path):
    """Received 20/01/2025 .. 05/01/2026, as_of 31/01/2026. From 20/01/2025 - 400 days: back to
    20/01/2024 is 366 days (29/02/2024), 34 more = 17/12/2023. To 31/01/2026 + 800 days: 31/01/2028
    is 730 days, then 29 (to 29/02/2028) + 31 (31/03) + 10 = 10/04/2028. Whatever day the build runs."""
    directory = tmp_path / "r"
    make_warehouse(directory, DOSSIERS, as_of="2026-01-31").close()
    assert _days(directory, "select min(day), max(day) from dim_date") == [
        (dt.date(2023, 12, 17), dt.date(2028, 4, 10))]
    # the package's calendar covers the whole range: Tết 2028 (26-28/01/2028 are weekdays off)
    assert _days(directory, "select count(*) from dim_official_day "
                            "where day between '2028-01-24' and '2028-01-31'")[0][0] >= 3


def test_extra_days_off_of_the_fixture_add_to_the_official_calendar(tmp_path):
    """make_warehouse(holidays=[...]) lays extra days off over the official calendar: T1 due Fri
    24/01/2025 finished Tue 04/02/2025 with Mon 03/02 made a day off: only Tue 04/02 -> 1."""
    directory = tmp_path / "x"
    make_warehouse(directory, [dossier("T1", "2025-01-20", "2025-01-24", "2025-02-04")],
                   holidays=["2025-02-03"]).close()
    assert _late(directory, "2025-02") == {"T1": 1}


# ------------------------------------------------------------------------------ loading the override

CSV = (
    "Ngày,Loại ngày,Tên ngày\n"
    "02/01/2026,Nghỉ,Nghỉ Tết Dương lịch\n"      # 2
    "2026-01-10,làm  bù,Làm bù cho 02/01\n"      # 3 spaces and case do not matter
    "31/02/2026,nghỉ,Không có ngày này\n"        # 4 no such date
    "15/01/2026,đi chơi,Sai loại\n"              # 5 not a kind
    ",nghỉ,Thiếu ngày\n"                         # 6 no date
    "16/01/2026,,Thiếu loại\n"                   # 7 no kind
)


def _override(directory: Path) -> list[tuple]:
    return _days(directory, "select day, kind, name, source from ref_calendar_override order by day")


def _quarantine(directory: Path) -> list[tuple]:
    return _days(directory, "select source_row, record_key, field, value, reason from quarantine "
                            "where kind = 'calendar' order by source_row")


def test_override_loads_good_rows_and_quarantines_bad_ones(wh, tmp_path):
    path = tmp_path / "lich.csv"
    path.write_text(CSV, encoding="utf-8")
    (result,) = _load(wh, path)
    assert (result.kind, result.read, result.loaded, result.rejected, result.exit_code) == (
        "calendar", 6, 2, 4, 1)
    assert _override(wh) == [(dt.date(2026, 1, 2), "nghỉ", "Nghỉ Tết Dương lịch", "lich.csv"),
                             (dt.date(2026, 1, 10), "làm bù", "Làm bù cho 02/01", "lich.csv")]
    assert _quarantine(wh) == [
        (4, "31/02/2026", "Ngay", "31/02/2026", "ngày không hợp lệ"),
        (5, "15/01/2026", "LoaiNgay", "đi chơi", 'loại ngày phải là "nghỉ" hoặc "làm bù"'),
        (6, None, "Ngay", None, "thiếu ngày"),
        (7, "16/01/2026", "LoaiNgay", None, "thiếu loại ngày (nghỉ hoặc làm bù)"),
    ]
    assert all(str(path) == f
               for (f,) in _days(wh, "select source_file from quarantine where kind = 'calendar'"))
    assert _late(wh, "2026-01") == {"N1": 2}


def test_reloading_replaces_the_override_and_a_wholly_bad_file_keeps_it(wh, tmp_path):
    _load(wh, OVERRIDE)
    only_off = tmp_path / "chi_nghi.csv"
    only_off.write_text("date,kind,name\n2026-01-02,nghỉ,Nghỉ\n", encoding="utf-8")
    _load(wh, only_off)
    assert _override(wh) == [(dt.date(2026, 1, 2), "nghỉ", "Nghỉ", "chi_nghi.csv")]
    assert _late(wh, "2026-01") == {"N1": 1}          # Sat 10/01 is the weekend again
    bad = tmp_path / "sai.csv"
    bad.write_text("date,kind,name\n2026-01-10,nghi le?,x\n", encoding="utf-8")
    (result,) = _load(wh, bad)
    assert (result.loaded, result.rejected) == (0, 1)
    assert _override(wh) == [(dt.date(2026, 1, 2), "nghỉ", "Nghỉ", "chi_nghi.csv")]


def test_override_as_a_spreadsheet_with_date_cells(wh, tmp_path):
    path = tmp_path / "lich.xlsx"
    pl.DataFrame({"Ngày": [dt.date(2026, 1, 2), dt.date(2026, 1, 10)], "Loại": ["nghỉ", "làm bù"],
                  "Ghi chú": ["Tết Dương lịch", "Làm bù"]}).write_excel(path)
    (result,) = _load(wh, path)
    assert (result.kind, result.fmt, result.loaded, result.rejected) == ("calendar", "xlsx", 2, 0)
    assert _late(wh, "2026-01") == {"N1": 2}


def test_an_override_row_wins_over_the_package(wh, tmp_path):
    """A province that works Fri 02/05/2025 (the package's day off for the 26/04 swap): H1 due Mon
    28/04, finished Mon 05/05 then counts Tue 29/04, Fri 02/05 and Mon 05/05 -> 3."""
    path = tmp_path / "lam.csv"
    path.write_text("date,kind,name\n2025-05-02,làm bù,Làm việc\n", encoding="utf-8")
    _load(wh, path)
    assert _late(wh, "2025-05") == {"H1": 3}
    assert _days(wh, "select kind, source from dim_official_day where day = '2025-05-02'") == [
        ("làm bù", "override")]


# ------------------------------------------------------------------------------ `etl calendar YEAR`

def _calendar(capsys, *args) -> list[str]:
    assert cli.main(["calendar", *args]) == 0
    return capsys.readouterr().out.splitlines()


def test_calendar_2025_from_the_package_alone(capsys, tmp_path):
    lines = _calendar(capsys, "2025", "--warehouse", str(tmp_path / "none"))
    assert lines[0] == "date,kind,name"
    assert lines[1:] == sorted(lines[1:])
    # Tết 2025: Mon 27 to Fri 31/01 off (Sat 01/02 is the weekend anyway, so not listed)
    assert [ln.split(",")[:2] for ln in lines if ln.startswith(("2025-01-2", "2025-01-3"))] == [
        ["2025-01-27", "nghỉ"], ["2025-01-28", "nghỉ"], ["2025-01-29", "nghỉ"], ["2025-01-30", "nghỉ"],
        ["2025-01-31", "nghỉ"]]
    assert "2025-05-02,nghỉ,Ngày nghỉ (thay cho ngày 26/04/2025)" in lines
    assert "2025-04-26,làm bù,Làm bù cho ngày nghỉ 02/05/2025" in lines
    assert not any(ln.startswith("2025-02-01") for ln in lines)


def test_calendar_2026_with_and_without_the_override(capsys, wh):
    before = _calendar(capsys, "2026", "--warehouse", str(wh))
    assert not any(ln.startswith(("2026-01-02", "2026-01-10")) for ln in before)
    assert "2026-01-01,nghỉ,Tết Dương lịch" in before
    assert cli.main(["load", "--warehouse", str(wh), str(OVERRIDE)]) == 0
    capsys.readouterr()
    after = _calendar(capsys, "2026", "--warehouse", str(wh))
    assert set(after) - set(before) == {
        "2026-01-02,nghỉ,Nghỉ Tết Dương lịch 2026 (hoán đổi với thứ Bảy 10/01/2026; văn bản 12729/VPCP-KGVX "
        "ngày 25/12/2025)",
        "2026-01-10,làm bù,Làm bù cho ngày nghỉ 02/01/2026 (văn bản 12729/VPCP-KGVX ngày 25/12/2025)"}
    assert set(before) <= set(after)


def test_package_days_keep_only_what_changes_monday_to_friday():
    days = official_calendar.package_days([2026])
    # Sun 26/04/2026 (Hùng Kings) is a weekend day: only its substitute Mon 27/04 is listed
    assert dt.date(2026, 4, 26) not in days["day"].to_list()
    assert days.filter(pl.col("day") == dt.date(2026, 4, 27))["kind"].to_list() == ["nghỉ"]
    # Sat 22/08/2026 worked for Mon 31/08/2026
    assert days.filter(pl.col("day") == dt.date(2026, 8, 22)).rows() == [
        (dt.date(2026, 8, 22), "làm bù", "Làm bù cho ngày nghỉ 31/08/2026")]
    assert set(days["kind"]) == {"nghỉ", "làm bù"}
    assert all(d.isoweekday() <= 5 for d in days.filter(pl.col("kind") == "nghỉ")["day"])
    assert all(d.isoweekday() >= 6 for d in days.filter(pl.col("kind") == "làm bù")["day"])


# ------------------------------------------------------------------------------ the data page

def test_data_page_shows_the_calendar_in_force(wh, monkeypatch):
    """Dữ liệu, tab "Lịch làm việc": the year of the data (2026) by default; with the override loaded
    Fri 02/01/2026 is a day off and Sat 10/01/2026 a day worked, from the override file; Mon 27/04/2026
    (the Hùng Kings substitute day) from the package. Year 2025 lists Sat 26/04/2025 worked."""
    from tests.apptest_support import no_errors, run_page

    _load(wh, OVERRIDE)
    monkeypatch.setenv("WAREHOUSE_DIR", str(wh))
    at = run_page("pages/du_lieu.py")
    no_errors(at)
    year = next(s for s in at.selectbox if s.key == "url_nam")
    assert year.value == "2026"
    table = next(df.value for df in at.dataframe if "Nguồn" in df.value.columns)
    rows = {r["Ngày"]: (r["Loại"], r["Nguồn"]) for r in table.to_dict("records")}
    assert rows["02/01/2026"] == ("Nghỉ", "Tệp điều chỉnh")
    assert rows["10/01/2026"] == ("Làm bù", "Tệp điều chỉnh")
    assert rows["27/04/2026"] == ("Nghỉ", "Gói holidays")
    at = year.set_value("2025").run()
    no_errors(at)
    table = next(df.value for df in at.dataframe if "Nguồn" in df.value.columns)
    assert ("26/04/2025", "Làm bù") in set(zip(table["Ngày"], table["Loại"]))
