"""`python -m etl load` is all or nothing: a load killed half-way leaves the published warehouse
unchanged and readable, and two loads at once both arrive.

Every input file is written by the test itself into tmp_path. Shared writers and readers:
tests/load_helpers.py.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import polars as pl

from tests.conftest import ROOT
from tests.load_helpers import MARCH, S, _snapshot, cli, load, q, rec, write_envelope
from warehouse import store


def _big_csv(path: Path, n: int) -> Path:
    """n dossiers of agency S received in March 2025; the first one appears again at the very end
    with a later state (finished), so the later-wins rule is checked on a file read in parallel."""
    i = pl.col("i")
    frame = pl.DataFrame({"i": pl.int_range(0, n, eager=True)}).select(
        pl.format("BIG{}", i).alias("MaHoSo"),
        pl.format("{}/03/2025 08:00", (i % 28 + 1).cast(pl.String).str.zfill(2)).alias("NgayTiepNhan"),
        pl.lit("4").alias("TrangThaiHoSo"),
        (i % 3 + 1).cast(pl.String).alias("KenhThucHien"),
        pl.lit(S).alias("MaDonViXuLy"),
        pl.lit(None, dtype=pl.String).alias("NgayKetThucXuLy"),
    )
    last = pl.DataFrame({"MaHoSo": ["BIG0"], "NgayTiepNhan": ["01/03/2025 08:00"], "TrangThaiHoSo": ["10"],
                         "KenhThucHien": ["1"], "MaDonViXuLy": [S], "NgayKetThucXuLy": ["20/03/2025"]})
    pl.concat([frame, last]).write_csv(path)
    return path


def test_a_killed_load_leaves_the_warehouse_unchanged_and_readable(wh, tmp_path):
    load(wh, write_envelope(tmp_path / "march.json", MARCH))
    before_path = store.current_path(wh)
    before = _snapshot(wh)
    big = _big_csv(tmp_path / "big.csv", 600_000)
    proc = subprocess.Popen([sys.executable, "-m", "etl", "load", str(big), "--warehouse", str(wh)], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while not list((wh / "builds").glob("*.building")):
            assert proc.poll() is None, "the load ended before it could be killed"
            assert time.monotonic() < deadline
            time.sleep(0.005)
        time.sleep(0.4)                     # into the reading and merging of the file
        assert proc.poll() is None, "the load ended before it could be killed"
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
    assert list((wh / "builds").glob("*.building"))        # the half-written copy is left behind...
    assert store.current_path(wh) == before_path            # ...but never published
    assert _snapshot(wh) == before
    # the next load clears the leftover and works; on the big file the last record of BIG0 wins
    results = load(wh, big)
    assert (results[0].loaded, results[0].rejected) == (600_001, 0)
    assert not list((wh / "builds").glob("*.building*"))
    assert q(wh, "select status, finished_at, source_row from raw_dossier where dossier_id = 'BIG0'") == \
        [(10, dt.datetime(2025, 3, 20), 600_002)]        # header row 1, 600,000 rows, then row 600,002
    assert q(wh, "select count(*) from raw_dossier") == [(17 + 600_000,)]


def test_two_loads_at_once_both_arrive(wh, tmp_path):
    """Each load publishes a copy of the warehouse it started from: the second must start from the
    first one's result, not from the version both saw at the start."""
    first = _big_csv(tmp_path / "first.csv", 200_000)
    second = write_envelope(tmp_path / "second.json", [rec("SECOND1", "2025-03-03")])
    proc = subprocess.Popen([sys.executable, "-m", "etl", "load", str(first), "--warehouse", str(wh)],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while not list((wh / "builds").glob("*.building")):
            assert proc.poll() is None, "the first load ended too soon"
            time.sleep(0.005)
        out = cli("load", second, "--warehouse", wh)      # starts while the first is still building
        assert out.returncode == 0, out.stderr
    finally:
        proc.wait()
    assert proc.returncode == 0
    assert q(wh, "select count(*) filter (where dossier_id like 'BIG%'), "
                 "count(*) filter (where dossier_id = 'SECOND1') from raw_dossier") == [(200_000, 1)]
