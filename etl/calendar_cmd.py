"""`python -m etl calendar YEAR [--warehouse DIR]`: the official calendar in force (docs/calendar.md).

CSV on standard output, `date,kind,name`, ISO dates in order: the days that change the
Monday-to-Friday rule, `nghỉ` a weekday off, `làm bù` a weekend day worked. From the warehouse
(the `holidays` package with the loaded override laid over it, as its working days are counted);
with no warehouse built, or a year the warehouse's calendar does not cover, the package alone.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

from warehouse import official_calendar, store


def calendar_rows(directory: Path, year: int, note=lambda m: print(m, file=sys.stderr)):
    """(day, kind, name) of the calendar in force in `year`."""
    if store.current_path(directory) is None:
        note(f"chưa có kho trong {directory}: lịch của gói {official_calendar.package_version()}")
        frame = official_calendar.package_in_force(year)
    else:
        r = store.Reader(directory)
        try:
            covered = official_calendar.calendar_years(r)
            if covered is None or not covered[0] <= year <= covered[1]:
                span = f"{covered[0]}-{covered[1]}" if covered else "không có"
                note(f"năm {year} ngoài lịch của kho (năm có lịch: {span}): lịch của gói "
                     f"{official_calendar.package_version()}, không có ngày điều chỉnh")
                frame = official_calendar.package_in_force(year)
            else:
                frame = official_calendar.in_force(r, year)
        finally:
            r.close()
    return frame.select("day", "kind", "name").rows()


def write_calendar(directory: Path, year: int, out=None) -> int:
    out = out or sys.stdout
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["date", "kind", "name"])
    for day, kind, name in calendar_rows(directory, year):
        writer.writerow([day.isoformat(), kind, name or ""])
    return 0


def add_parser(sub, add_warehouse) -> None:
    p = sub.add_parser("calendar", help="the official calendar in force in a year, as CSV (docs/calendar.md)")
    add_warehouse(p)
    p.add_argument("year", type=int, metavar="YEAR")
