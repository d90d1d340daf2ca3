"""Load of a 1-million-record CSV export beside a bare DuckDB read_csv of the same file.

    .venv/bin/python bench/bench_load.py [--records 1000000] [--repeat 3]

Prints a table and writes bench/results/load.csv. The ratio compares our load step (read, map
headers, parse dates and codes, validate, quarantine, upsert into raw_dossier and its history)
with `create table as select * from read_csv(...)` on the same file, both into a DuckDB file on the
same disk, in the same run. The whole command (copy of the warehouse, summary tables, publish) is
reported beside it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import polars as pl

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from etl import demo, load  # noqa: E402
from etl import demo_reference as ref  # noqa: E402
from warehouse import build, store  # noqa: E402

TARGET = 2.5   # issue 16 (it was 3× in issue 6)
HEADERS = {
    "dossier_id": "Mã hồ sơ", "procedure_code": "Mã thủ tục", "field_code": "Mã lĩnh vực",
    "agency_code": "Mã đơn vị", "channel": "Kênh nộp", "received_at": "Ngày tiếp nhận",
    "due_at": "Ngày hẹn trả", "finished_at": "Ngày kết thúc xử lý", "returned_at": "Ngày trả kết quả",
    "refused_at": "Ngày từ chối", "status": "Trạng thái", "supplement_count": "Số lần bổ sung",
    "digitised": "Số hóa", "electronic_result": "Kết quả điện tử", "apology_issued": "Phiếu xin lỗi",
}


def make_export(path: Path, records: int) -> None:
    """A vendor-style export: Vietnamese headers, dd/mm/yyyy HH:MM:SS dates, ';' separated, BOM."""
    frame = demo.generate_dossiers(ref.agencies(), seed=11, scale=records / 1_447_000,
                                   as_of=dt.date(2026, 11, 23))
    frame = frame.head(records).select(list(HEADERS)).with_columns(
        pl.col(["received_at", "due_at", "finished_at", "returned_at", "refused_at"])
        .dt.strftime("%d/%m/%Y %H:%M:%S"),
        pl.col(["digitised", "electronic_result", "apology_issued"]).cast(pl.Int8),
    ).rename(HEADERS)
    frame.write_csv(path, separator=";", include_bom=True)


def bare_read_csv(csv_path: Path, work: Path) -> float:
    db = work / f"bare-{time.time_ns()}.duckdb"
    con = duckdb.connect(str(db))
    store.configure(con)
    t = time.perf_counter()
    con.execute(f"create table t as select * from read_csv('{csv_path}')")
    con.execute("checkpoint")
    elapsed = time.perf_counter() - t
    con.close()
    db.unlink()
    return elapsed


def our_load_step(csv_path: Path, work: Path) -> tuple[float, int]:
    db = work / f"ours-{time.time_ns()}.duckdb"
    con = duckdb.connect(str(db))
    store.configure(con)
    build.create_schema(con)
    build.apply_macros_for(con, build.SQL_DIR / "load")
    t = time.perf_counter()
    result = load._load_file(con, csv_path, None, dt.datetime(2026, 11, 23, 23, 0))
    con.execute("checkpoint")
    elapsed = time.perf_counter() - t
    con.close()
    db.unlink()
    assert result.unusable is None, result.unusable
    return elapsed, result.loaded


def whole_command(csv_path: Path, work: Path) -> float:
    directory = work / f"wh-{time.time_ns()}"
    t = time.perf_counter()
    load.load_files(directory, [csv_path], progress=lambda m: None, now=dt.datetime(2026, 11, 23, 23, 0))
    return time.perf_counter() - t


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(dir=ROOT / "data" if (ROOT / "data").exists() else None) as tmp:
        work = Path(tmp)
        csv_path = work / "export.csv"
        t = time.perf_counter()
        make_export(csv_path, args.records)
        print(f"export: {args.records:,} records, {csv_path.stat().st_size / 1e6:.0f} MB, made in "
              f"{time.perf_counter() - t:.1f} s", file=sys.stderr)
        bare, ours, loaded = [], [], 0
        for _ in range(args.repeat):
            bare.append(bare_read_csv(csv_path, work))
            seconds, loaded = our_load_step(csv_path, work)
            ours.append(seconds)
        command = whole_command(csv_path, work)
    b, o = statistics.median(bare), statistics.median(ours)
    rows = [
        ("bare DuckDB read_csv into a table (reference)", b, 1.0),
        ("our load step (parse, validate, quarantine, upsert)", o, o / b),
        ("whole `etl load` command (incl. units, summary tables, publish)", command, command / b),
    ]
    print(f"\n{'what':<68} {'seconds':>8} {'× bare':>7}")
    for name, sec, ratio in rows:
        print(f"{name:<68} {sec:>8.2f} {ratio:>7.2f}")
    print(f"\nrecords loaded: {loaded:,}; target (issue 16): load step within {TARGET}× of bare read_csv -> "
          f"{'MET' if o / b <= TARGET else 'MISSED'}")
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    pl.DataFrame(rows, schema=["what", "seconds", "ratio_to_bare"], orient="row").write_csv(out / "load.csv")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
