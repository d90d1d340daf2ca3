"""`python -m etl watch`: one pass over the inbox (docs/receiver.md). Files are written by the tests
into tmp_path; the warehouse starts as a copy of the empty one (tests/conftest.py `wh`)."""

from __future__ import annotations

import calendar
import fcntl
import os
import subprocess
import sys
import time

import duckdb

from etl import receiver, watch
from tests.conftest import ROOT
from tests.load_helpers import S, rec, write_envelope, write_text
from warehouse import store

QUIET = {"progress": lambda m: None}


def q(directory, sql):
    con = duckdb.connect(str(store.current_path(directory)), read_only=True)
    try:
        return con.sql(sql).fetchall()
    finally:
        con.close()


def received(inbox, records, at, **kw):
    """A batch as the receiver names it: `at` is its UTC arrival time (YYYYmmddTHHMMSSffffff)."""
    inbox.mkdir(exist_ok=True)
    return write_envelope(inbox / f"{at}Z-1-000001-DongBoHoSoMC-abc.json", records, **kw)


def test_unusable_files_go_to_rejected_with_the_reason(wh, tmp_path):
    inbox = tmp_path / "inbox"
    good = received(inbox, [rec("G1", "2025-03-03", "2025-03-10")], "20250303T100000000000")
    write_text(inbox / "ghi_chu.txt", "Báo cáo tháng 3\nkhông có số liệu\n")
    write_text(inbox / "rong.json", '{"service": "DongBoHoSoMC", "isUpdating": false, "data": []}')
    outcomes = watch.watch_once(wh, inbox, **QUIET)
    assert {o.name: o.where for o in outcomes} == {good.name: "archive", "ghi_chu.txt": "rejected",
                                                   "rong.json": "rejected"}
    assert sorted(p.name for p in (inbox / "rejected").iterdir()) == [
        "ghi_chu.txt", "ghi_chu.txt.reason.txt", "rong.json", "rong.json.reason.txt"]
    assert "không nhận ra" in (inbox / "rejected" / "ghi_chu.txt.reason.txt").read_text(encoding="utf-8")
    assert "không có bản ghi" in (inbox / "rejected" / "rong.json.reason.txt").read_text(encoding="utf-8")
    assert [p.name for p in (inbox / "archive").iterdir()] == [good.name]
    assert watch.waiting(inbox) == []
    assert q(wh, "select dossier_id from raw_dossier") == [("G1",)]


def test_a_second_pass_loads_nothing_new(wh, tmp_path):
    inbox = tmp_path / "inbox"
    first = received(inbox, [rec("G1", "2025-03-03", "2025-03-10")], "20250303T100000000000")
    content = first.read_bytes()
    watch.watch_once(wh, inbox, **QUIET)
    version, logged = store.current_path(wh), q(wh, "select count(*) from load_log")
    # nothing waiting: no new version at all
    assert watch.watch_once(wh, inbox, **QUIET) == [] and store.current_path(wh) == version
    # the same content again (the sender repeated a batch; or a pass killed after publishing)
    again = inbox / "20250304T100000000000Z-1-000002-DongBoHoSoMC-abc.json"
    again.write_bytes(content)
    [outcome] = watch.watch_once(wh, inbox, **QUIET)
    assert (outcome.name, outcome.where) == (again.name, "archive")
    assert store.current_path(wh) == version and q(wh, "select count(*) from load_log") == logged
    note = (inbox / "archive" / f"{again.name}.note.txt").read_text(encoding="utf-8")
    assert "đã nạp trước đó" in note and first.name in note
    assert watch.waiting(inbox) == []


