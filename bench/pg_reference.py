"""The periodic report as a one-stop system's own database computes it: plain SQL in PostgreSQL.

Used by bench_scale.py as a reference. A throwaway cluster (initdb into a temporary folder, started
on a free localhost port, its unix socket in that folder, stopped and removed at the end) receives
the warehouse's fct_dossier rows through a CSV file, gets the indexes a one-stop system keeps on its
dossier table (agency, receipt date, end date) and fresh statistics, then runs the report as one
query. Driven with `psql`, so the bench needs no Python driver: Debian's `postgresql` package is
the only thing to install (`apt-get install -y postgresql`).
"""

from __future__ import annotations

import datetime as dt
import glob
import io
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import duckdb
import polars as pl

from warehouse.metrics import REPORT_COLUMNS

# the columns of fct_dossier a one-stop system keeps itself (the derived ones are the warehouse's work)
COLUMNS = {
    "dossier_id": "text", "agency_code": "text", "procedure_code": "text", "field_code": "text",
    "channel": "smallint", "status": "smallint", "received_date": "date", "due_date": "date",
    "end_date": "date", "supplement_count": "integer", "has_fee": "boolean", "paid_online": "boolean",
    "digitised": "boolean", "electronic_result": "boolean", "apology_issued": "boolean",
}
# a server set up for reporting, not the stock 128 MB; fsync off only speeds up the load
SETTINGS = {"shared_buffers": "2GB", "work_mem": "256MB", "fsync": "off", "synchronous_commit": "off",
            "full_page_writes": "off", "max_wal_size": "8GB", "listen_addresses": "127.0.0.1"}


def bin_dir() -> Path | None:
    """$PG_BIN, else the newest /usr/lib/postgresql/<version>/bin (Debian's layout)."""
    if os.environ.get("PG_BIN"):
        return Path(os.environ["PG_BIN"])
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    return Path(found[-1]).parent if found else None


