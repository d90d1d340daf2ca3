"""What the benchmarks share: a child process measured to its end (seconds and its own peak memory),
the nearest-rank 95th percentile, and milliseconds as the tables print them."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

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


def p95(values: list[float]) -> float:
    """Nearest-rank 95th percentile (with 7 runs: the slowest)."""
    ordered = sorted(values)
    return ordered[max(0, -(-95 * len(ordered) // 100) - 1)]


def fmt_ms(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    return f"{seconds * 1000:,.0f}" if seconds >= 0.0995 else f"{seconds * 1000:.1f}"
