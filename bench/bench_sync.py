"""A day's sync into a big warehouse: `etl load` publishing incrementally beside a full rebuild.

    .venv/bin/python bench/bench_sync.py --warehouse DIR [--records 2000] [--repeat 3] [--check]

DIR is a built warehouse (e.g. bench_scale.py --keep's w10M); it is never written: each run loads
into a fresh copy of its current version. The records are etl/demo_sync.py's simulated day after
the warehouse's data's date (half new dossiers, 5 % late corrections of dossiers finished in the
last 45 days, the rest open dossiers moving on, one bad record), the same file for every run.
Each run is `python -m etl load` in a child process (wall seconds, its own peak resident memory):
the incremental publish, and `--full` (every summary table recomputed, what each load did before
issue 16) as the reference, interleaved.
--check compares every table of sql/ after the last two runs (incremental vs full) row for row.
Prints a table and writes bench/results/sync.csv.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(1, str(ROOT / "bench"))

import duckdb  # noqa: E402
import polars as pl  # noqa: E402
from bench_common import run_child  # noqa: E402

from etl import demo_sync, sync_format  # noqa: E402
from warehouse import incremental, sql_order, store  # noqa: E402

# a late correction (an end date entered again) concerns a dossier finished in the last weeks
CORRECTED_WITHIN = 45


def prepared(source: Path, work: Path) -> Path:
    """The source itself when the current code built it, else a copy rebuilt whole by `etl build`
    (the first load after an upgrade does the same: an incremental publish needs tables made by the
    same SQL)."""
    con = store.connect(store.current_path(source))
    try:
        built_by = dict(con.sql("select key, value from meta").fetchall()).get(incremental.FINGERPRINT_KEY)
    finally:
        con.close()
    if built_by == incremental.fingerprint():
        return source
    target = store.copy_current(source, work / "source")
    seconds, peak = run_child(["etl", "build", "--warehouse", str(target)], work, "prepare")
    print(f"the warehouse was built by other code: rebuilt a copy whole first "
          f"({seconds:.0f} s, {peak:,.0f} MB)")
    return target


def sync_file(source: Path, records: int, path: Path) -> tuple[Path, dt.date]:
    con = store.connect(store.current_path(source))
    try:
        as_of = dt.date.fromisoformat(con.sql("select value from meta where key = 'as_of'").fetchall()[0][0])
        day = as_of + dt.timedelta(days=1)
        new = records // 2
        corrections = records // 20
        changes = records - new - corrections - 1
        rows = demo_sync.day_records(con, random.Random(16), day, "SYNC", changes=changes,
                                     corrections=corrections, new=new, corrected_within=CORRECTED_WITHIN)
    finally:
        con.close()
    return sync_format.write(rows, path), day


def differences(a: Path, b: Path) -> dict[str, tuple[int, int]]:
    tables = [f.creates[0] for f in sql_order.build_order() if f.layer in ("marts", "kpi", "seeds")
              and incremental.object_kind(f.path.read_text(encoding="utf-8")) == "table"]
    con = duckdb.connect()
    con.execute(f"attach '{a}' as a (read_only)")
    con.execute(f"attach '{b}' as b (read_only)")
    found = {}
    for t in tables:
        one, two = (con.sql(f"select count(*) from (select * from {x}.{t} except all select * from {y}.{t})")
                    .fetchall()[0][0] for x, y in (("a", "b"), ("b", "a")))
        if one or two:
            found[t] = (one, two)
    con.close()
    return found


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--warehouse", type=Path, required=True)
    ap.add_argument("--records", type=int, default=2000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--check", action="store_true", help="compare every table after the last runs")
    args = ap.parse_args()
    source = args.warehouse.resolve()
    work = Path(tempfile.mkdtemp(prefix="bench_sync_"))
    try:
        source = prepared(source, work)
        path, day = sync_file(source, args.records, work / "sync.json")
        print(f"{args.records} records of {day:%d/%m/%Y} into {store.current_path(source)}")
        runs: dict[str, list[tuple[float, float]]] = {"incremental": [], "full": []}
        last: dict[str, Path] = {}
        for n in range(args.repeat):
            for mode in ("incremental", "full"):
                target = store.copy_current(source, work / f"{mode}{n}")
                extra = ["--full"] if mode == "full" else []
                started = time.perf_counter()
                seconds, peak = run_child(["etl", "load", "--warehouse", str(target), str(path), *extra],
                                          work, f"{mode}{n}", ok_codes=(0, 1))
                runs[mode].append((seconds, peak))
                log = (work / f"{mode}{n}.log").read_text()
                how = "incremental" if "Cập nhật phần dữ liệu mới" in log else "full"
                print(f"  run {n + 1} {mode}: {seconds:.1f} s, peak {peak:,.0f} MB ({how}; "
                      f"{time.perf_counter() - started:.1f} s with the child's start)")
                if how != mode:
                    raise SystemExit(f"{mode} run published {how}:\n{log[-2000:]}")
                if mode in last:
                    shutil.rmtree(last[mode].parent.parent, ignore_errors=True)
                last[mode] = store.current_path(target)
        found = differences(last["incremental"], last["full"]) if args.check else None
    finally:
        shutil.rmtree(work, ignore_errors=True)
    rows = []
    print("\n| publish | median s | max s | peak MB (max) | × full |\n|---|---:|---:|---:|---:|")
    full_median = statistics.median(s for s, _ in runs["full"])
    for mode in ("incremental", "full"):
        secs = [s for s, _ in runs[mode]]
        peak = max(p for _, p in runs[mode])
        median = statistics.median(secs)
        print(f"| {mode} | {median:.1f} | {max(secs):.1f} | {peak:,.0f} | {median / full_median:.2f} |")
        rows += [{"mode": mode, "run": i + 1, "seconds": s, "peak_mb": p, "records": args.records}
                 for i, (s, p) in enumerate(runs[mode])]
    if found is not None:
        print("every table equal to the full rebuild" if not found else f"DIFFERENCES: {found}")
    out = ROOT / "bench" / "results" / "sync.csv"
    pl.DataFrame(rows).write_csv(out)
    print(f"written: {out}")
    return 1 if found else 0


if __name__ == "__main__":
    raise SystemExit(main())
