"""Build, page queries, yearly report and CSV load at 1, 10 and 30 million dossiers, in one run.

    .venv/bin/python bench/bench_scale.py [--sizes 1,10,30] [--repeat 7] [--keep DIR] [--skip-postgres]

Sizes are millions of dossiers (demo scale = millions / 1.447404, scale 1 being 1,447,404 dossiers).
For each size: (a) the demo build in a child process (seconds, peak memory); (b) every query the
pages run, recorded by running each page of the menu through AppTest over a grid of links (periods
a year and a month; province, district and commune level), then replayed straight on a Reader
(no Streamlit cache) in a child process: median and 95th percentile, and that process's peak
memory; (c) the yearly periodic report beside a bare DuckDB count per agency and the same report in
PostgreSQL (bench/pg_reference.py), whose numbers must equal ours. Once: (d) the 1-million-record
CSV load beside a bare read_csv (bench_load.py). Prints tables, writes bench/results/scale.csv.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import logging
import os
import pickle
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(1, str(ROOT / "bench"))   # bench_load, pg_reference, however this file is started

import polars as pl  # noqa: E402
from bench_common import run_child  # noqa: E402
from scale_report import describe, report  # noqa: E402

from warehouse import queries, store  # noqa: E402

DOSSIERS_AT_SCALE_1 = 1.447404  # millions
AS_OF = dt.date(2026, 11, 23)
PERIODS = {"year": ("year", "2025"), "month": ("month", "2025-03")}
REPORT_WINDOW = (dt.date(2025, 1, 1), dt.date(2025, 12, 31))
BARE_SCAN = "select agency_code, count(*) from fct_dossier group by 1"


# ----------------------------------------------------------------------------- (a) build

def build(directory: Path, scale: float, work: Path) -> tuple[float | None, float | None]:
    """The demo build as `python -m etl demo` runs it; a warehouse kept from an earlier run
    (--keep) at the same scale is reused and has no build figures."""
    if store.current_path(directory) is not None:
        reader = store.Reader(directory)
        kept = queries.meta(reader).get("scale")
        reader.close()
        if kept is not None and abs(float(kept) - scale) < 1e-9:
            return None, None
        raise SystemExit(f"{directory} holds a warehouse of scale {kept}, not {scale}: use another --keep")
    return run_child(["etl", "demo", "--warehouse", str(directory), "--scale", repr(scale),
                      "--as-of", AS_OF.isoformat()], work, f"build-{directory.name}")


# ----------------------------------------------------------------------------- (b) record the pages' queries

@dataclass
class Recorded:
    sql: str
    params: object
    function: str
    contexts: set = field(default_factory=set)   # (page, level, period) of every run that sent it

    @property
    def key(self) -> str:
        return hashlib.sha1(f"{self.sql}\0{self.params!r}".encode()).hexdigest()[:10]


def _querying_function() -> str:
    """The warehouse function the page called (and the helper inside it that sent the SQL)."""
    frame, names = sys._getframe(2), []
    while frame is not None:
        module = frame.f_globals.get("__name__", "")
        if module.startswith("warehouse.") and module != "warehouse.store":
            names.append(f"{module.removeprefix('warehouse.')}.{frame.f_code.co_name}")
        frame = frame.f_back
    if not names:
        return "(outside warehouse/)"
    outer, inner = names[-1], names[0]
    return outer if inner == outer else f"{outer} › {inner.rsplit('.', 1)[1]}"


def link_grid(reader: store.Reader) -> dict[str, list[tuple[str, dict]]]:
    """Per page of the menu, the (level, URL params) to open it with; the district, communes and
    agencies are the busiest of their kind in the warehouse. Pages not named here: the province."""
    busy = reader.query(
        """select a.agency_code, a.agency_level, a.unit_version, a.unit_code, count(*) as dossiers
           from fct_dossier join dim_agency as a using (agency_code) group by all order by dossiers desc""")

    def busiest(level: str, version: int | None = None) -> dict:
        rows = busy.filter(pl.col("agency_level") == level)
        if version is not None:
            rows = rows.filter(pl.col("unit_version") == version)
        return rows.row(0, named=True)

    district, commune, old_commune = busiest("district"), busiest("commune", 2), busiest("commune", 1)
    department = busiest("department")
    return {
        "xep_hang": [("province", {}), ("commune", {"nhom": "commune"})],
        "dia_ban": [("province", {}),
                    ("district", {"pb": "1", "cap": "district", "ma": district["unit_code"]}),
                    ("commune", {"pb": "2", "cap": "commune", "ma": commune["unit_code"]}),
                    ("commune (old)", {"pb": "1", "cap": "commune", "ma": old_commune["unit_code"]})],
        "co_quan": [("department", {"don_vi": department["agency_code"]}),
                    ("commune", {"don_vi": commune["agency_code"]}),
                    ("commune (old)", {"don_vi": old_commune["agency_code"]})],
        "tre_han": [("province", {}), ("department", {"nhom": "department"}),
                    ("commune", {"nhom": "commune", "don_vi": commune["agency_code"]}),
                    ("commune (old)", {"nhom": "commune_old", "don_vi": old_commune["agency_code"]})],
        "bao_cao": [("province", {"cap": cap}) for cap in ("agency", "unit", "field")],
        "trinh_chieu": [("province", {"trang": str(n)}) for n in range(1, 6)],
    }


def record_page_queries(directory: Path) -> list[Recorded]:
    """Every distinct (sql, params) the pages send, over the link grid and both periods, with
    Streamlit's cache cleared before each page run so that each run sends all of its queries."""
    logging.disable(logging.WARNING)                # Streamlit warns of "no runtime" on every run here
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from ui.bootstrap import NAV

    os.environ["WAREHOUSE_DIR"] = str(directory)
    os.chdir(ROOT)
    seen: dict[str, Recorded] = {}
    context: list[tuple] = [("", "", "")]
    original = store.Reader.query

    def recording_query(self, sql, params=None):
        item = Recorded(sql, params, _querying_function())
        seen.setdefault(item.key, item).contexts.add(context[0])
        return original(self, sql, params)

    reader = store.Reader(directory)
    grid = link_grid(reader)
    reader.close()
    store.Reader.query = recording_query            # this process only; store.py is untouched
    try:
        for script, _title, _icon, page in NAV:
            for level, params in grid.get(page, [("province", {})]):
                for period_name, (kind, key) in PERIODS.items():
                    context[0] = (page, level, period_name)
                    st.cache_data.clear()
                    at = AppTest.from_file(str(ROOT / script), default_timeout=600)
                    for k, v in (params | {"ky": kind, "ma_ky": key}).items():
                        at.query_params[k] = v
                    at.run()
                    if at.exception:
                        raise SystemExit(f"{page} {params}: {at.exception[0].value}")
                    for shown in [*at.error, *at.warning]:
                        print(f"    note: {page} {params} {key}: {shown.value[:110]}", file=sys.stderr)
    finally:
        store.Reader.query = original
        logging.disable(logging.NOTSET)
    return list(seen.values())


