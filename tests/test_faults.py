"""A load killed at random points, many times: the warehouse always opens and holds exactly the state
before or after that load, never a part of it.

Each round writes a new small export (a few thousand dossiers, three of them rejected) and starts a
real `python -m etl load` on it, then SIGKILLs it after a random delay drawn over the length of a
normal load (measured first) and a little beyond, so that kills land in start-up, the copy of the
current version, the parse, the merge, the summary tables, the checkpoint and the switch, and some
loads finish. After each round the state is read through store.Reader and compared with the one
before: unchanged (same CURRENT, same content), or exactly that load added (checked against what the
export holds, worked out here, not taken from the loader). The single-kill test in tests/test_load_atomic.py
checks one kill in the middle of a large file; this one spreads them over the whole command.
"""

from __future__ import annotations

import collections
import csv
import datetime as dt
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from etl.load import load_files
from tests.conftest import ROOT
from warehouse import queries, store

ROUNDS = 50
RECORDS = 2000                       # good dossiers per export
SEED = int(os.environ.get("FAULT_SEED", "20261123"))
S, H = "000.00.01.H22", "000.00.21.H22"
HEADER = ["MaHoSo", "MaTTHC", "TenTTHC", "NgayTiepNhan", "NgayHenTra", "NgayKetThucXuLy", "TrangThaiHoSo",
          "KenhThucHien", "MaDonViXuLy"]
# what each round's three rejected records are, and the field the quarantine must name
BAD = {"BAD1": "TrangThaiHoSo", "BAD2": "KenhThucHien", "BAD3": "NgayTiepNhan"}
TABLES = ("raw_dossier", "raw_dossier_history", "quarantine", "load_log", "ref_agency", "ref_procedure")
YEAR = (dt.date(2025, 1, 1), dt.date(2025, 12, 31))


def export_rows(tag: str, n: int) -> tuple[list[list[str]], dict[str, tuple]]:
    """n good dossiers of March 2025 and three bad ones; returns the CSV rows and, per good dossier,
    (status, channel, agency, received, finished) as the warehouse must hold it."""
    rows, expected = [], {}
    for j in range(n):
        day = j % 28 + 1
        dossier_id = f"{tag}-{j:05d}"
        received = dt.datetime(2025, 3, day, 8, 0)
        finished = dt.datetime(2025, 3, day, 15, 0) if j % 2 else None      # odd ones finished the same day
        status, channel, agency = (10 if finished else 4), j % 3 + 1, (S if j % 4 < 2 else H)
        rows.append([dossier_id, "1.001230", "Cấp phiếu lý lịch tư pháp", received.strftime("%d/%m/%Y %H:%M"),
                     f"{day:02d}/04/2025", finished.strftime("%d/%m/%Y %H:%M") if finished else "",
                     str(status), str(channel), agency])
        expected[dossier_id] = (status, channel, agency, received, finished)
    rows.append([f"{tag}-BAD1", "1.001230", "", "03/03/2025 08:00", "", "", "42", "1", S])     # no status 42
    rows.append([f"{tag}-BAD2", "1.001230", "", "03/03/2025 08:00", "", "", "4", "9", S])      # no channel 9
    rows.append([f"{tag}-BAD3", "1.001230", "", "31/02/2025 08:00", "", "", "4", "1", S])      # 31 February
    return rows, expected


def write_export(path: Path, tag: str, n: int = RECORDS) -> dict[str, tuple]:
    rows, expected = export_rows(tag, n)
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return expected


def table_sums(reader: store.Reader, table: str, where: str = "true", params: list | None = None) -> tuple:
    """(rows, order-free hash of every row's every column) of a table."""
    frame = reader.query(f"select count(*) as n, coalesce(sum(hash(t)::hugeint), 0)::varchar as h "
                         f"from {table} as t where {where}", params)
    return frame.row(0)


def counted(reader: store.Reader) -> int:
    """Dossiers received in 2025 by the periodic report (the summary tables the pages read)."""
    return int(queries.report_for_range(reader, *YEAR)["received_new"].sum())


def fingerprint(reader: store.Reader) -> dict:
    return {"build": reader.path.name, **{t: table_sums(reader, t) for t in TABLES},
            "counted": counted(reader)}


