"""Where the warehouse lives, how a new version is built, and how readers find the current one.

Layout of a warehouse directory:

    DIR/builds/<stamp>.duckdb   one immutable DuckDB file per build
    DIR/CURRENT                 the file name of the build readers use

DuckDB locks a file against writers while any process has it open, so we never write the file the
dashboard reads. A build writes `builds/<stamp>.building` and, only when it is complete and
checkpointed, renames it and replaces CURRENT atomically (os.replace). A killed build leaves a
`.building` file that no reader ever sees; the next build removes it.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb
import polars as pl

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DIR = REPO_ROOT / "data" / "warehouse"
POINTER = "CURRENT"
KEEP_BUILDS = 3


def warehouse_dir(arg: str | os.PathLike | None = None) -> Path:
    """--warehouse DIR, else $WAREHOUSE_DIR, else data/warehouse inside the checkout."""
    chosen = arg or os.environ.get("WAREHOUSE_DIR") or DEFAULT_DIR
    return Path(chosen).expanduser().resolve()


def current_path(directory: Path) -> Path | None:
    try:
        name = (directory / POINTER).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    path = directory / "builds" / name
    return path if name and path.exists() else None


def configure(con: duckdb.DuckDBPyConnection) -> None:
    memory = os.environ.get("WAREHOUSE_MEMORY_LIMIT", "4GB")
    threads = int(os.environ.get("WAREHOUSE_THREADS", str(min(4, os.cpu_count() or 2))))
    con.execute(f"set memory_limit = '{memory}'")
    con.execute(f"set threads = {threads}")
    con.execute("set TimeZone = 'Asia/Ho_Chi_Minh'")


def connect(path: Path, read_only: bool = True) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(path), read_only=read_only)
    configure(con)
    return con


def _write_pointer(directory: Path, name: str) -> None:
    tmp = directory / f".{POINTER}.{os.getpid()}.tmp"
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(name + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, directory / POINTER)
    with contextlib.suppress(OSError):  # make the rename durable where the platform allows
        dir_fd = os.open(directory, os.O_RDONLY)
        os.fsync(dir_fd)
        os.close(dir_fd)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _prune(directory: Path, keep: str) -> None:
    builds = directory / "builds"
    for stale in builds.glob("*.building*"):
        pid = stale.name.split(".")[0].rsplit("-", 1)[-1]
        if pid.isdigit() and not _pid_alive(int(pid)):
            stale.unlink(missing_ok=True)
    finished = sorted(builds.glob("*.duckdb"), key=lambda p: p.name)
    for old in finished[:-KEEP_BUILDS]:
        if old.name != keep:
            # readers may still hold it open; on POSIX the data stays until they close it
            with contextlib.suppress(OSError):
                old.unlink()
                Path(str(old) + ".wal").unlink(missing_ok=True)


@contextlib.contextmanager
def new_build(directory: Path, from_current: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    """A write connection to a fresh warehouse file; published only if the block succeeds.

    With `from_current`, the new file starts as a copy of the current build (a load adds to it).
    """
    builds = directory / "builds"
    builds.mkdir(parents=True, exist_ok=True)
    # one writer at a time: two builds started together would each publish a copy without the
    # other's changes. The kernel releases the lock if the process dies.
    with open(directory / ".write.lock", "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            with _build(directory, builds, from_current) as con:
                yield con
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


@contextlib.contextmanager
def _build(directory: Path, builds: Path, from_current: bool) -> Iterator[duckdb.DuckDBPyConnection]:
    stamp = time.strftime("%Y%m%dT%H%M%S") + f"{time.time() % 1:.6f}"[1:].replace(".", "_")
    work = builds / f"{stamp}-{os.getpid()}.building"
    base = current_path(directory) if from_current else None
    if base is not None:
        shutil.copyfile(base, work)
    con = connect(work, read_only=False)
    try:
        yield con
        con.execute("checkpoint")
        con.close()
    except BaseException:
        con.close()
        work.unlink(missing_ok=True)
        Path(str(work) + ".wal").unlink(missing_ok=True)
        raise
    final = builds / f"{stamp}.duckdb"
    os.replace(work, final)
    _write_pointer(directory, final.name)
    _prune(directory, keep=final.name)


def copy_current(source: Path, target: Path) -> Path:
    """A new warehouse directory `target` whose only version is a copy of `source`'s current one
    (benchmarks and tests that change a warehouse without touching the one they were given)."""
    current = current_path(source)
    if current is None:
        raise FileNotFoundError(f"no warehouse in {source}")
    (target / "builds").mkdir(parents=True)
    shutil.copyfile(current, target / "builds" / current.name)
    _write_pointer(target, current.name)
    return target


class Reader:
    """Read-only access to whichever build CURRENT names, reopened when it changes.

    Safe across Streamlit's session threads: each query takes its own cursor.
    """

    def __init__(self, directory: Path):
        self.directory = directory
        self._lock = threading.Lock()
        self._open: dict[Path, duckdb.DuckDBPyConnection] = {}

    @property
    def path(self) -> Path | None:
        return current_path(self.directory)

    def _connection(self) -> tuple[Path, duckdb.DuckDBPyConnection]:
        path = self.path
        if path is None:
            raise FileNotFoundError(f"Chưa có kho dữ liệu trong {self.directory}")
        with self._lock:
            con = self._open.get(path)
            if con is None:
                con = connect(path, read_only=True)
                self._open[path] = con
                # keep the previous build open a little longer for queries already running on it
                for stale in list(self._open)[:-2]:
                    with contextlib.suppress(Exception):
                        self._open.pop(stale).close()
            return path, con

    def query(self, sql: str, params: list | dict | None = None) -> pl.DataFrame:
        _, con = self._connection()
        cur = con.cursor()
        try:
            return cur.sql(sql, params=params).pl() if params else cur.sql(sql).pl()
        finally:
            cur.close()

    def close(self) -> None:
        with self._lock:
            for con in self._open.values():
                with contextlib.suppress(Exception):
                    con.close()
            self._open.clear()
