"""The periodic report's table as the Báo cáo page shows it: the rows of warehouse/queries_report.py
(or queries_units.py) with STT, Vietnamese headers, counts as 1.234 and the rate as 96,5%, and a
totals row recomputed from the sums, like the .xlsx form's (warehouse/report_xlsx.py)."""

from __future__ import annotations

import polars as pl

from ui import components
from warehouse import fmt, narrative
from warehouse.metrics import REPORT_COLUMNS, REPORT_LABELS
from warehouse.report import RATE, TOTAL_LABEL

COUNT_LABELS = [REPORT_LABELS[c] for c in REPORT_COLUMNS]
NUMERIC = (*COUNT_LABELS, REPORT_LABELS[RATE])   # the right-aligned columns


def formatted(frame: pl.DataFrame, text: dict[str, str]) -> pl.DataFrame:
    """STT, the text columns under their Vietnamese headers, the report columns as 1.234 and 96,5%,
    and a totals row (sums; the rate recomputed from them by the registry) like the .xlsx form's."""
    total = narrative.rollup(frame).with_columns(pl.lit(TOTAL_LABEL).alias(next(iter(text))))
    rows = pl.concat([frame.with_row_index("STT", 1).with_columns(pl.col("STT").cast(pl.String)),
                      total.with_columns(pl.lit("").alias("STT"))], how="diagonal_relaxed")
    return rows.select(
        "STT",
        *[pl.col(c).cast(pl.String).fill_null(fmt.EMPTY).alias(header) for c, header in text.items()],
        *[components.text_col(c, REPORT_LABELS[c]) for c in REPORT_COLUMNS],
        pl.col(RATE).map_elements(fmt.percent, return_dtype=pl.String).fill_null(fmt.EMPTY)
        .alias(REPORT_LABELS[RATE]),
    )
