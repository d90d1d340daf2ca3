"""A realistic, deterministic demo warehouse for one real province (vectorised: no loop per dossier).

Volumes follow docs/domain.md#scale (about 0.5 million dossiers a year at scale 1). What makes it realistic:
land dossiers are late far more often than civil-status ones; the online share, online payment,
digitisation and electronic results rise over time; agencies differ (a few are weak, a few
rarely issue apology slips); districts disappear on 01/07/2025 and the new communes take over
their procedures, with a dip in timeliness in the first months.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import numpy as np
import polars as pl

from etl import demo_reference as ref

START = dt.date(2024, 1, 1)
REORG = dt.date(2025, 7, 1)
# dossiers per month at scale 1, by the level that handles them
MONTHLY_VOLUME = {"commune": 18_000, "district": 9_000, "department": 7_500, "central": 7_500}
# Tết in February, year-end rush in December
SEASON = np.array([1.1, 0.7, 1.0, 1.0, 1.0, 1.0, 1.0, 0.95, 1.0, 1.0, 1.05, 1.15])
DEPT_KEYS = {key for key, _, level in ref.DEPARTMENTS if level == "department"}


def _months(as_of: dt.date) -> list[dt.date]:
    months, day = [], START
    while day <= as_of:
        months.append(day)
        day = dt.date(day.year + (day.month == 12), day.month % 12 + 1, 1)
    return months


def _streams(agencies: pl.DataFrame, rng: np.random.Generator) -> pl.DataFrame:
    """One row per (agency, procedure) with its expected dossiers per month at scale 1."""
    agency_rows = agencies.with_row_index("agency_idx")
    # commune sizes vary a lot: a few tiny communes, a few big wards
    size = rng.lognormal(0.0, 0.6, agencies.height)
    agency_rows = agency_rows.with_columns(pl.Series("size", size))
    procs = pl.DataFrame(
        {
            "proc_idx": list(range(len(ref.PROCEDURES))),
            "handler": [p.handler for p in ref.PROCEDURES],
            "share": [p.share for p in ref.PROCEDURES],
        }
    )
    dept_total = sum(p.share for p in ref.PROCEDURES if p.handler in DEPT_KEYS)
    central_total = sum(p.share for p in ref.PROCEDURES if p.handler in {"CA", "THUE", "BHXH"})
    frames = []
    # commune procedures: old communes before the reorganisation, new communes after
    communes = agency_rows.filter(pl.col("demo_key") == "commune")
    for handler, level_volume in (("commune", MONTHLY_VOLUME["commune"]),
                                  ("district", MONTHLY_VOLUME["district"])):
        p = procs.filter(pl.col("handler") == handler)
        p = p.with_columns(pl.col("share") / pl.col("share").sum())
        old_handlers = agency_rows.filter(pl.col("demo_key") == handler) if handler == "district" else \
            communes.filter(pl.col("unit_version") == 1)
        new_handlers = communes.filter(pl.col("unit_version") == 2)
        for era, handlers in (("old", old_handlers), ("new", new_handlers)):
            weight = handlers["size"] / handlers["size"].sum()
            frames.append(
                handlers.select("agency_idx", pl.Series("weight", weight), pl.lit(era).alias("era"))
                .join(p, how="cross")
                .select("agency_idx", "proc_idx", "era",
                        (pl.col("weight") * pl.col("share") * level_volume).alias("lam"))
            )
    upper = agency_rows.filter(~pl.col("demo_key").is_in(["commune", "district"]))
    upper_procs = procs.filter(~pl.col("handler").is_in(["commune", "district"]))
    frames.append(
        upper.join(upper_procs, left_on="demo_key", right_on="handler").select(
            "agency_idx", "proc_idx", pl.lit("both").alias("era"),
            pl.when(pl.col("agency_level") == "central")
            .then(pl.col("share") / central_total * MONTHLY_VOLUME["central"])
            .otherwise(pl.col("share") / dept_total * MONTHLY_VOLUME["department"])
            .alias("lam"),
        )
    )
    return pl.concat(frames)


def _agency_traits(n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    weak = rng.random(n) < 0.12
    late_base = np.where(weak, rng.uniform(0.06, 0.16, n), rng.lognormal(np.log(0.012), 0.6, n))
    no_apology = rng.random(n) < 0.10
    apology = np.where(no_apology, rng.uniform(0.05, 0.3, n), rng.beta(18, 1.5, n))
    return {
        "late_base": late_base,
        "weak": weak,
        "apology": apology,
        "online_mult": rng.lognormal(0.0, 0.25, n),
        "digital_mult": rng.lognormal(0.0, 0.2, n),
    }


def generate_dossiers(
    agencies: pl.DataFrame, seed: int = 7, scale: float = 1.0, as_of: dt.date | None = None,
    days_off: list[dt.date] | None = None,
) -> pl.DataFrame:
    """All the demo dossiers as one frame (small scales; the build inserts them month by month)."""
    return pl.concat(list(dossier_chunks(agencies, seed=seed, scale=scale, as_of=as_of, days_off=days_off)))


def dossier_chunks(
    agencies: pl.DataFrame, seed: int = 7, scale: float = 1.0, as_of: dt.date | None = None,
    days_off: list[dt.date] | None = None,
) -> Iterator[pl.DataFrame]:
    """The demo dossiers one month of receipt at a time, in order of receipt.

    Each month draws from its own stream (seed, month), so memory stays at one month's dossiers
    whatever the scale, and a month's dossiers do not depend on the other months.
    `days_off`: the weekdays off of the official calendar (docs/calendar.md); dossiers are received,
    fall due and are finished on working days only (Saturdays worked in exchange are left out).
    """
    as_of = as_of or dt.date.today()
    rng = np.random.default_rng(seed)
    months = _months(as_of)
    streams = _streams(agencies, rng)
    traits = _agency_traits(agencies.height, rng)
    calendar = np.busdaycalendar(holidays=np.array(sorted(days_off or []), dtype="datetime64[D]"))

    # expected counts per (stream, month), masked by era; each month then draws its own
    month_start = np.array(months, dtype="datetime64[D]")
    month_end = np.array(
        [dt.date(m.year + (m.month == 12), m.month % 12 + 1, 1) for m in months], dtype="datetime64[D]"
    )
    season = SEASON[[m.month - 1 for m in months]]
    elapsed = np.minimum(
        1.0, ((np.datetime64(as_of) + 1 - month_start) / (month_end - month_start)).astype(float))
    after_reorg = month_start >= np.datetime64(REORG)
    era = streams["era"].to_numpy()
    active = np.where(era[:, None] == "old", ~after_reorg[None, :],
                      np.where(era[:, None] == "new", after_reorg[None, :], True))
    lam = streams["lam"].to_numpy()[:, None] * season[None, :] * elapsed[None, :] * scale * active
    for m, month in enumerate(months):
        month_rng = np.random.default_rng([seed, month.year, month.month])
        frame = _month_dossiers(agencies, streams, traits, lam[:, m], month_start[m], month_end[m],
                                as_of, month_rng, calendar)
        if frame.height:
            yield frame


def _month_dossiers(agencies: pl.DataFrame, streams: pl.DataFrame, traits: dict[str, np.ndarray],
                    lam: np.ndarray, month_start: np.datetime64, month_end: np.datetime64,
                    as_of: dt.date, rng: np.random.Generator, calendar: np.busdaycalendar) -> pl.DataFrame:
    counts = rng.poisson(lam)
    if np.busday_count(month_start, min(month_end, np.datetime64(as_of) + 1), busdaycal=calendar) == 0:
        counts[:] = 0   # no working day yet (as_of on the 1st, a day off): nothing received this month
    stream_of = np.repeat(np.arange(lam.size), counts)
    n = stream_of.size

    agency_idx = streams["agency_idx"].to_numpy()[stream_of].astype(np.int64)
    proc_idx = streams["proc_idx"].to_numpy()[stream_of].astype(np.int64)
    proc_days = np.array([p.days for p in ref.PROCEDURES])[proc_idx]
    proc_fee = np.array([p.fee for p in ref.PROCEDURES])[proc_idx]
    proc_online = np.array([p.online for p in ref.PROCEDURES])[proc_idx]
    proc_late = np.array([p.late for p in ref.PROCEDURES])[proc_idx]
    proc_land = np.array([p.field == "DD" for p in ref.PROCEDURES])[proc_idx]

    # received on a working day of the month, during office hours, never after as_of
    first = month_start
    last = min(month_end, np.datetime64(as_of) + 1)
    workdays = max(int(np.busday_count(first, last, busdaycal=calendar)), 1)
    offset = np.floor(rng.random(n) * workdays).astype(np.int64)
    received_day = np.busday_offset(first, offset, roll="forward", busdaycal=calendar)
    received_day = np.minimum(received_day, np.datetime64(as_of))
    t = ((received_day - np.datetime64(START)).astype(float) / max((as_of - START).days, 1))  # 0..1

    # supplement requests: the citizen's time moves the appointment later
    weak = traits["weak"][agency_idx]
    u = rng.random(n)
    supplements = np.where(u < np.where(weak, 0.05, 0.015), 2, np.where(u < 0.07, 1, 0))
    due_day = np.busday_offset(received_day, proc_days + 5 * supplements, roll="forward", busdaycal=calendar)

    # late or not: agency quality, procedure, improvement over time, disruption after the reform
    disruption = np.where(
        (received_day >= np.datetime64(REORG)) & (received_day < np.datetime64(REORG) + 75), 2.2, 1.0
    )
    p_late = np.clip(traits["late_base"][agency_idx] * proc_late * (1.25 - 0.5 * t) * disruption, 0, 0.6)
    is_late = rng.random(n) < p_late
    late_by = 1 + rng.geometric(np.where(proc_land, 0.12, 0.35), n)
    span = np.maximum(proc_days, 0)
    early_by = np.floor(rng.random(n) * span).astype(np.int64)
    exactly_due = rng.random(n) < 0.35
    end_day = np.where(
        is_late,
        np.busday_offset(due_day, late_by, roll="forward", busdaycal=calendar),
        np.where((proc_days == 0) | exactly_due, due_day,
                 np.busday_offset(received_day, early_by, roll="forward", busdaycal=calendar)),
    )
    end_day = np.maximum(end_day, received_day)

    # statuses
    u = rng.random(n)
    refused = u < 0.006
    withdrawn = (u >= 0.006) & (u < 0.010)
    stopped = (u >= 0.010) & (u < 0.011)
    stuck = (~refused & ~withdrawn & ~stopped) & (rng.random(n) < np.where(weak, 0.012, 0.002))
    unfinished = (end_day > np.datetime64(as_of)) | stuck | stopped
    status = np.full(n, 10, dtype=np.int8)
    status[rng.random(n) < 0.08] = 9
    status[unfinished] = np.where(supplements[unfinished] > 0, 5,
                                  np.where(rng.random(unfinished.sum()) < 0.05, 6, 4))
    status[stopped] = 8
    status[withdrawn] = 7
    status[refused] = 3

    # times of day
    def at(day: np.ndarray, lo_min: int, hi_min: int) -> np.ndarray:
        minutes = rng.integers(lo_min, hi_min, n)
        return day.astype("datetime64[m]") + minutes.astype("timedelta64[m]")

    received_at = at(received_day, 7 * 60 + 30, 16 * 60 + 45)
    due_at = due_day.astype("datetime64[m]") + np.timedelta64(17 * 60, "m")
    finished_at = at(end_day, 8 * 60, 17 * 60)
    finished_at = np.maximum(finished_at, received_at + np.timedelta64(20, "m"))
    has_end = ~unfinished & ~refused
    returned_at = finished_at + (rng.integers(0, 3, n) * 1440).astype("timedelta64[m]")
    # a result returned after the data's date has not been returned yet: processed (9), not returned
    status[has_end & (status == 10) & (returned_at >= np.datetime64(as_of) + 1)] = 9

    # channels and digital services rising over time
    p_online = np.clip(proc_online * traits["online_mult"][agency_idx] * (0.22 + 0.45 * t), 0, 0.97)
    v = rng.random(n)
    channel = np.where(v < p_online, 2, np.where(v < p_online + 0.015, 3, 1)).astype(np.int8)
    online = channel == 2
    # fees paid on the portal or by QR at the desk: most online filers, a rising share in person
    p_paid = np.where(online, 0.55 + 0.4 * t, 0.15 + 0.45 * t)
    paid = proc_fee & (rng.random(n) < p_paid)
    paid_code = np.where(paid, np.where(rng.random(n) < 0.6, 1, 2), 0).astype(np.int8)
    digital = traits["digital_mult"][agency_idx]
    digitised = rng.random(n) < np.clip((0.3 + 0.6 * t) * digital, 0, 0.98)
    e_result = rng.random(n) < np.clip((0.15 + 0.65 * t) * digital, 0, 0.98)
    late_done = is_late & has_end
    # a slip is owed by every late dossier: finished late, or still open past its due day
    owes_slip = late_done | (unfinished & (due_day < np.datetime64(as_of)))
    apology = owes_slip & (rng.random(n) < traits["apology"][agency_idx])
    applicant = np.where(rng.random(n) < 0.88, 1, np.where(rng.random(n) < 0.85, 2, 4)).astype(np.int8)
    # what a sync record says beyond the catalogue (docs/inputs.md), from a stream of its own so that the
    # draws above stay as they were: DanhSachLePhi all 0 for a few exempt dossiers of a charging
    # procedure (not in the online-payment denominator), and HinhThuc 1 (result by post) for most postal
    # filers, a rising share of online ones and a few at the desk
    extra = np.random.default_rng(rng.integers(0, 2**62))
    exempt = proc_fee & (extra.random(n) < 0.04)
    paid_code[exempt] = 0
    p_post = np.where(channel == 3, 0.9, np.where(online, 0.08 + 0.12 * t, 0.02))
    result_method = (extra.random(n) < p_post).astype(np.int8)

    agency_codes = agencies["agency_code"].to_numpy()[agency_idx]

    def ts(values: np.ndarray) -> np.ndarray:
        return values.astype("datetime64[us]")

    frame = pl.DataFrame(
        {
            "agency_code": agency_codes,
            "procedure_code": np.array([ref.procedure_code(i) for i in range(len(ref.PROCEDURES))])[proc_idx],
            "field_code": np.array([p.field for p in ref.PROCEDURES])[proc_idx],
            "channel": channel,
            "applicant_type": applicant,
            "submitted_at": ts(received_at
                               - np.where(online, rng.integers(5, 2000, n), 0).astype("timedelta64[m]")),
            "received_at": ts(received_at),
            "due_at": ts(due_at),
            "finished_at": ts(np.where(has_end, finished_at, np.datetime64("NaT"))),
            "returned_at": ts(np.where(has_end & (status == 10), returned_at, np.datetime64("NaT"))),
            "refused_at": ts(np.where(refused, received_at + np.timedelta64(600, "m"), np.datetime64("NaT"))),
            "status": status,
            "supplement_count": supplements.astype(np.int32),
            "has_fee": proc_fee & ~exempt,
            "paid_online": paid_code,                # 0: the record says not paid online
            "result_method": result_method,
            # the rescheduling trace of DanhSachHoSoBoSung: the appointment before the first request and the
            # latest new one (each request moved it 5 working days later)
            "original_due_at": ts(np.where(supplements > 0,
                                           np.busday_offset(received_day, proc_days, roll="forward",
                                                            busdaycal=calendar)
                                           .astype("datetime64[m]") + np.timedelta64(17 * 60, "m"),
                                           np.datetime64("NaT"))),
            "rescheduled_due_at": ts(np.where(supplements > 0, due_at, np.datetime64("NaT"))),
            "digitised": digitised,
            "electronic_result": e_result & has_end,
            "apology_issued": apology,
        }
    ).sort("received_at", "agency_code", "procedure_code")
    # MaHoSo: agency code, receiving date and a sequence number within the agency's day
    day = pl.col("received_at").dt.strftime("%y%m%d")
    return frame.with_columns(
        pl.concat_str(
            pl.col("agency_code"), pl.lit("-"), day, pl.lit("-"),
            (pl.int_range(1, pl.len() + 1).over("agency_code", day)).cast(pl.String).str.zfill(4),
        ).alias("dossier_id")
    )