# ----------------------------------------------------------------------------- (b, c) replay, in a child

def serve_worker(job_file: Path) -> None:
    """Child process: replay the recorded queries and time the report beside the bare scan on one
    warehouse, straight on a Reader (no Streamlit). One warm-up run each, then `repeat` timed
    runs, interleaved so that a busy moment of the machine spreads over all of them."""
    job = pickle.loads(job_file.read_bytes())
    reader = store.Reader(Path(job["warehouse"]))
    sent = job["queries"]
    calls = {"ours": lambda: queries.report_for_range(reader, *REPORT_WINDOW),
             "bare": lambda: reader.query(BARE_SCAN)}
    for sql, params in sent:
        reader.query(sql, params)
    report = calls["ours"]()
    calls["bare"]()
    page_times = [[] for _ in sent]
    report_times = {name: [] for name in calls}
    for _ in range(job["repeat"]):
        for i, (sql, params) in enumerate(sent):
            t = time.perf_counter()
            reader.query(sql, params)
            page_times[i].append(time.perf_counter() - t)
        for name, call in calls.items():
            t = time.perf_counter()
            call()
            report_times[name].append(time.perf_counter() - t)
    dossiers = reader.query("select count(*) as n from fct_dossier")["n"][0]
    report.write_parquet(job["report_out"])
    result = {"pages": page_times, "report": report_times, "dossiers": dossiers, "file": str(reader.path)}
    Path(job["out"]).write_bytes(pickle.dumps(result))
    reader.close()


# ----------------------------------------------------------------------------- (c) PostgreSQL

