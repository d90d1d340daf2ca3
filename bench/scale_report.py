"""The tables bench_scale.py prints and the rows of its CSV (bench/results/scale*.csv), and the
verdict on each target of issues 12 and 16 its sizes allow."""

from __future__ import annotations

import datetime as dt
import os
import statistics

from bench_common import fmt_ms, p95

# issue 12: every page query's p95 at 10 M; issue 16: at 100 M, and the build within 8 GB there
PAGE_QUERY_P95_MS = 200
PAGE_QUERY_P95_MS_AT_100M = 100
MEMORY_MB = 8192


def describe(contexts: set) -> tuple[str, str, str]:
    """Pages, levels and periods a query was sent for, in short."""
    def join(values: set, noun: str, everything: int | None = None) -> str:
        if everything and len(values) >= everything:
            return "all"
        return "/".join(sorted(values)) if len(values) <= 2 else f"{len(values)} {noun}"
    pages = {c[0] for c in contexts}
    return (join(pages, "pages", 9), join({c[1] for c in contexts}, "levels"),
            join({c[2] for c in contexts}, "periods"))


def verdict(ok: bool | None) -> str:
    return "n/a" if ok is None else "MET" if ok else "MISSED"


def short_params(params) -> str:
    """The arguments of a query in a few characters, to tell apart rows of the same function."""
    values = params.values() if isinstance(params, dict) else params or []
    def one(v) -> str:
        return "·" if v is None else v.isoformat() if isinstance(v, dt.date) else str(v)
    return ",".join(one(v) for v in values)


def ms_pair(times: list[float]) -> str:
    return f"{fmt_ms(statistics.median(times))} / {fmt_ms(p95(times))}"


def report(sizes, warehouses, recorded, load, args, window_dates) -> list[dict]:
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

    window = f"{window_dates[0]:%d/%m/%Y}–{window_dates[1]:%d/%m/%Y}"
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
    at_10, at_30, at_100 = (warehouses.get(size) for size in (10.0, 30.0, 100.0))

    def pages_under(size: float, limit_ms: int) -> bool:
        return all(top * 1000 < limit_ms for (_, at), (top, _) in worst.items() if at == size)

    def within_memory(w: dict | None) -> bool | None:
        if w is None or w["build_mb"] is None:
            return None
        return max(w["build_mb"], w["serve_mb"]) <= MEMORY_MB

    page_ok = report_ok = pg_ok = load_ok = page_100_ok = None
    if at_10 is not None:
        page_ok = pages_under(10.0, PAGE_QUERY_P95_MS)
        report_ok = at_10["ratio_bare"] <= 3
        pg_ok = None if at_10["ratio_pg"] is None else at_10["ratio_pg"] >= 20
    if at_100 is not None:
        page_100_ok = pages_under(100.0, PAGE_QUERY_P95_MS_AT_100M)
    if load and args.load_records == 1_000_000:
        load_ok = load[1] / load[0] <= 3
    print("\nTargets (judged at 10, 30 and 100 M; n/a when this run has no such size)")
    print(f"  every page query at 10 M: p95 < {PAGE_QUERY_P95_MS} ms -> {verdict(page_ok)}")
    print(f"  yearly report at 10 M within 3× of the bare scan -> {verdict(report_ok)}")
    print(f"  yearly report at 10 M at least 20× faster than PostgreSQL -> {verdict(pg_ok)}")
    print(f"  30 M: build and serve within {MEMORY_MB // 1024} GB -> {verdict(within_memory(at_30))}")
    print(f"  1M-record CSV load within 3× of bare read_csv -> {verdict(load_ok)}")
    print(f"  100 M: build and serve within {MEMORY_MB // 1024} GB -> {verdict(within_memory(at_100))}")
    print(f"  every page query at 100 M: p95 < {PAGE_QUERY_P95_MS_AT_100M} ms -> {verdict(page_100_ok)}")
