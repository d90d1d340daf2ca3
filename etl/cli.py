"""Command line: python -m etl demo | report | load | build | export-parquet | user | calendar."""

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


def _month(text: str) -> str:
    import re

    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", text.strip()):
        raise argparse.ArgumentTypeError(f"kỳ không hợp lệ (cần tháng YYYY-MM, ví dụ 2025-10): {text}")
    return text.strip()


def _add_warehouse(p: argparse.ArgumentParser) -> None:
    p.add_argument("--warehouse", metavar="DIR",
                   help="warehouse directory (default: $WAREHOUSE_DIR or data/warehouse)")


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
    from etl.load_parse import KINDS

    load.add_argument("--kind", choices=list(KINDS),
                      help="what the files hold (default: recognised from their columns)")
    load.add_argument("--period", type=_month, metavar="YYYY-MM",
                      help="published 766 scores: the month they are of (a year to date: the month it runs "
                           "through); wins over the file's name (docs/published_766.md)")
    load.add_argument("--scope", choices=["month", "year_to_date"],
                      help="published 766 scores: the scope of JSON/CSV records and of sheets whose name "
                           "does not say (default: month; 'Xã Phường' year_to_date)")
    load.add_argument("--full", action="store_true",
                      help="recompute every summary table, not only what the dossier records touch "
                           "(docs/incremental.md)")

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
    _user_parser(sub)
    from etl import calendar_cmd  # `calendar YEAR`: the official calendar in force (docs/calendar.md)

    calendar_cmd.add_parser(sub, _add_warehouse)
    from etl import score766

    score766.add_parser(sub)
    from etl import late_cmd  # `late`: its options live with the command (etl/late_cmd.py)

    late_cmd.add_parser(sub, _add_warehouse, _date)
    from etl import digest  # `digest --week`: the weekly e-mail to each agency head (docs/digest.md)

    digest.add_parser(sub, _add_warehouse)
    from etl import receiver, status, watch  # receive, watch, status: docs/receiver.md

    receiver.add_parser(sub)
    watch.add_parser(sub, _add_warehouse)
    status.add_parser(sub, _add_warehouse, _date)
    from etl import backup  # `backup` and `restore`: one archive of a machine's warehouse (docs/deploy.md)

    backup.add_parser(sub, _add_warehouse)
    return ap


def _user_parser(sub) -> None:
    """`user add|disable|list`: local accounts in DIR/accounts.sqlite (docs/security.md)."""
    user = sub.add_parser("user", help="local accounts (stand-alone machine without an identity provider)")
    user_sub = user.add_subparsers(dest="user_command", required=True)
    add = user_sub.add_parser("add", help="create an account (asks for the password)")
    _add_warehouse(add)
    add.add_argument("name")
    add.add_argument("--role", choices=["lanh_dao_tinh", "truong_co_quan", "xem"],
                     help="used while the warehouse has no role row for this name (ref_user_role)")
    add.add_argument("--agency", metavar="CODE", help="the agency of a truong_co_quan")
    add.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    add.add_argument("--replace", action="store_true",
                     help="set a new password and role for an existing account")
    disable = user_sub.add_parser("disable", help="lock an account out")
    _add_warehouse(disable)
    disable.add_argument("name")
    listing = user_sub.add_parser("list", help="the accounts, their fallback role and state")
    _add_warehouse(listing)


def _operator() -> str:
    """Who ran the command, for the audit log."""
    import getpass
    import os

    try:
        return os.environ.get("SUDO_USER") or getpass.getuser()
    except Exception:  # noqa: BLE001 - no user name in a container is not a reason to fail
        return "?"