def postgres_reference(warehouses: dict[float, dict], repeat: int, work: Path) -> None:
    import pg_reference as pg

    bin_path = pg.bin_dir()
    if bin_path is None:
        raise SystemExit("PostgreSQL not found (apt-get install -y postgresql, or set PG_BIN); "
                         "or run with --skip-postgres")
    eval_date = min(REPORT_WINDOW[1], AS_OF)
    sql = pg.report_sql(*REPORT_WINDOW, eval_date)
    with pg.Cluster(bin_path) as cluster:
        for size, w in warehouses.items():
            print(f"PostgreSQL: loading {w['dossiers']:,} dossiers…", file=sys.stderr, flush=True)
            w["pg_load_s"], _ = cluster.load_dossiers(Path(w["file"]), work)
            difference = pg.same_report(pl.read_parquet(w["report_file"]), cluster.frame(sql))
            if difference:
                raise SystemExit(f"PostgreSQL's report differs from ours at {size} M:\n{difference}")
            w["pg"] = cluster.time_query(sql, repeat)


# ----------------------------------------------------------------------------- output

def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1,10,30", help="millions of dossiers, comma separated")
    ap.add_argument("--repeat", type=int, default=7, help="timed runs per query and per report")
    ap.add_argument("--keep", type=Path, help="build (or reuse) the warehouses in DIR/w<size>M and keep them")
    ap.add_argument("--skip-postgres", action="store_true")
    ap.add_argument("--load-records", type=int, default=1_000_000, help="CSV load size; 0 skips it")
    ap.add_argument("--load-repeat", type=int, default=3)
    ap.add_argument("--out", default="scale.csv", help="file name under bench/results (a 100 M run apart)")
    ap.add_argument("--serve-worker", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.serve_worker:
        serve_worker(args.serve_worker)
        return 0
    sizes = sorted(float(s) for s in args.sizes.split(","))
    work = Path(tempfile.mkdtemp(prefix="bench_scale_"))   # logs, job files, CSV files; removed at the end
    home = args.keep.resolve() if args.keep else work
    try:
        rows = measure(args, sizes, work, home)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    out_dir = ROOT / "bench" / "results"
    out_dir.mkdir(parents=True, exist_ok=True)
    pl.DataFrame(rows, infer_schema_length=None).write_csv(out_dir / args.out)
    print(f"\nwritten: {out_dir / args.out}" + (f"; warehouses kept in {home}" if args.keep else ""))
    return 0


def measure(args, sizes: list[float], work: Path, home: Path) -> list[dict]:
    """Every measurement, printed; the rows of scale.csv."""
    warehouses: dict[float, dict] = {}

    for size in sizes:
        scale = size / DOSSIERS_AT_SCALE_1
        directory = home / f"w{size:g}M"
        print(f"(a) building {size:g} M dossiers (scale {scale:.4f}) in {directory}…", file=sys.stderr,
              flush=True)
        seconds, peak = build(directory, scale, work)
        warehouses[size] = {"dir": directory, "build_s": seconds, "build_mb": peak}

    print("(b) recording the pages' queries (AppTest over the link grid)…", file=sys.stderr, flush=True)
    recorded = record_page_queries(warehouses[sizes[0]]["dir"])
    recorded.sort(key=lambda q: (q.function, describe(q.contexts)[2], describe(q.contexts)[1], q.key))
    print(f"    {len(recorded)} distinct queries", file=sys.stderr)

    for size, w in warehouses.items():
        print(f"(b, c) replaying at {size:g} M…", file=sys.stderr, flush=True)
        job = work / f"serve-{size:g}.pickle"
        out = work / f"served-{size:g}.pickle"
        w["report_file"] = work / f"report-{size:g}.parquet"
        job.write_bytes(pickle.dumps({
            "warehouse": str(w["dir"]), "queries": [(q.sql, q.params) for q in recorded],
            "repeat": args.repeat, "out": str(out), "report_out": str(w["report_file"])}))
        _, w["serve_mb"] = run_child(["bench.bench_scale", "--serve-worker", str(job)], work,
                                     f"serve-{size:g}")
        w.update(pickle.loads(out.read_bytes()))

    if not args.skip_postgres:
        postgres_reference(warehouses, args.repeat, work)

    load = None
    if args.load_records:
        print(f"(d) CSV load of {args.load_records:,} records…", file=sys.stderr, flush=True)
        import bench_load

        csv_path = work / "export.csv"
        bench_load.make_export(csv_path, args.load_records)
        bare, ours = [], []
        for _ in range(args.load_repeat):
            bare.append(bench_load.bare_read_csv(csv_path, work))
            ours.append(bench_load.our_load_step(csv_path, work)[0])
        csv_path.unlink()
        load = (statistics.median(bare), statistics.median(ours))

    return report(sizes, warehouses, recorded, load, args, REPORT_WINDOW)


if __name__ == "__main__":
    raise SystemExit(main())
