"""Reporting-integrity issues in the demo warehouse (vectorised, deterministic for a seed).

What the directives call dishonest or sloppy reporting, concentrated in a few larger agencies so
that they have many issues and the rest few: closing dossiers in bulk in the last working days of
the month (one agency before the reporting cut-off on the 14th), closing them before a result
exists, moving due dates later with no supplement request, stopping, "withdrawing" or handing back
late dossiers so they do not count as late, repeated supplement requests, no apology slips.

Besides changing those dossiers in `raw_dossier`, it writes what a real warehouse accumulates over
many loads: earlier states of some dossiers (`raw_dossier_history`, as the loader keeps every
distinct state), processing steps for the dossiers of the agencies whose software syncs them
(`raw_dossier_step`: one-stop desk, specialist office, leader's signature, with the department
that made a late dossier late), and the `quarantine` rows the loader would have written for
records of vendors' exports with impossible dates or codes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import numpy as np
import polars as pl

# which agencies misreport and how: etl/demo_misreport.py; history, steps, quarantine: etl/demo_records.py
from etl.demo_misreport import bulk_close, busdays, day, misreport, pick_sloppy
from etl.demo_records import history_rows, quarantine_rows, step_rows
from warehouse import build


def _rng(seed: int) -> np.random.Generator:
    return np.random.default_rng([seed, 766])

_COLUMNS = ["dossier_id", "agency_code", "field_code", "status", "received_at", "due_at", "finished_at",
            "returned_at", "refused_at", "supplement_count", "electronic_result", "apology_issued"]
_UPDATED = ["status", "finished_at", "returned_at", "refused_at", "supplement_count",
            "electronic_result", "apology_issued"]


def _months_of_frame(dossiers: pl.DataFrame) -> Iterator[pl.DataFrame]:
    month = pl.col("received_at").dt.truncate("1mo").alias("_month")
    for part in dossiers.with_columns(month).partition_by("_month", maintain_order=True):
        yield part.drop("_month")


def _months_of_table(con, columns: list[str]) -> Iterator[pl.DataFrame]:
    """raw_dossier one month of receipt at a time (it was inserted in that order: zone maps skip the
    rest), so memory holds one month whatever the warehouse's size."""
    months = con.sql("select distinct date_trunc('month', received_at) m from raw_dossier "
                     "where received_at is not null order by 1").fetchall()
    for (month,) in months:
        yield con.sql(f"""select {", ".join(columns)} from raw_dossier
                          where received_at >= $m and received_at < $m + interval 1 month""",
                      params={"m": month}).pl()


def _arrays(chunk: pl.DataFrame, codes: list[str]) -> dict:
    cols = ["status", "received_at", "due_at", "finished_at", "returned_at",
            "refused_at", "supplement_count", "electronic_result", "apology_issued"]
    d = {c: chunk[c].to_numpy().copy() for c in cols}       # changed in place below
    for c in ("electronic_result", "apology_issued"):
        d[c] = chunk[c].fill_null(False).to_numpy()
    d["ids"] = chunk["dossier_id"]
    d["aidx"] = chunk["agency_code"].cast(pl.Enum(codes)).to_physical().to_numpy().astype(np.int64)
    d["status"] = d["status"].astype(np.int64)
    d["supplement_count"] = d["supplement_count"].astype(np.int64)
    d["received_day"] = day(d["received_at"])
    d["due_day"] = day(d["due_at"])
    d["end_day"] = day(np.where(np.isnat(d["finished_at"]), d["returned_at"], d["finished_at"]))
    d["refused_day"] = day(d["refused_at"])
    return d


def _volumes(chunks: Iterator[pl.DataFrame], codes: list[str],
             cal: np.busdaycalendar) -> tuple[np.ndarray, np.ndarray]:
    """Dossiers per agency, and those that took two weeks or more (working days)."""
    total = np.zeros(len(codes), dtype=np.int64)
    slow = np.zeros(len(codes), dtype=np.int64)
    for chunk in chunks:
        aidx = chunk["agency_code"].cast(pl.Enum(codes)).to_physical().to_numpy().astype(np.int64)
        finished = chunk["finished_at"].to_numpy()
        end = day(np.where(np.isnat(finished), chunk["returned_at"].to_numpy(), finished))
        total += np.bincount(aidx, minlength=len(codes))
        slow += np.bincount(aidx[busdays(day(chunk["received_at"].to_numpy()), end, cal) >= 10],
                            minlength=len(codes))
    return total, slow


