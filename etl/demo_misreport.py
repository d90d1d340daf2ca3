"""The demo's misreporting agencies and what they do to their dossiers (etl/demo_integrity.py runs it).

A few agencies of each kind misreport; they close dossiers in bulk at a period's end, close them
before a result exists, stop, "withdraw" or hand back late ones so they do not count as late. The
working-day arithmetic on numpy dates that the integrity modules share is here too.
"""

from __future__ import annotations

import numpy as np
import polars as pl

NAT = np.datetime64("NaT")
# the default of ref_integrity_setting 'bulk_closure_last_workdays'
LAST_WORKDAYS = 3
# how many agencies of each kind misreport: (agency_level, unit_version or None, how many)
SLOPPY = [("department", None, 2), ("district", None, 2), ("commune", 1, 3), ("commune", 2, 2)]


def day(values: np.ndarray) -> np.ndarray:
    return values.astype("datetime64[D]")


def time_of_day(values: np.ndarray) -> np.ndarray:
    """The time part of timestamps, as a timedelta (zero where missing)."""
    t = values - day(values).astype("datetime64[us]")
    return np.where(np.isnat(values), np.timedelta64(0, "us"), t)


def busdays(a: np.ndarray, b: np.ndarray, cal: np.busdaycalendar) -> np.ndarray:
    """Working days from a to b (0 where either is missing), on the official calendar `cal`."""
    ok = ~np.isnat(a) & ~np.isnat(b)
    out = np.zeros(a.shape, dtype=np.int64)
    out[ok] = np.busday_count(a[ok], b[ok], busdaycal=cal)
    return out


def shift(days: np.ndarray, n: np.ndarray | int, cal: np.busdaycalendar) -> np.ndarray:
    """Working days after (n < 0: before) each day; missing days stay missing."""
    n = np.broadcast_to(np.asarray(n, dtype=np.int64), days.shape)
    out = np.full(days.shape, NAT, dtype="datetime64[D]")
    ok = ~np.isnat(days)
    out[ok] = np.busday_offset(days[ok], n[ok], roll="forward", busdaycal=cal)
    return out


def pick_sloppy(per_agency: np.ndarray, agencies: pl.DataFrame, rng: np.random.Generator) -> list[int]:
    """A few of the larger agencies of each kind (indices into `agencies`; `per_agency`: their
    dossiers), largest first."""
    volume = agencies.with_columns(pl.Series("n", per_agency), pl.int_range(0, pl.len()).alias("idx"))
    chosen = []
    for level, version, k in SLOPPY:
        pool = volume.filter(pl.col("agency_level") == level)
        if version is not None:
            pool = pool.filter(pl.col("unit_version") == version)
        pool = pool.sort(["n", "agency_code"], descending=[True, False]).head(3 * k)
        if pool.height:
            picked = np.sort(rng.choice(pool.height, size=min(k, pool.height), replace=False))
            chosen.extend(pool[picked.tolist()].sort("n", descending=True)["idx"].to_list())
    return chosen


def bulk_close(d: dict, aidx: np.ndarray, agency: int, basis: str, quarter_ends: bool,
                rng: np.random.Generator, cal: np.busdaycalendar) -> np.ndarray:
    """Move closures of the first working days of a period into the last days of the one before.

    Dossiers the agency finished in the first fifteen working days after a period's end are recorded
    as finished on one of the period's last working days (calendar month, or reporting month
    ending on the 14th). Returns the mask of the dossiers moved; `d` is updated in place.
    """
    i = np.nonzero((aidx == agency) & ((d["status"] == 9) | (d["status"] == 10)) & ~np.isnat(d["end_day"]))[0]
    end = d["end_day"][i]
    # the end of the period before each closure, and that period's last working day
    month = end.astype("datetime64[M]")
    if basis == "month":
        period_end = month.astype("datetime64[D]") - 1
    else:
        day_of_month = (end - month.astype("datetime64[D]")).astype(np.int64) + 1
        period_end = np.where(day_of_month > 14, month.astype("datetime64[D]") + 13,
                              (month - 1).astype("datetime64[D]") + 13)
    last_workday = np.busday_offset(period_end, 0, roll="backward", busdaycal=cal)
    new_end = np.busday_offset(last_workday, -rng.integers(0, LAST_WORKDAYS, i.size), roll="backward",
                               busdaycal=cal)
    months = period_end.astype("datetime64[M]").astype(np.int64) % 12 + 1
    month_ok = np.isin(months, [3, 6, 9, 12]) if quarter_ends else np.ones(i.size, dtype=bool)
    move = ((np.busday_count(last_workday, end, busdaycal=cal) <= 15) & (d["received_day"][i] <= new_end)
            & (rng.random(i.size) < 0.9) & month_ok)
    i, new_end = i[move], new_end[move]
    d["finished_at"][i] = new_end.astype("datetime64[us]") + time_of_day(d["finished_at"][i])
    d["end_day"][i] = new_end
    # half of them had no result yet: nothing returned, no electronic result
    no_result = i[rng.random(i.size) < 0.5]
    d["returned_at"][no_result] = NAT
    d["electronic_result"][no_result] = False
    d["status"][no_result] = 10
    moved = np.zeros(aidx.size, dtype=bool)
    moved[i] = True
    return moved


def misreport(d: dict, sloppy: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Late dossiers of the sloppy agencies stopped, withdrawn or handed back; no apology slips;
    repeated supplement requests. Returns the mask of changed dossiers."""
    n = sloppy.size
    late = sloppy & np.isin(d["status"], [9, 10]) & (d["end_day"] > d["due_day"])
    u = rng.random(n)
    stop = late & (u < 0.10)
    withdraw = late & (u >= 0.10) & (u < 0.20)
    hand_back = late & (u >= 0.20) & (u < 0.25)
    silent = late & (u >= 0.25) & (rng.random(n) < 0.7)
    d["refused_at"] = np.where(hand_back, d["finished_at"], d["refused_at"])
    d["finished_at"] = np.where(stop | hand_back, NAT, d["finished_at"])
    d["returned_at"] = np.where(stop | withdraw | hand_back, NAT, d["returned_at"])
    d["electronic_result"] = np.where(stop | withdraw | hand_back, False, d["electronic_result"])
    d["apology_issued"] = np.where(stop | withdraw | hand_back | silent, False, d["apology_issued"])
    d["status"] = np.select([stop, withdraw, hand_back], [8, 7, 3], d["status"])
    d["end_day"] = np.where(stop | hand_back, NAT, d["end_day"])
    again = sloppy & (d["supplement_count"] == 1) & (rng.random(n) < 0.4)
    d["supplement_count"] = np.where(again, np.where(rng.random(n) < 0.3, 3, 2), d["supplement_count"])
    return stop | withdraw | hand_back | silent | again
