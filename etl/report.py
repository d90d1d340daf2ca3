"""`python -m etl report`: the periodic report table as CSV on standard output."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TextIO

from warehouse import queries, store


def write_report(directory: Path, date_from: dt.date, date_to: dt.date, out: TextIO) -> None:
    reader = store.Reader(directory)
    try:
        frame = queries.report_for_range(reader, date_from, date_to)
    finally:
        reader.close()
    out.write(frame.write_csv(float_precision=4, null_value=""))
