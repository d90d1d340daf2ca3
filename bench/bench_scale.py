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
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(1, str(ROOT / "bench"))   # bench_load, pg_reference, however this file is started

import polars as pl  # noqa: E402

from warehouse import queries, store  # noqa: E402

DOSSIERS_AT_SCALE_1 = 1.447404  # millions
AS_OF = dt.date(2026, 11, 23)
PERIODS = {"year": ("year", "2025"), "month": ("month", "2025-03")}
REPORT_WINDOW = (dt.date(2025, 1, 1), dt.date(2025, 12, 31))
BARE_SCAN = "select agency_code, count(*) from fct_dossier group by 1"
PAGE_QUERY_P95_MS = 200


# ----------------------------------------------------------------------------- (a) build

# Runs `python -m MODULE ARGS` and, however it ends, writes the process's peak resident memory
# (VmHWM, kB) to a file. Not the rusage of the child: on Linux a child's ru_maxrss starts at its
# parent's size when it was forked, and this parent holds Streamlit and the page runs.
PEAK_OF_MODULE = """
import runpy, sys
out, sys.argv = sys.argv[1], sys.argv[2:]
try:
    runpy.run_module(sys.argv[0], run_name="__main__", alter_sys=True)
finally:
    with open("/proc/self/status") as status, open(out, "w") as peak:
        peak.write(next(line for line in status if line.startswith("VmHWM")).split()[1])
"""


def run_child(module_and_args: list[str], work: Path, name: str, ok_codes=(0,)) -> tuple[float, float]:
    """`python -m MODULE ARGS` to the end, from the checkout: (seconds, peak resident memory in MB).
    ok_codes: the exit codes that are not a failure (`etl load` says 1 when it quarantined records)."""
    log, peak = work / f"{name}.log", work / f"{name}.peak"
    started = time.perf_counter()
    with open(log, "w") as out:
        done = subprocess.run([sys.executable, "-c", PEAK_OF_MODULE, str(peak), *module_and_args],
                              stdout=out, stderr=subprocess.STDOUT, cwd=ROOT)
    seconds = time.perf_counter() - started
    if done.returncode not in ok_codes:
        raise SystemExit(f"python -m {' '.join(module_and_args)} failed ({done.returncode}):\n"
                         f"{log.read_text()[-3000:]}")
    return seconds, int(peak.read_text()) / 1024


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


def describe(contexts: set) -> tuple[str, str, str]:
    """Pages, levels and periods a query was sent for, in short."""
    def join(values: set, noun: str, everything: int | None = None) -> str:
        if everything and len(values) >= everything:
            return "all"
        return "/".join(sorted(values)) if len(values) <= 2 else f"{len(values)} {noun}"
    pages = {c[0] for c in contexts}
    return (join(pages, "pages", 9), join({c[1] for c in contexts}, "levels"),
            join({c[2] for c in contexts}, "periods"))


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