def assert_whole_load(reader: store.Reader, before: dict, path: Path, tag: str, expected: dict) -> None:
    """The state is `before` plus exactly this export: its good dossiers with their values, its three
    rejects in quarantine, one line in the load log, the summary tables recomputed; nothing else moved."""
    like = [f"{tag}-%"]
    rows = reader.query("select dossier_id, status, channel, agency_code, received_at, finished_at "
                        "from raw_dossier where dossier_id like ?", like).rows()
    assert {r[0]: tuple(r[1:]) for r in rows} == expected
    assert table_sums(reader, "raw_dossier", "dossier_id not like ?", like) == before["raw_dossier"]
    assert (table_sums(reader, "raw_dossier_history", "dossier_id not like ?", like)
            == before["raw_dossier_history"])
    assert table_sums(reader, "raw_dossier_history", "dossier_id like ?", like)[0] == len(expected)
    mine = [str(path)]
    rejected = reader.query("select record_key, field from quarantine where source_file = ?", mine).rows()
    assert sorted(rejected) == sorted((f"{tag}-{k}", field) for k, field in BAD.items())
    assert table_sums(reader, "quarantine", "source_file <> ?", mine) == before["quarantine"]
    assert table_sums(reader, "load_log", "source <> ?", mine) == before["load_log"]
    assert reader.query("select rows_read, rows_loaded, rows_rejected, status from load_log where source = ?",
                        mine).rows() == [(len(expected) + len(BAD), len(expected), len(BAD), "partial")]
    assert counted(reader) == before["counted"] + len(expected)


def building_files(directory: Path) -> list[Path]:
    return sorted((directory / "builds").glob("*.building*"))


def run_load(directory: Path, path: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "etl", "load", str(path), "--warehouse", str(directory)],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def test_a_load_killed_at_random_points_leaves_the_state_before_or_after_it(tmp_path):
    directory = tmp_path / "wh"
    load_files(directory, [], progress=lambda m: None)            # the official units only
    app_reader = store.Reader(directory)                           # one reader across rounds, as the app's
    rng = random.Random(SEED)

    # a normal load first: how long the command takes, and the first "after" state
    first = tmp_path / "round00.csv"
    expected = write_export(first, "K00")
    before = fingerprint(app_reader)
    started = time.perf_counter()
    proc = run_load(directory, first)
    assert proc.wait(timeout=120) == 1                             # three records rejected
    duration = time.perf_counter() - started
    assert_whole_load(app_reader, before, first, "K00", expected)

    outcomes: collections.Counter = collections.Counter()
    delays = {"before": [], "after": []}
    leftovers = 0
    for i in range(1, ROUNDS + 1):
        tag = f"K{i:02d}"
        path = tmp_path / f"round{i:02d}.csv"
        expected = write_export(path, tag)
        before = fingerprint(app_reader)
        delay = rng.uniform(0, 1.2 * duration)
        proc = run_load(directory, path)
        time.sleep(delay)
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
        code = proc.wait(timeout=120)
        killed = code == -signal.SIGKILL          # it may have finished between the poll and the kill
        assert killed or code == 1, (i, code)

        # a reader opened now, and the one the app kept open, both see one whole state
        fresh = store.Reader(directory)
        try:
            now = fingerprint(fresh)
            assert fingerprint(app_reader) == now
            if now["build"] == before["build"]:
                assert now == before, f"round {i}: CURRENT unchanged but the content moved"
                outcome = "before"
            else:
                assert_whole_load(fresh, before, path, tag, expected)
                outcome = "after"
            assert killed or outcome == "after", f"round {i}: the load finished but its state is missing"
        finally:
            fresh.close()
        outcomes[(outcome, "killed" if killed else "finished")] += 1
        delays[outcome].append(delay)
        leftovers = max(leftovers, len(building_files(directory)))

    # the next load clears what the killed ones left behind, and loads as usual
    last = tmp_path / "final.csv"
    expected = write_export(last, "KZZ", 100)
    before = fingerprint(app_reader)
    assert run_load(directory, last).wait(timeout=120) == 1
    assert_whole_load(app_reader, before, last, "KZZ", expected)
    assert building_files(directory) == []
    assert len(list((directory / "builds").glob("*.duckdb"))) <= store.KEEP_BUILDS
    app_reader.close()

    killed_before = outcomes[("before", "killed")]
    killed_after = outcomes[("after", "killed")]
    print(f"\nkill rounds: {ROUNDS} (seed {SEED}); a normal load took {duration:.2f} s, delays drawn in "
          f"[0, {1.2 * duration:.2f}] s; state before the load: {killed_before} killed; state after it: "
          f"{killed_after} killed (after the switch), {outcomes[('after', 'finished')]} finished before the "
          f"kill; most .building files left at once: {leftovers}; "
          f"latest kill that left the state before: {max(delays['before'], default=0):.2f} s, "
          f"earliest kill that found it after: {min(delays['after'], default=0):.2f} s")
    assert sum(outcomes.values()) == ROUNDS
    # the rounds must really have hit the load in the middle: most kills before the switch
    assert killed_before >= ROUNDS // 3, outcomes
