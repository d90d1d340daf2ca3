"""Builds are published atomically; a failed or killed build leaves the warehouse as it was."""

import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from tests.conftest import ROOT, dossier, make_warehouse
from warehouse import queries, store

ONE = [dossier("X1", "2025-03-03", "2025-03-10", "2025-03-07")]
TWO = ONE + [dossier("X2", "2025-03-04", "2025-03-10", "2025-03-12")]


def _count(reader) -> int:
    return reader.query("select count(*) n from fct_dossier")["n"][0]


def test_readers_move_to_a_new_build_while_the_old_one_stays_open(tmp_path):
    reader = make_warehouse(tmp_path, ONE)
    first = reader.path
    assert _count(reader) == 1
    make_warehouse(tmp_path, TWO)  # builds while `reader` holds the first file open
    assert reader.path != first
    assert _count(reader) == 2
    reader.close()


def test_a_failing_build_publishes_nothing(tmp_path):
    reader = make_warehouse(tmp_path, ONE)
    before = reader.path
    with pytest.raises(RuntimeError):
        with store.new_build(tmp_path) as con:
            con.execute("create table half_done as select 1")
            raise RuntimeError("boom")
    assert reader.path == before
    assert _count(reader) == 1
    assert not list((tmp_path / "builds").glob("*.building*"))
    reader.close()


def test_a_killed_build_leaves_the_warehouse_readable_and_unchanged(tmp_path):
    reader = make_warehouse(tmp_path, ONE)
    before = reader.path
    script = textwrap.dedent(f"""
        import sys, time
        sys.path.insert(0, {str(ROOT)!r})
        from warehouse import store, build
        with store.new_build(__import__('pathlib').Path({str(tmp_path)!r})) as con:
            build.create_schema(con)
            con.execute("create table big as select range x from range(3000000)")
            print("writing", flush=True)
            time.sleep(60)
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "writing"
    assert list((tmp_path / "builds").glob("*.building"))
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert reader.path == before
    assert _count(reader) == 1
    # the next build clears what the killed one left
    make_warehouse(tmp_path, TWO)
    assert not list((tmp_path / "builds").glob("*.building*"))
    assert _count(reader) == 2
    reader.close()


def test_old_builds_are_pruned(tmp_path):
    for _ in range(store.KEEP_BUILDS + 2):
        make_warehouse(tmp_path, ONE).close()
        time.sleep(0.01)
    assert len(list((tmp_path / "builds").glob("*.duckdb"))) == store.KEEP_BUILDS


def test_warehouse_dir_prefers_argument_then_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("WAREHOUSE_DIR", str(tmp_path / "env"))
    assert store.warehouse_dir(tmp_path / "arg") == (tmp_path / "arg").resolve()
    assert store.warehouse_dir() == (tmp_path / "env").resolve()
    monkeypatch.delenv("WAREHOUSE_DIR")
    assert store.warehouse_dir() == store.DEFAULT_DIR


def test_reader_reports_a_missing_warehouse_clearly(tmp_path):
    reader = store.Reader(tmp_path / "nothing")
    assert reader.path is None
    with pytest.raises(FileNotFoundError, match="Chưa có kho dữ liệu"):
        queries.meta(reader)
