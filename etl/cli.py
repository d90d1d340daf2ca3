"""Command line: python -m etl demo | report | build."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from warehouse import store


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"ngày không hợp lệ (cần YYYY-MM-DD): {text}") from exc


def _add_warehouse(p: argparse.ArgumentParser) -> None:
    p.add_argument("--warehouse", metavar="DIR", help="warehouse directory (default: $WAREHOUSE_DIR or data/warehouse)")


def parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="python -m etl", description="One-stop dossier warehouse ETL")
    sub = ap.add_subparsers(dest="command", required=True)

    demo = sub.add_parser("demo", help="build the demo warehouse for one real province")
    _add_warehouse(demo)
    demo.add_argument("--seed", type=int, default=7)
    demo.add_argument("--scale", type=float, default=1.0, help="1.0 = about 0.5 million dossiers a year")
    demo.add_argument("--as-of", type=_date, default=None, help="last day of data (default: today)")

    report = sub.add_parser("report", help="the periodic report table, by agency, unit or field")
    _add_warehouse(report)
    report.add_argument("--from", dest="date_from", type=_date, required=True)
    report.add_argument("--to", dest="date_to", type=_date, required=True)
    report.add_argument("--by", choices=["agency", "unit", "field"], default="agency",
                        help="one row per agency (default), administrative unit or field")
    report.add_argument("--format", choices=["csv", "xlsx"], default="csv",
                        help="csv to standard output (or --output); xlsx, the report as an office files it, "
                             "to --output")
    report.add_argument("--output", metavar="FILE", type=Path, help="write to FILE (required for xlsx)")

    load = sub.add_parser("load", help="load export files or reference data (format recognised from content)")
    _add_warehouse(load)
    load.add_argument("files", nargs="+", metavar="FILE")
    load.add_argument("--kind", choices=["dossier", "step", "agency", "procedure", "target", "pakn", "rating"],
                      help="what the files hold (default: recognised from their columns)")

    rebuild = sub.add_parser("build", help="recompute the summary tables into a new warehouse version")
    _add_warehouse(rebuild)
    rebuild.add_argument("--dossiers-parquet", metavar="DIR",
                         help="read the dossiers from this Hive-partitioned Parquet folder (or s3:// URL) "
                              "from now on, instead of the warehouse's own table (docs/parquet.md)")

    export = sub.add_parser("export-parquet",
                            help="write the dossiers as Parquet partitioned by year and province "
                                 "(docs/parquet.md)")
    _add_warehouse(export)
    export.add_argument("--output", metavar="DIR", required=True,
                        help="folder to write (replaced whole when the export is complete)")
    return ap


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    directory = store.warehouse_dir(args.warehouse)
    if args.command == "demo":
        from etl.build_demo import build_demo

        build_demo(directory, seed=args.seed, scale=args.scale, as_of=args.as_of,
                   progress=lambda m: print(m, file=sys.stderr))
        return 0
    if args.command == "report":
        from etl.report import export_xlsx, write_report

        if args.date_from > args.date_to:
            print(f"--from {args.date_from} is after --to {args.date_to}", file=sys.stderr)
            return 2
        if args.format == "xlsx" and args.output is None:
            print("--format xlsx writes a file: give --output FILE", file=sys.stderr)
            return 2
        if store.current_path(directory) is None:
            print(f"no warehouse in {directory} (run: python -m etl demo --warehouse {directory})", file=sys.stderr)
            return 2
        if args.format == "xlsx":
            export_xlsx(directory, args.date_from, args.date_to, args.by, args.output)
        elif args.output is not None:
            with open(args.output, "w", encoding="utf-8", newline="") as out:
                write_report(directory, args.date_from, args.date_to, out, by=args.by)
        else:
            write_report(directory, args.date_from, args.date_to, sys.stdout, by=args.by)
        return 0
    if args.command == "load":
        from etl.load import load_files

        results = load_files(directory, [Path(f) for f in args.files], kind=args.kind,
                             progress=lambda m: print(m, file=sys.stderr))
        for r in results:
            if r.unusable:
                print(r.summary(), file=sys.stderr)
        loaded = sum(r.loaded for r in results)
        rejected = sum(r.rejected for r in results)
        print(f"Tổng: nạp {loaded} bản ghi, loại {rejected}; tệp không dùng được: "
              f"{sum(1 for r in results if r.unusable)}", file=sys.stderr)
        return max(r.exit_code for r in results)
    if args.command == "build":
        from etl import parquet
        from warehouse import build

        folder = args.dossiers_parquet or parquet.folder_of(directory)
        if folder is not None:  # Parquet mode (docs/parquet.md): new, or kept from the current version
            try:
                parquet.build_from_folder(directory, folder)
            except parquet.ParquetError as exc:
                print(exc, file=sys.stderr)
                return 2
            return 0
        if store.current_path(directory) is None:
            print(f"no warehouse in {directory}", file=sys.stderr)
            return 2
        with store.new_build(directory, from_current=True) as con:
            build.apply_sql(con)
        return 0
    if args.command == "export-parquet":
        import time

        from etl import parquet

        started = time.perf_counter()
        try:
            written = parquet.export(directory, args.output)
        except parquet.ParquetError as exc:
            print(exc, file=sys.stderr)
            return 2
        print("year,province,dossiers,files,bytes")
        for p in written:
            print(f"{p.year},{p.province},{p.dossiers},{p.files},{p.bytes}")
        from ui.fmt import number

        megabytes, seconds = sum(p.bytes for p in written) / 1e6, time.perf_counter() - started
        print(f"Đã ghi {number(sum(p.dossiers for p in written))} hồ sơ, {len(written)} phân vùng, "
              f"{number(megabytes, 1)} MB, {number(seconds, 1)} s vào {parquet.normalise(args.output)}",
              file=sys.stderr)
        return 0
    return 2
