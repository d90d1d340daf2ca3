"""Kind `calendar` of `python -m etl load`: the official calendar's override (docs/calendar.md).

The file lists the days the government announced that the `holidays` package lacks (date, kind
`nghỉ` or `làm bù`, name). It is the whole override: a load replaces the previous one, so that a
day dropped from the file is dropped from the warehouse. A file whose every row was rejected
replaces nothing (good rows are never lost to bad ones); a file with no rows at all empties it.
Two rows for one day: the later row wins.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

# the announcements the `holidays` package lacks, kept in the repo: the demo loads it, and a province
# loads it (and adds to it) with `python -m etl load etl/reference/calendar_override.csv`
OVERRIDE_FILE = Path(__file__).resolve().parent / "reference" / "calendar_override.csv"


def apply_calendar(con, load_id: str, path: Path, now: dt.datetime) -> int:
    good, total = con.sql(
        "select count(*) filter (len(errors) = 0), count(*) from load_parsed").fetchall()[0]
    if total and not good:
        return 0
    con.execute("delete from ref_calendar_override")
    con.execute(
        """insert into ref_calendar_override (day, kind, name, source)
           select day, kind, name, ? from load_parsed where len(errors) = 0
           qualify row_number() over (partition by day order by _row desc) = 1""",
        [path.name],
    )
    return good
