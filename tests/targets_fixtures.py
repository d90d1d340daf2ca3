"""Small hand-made warehouses for the target and ranking tests (tests/test_targets.py, test_ranking.py).

Unlike conftest.make_warehouse, the data's date (meta 'as_of') is written before the SQL is applied,
so dim_period and the year-to-date figures are judged on it, and agencies carry their unit version
(commune peer groups before and after 01/07/2025) and validity.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl

from tests.conftest import DOSSIER_SCHEMA, dossier
from warehouse import build, store

Z95 = 1.959964


def agencies_frame(rows: list[tuple]) -> pl.DataFrame:
    """(code, name, level, unit_version, valid_from, valid_to); dates as 'YYYY-MM-DD' or None."""
    return pl.DataFrame(
        [(c, n, lv, uv, dt.date.fromisoformat(f) if f else None, dt.date.fromisoformat(t) if t else None)
         for c, n, lv, uv, f, t in rows],
        schema={"agency_code": pl.String, "agency_name": pl.String, "agency_level": pl.String,
                "unit_version": pl.Int8, "valid_from": pl.Date, "valid_to": pl.Date},
        orient="row",
    ).with_columns(pl.lit(True).alias("verified"))


def targets_frame(rows: list[tuple]) -> pl.DataFrame:
    """(year, agency_level, agency_code, kpi, comparator, target_value)"""
    return pl.DataFrame(
        rows, schema={"year": pl.Int32, "agency_level": pl.String, "agency_code": pl.String, "kpi": pl.String,
                      "comparator": pl.String, "target_value": pl.Float64}, orient="row",
    )


def rules_frame(rows: list[tuple]) -> pl.DataFrame:
    """(kpi, peer_group, min_volume, method, z)"""
    return pl.DataFrame(
        rows, schema={"kpi": pl.String, "peer_group": pl.String, "min_volume": pl.Int32, "method": pl.String,
                      "z": pl.Float64}, orient="row",
    )


def month_batch(agency: str, year: int, month: int, on_time: int, late: int, prefix: str = "") -> list[dict]:
    """Dossiers received on the 2nd of a month, due on the 10th, finished on the 5th (early, which
    counts as on time) or on the 15th (late): all received and finished in that month."""
    day = f"{year}-{month:02d}"
    tag = f"{prefix}{agency}-{year}{month:02d}"
    received, due = f"{day}-02", f"{day}-10"
    ok = [dossier(f"{tag}-ok{i}", received, due, f"{day}-05", agency=agency) for i in range(on_time)]
    slow = [dossier(f"{tag}-late{i}", received, due, f"{day}-15", agency=agency) for i in range(late)]
    return ok + slow


def build_warehouse(directory: Path, dossiers: list[dict], agencies: list[tuple], as_of: str,
                    targets: list[tuple] | None = None, rules: list[tuple] | None = None) -> store.Reader:
    with store.new_build(directory) as con:
        build.create_schema(con)
        con.execute((build.SQL_DIR / "seeds" / "ref_ranking_rule.sql").read_text(encoding="utf-8"))
        build.set_meta(con, as_of=as_of)
        build.insert_frame(con, "ref_agency", agencies_frame(agencies))
        build.insert_frame(con, "raw_dossier", pl.DataFrame(dossiers, schema=DOSSIER_SCHEMA))
        if targets:
            build.insert_frame(con, "ref_plan_target", targets_frame(targets))
        if rules:
            con.execute("delete from ref_ranking_rule")
            build.insert_frame(con, "ref_ranking_rule", rules_frame(rules))
        build.apply_sql(con)
    return store.Reader(directory)
