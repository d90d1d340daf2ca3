"""Time to build the demo warehouse, beside generating its dossiers alone.

    .venv/bin/python bench/bench_demo.py [--scale 1.0]

Issue 2's goal: scale 1 (about 1.45 million dossiers, January 2024 to November 2026) in under a
minute on a 2-core machine. Writes bench/results/demo.csv.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

import polars as pl

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from etl import demo  # noqa: E402
from etl import demo_reference as ref  # noqa: E402
from etl.build_demo import build_demo  # noqa: E402

AS_OF = dt.date(2026, 11, 23)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", type=float, default=1.0)
    args = ap.parse_args()
    t = time.perf_counter()
    frame = demo.generate_dossiers(ref.agencies(), seed=7, scale=args.scale, as_of=AS_OF)
    generate = time.perf_counter() - t
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        build_demo(Path(tmp), seed=7, scale=args.scale, as_of=AS_OF, progress=lambda m: None)
        whole = time.perf_counter() - t
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rows = [("generate dossiers (numpy, vectorised)", generate),
            ("whole demo build (units, dossiers, sql/)", whole)]
    print(f"dossiers: {frame.height:,}; cores: {os.cpu_count()}; peak memory: {peak_mb:,.0f} MB")
    for name, sec in rows:
        print(f"{name:<45} {sec:8.2f} s")
    print(f"target: scale 1 under 60 s -> {'MET' if whole < 60 else 'MISSED'}")
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    pl.DataFrame(rows, schema=["what", "seconds"], orient="row").write_csv(out / "demo.csv")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
