"""Arrival health (`python -m etl status`, warehouse/queries_health.py, the data page's section):
agencies silent for more than N working days, on hand-made dates. March 2025 has no public holiday;
03/03/2025 is a Monday."""

from __future__ import annotations

import datetime as dt

import pytest

from etl import cli
from etl.load import load_files
from tests.apptest_support import fresh_caches, no_errors, run_page  # noqa: F401 - the fixture
from tests.conftest import dossier, make_warehouse
from tests.load_helpers import H, S, rec, write_envelope
from warehouse import queries_health, store

ON = dt.date(2025, 3, 14)   # a Friday
AGENCIES = [("A", "Sở A", "department"), ("B", "Sở B", "department"), ("C", "Sở C", "department"),
            ("D", "Sở D (đã giải thể)", "department", None, dt.date(2025, 2, 28))]


@pytest.fixture
def warehouse(tmp_path):
    """A last received Mon 03/03; B Mon 10/03; C never; D ceased before the day asked about."""
    rows = [dossier("A1", "2025-02-27", agency="A"), dossier("A2", "2025-03-03", agency="A"),
            dossier("B1", "2025-03-10", agency="B"), dossier("D1", "2025-02-20", agency="D")]
    directory = tmp_path / "wh"
    make_warehouse(directory, rows, agencies=AGENCIES, as_of="2025-03-14", holidays=["2025-03-12"])
    return directory


def by_code(frame):
    return {r["agency_code"]: r for r in frame.iter_rows(named=True)}


def test_silent_agencies_on_hand_made_dates(warehouse):
    r = store.Reader(warehouse)
    try:
        rows = by_code(queries_health.agencies(r, ON, 5))
        wider = by_code(queries_health.agencies(r, ON, 9))
        order = queries_health.agencies(r, ON, 5)["agency_code"].to_list()
    finally:
        r.close()
    assert set(rows) == {"A", "B", "C"}                        # D ceased on 28/02
    # A: working days after Mon 03/03 up to Fri 14/03: 04-07/03 (4) and 10-14/03 less the
    # test's day off on Wed 12/03 (4) = 8 > 5: silent; with N = 9 it is not
    assert (rows["A"]["last_received"], rows["A"]["working_days_silent"], rows["A"]["silent"]) == \
        (dt.date(2025, 3, 3), 8, True)
    assert wider["A"]["silent"] is False
    # B: 11/03, 13/03, 14/03 (12/03 off) = 3: not silent
    assert (rows["B"]["working_days_silent"], rows["B"]["silent"]) == (3, False)
    # C never sent anything: silent, no date, no count
    assert (rows["C"]["last_received"], rows["C"]["working_days_silent"], rows["C"]["silent"]) == \
        (None, None, True)
    assert order == ["C", "A", "B"]          # never first, then the longest silence


def test_status_command_flags_the_silent(warehouse, capsys):
    code = cli.main(["status", "--warehouse", str(warehouse), "--on", "2025-03-14"])
    out = capsys.readouterr().out
    assert code == 1
    assert "đến ngày 14/03/2025" in out and "quá 5 ngày làm việc" in out
    lines = {code: next(line.strip() for line in out.splitlines() if f" {code} Sở {code}" in line)
             for code in "ABC"}
    assert lines["A"].startswith("IM LẶNG") and "03/03/2025" in lines["A"] and "8 ngày" in lines["A"]
    assert lines["C"].startswith("IM LẶNG") and "chưa từng có dữ liệu" in lines["C"]
    assert lines["B"].startswith("B Sở B") and "3 ngày làm việc" in lines["B"]
    assert cli.main(["status", "--warehouse", str(warehouse), "--on", "2025-03-14",
                     "--silent-days", "9"]) == 1                 # C is still silent
    assert cli.main(["status", "--warehouse", str(warehouse / "none")]) == 2
    assert "CẢNH BÁO" not in out                               # B spoke 3 working days ago


def test_every_agency_silent_points_at_the_source(warehouse, capsys):
    # a week later (17-21/03, no day off) B has been silent 8 working days too: the source stopped
    code = cli.main(["status", "--warehouse", str(warehouse), "--on", "2025-03-21"])
    out = capsys.readouterr().out
    assert code == 1
    assert ("CẢNH BÁO: cả 3 cơ quan đều im lặng: kho không có hồ sơ tiếp nhận mới từ ngày 10/03/2025."
            in out)