def report_sql(date_from: dt.date, date_to: dt.date, eval_date: dt.date) -> str:
    """The periodic report per agency for a window, the rules of sql/macros/ (finished_class, ...) and
    sql/kpi/periodic_report.sql written out by hand (a dossier counts when received by the window's
    end and not finished before its start; in-progress ones are judged on eval_date)."""
    f, t, e = (f"date '{d.isoformat()}'" for d in (date_from, date_to, eval_date))
    return f"""
with in_window as (
    select agency_code, channel, received_date < {f} as carried,
           end_date is not null and end_date <= {t} as done,
           case when status = 7 then 'on_time' when due_date is null then 'on_time'
                when end_date < due_date then 'early' when end_date = due_date then 'on_time'
                else 'late' end as finished_class,
           case when due_date is null then 'not_due' when status in (5, 6, 8) then 'not_due'
                when due_date >= {e} then 'not_due' else 'overdue' end as open_class
    from fct_dossier
    where received_date <= {t} and (end_date is null or end_date >= {f})
)
select agency_code,
       count(*) filter (where carried) as carried_over,
       count(*) filter (where not carried) as received_new,
       count(*) filter (where not carried and channel = 2) as received_online,
       count(*) filter (where not carried and channel = 1) as received_direct,
       count(*) filter (where not carried and channel = 3) as received_postal,
       count(*) filter (where done) as finished,
       count(*) filter (where done and finished_class = 'early') as finished_early,
       count(*) filter (where done and finished_class = 'on_time') as finished_on_time,
       count(*) filter (where done and finished_class = 'late') as finished_late,
       count(*) filter (where not done) as in_progress,
       count(*) filter (where not done and open_class = 'not_due') as in_progress_not_due,
       count(*) filter (where not done and open_class = 'overdue') as in_progress_overdue
from in_window
group by agency_code
order by agency_code
""".strip()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    """A PostgreSQL server of our own for one bench run. As root, the server runs as `postgres`
    (PostgreSQL refuses root); psql, the client, runs as the caller and reads our CSV files."""

    def __init__(self, bin_path: Path):
        self.bin = bin_path
        self.dir = Path(tempfile.mkdtemp(prefix="bench_pg_"))
        self.dir.chmod(0o711)                      # the server user must reach its data folder
        self.data = self.dir / "data"
        self.port = _free_port()
        self.as_server = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    def __enter__(self) -> Cluster:
        self.data.mkdir()
        if self.as_server:
            shutil.chown(self.data, "postgres", "postgres")
            shutil.chown(self.dir, "postgres", "postgres")
        self._server("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                     "--locale=C.UTF-8")
        options = " ".join(f"-c {k}={v}" for k, v in SETTINGS.items())
        self._server("pg_ctl", "-D", str(self.data), "-l", str(self.dir / "server.log"), "-w",
                     "-o", f"{options} -p {self.port} -k {self.dir}", "start")
        return self

    def __exit__(self, *exc) -> None:
        subprocess.run([*self.as_server, str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w",
                        "stop"], capture_output=True, cwd=self.dir)
        shutil.rmtree(self.dir, ignore_errors=True)

    def _server(self, tool: str, *args: str) -> None:
        done = subprocess.run([*self.as_server, str(self.bin / tool), *args], capture_output=True, text=True,
                              cwd=self.dir)
        if done.returncode:
            raise RuntimeError(f"{tool} failed: {done.stderr or done.stdout}")

    def psql(self, script: str, *extra: str) -> str:
        done = subprocess.run(
            [str(self.bin / "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", str(self.dir),
             "-p", str(self.port), "-U", "postgres", "-d", "postgres", *extra],
            input=script, capture_output=True, text=True)
        if done.returncode:
            raise RuntimeError(f"psql failed: {done.stderr}")
        return done.stdout

    def load_dossiers(self, warehouse_file: Path, work: Path) -> tuple[float, int]:
        """fct_dossier of a warehouse build into table fct_dossier, indexed and analysed: seconds, rows."""
        csv_path = work / "fct_dossier.csv"
        con = duckdb.connect(str(warehouse_file), read_only=True)
        try:
            con.execute(f"copy (select {', '.join(COLUMNS)} from fct_dossier) "
                        f"to '{csv_path}' (format csv, header false)")
            rows = con.execute("select count(*) from fct_dossier").fetchone()[0]
        finally:
            con.close()
        started = time.perf_counter()
        columns = ", ".join(f"{name} {kind}" for name, kind in COLUMNS.items())
        self.psql(f"""
drop table if exists fct_dossier;
create table fct_dossier ({columns});
\\copy fct_dossier from '{csv_path}' with (format csv)
create index on fct_dossier (agency_code);
create index on fct_dossier (received_date);
create index on fct_dossier (end_date);
vacuum analyze fct_dossier;
""")
        seconds = time.perf_counter() - started
        csv_path.unlink()
        loaded = int(self.psql("select count(*) from fct_dossier", "-A", "-t").strip())
        if loaded != rows:
            raise RuntimeError(f"PostgreSQL holds {loaded:,} dossiers, the warehouse {rows:,}")
        return seconds, rows

    def time_query(self, sql: str, repeat: int) -> list[float]:
        """Seconds of each of `repeat` runs after one warm-up, as psql's \\timing reports them
        (the server's work and the ~250 result rows' trip to the client, output discarded)."""
        script = "\\timing on\n\\o /dev/null\n" + f"{sql};\n" * (repeat + 1)
        times = [float(ms) / 1000 for ms in re.findall(r"^Time: ([\d.]+) ms", self.psql(script), re.M)]
        if len(times) != repeat + 1:
            raise RuntimeError(f"expected {repeat + 1} timings from psql, got {len(times)}")
        return times[1:]

    def frame(self, sql: str) -> pl.DataFrame:
        out = self.psql("", "--csv", "-c", sql)
        return pl.read_csv(io.StringIO(out), schema_overrides={"agency_code": pl.String})


def same_report(ours: pl.DataFrame, theirs: pl.DataFrame) -> str | None:
    """None when both reports give the same counts for every agency with dossiers, else what differs.
    Ours also lists agencies that existed in the window without a dossier (all zero): left out."""
    cols = ["agency_code", *REPORT_COLUMNS]
    ours = ours.select(cols).with_columns(pl.col(REPORT_COLUMNS).cast(pl.Int64))
    ours = ours.filter(pl.sum_horizontal(REPORT_COLUMNS) > 0).sort("agency_code")
    theirs = theirs.select(cols).with_columns(pl.col(REPORT_COLUMNS).cast(pl.Int64)).sort("agency_code")
    if ours.equals(theirs):
        return None
    diff = ours.join(theirs, on="agency_code", how="full", suffix="_pg", coalesce=True)
    bad = diff.filter(pl.any_horizontal(pl.col(c).ne_missing(pl.col(f"{c}_pg")) for c in REPORT_COLUMNS))
    return f"{bad.height} agencies differ, e.g.\n{bad.head(5)}"