def _user_command(args, directory: Path) -> int:
    from warehouse import access, accounts

    if args.user_command == "list":
        print("username,role,agency,state")
        for a in accounts.accounts(directory):
            state = "disabled" if a.disabled else "enabled"
            print(f"{a.username},{a.role or ''},{a.agency_code or ''},{state}")
        return 0
    if args.user_command == "disable":
        if not accounts.disable(directory, args.name):
            print(f"không có tài khoản {args.name}", file=sys.stderr)
            return 2
        access.audit(directory, _operator(), "tai_khoan", f"khóa {accounts.normalise(args.name)}",
                     origin="cli")
        print(f"đã khóa tài khoản {accounts.normalise(args.name)}", file=sys.stderr)
        return 0
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        import getpass

        password = getpass.getpass("Mật khẩu: ")
        if getpass.getpass("Nhập lại mật khẩu: ") != password:
            print("hai lần nhập mật khẩu không khớp", file=sys.stderr)
            return 2
    try:
        account = accounts.add(directory, args.name, password, args.role, args.agency, replace=args.replace)
    except accounts.AccountError as exc:
        print(exc, file=sys.stderr)
        return 2
    agency = f" {account.agency_code}" if account.agency_code else ""
    role = f"{account.role}{agency}" if account.role else "không"
    access.audit(directory, _operator(), "tai_khoan",
                 f"tạo/đặt lại {account.username} (vai trò dự phòng: {role})", origin="cli")
    print(f"đã lưu tài khoản {account.username}", file=sys.stderr)
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.command in ("receive", "watch", "status"):
        from etl import receiver, status, watch

        return {"receive": receiver, "watch": watch, "status": status}[args.command].main(args, _operator)
    directory = store.warehouse_dir(args.warehouse)
    if args.command == "demo":
        from etl.build_demo import build_demo

        build_demo(directory, seed=args.seed, scale=args.scale, as_of=args.as_of,
                   progress=lambda m: print(m, file=sys.stderr))
        return 0
    if args.command == "report":
        from warehouse.report import write_report
        from warehouse.report_xlsx import export_xlsx

        if args.date_from > args.date_to:
            print(f"--from {args.date_from} is after --to {args.date_to}", file=sys.stderr)
            return 2
        if args.format == "xlsx" and args.output is None:
            print("--format xlsx writes a file: give --output FILE", file=sys.stderr)
            return 2
        if store.current_path(directory) is None:
            print(f"no warehouse in {directory} (run: python -m etl demo --warehouse {directory})",
                  file=sys.stderr)
            return 2
        if args.format == "xlsx":
            export_xlsx(directory, args.date_from, args.date_to, args.by, args.output)
        elif args.output is not None:
            with open(args.output, "w", encoding="utf-8", newline="") as out:
                write_report(directory, args.date_from, args.date_to, out, by=args.by)
        else:
            write_report(directory, args.date_from, args.date_to, sys.stdout, by=args.by)
        return 0
    if args.command == "user":
        return _user_command(args, directory)
    if args.command in ("backup", "restore"):
        from etl import backup

        return backup.run(args, directory, _operator())
    if args.command == "calendar":
        from etl.calendar_cmd import write_calendar

        return write_calendar(directory, args.year)
    if args.command == "score766":
        from etl import score766

        return score766.run(directory, args.period, args.format, args.output, args.source)
    if args.command == "late":
        from etl import late_cmd

        return late_cmd.run(directory, args.date_from, args.date_to, args.agency, args.format, args.output)
    if args.command == "digest":
        from etl import digest

        return digest.run(directory, args.week, args.dry_run, args.base_url)
    if args.command == "load":
        from etl.load import load_files
        from warehouse import access

        results = load_files(directory, [Path(f) for f in args.files], kind=args.kind,
                             progress=lambda m: print(m, file=sys.stderr), period=args.period,
                             scope=args.scope, incremental_ok=not args.full)
        for r in results:
            access.audit(directory, _operator(), "nap",
                         f"{r.path.name}: {r.kind or '?'}, nạp {r.loaded}, loại {r.rejected}"
                         + (", không dùng được" if r.unusable else ""), origin="cli")
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
        from warehouse.fmt import number

        megabytes, seconds = sum(p.bytes for p in written) / 1e6, time.perf_counter() - started
        print(f"Đã ghi {number(sum(p.dossiers for p in written))} hồ sơ, {len(written)} phân vùng, "
              f"{number(megabytes, 1)} MB, {number(seconds, 1)} s vào {parquet.normalise(args.output)}",
              file=sys.stderr)
        return 0
    return 2