def test_arrival_order_decides_which_state_wins(wh, tmp_path):
    """The same dossier in two batches: the later arrival (by the time in its name, not by the order
    the files were written) is the state kept."""
    inbox = tmp_path / "inbox"
    received(inbox, [rec("G1", "2025-03-03", "2025-03-10", "2025-03-05")], "20250305T100000000000")
    received(inbox, [rec("G1", "2025-03-03", "2025-03-10")], "20250303T100000000000")
    # a vendor's export dropped in: ordered by its modification time, here between the two
    csv = write_text(inbox / "xuat_dem.csv", "MaHoSo,NgayTiepNhan,NgayHenTra,TrangThaiHoSo,KenhThucHien,"
                     f"MaDonViXuLy\nV1,03/03/2025 09:00:00,10/03/2025 09:00:00,4,1,{S}\n")
    stamp = calendar.timegm((2025, 3, 4, 10, 0, 0))  # 04/03/2025 10:00 UTC
    os.utime(csv, (stamp, stamp))
    assert [p.name[:8] for p in watch.waiting(inbox)] == ["20250303", "xuat_dem", "20250305"]
    outcomes = watch.watch_once(wh, inbox, **QUIET)
    assert [o.where for o in outcomes] == ["archive"] * 3
    # in progress (status 4) arrived first, finished (status 10) last: finished is kept
    assert q(wh, "select dossier_id, status from raw_dossier order by 1") == [("G1", 10), ("V1", 4)]


def test_one_pass_at_a_time_and_fresh_files_wait(wh, tmp_path):
    inbox = tmp_path / "inbox"
    batch = received(inbox, [rec("G1", "2025-03-03", "2025-03-10")], "20250303T100000000000")
    with open(inbox / watch.LOCK, "a+") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        assert watch.watch_once(wh, inbox, **QUIET) is None
    assert watch.waiting(inbox) == [batch]
    # a file written a moment ago (a vendor's copy may still be growing) waits for the next pass; the
    # moment is the file's own time, not the test's clock (a suite run under faketime moves the clock,
    # not the file system's times)
    moment_later = batch.stat().st_mtime + 1
    assert watch.watch_once(wh, inbox, settle=3600, now=moment_later, **QUIET) == []
    assert watch.waiting(inbox) == [batch]


def test_a_failed_pass_leaves_the_files_waiting(tmp_path):
    """The warehouse cannot be written (its folder is a file): the command fails, the files stay."""
    inbox, blocked = tmp_path / "inbox", tmp_path / "not_a_folder"
    blocked.write_text("x")
    batch = received(inbox, [rec("G1", "2025-03-03", "2025-03-10")], "20250303T100000000000")
    done = subprocess.run([sys.executable, "-m", "etl", "watch", "--inbox", str(inbox), "--warehouse",
                           str(blocked), "--settle", "0"], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 2 and "vẫn chờ" in done.stderr
    assert watch.waiting(inbox) == [batch] and not (inbox / "archive").exists()


def test_the_receivers_names_sort_by_arrival(tmp_path):
    box = receiver.Inbox(tmp_path / "inbox")
    names = [box.write("CapNhatTienDoHoSoMC", b'{"service": "CapNhatTienDoHoSoMC", "data": [{}]}')
             for _ in range(5)]
    assert [p.name for p in watch.waiting(box.folder)] == names
    assert all(watch.RECEIVED_NAME.match(n) for n in names)


def test_a_killed_pass_leaves_the_warehouse_and_the_files(wh, tmp_path):
    """`etl watch` killed (SIGKILL) in the middle of its load: the warehouse is the version it was and
    every file still waits; the next pass loads each once."""
    inbox = tmp_path / "inbox"
    for i in range(12):
        received(inbox, [rec(f"K{i:02d}-{j:03d}", "2025-03-03", "2025-03-10") for j in range(200)],
                 f"20250303T1000{i:02d}000000")
    version = store.current_path(wh)
    command = [sys.executable, "-m", "etl", "watch", "--inbox", str(inbox), "--warehouse", str(wh),
               "--settle", "0"]
    proc = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    building = wh / "builds"
    deadline = time.monotonic() + 60
    # kill it once its new version is being written (a `.building` file), before it is published
    while not any(p.suffix == ".building" for p in building.iterdir()) and time.monotonic() < deadline:
        time.sleep(0.02)
    proc.kill()
    proc.wait(10)
    proc.stderr.close()
    # publishing comes after the load of 12 files and every summary table: seconds after the kill
    assert store.current_path(wh) == version
    assert len(watch.waiting(inbox)) == 12 and not (inbox / "archive").exists()
    outcomes = watch.watch_once(wh, inbox, **QUIET)
    assert [o.where for o in outcomes] == ["archive"] * 12 and watch.waiting(inbox) == []
    assert q(wh, "select count(*), count(distinct dossier_id) from raw_dossier") == [(2400, 2400)]
    assert q(wh, "select count(*), count(distinct file_sha256) from load_log where kind = 'dossier'") == \
        [(12, 12)]