def p95(values: list[float]) -> float:
    """Nearest-rank 95th percentile (with 7 runs: the slowest)."""
    ordered = sorted(values)
    return ordered[max(0, -(-95 * len(ordered) // 100) - 1)]


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

def fmt_ms(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    return f"{seconds * 1000:,.0f}" if seconds >= 0.0995 else f"{seconds * 1000:.1f}"


def verdict(ok: bool | None) -> str:
    return "n/a" if ok is None else "MET" if ok else "MISSED"


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

    return report(sizes, warehouses, recorded, load, args)


def short_params(params) -> str:
    """The arguments of a query in a few characters, to tell apart rows of the same function."""
    values = params.values() if isinstance(params, dict) else params or []
    def one(v) -> str:
        return "·" if v is None else v.isoformat() if isinstance(v, dt.date) else str(v)
    return ",".join(one(v) for v in values)


def ms_pair(times: list[float]) -> str:
    return f"{fmt_ms(statistics.median(times))} / {fmt_ms(p95(times))}"


def report(sizes, warehouses, recorded, load, args) -> list[dict]:
    """Print every table; return the rows of scale.csv."""
    rows: list[dict] = []
    head = "".join(f"{f'{s:g} M':>20}" for s in sizes)
    print(f"\nMachine: {os.cpu_count()} cores; DuckDB threads as the app sets them; {args.repeat} timed runs "
          "after one warm-up; times in ms unless said.")

    print("\n(a) Demo build (python -m etl demo, child process); serve = the replay process below")
    print(f"{'size':>8} {'dossiers':>12} {'seconds':>9} {'peak MB':>9} {'serve peak MB':>14}")
    for size in sizes:
        w = warehouses[size]
        built = (f"{'—':>9} {'—':>9}" if w["build_s"] is None
                 else f"{w['build_s']:>9.1f} {w['build_mb']:>9,.0f}")
        print(f"{size:>7g}M {w['dossiers']:>12,} {built} {w['serve_mb']:>14,.0f}"
              + ("   (kept warehouse: not rebuilt)" if w["build_s"] is None else ""))
        common = {"size_millions": size, "dossiers": w["dossiers"]}
        rows.append(common | {"section": "build", "item": "demo build", "seconds": w["build_s"],
                              "peak_mb": w["build_mb"]})
        rows.append(common | {"section": "serve", "item": "replay of page queries and reports",
                              "peak_mb": w["serve_mb"]})

    print("\n(b) Page queries, replayed on a Reader without Streamlit's cache: median / p95 ms")
    print(f"{'#':>3} {'query function':<44} {'period':<10} {'level':<16} {'pages':<22} "
          f"{'arguments':<24}{head}")
    worst: dict[tuple[str, float], tuple[float, int]] = {}
    for i, q in enumerate(recorded, 1):
        pages, levels, periods = describe(q.contexts)
        cells = ""
        for size in sizes:
            times = warehouses[size]["pages"][i - 1]
            cells += f"{ms_pair(times):>20}"
            for page in {c[0] for c in q.contexts}:
                if p95(times) > worst.get((page, size), (-1.0, 0))[0]:
                    worst[(page, size)] = (p95(times), i)
            rows.append({"section": "page_query", "size_millions": size,
                         "dossiers": warehouses[size]["dossiers"], "item": f"#{i} {q.function}",
                         "query_id": q.key, "page": pages, "level": levels, "period": periods,
                         "median_ms": round(statistics.median(times) * 1000, 2),
                         "p95_ms": round(p95(times) * 1000, 2), "params": repr(q.params)})
        print(f"{i:>3} {q.function[:44]:<44} {periods[:10]:<10} {levels[:16]:<16} {pages[:22]:<22} "
              f"{short_params(q.params)[:24]:<24}{cells}")

    print("\n    Worst p95 per page, ms (and its query #)")
    print(f"    {'page':<14}{head}")
    for page in sorted({p for p, _ in worst}):
        cells = ""
        for size in sizes:
            top, i = worst[(page, size)]
            cells += f"{fmt_ms(top) + f' (#{i})':>20}"
            rows.append({"section": "page_worst_p95", "size_millions": size, "page": page, "item": f"#{i}",
                         "p95_ms": round(top * 1000, 2)})
        print(f"    {page:<14}{cells}")

    window = f"{REPORT_WINDOW[0]:%d/%m/%Y}–{REPORT_WINDOW[1]:%d/%m/%Y}"
    print(f"\n(c) Yearly periodic report {window}: median / p95 ms")
    print(f"    {'what':<58}{head}")
    lines = {"ours": "ours: queries.report_for_range, per agency",
             "bare": "floor: bare DuckDB count(*) per agency of fct_dossier",
             "pg": "PostgreSQL: the report as one plain SQL query"}
    for name, label in lines.items():
        cells = ""
        for size in sizes:
            w = warehouses[size]
            times = w.get("pg") if name == "pg" else w["report"][name]
            cells += f"{ms_pair(times) if times else 'skipped':>20}"
            if times:
                rows.append({"section": "report", "size_millions": size, "dossiers": w["dossiers"],
                             "item": label, "median_ms": round(statistics.median(times) * 1000, 2),
                             "p95_ms": round(p95(times) * 1000, 2)})
        print(f"    {label:<58}{cells}")
    ratios = (("bare", "ours / bare scan (×, medians)"), ("pg", "PostgreSQL / ours (×, medians)"))
    for name, label in ratios:
        cells = ""
        for size in sizes:
            w = warehouses[size]
            ours = statistics.median(w["report"]["ours"])
            if name == "bare":
                ratio = ours / statistics.median(w["report"]["bare"])
            else:
                ratio = statistics.median(w["pg"]) / ours if w.get("pg") else None
            w[f"ratio_{name}"] = ratio
            cells += f"{'—' if ratio is None else f'{ratio:.1f}':>20}"
            rows.append({"section": "report_ratio", "size_millions": size, "item": label, "ratio": ratio})
        print(f"    {label:<58}{cells}")
    if not args.skip_postgres:
        label = "PostgreSQL load: \\copy, 3 indexes, vacuum analyze (s)"
        print(f"    {label:<58}" + "".join(f"{warehouses[s]['pg_load_s']:>20.1f}" for s in sizes))
        print("    PostgreSQL's report equals ours, agency by agency, at every size (checked).")

    if load:
        bare, ours = load
        print(f"\n(d) CSV load of {args.load_records:,} records (median of {args.load_repeat}): "
              f"bare read_csv {bare:.2f} s, our load step {ours:.2f} s, {ours / bare:.2f}×")
        rows.append({"section": "csv_load", "item": "bare DuckDB read_csv (reference)", "seconds": bare,
                     "ratio": 1.0})
        rows.append({"section": "csv_load", "item": "our load step", "seconds": ours, "ratio": ours / bare})

    print_targets(warehouses, worst, load, args)
    return rows


def print_targets(warehouses, worst, load, args) -> None:
    at_10, at_30 = warehouses.get(10.0), warehouses.get(30.0)
    page_ok = report_ok = pg_ok = memory_ok = load_ok = None
    if at_10 is not None:
        page_ok = all(top * 1000 < PAGE_QUERY_P95_MS for (_, size), (top, _) in worst.items() if size == 10.0)
        report_ok = at_10["ratio_bare"] <= 3
        pg_ok = None if at_10["ratio_pg"] is None else at_10["ratio_pg"] >= 20
    if at_30 is not None and at_30["build_mb"] is not None:
        memory_ok = max(at_30["build_mb"], at_30["serve_mb"]) <= 8192
    if load and args.load_records == 1_000_000:
        load_ok = load[1] / load[0] <= 3
    print("\nTargets (judged at 10 M and 30 M; n/a when this run has no such size)")
    print(f"  every page query at 10 M: p95 < {PAGE_QUERY_P95_MS} ms -> {verdict(page_ok)}")
    print(f"  yearly report at 10 M within 3× of the bare scan -> {verdict(report_ok)}")
    print(f"  yearly report at 10 M at least 20× faster than PostgreSQL -> {verdict(pg_ok)}")
    print(f"  30 M: build and serve within 8 GB -> {verdict(memory_ok)}")
    print(f"  1M-record CSV load within 3× of bare read_csv -> {verdict(load_ok)}")


if __name__ == "__main__":
    raise SystemExit(main())
