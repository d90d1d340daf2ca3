"""`python -m etl status`: when data last arrived, per source and per agency (docs/receiver.md).

Prints two tables for the operator: the loads per kind of input (warehouse/queries_health.sources),
then the agencies (queries_health.agencies), those silent for more than N working days first, marked
"IM LẶNG". With --inbox, also the files still waiting in the receiver's inbox and those rejected.
Exit code 0 when no agency is silent, 1 when some are (a timer or a monitor can alert on it), 2 when
there is no warehouse.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

from warehouse import fmt, queries_health, store
from warehouse.file_kinds import FILE_KIND_LABELS


def add_parser(sub, add_warehouse, parse_date) -> None:
    p = sub.add_parser("status", help="when data last arrived per source and agency; agencies silent for "
                                      "more than N working days (docs/receiver.md)")
    add_warehouse(p)
    p.add_argument("--silent-days", type=int, default=queries_health.DEFAULT_SILENT_DAYS, metavar="N",
                   help=f"working days without data before an agency is flagged "
                        f"(default {queries_health.DEFAULT_SILENT_DAYS})")
    p.add_argument("--on", type=parse_date, default=None, metavar="YYYY-MM-DD",
                   help="the day to measure silence up to (default: today)")
    p.add_argument("--inbox", metavar="DIR", help="also count the files waiting and rejected in this inbox")


def _inbox_lines(inbox: Path) -> list[str]:
    from etl import watch

    if not inbox.is_dir():
        return [f"Hộp thư {inbox}: không có thư mục này"]
    rejected = inbox / watch.REJECTED
    count = sum(1 for p in rejected.iterdir() if not p.name.endswith(".reason.txt")) \
        if rejected.is_dir() else 0
    return [f"Hộp thư {inbox}: {len(watch.waiting(inbox))} tệp đang chờ nạp, {count} tệp bị từ chối "
            f"(xem {watch.REJECTED}/*.reason.txt)"]


def main(args, operator=None) -> int:
    return run(store.warehouse_dir(args.warehouse), args.on, args.silent_days, args.inbox)


def run(directory: Path, on: dt.date | None, silent_days: int, inbox: str | None, out=None) -> int:
    out = out or sys.stdout
    if store.current_path(directory) is None:
        print(f"no warehouse in {directory}", file=sys.stderr)
        return 2
    on = on or dt.date.today()
    reader = store.Reader(directory)
    try:
        loads = queries_health.sources(reader)
        agencies = queries_health.agencies(reader, on, silent_days)
    finally:
        reader.close()
    print(f"Tình trạng nhận dữ liệu đến ngày {fmt.date(on)} (im lặng: quá {silent_days} ngày làm việc "
          "không có dữ liệu mới)", file=out)
    print("\nTheo nguồn (loại dữ liệu, định dạng): lần nạp gần nhất · số tệp · bản ghi nạp · bị loại · "
          "tệp không dùng được", file=out)
    if loads.height == 0:
        print("  chưa có lần nạp nào", file=out)
    for s in loads.iter_rows(named=True):
        kind = FILE_KIND_LABELS.get(s["kind"], s["kind"])
        kind = f"{kind} ({s['file_format']})" if s["file_format"] else kind
        print(f"  {kind}: {fmt.datetime(s['last_load'])} · {fmt.number(s['files'])} tệp · "
              f"{fmt.number(s['rows_loaded'])} · {fmt.number(s['rows_rejected'])} · "
              f"{fmt.number(s['unusable_files'])}", file=out)
    silent = agencies.filter(agencies["silent"])
    stopped = queries_health.source_stopped(agencies)
    if stopped is not None:
        print(f"\nCẢNH BÁO: cả {fmt.number(agencies.height)} cơ quan đều im lặng: kho không có hồ sơ "
              f"tiếp nhận mới từ ngày {fmt.date(stopped)}. Kiểm tra nguồn gửi dữ liệu (bộ nhận, tệp xuất "
              "hằng đêm, lịch chạy etl watch) trước khi hỏi từng cơ quan.", file=out)
    print(f"\nTheo cơ quan ({fmt.number(agencies.height)}; im lặng: {fmt.number(silent.height)}): "
          "hồ sơ tiếp nhận gần nhất · lần nạp gần nhất · số ngày làm việc không có dữ liệu", file=out)
    for a in agencies.iter_rows(named=True):
        days = "chưa từng có dữ liệu" if a["working_days_silent"] is None \
            else f"{fmt.number(a['working_days_silent'])} ngày làm việc"
        flag = "IM LẶNG  " if a["silent"] else "         "
        print(f"  {flag}{a['agency_code']} {a['agency_name']}: {fmt.date(a['last_received'])} · "
              f"{fmt.datetime(a['last_loaded'])} · {days}", file=out)
    if inbox:
        for line in _inbox_lines(Path(inbox)):
            print("\n" + line, file=out)
    return 1 if silent.height else 0
