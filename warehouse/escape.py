"""Text cells that a spreadsheet would run as a formula, made inert before any export (CSV, .xlsx).

A name from a loaded file that starts with =, +, -, @, a tab or a carriage return gets a leading
apostrophe, so that opening the report, a listing or the 766 scores runs nothing (CSV/formula
injection). Every export of the CLI and the pages goes through here (tests/test_export_safety.py).
"""

from __future__ import annotations

import polars as pl

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
FORMULA_PATTERN = r"^[=+\-@\t\r]"   # the same characters, for polars' str.contains


def escape_text(value: str | None) -> str | None:
    """The text with an apostrophe in front when a spreadsheet would read it as a formula."""
    if value is not None and value.startswith(FORMULA_START):
        return "'" + value
    return value


def escape_frame(frame: pl.DataFrame) -> pl.DataFrame:
    """Every text column through escape_text: a file opened in a spreadsheet runs no formula."""
    return frame.with_columns(
        pl.col(c).map_elements(escape_text, return_dtype=pl.String)
        for c, t in frame.schema.items() if t == pl.String
    )


def escape_column(name: str) -> pl.Expr:
    """escape_text as a polars expression over one text column (no Python call per cell)."""
    column = pl.col(name)
    risky = column.str.contains(FORMULA_PATTERN)
    return pl.when(risky).then(pl.lit("'") + column).otherwise(column).alias(name)
