"""A simulated day of sync for a demo warehouse: the DongBoHoSoMC records a one-stop system would send
after the data's date (tests/test_incremental.py, bench/bench_sync.py). Open dossiers move on
(finished early, on time or late, stopped, withdrawn, refused, due date moved, a supplement request,
back to processing), finished ones get a late correction of their end date (never past the day),
new dossiers arrive, and one record is bad (the loader quarantines it)."""

from __future__ import annotations

import datetime as dt
import random

import duckdb

from etl import sync_format

CHANGES = ("early", "on_time", "late", "stop", "withdraw", "refuse", "move_due", "supplement",
           "back_to_processing")


def _rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[dict]:
    rel = con.sql(sql)
    return [dict(zip(rel.columns, row)) for row in rel.fetchall()]


def _sample(con, where: str, count: int, rng: random.Random) -> list[dict]:
    """`count` dossiers of raw_dossier matching `where`, drawn by the seeded generator."""
    total = con.sql(f"select count(*) from raw_dossier where {where}").fetchall()[0][0]
    if not total or not count:
        return []
    # a reproducible sample without reading every row: rows of a seeded hash order
    return _rows(con, f"""select * from raw_dossier where {where}
                          order by hash(dossier_id, {rng.randint(0, 2**31)}), dossier_id limit {count}""")


def _move_on(d: dict, change: str, noon: dt.datetime, rng: random.Random) -> dict:
    due = d["due_at"]
    if change in ("early", "on_time", "late") and due is not None:
        # never after the sync's day: a late dossier ends today, past its due date or not yet due
        end = {"early": min(noon, due - dt.timedelta(days=1)), "on_time": min(noon, due),
               "late": noon}[change]
        end = max(end, d["received_at"])
        d.update(finished_at=end, returned_at=end, status=10)
    elif change == "stop":
        d.update(status=8)
    elif change == "withdraw":
        d.update(status=7, finished_at=noon)
    elif change == "refuse":
        d.update(status=3, refused_at=noon)
    elif change == "move_due" and due is not None:
        d.update(due_at=due + dt.timedelta(days=rng.randint(2, 20)))
    elif change == "supplement":
        d.update(supplement_count=(d["supplement_count"] or 0) + rng.randint(1, 2), status=5)
    else:
        d.update(status=4)
    return d


def day_records(con: duckdb.DuckDBPyConnection, rng: random.Random, day: dt.date, tag: str,
                changes: int, corrections: int, new: int, corrected_within: int | None = None) -> list[dict]:
    """The sync records of `day`: `changes` open dossiers moved on, `corrections` finished ones whose
    end date moves (finished in the last `corrected_within` days, or any), `new` dossiers received in
    the last three days, and one bad record."""
    noon = dt.datetime.combine(day, dt.time(10, 30))
    open_ = _sample(con, "finished_at is null and refused_at is null and status in (2, 4, 5, 6, 8)",
                    changes, rng)
    since = (f" and finished_at >= timestamp '{noon - dt.timedelta(days=corrected_within)}'"
             if corrected_within else "")
    done = _sample(con, "finished_at is not null" + since, corrections, rng)
    agencies = [r[0] for r in con.sql("select distinct agency_code from raw_dossier order by 1").fetchall()]
    records = [sync_format.record(_move_on(d, rng.choice(CHANGES), noon, rng)) for d in open_]
    for d in done:
        d.update(finished_at=min(noon, d["finished_at"] + dt.timedelta(days=rng.randint(1, 40))))
        records.append(sync_format.record(d))
    for n in range(new):
        received = noon - dt.timedelta(days=rng.randint(0, 2), hours=rng.randint(0, 5))
        status = rng.choice([2, 4, 10])
        finished = received + dt.timedelta(hours=3) if status == 10 else None
        records.append(sync_format.record({
            "dossier_id": f"{tag}-{n}", "channel": 2, "applicant_type": 1, "submitted_at": received,
            "received_at": received, "due_at": received + dt.timedelta(days=rng.choice([1, 3, 10])),
            "finished_at": finished, "returned_at": finished, "status": status,
            "agency_code": rng.choice(agencies), "digitised": True}))
    records.append({"MaHoSo": f"{tag}-bad", "NgayTiepNhan": "not a date", "TrangThaiHoSo": "2",
                    "MaDonViXuLy": agencies[0]})
    return records