def test_a_load_is_a_sign_of_life(wh, tmp_path):
    """An agency whose dossiers arrive in a new state counts from the day they were loaded, even with
    no new receipt; loading the same states again is no sign of life."""
    batch = write_envelope(tmp_path / "lo.json", [rec("S1", "2025-03-03", "2025-03-10"),
                                                 rec("H1", "2025-03-03", "2025-03-10", agency=H)])
    load_files(wh, [batch], progress=lambda m: None, now=dt.datetime(2025, 3, 4, 8, 0))
    # on 12/03, S1 finishes: a new state of Sở Tư pháp's dossier arrives; H1's batch is sent again as it was
    later = write_envelope(tmp_path / "lo2.json", [rec("S1", "2025-03-03", "2025-03-10", "2025-03-11"),
                                                  rec("H1", "2025-03-03", "2025-03-10", agency=H)])
    load_files(wh, [later], progress=lambda m: None, now=dt.datetime(2025, 3, 12, 8, 0))
    r = store.Reader(wh)
    try:
        rows = by_code(queries_health.agencies(r, ON, 5))
        loads = queries_health.sources(r)
    finally:
        r.close()
    # Sở Tư pháp: last seen 12/03 (loaded), 13-14/03 = 2 working days
    assert (rows[S]["last_received"], rows[S]["last_loaded"].date(), rows[S]["working_days_silent"]) == \
        (dt.date(2025, 3, 3), dt.date(2025, 3, 12), 2)
    # Hạ Long: last seen 04/03 (its first load), 05-07/03 and 10-14/03 = 8 working days: silent
    assert (rows[H]["last_loaded"].date(), rows[H]["working_days_silent"], rows[H]["silent"]) == \
        (dt.date(2025, 3, 4), 8, True)
    [dossiers] = loads.filter(loads["kind"] == "dossier").iter_rows(named=True)
    # two files of two records each, every record good (a repeated state still counts as loaded)
    wanted = ("file_format", "files", "rows_loaded", "rows_rejected")
    assert [dossiers[k] for k in wanted] == ["envelope", 2, 4, 0]


def test_the_data_page_shows_the_section(warehouse, monkeypatch):
    """The data page's new tab (after the calendar) lists every agency in service with its state. The
    page measures up to today: any day after 24/03/2025 finds A and B silent too (more than 5 working
    days after 10/03)."""
    monkeypatch.setenv("WAREHOUSE_DIR", str(warehouse))
    at = run_page("pages/du_lieu.py", muc="nhan")
    no_errors(at)
    labels = [t.label for t in at.tabs]
    assert labels[labels.index("Lịch làm việc") + 1] == "Tình trạng nhận dữ liệu"
    # all three at once: the page points at the source, as `etl status` does
    warnings = [w.value for w in at.warning]
    assert any("Cả 3 cơ quan, đơn vị đều không có dữ liệu mới quá 5 ngày làm việc: kho không nhận hồ sơ "
               "tiếp nhận mới nào từ ngày 10/03/2025" in w for w in warnings), warnings
    table = next(d.value for d in at.dataframe if "Tình trạng" in d.value.columns)
    states = dict(zip(table["Cơ quan, đơn vị"], table["Tình trạng"]))
    assert states == {"Sở A": "Im lặng", "Sở B": "Im lặng", "Sở C": "Chưa từng có dữ liệu"}
    assert dict(zip(table["Cơ quan, đơn vị"], table["Hồ sơ tiếp nhận gần nhất"]))["Sở A"] == "03/03/2025"


def test_a_demo_is_measured_up_to_its_data_date(warehouse, monkeypatch):
    """A demo is a snapshot nobody sends to: its silences run to its data's date (14/03/2025), where
    only A (8 working days) and C (never) are silent and B (3 days) is not."""
    from warehouse import build

    with store.new_build(warehouse, from_current=True) as con:
        build.set_meta(con, is_demo="true")
    monkeypatch.setenv("WAREHOUSE_DIR", str(warehouse))
    at = run_page("pages/du_lieu.py", muc="nhan")
    no_errors(at)
    table = next(d.value for d in at.dataframe if "Tình trạng" in d.value.columns)
    states = dict(zip(table["Cơ quan, đơn vị"], table["Tình trạng"]))
    assert states == {"Sở A": "Im lặng", "Sở B": "Đang nhận", "Sở C": "Chưa từng có dữ liệu"}
    assert any("Tính đến ngày 14/03/2025" in c.value for c in at.caption)
