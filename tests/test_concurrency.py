"""Reloads while many readers query: no reader ever errs or sees a half-published warehouse.

24 reader threads query through the data-access layer as the app does (16 share one store.Reader,
as Streamlit's sessions share ui/data.py's cached one, a cursor per query; 8 have a Reader each),
looping over page queries of warehouse/queries*.py, while `python -m etl load` publishes three new
versions and `python -m etl build` one more. The warehouse only ever holds one of four known states,
each with a province total of dossiers worked out from the exports (3,000, then +1,000, +1,500, +700):
every answer of every query must be one of them, the same statement's tables must agree with each
other, and a reader never goes back to an older state once it has seen a newer one.
"""

from __future__ import annotations

import collections
import subprocess
import sys
import threading
import time
import traceback

from etl.load import load_files
from tests.conftest import ROOT
from tests.test_faults import YEAR, write_export
from warehouse import queries, queries_report, queries_units, store

SHARED_READERS = 16
OWN_READERS = 8
BATCHES = [3000, 1000, 1500, 700]          # dossiers of the first load, then of each reload
TOTALS = [sum(BATCHES[:k + 1]) for k in range(len(BATCHES))]     # 3000, 4000, 5500, 6200


def page_queries(year_key: str) -> dict:
    """name -> function of a reader giving the province's dossiers received in 2025."""
    def counts(r) -> int:
        row = queries.warehouse_counts(r).row(0, named=True)
        # raw and counted dossiers come from one statement, so from one build: they must agree
        assert row["dossiers"] == row["counted_dossiers"], row
        return row["dossiers"]

    return {
        # two statements (does the daily table exist and is it exact?) and then the report
        "report_for_range": lambda r: int(queries.report_for_range(r, *YEAR)["received_new"].sum()),
        "province_summary": lambda r: int(queries.province_summary(r, "year", year_key)["received_new"][0]),
        "province_trend": lambda r: int(queries.province_trend(r, "month")["received_new"].sum()),
        "agency_report":
            lambda r: int(queries_report.agency_report(r, "year", year_key)["received_new"].sum()),
        "field_report": lambda r: int(queries_units.field_report(r, "year", year_key)["received_new"].sum()),
        "warehouse_counts": counts,
    }


def cli(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "etl", *map(str, args)], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)


def test_reloads_under_24_concurrent_readers(tmp_path):
    directory = tmp_path / "wh"
    exports = []
    for k, n in enumerate(BATCHES):
        path = tmp_path / f"batch{k}.csv"
        write_export(path, f"C{k}", n)
        exports.append(path)
    load_files(directory, exports[:1], progress=lambda m: None)

    shared = store.Reader(directory)
    years = queries.periods(shared, "year")
    year_key = years.filter(years["year"] == 2025)["period_key"][0]
    named = page_queries(year_key)
    # every query agrees with the hand count on the first state, or the test would prove nothing
    assert {name: fn(shared) for name, fn in named.items()} == {name: TOTALS[0] for name in named}

    stop = threading.Event()
    errors: list[str] = []
    seen: dict[int, list[tuple[str, int]]] = collections.defaultdict(list)   # thread -> (query, state)
    started = threading.Barrier(SHARED_READERS + OWN_READERS + 1)

    def read(number: int, reader: store.Reader) -> None:
        started.wait()
        names = list(named)
        i = number
        try:
            while not stop.is_set():
                name = names[i % len(names)]
                i += 1
                total = named[name](reader)
                if total not in TOTALS:
                    errors.append(f"reader {number}: {name} gave {total}, not a whole state {TOTALS}")
                    return
                seen[number].append((name, TOTALS.index(total)))
        except Exception:   # noqa: BLE001 - every error of a reader is a failure, reported with its trace
            errors.append(f"reader {number}: {traceback.format_exc()}")

    own = [store.Reader(directory) for _ in range(OWN_READERS)]
    threads = [threading.Thread(target=read, args=(n, shared)) for n in range(SHARED_READERS)]
    threads += [threading.Thread(target=read, args=(SHARED_READERS + n, r)) for n, r in enumerate(own)]
    for t in threads:
        t.start()
    started.wait()
    clock = time.perf_counter()
    builds = [shared.path.name]
    try:
        time.sleep(0.3)
        for path in exports[1:]:
            out = cli("load", path, "--warehouse", directory)
            assert out.returncode == 1, out.stderr      # each export has three rejected records
            builds.append(store.current_path(directory).name)
            time.sleep(0.2)
        out = cli("build", "--warehouse", directory)   # the same data republished under a new name
        assert out.returncode == 0, out.stderr
        builds.append(store.current_path(directory).name)
        time.sleep(0.3)
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=120)
    elapsed = time.perf_counter() - clock
    for r in [shared, *own]:
        r.close()

    assert not errors, "\n".join(errors[:5])
    assert len(set(builds)) == len(BATCHES) + 1
    answers = sum(len(v) for v in seen.values())
    per_state = collections.Counter(state for v in seen.values() for _, state in v)
    print(f"\n{SHARED_READERS + OWN_READERS} readers, {answers} answers in {elapsed:.1f} s over "
          f"{len(builds) - 1} new versions; answers per state {dict(sorted(per_state.items()))}")
    assert len(seen) == SHARED_READERS + OWN_READERS        # every reader answered
    # a reader never goes back to an older version once it has seen a newer one
    for number, answers_ in seen.items():
        states = [s for _, s in answers_]
        assert states == sorted(states), f"reader {number} went back: {states}"
    # the readers really ran across the reloads: the first state and the last were both seen
    assert per_state[0] > 0 and per_state[len(BATCHES) - 1] > 0, per_state