def add_integrity_issues(con, dossiers: pl.DataFrame | None, agencies: pl.DataFrame, seed: int,
                         as_of: dt.date, load_id: str, days_off: list[dt.date] | None = None) -> None:
    """Change some demo dossiers the way misreporting agencies do, and add history, steps and
    quarantined records; run before the SQL.

    `dossiers` is the frame just inserted into raw_dossier, or None to read raw_dossier itself, one
    month of receipt at a time (any scale). Which agencies misreport is decided on the counts of the
    whole warehouse; each month then draws from its own stream (seed, month).
    `days_off`: the weekdays off of the official calendar (docs/calendar.md), so that bulk closures,
    moved due dates and processing steps fall on working days as the dossiers do.
    """
    def chunks(columns: list[str]) -> Iterator[pl.DataFrame]:
        if dossiers is not None:
            return _months_of_frame(dossiers.select(columns))
        return _months_of_table(con, columns)

    rng = _rng(seed)
    cal = np.busdaycalendar(holidays=np.array(sorted(days_off or []), dtype="datetime64[D]"))
    agencies = agencies.select("agency_code", "agency_level", "unit_version").sort("agency_code")
    codes = agencies["agency_code"].to_list()
    volume, slow = _volumes(chunks(["agency_code", "received_at", "finished_at", "returned_at"]), codes, cal)
    if volume.sum() == 0:
        return

    is_sloppy = np.zeros(agencies.height, dtype=bool)
    is_sloppy[pick_sloppy(volume, agencies, rng)] = True
    # bulk closures where many dossiers take two weeks or more (short procedures leave little pending
    # at a cut-off): the two departments and the district with the most such dossiers. The first
    # department closes in bulk at every month's end, the second before the reporting cut-off on
    # the 14th, the district (until 06/2025) at the end of each quarter
    ranked = agencies.with_columns(pl.Series("slow", slow), pl.int_range(0, pl.len()).alias("idx")).sort(
        ["slow", "agency_code"], descending=[True, False])
    departments = ranked.filter(pl.col("agency_level") == "department")["idx"].to_list()
    districts = ranked.filter(pl.col("agency_level") == "district")["idx"].to_list()
    bulk = ([(a, "month", False) for a in departments[:1]]
            + [(a, "rep_month", False) for a in departments[1:2]]
            + [(a, "month", True) for a in districts[:1]])
    # the agencies whose software syncs processing steps: most upper-tier ones and new communes
    syncs = (agencies["agency_level"].is_in(["department", "central", "district"])
             | ((agencies["agency_level"] == "commune") & (agencies["unit_version"] == 2))).to_numpy()
    syncs = (syncs & (rng.random(agencies.height) < 0.6)) | is_sloppy

    as_of_day = np.datetime64(as_of)
    staged = {"_demo_changes": False, "_demo_history": False, "_demo_steps": False}

    def stage(table: str, frame: pl.DataFrame) -> None:
        if frame.height == 0:
            return
        con.register("_frame", frame.to_arrow())
        try:
            verb = f"insert into {table} by name" if staged[table] else f"create temp table {table} as"
            con.execute(f"{verb} select * from _frame")
            staged[table] = True
        finally:
            con.unregister("_frame")

    for chunk in chunks(_COLUMNS):
        first = chunk["received_at"].min()
        month_rng = np.random.default_rng([seed, 766, first.year, first.month])
        d = _arrays(chunk, codes)
        aidx = d["aidx"]
        sloppy = is_sloppy[aidx]
        changed = np.zeros(aidx.size, dtype=bool)
        for agency, basis, quarter_ends in bulk:
            changed |= bulk_close(d, aidx, agency, basis, quarter_ends, month_rng, cal)
        changed |= misreport(d, sloppy, month_rng)
        rows = np.nonzero(changed)[0]
        stage("_demo_changes", pl.DataFrame({"dossier_id": d["ids"].gather(rows),
                                             **{c: d[c][rows] for c in _UPDATED}}))
        stage("_demo_history", history_rows(d, sloppy, as_of_day, load_id, month_rng, cal))
        land = (chunk["field_code"] == "DD").fill_null(False).to_numpy()
        stage("_demo_steps", step_rows(d, syncs[aidx], land, as_of_day, load_id, month_rng, cal))
        # the other late dossiers' steps draw from their own stream: month_rng's later draws (quarantine)
        # and every figure before this change stay as they were
        late_rng = np.random.default_rng([seed, 766, first.year, first.month, 1])
        stage("_demo_steps", step_rows(d, syncs[aidx], land, as_of_day, load_id, late_rng, cal,
                                       late_only=True))
        build.insert_frame(con, "quarantine", quarantine_rows(d, np.array(codes), sloppy, load_id, month_rng))

    if staged["_demo_changes"]:
        con.execute(f"""update raw_dossier as r set {", ".join(f"{c} = c.{c}" for c in _UPDATED)}
                        from _demo_changes as c where r.dossier_id = c.dossier_id""")
    # one sync file per night: rows numbered within the night's file, in the order they were written
    if staged["_demo_history"]:
        con.execute("""insert into raw_dossier_history by name
                       select *, row_number() over (partition by cast(loaded_at as date)
                                                    order by loaded_at, dossier_id) as source_row
                       from _demo_history order by loaded_at, dossier_id""")
    if staged["_demo_steps"]:
        con.execute("""insert into raw_dossier_step by name
                       select * exclude (step),
                              row_number() over (partition by cast(acted_at as date)
                                                 order by acted_at, dossier_id, step) as source_row
                       from _demo_steps order by acted_at, dossier_id, step""")
    for table, made in staged.items():
        if made:
            con.execute(f"drop table {table}")
