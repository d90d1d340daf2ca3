"""The demo province's inputs of the 766 index that no dossier carries (vectorised, deterministic).

- the procedure catalogue's online level and publication flags (ref_procedure): the procedures people
  mostly file online are offered fully online, the rarely-online ones partly or not at all; a few
  procedures were published or made public late, or with incomplete information;
- citizens' complaints and petitions (raw_pakn): about 2 for every 1,000 dossiers, more at some
  agencies, answered within 10 working days mostly on time (a few agencies answer late), the answer
  rated by most citizens;
- satisfaction ratings (raw_rating): about one finished dossier in eight is rated (one in four of
  those filed online, where the portal asks), 1 to 5, satisfied at 4 or 5; late dossiers please less;
  a few agencies please noticeably less than the rest.

The random stream is seeded from the demo's seed but separate from the dossiers' own, so adding these
inputs changes no dossier. Tuned so that the demo's 766 totals look like the published ones (province
departments mostly 80-95 points, communes 75-95, as An Giang published them for October 2025).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from etl import demo_reference as ref
from warehouse import build

PAKN_PER_DOSSIER = 0.002      # complaints and petitions per dossier, before the agency's own factor
PAKN_WORKDAYS = 10            # working days allowed to answer (Decree 20/2008/NĐ-CP)
RATED_SHARE = {"online": 0.25, "other": 0.10}


def _rng(seed: int, stream: int) -> np.random.Generator:
    return np.random.default_rng([seed, 766, stream])


def procedure_flags(seed: int = 7) -> pl.DataFrame:
    """procedure_code -> online_level, published_on_time, publicised, info_complete."""
    rng = _rng(seed, 1)
    n = len(ref.PROCEDURES)
    propensity = np.array([p.online for p in ref.PROCEDURES])
    level = np.where(propensity >= 0.9, 2, np.where(propensity >= 0.4, 1, 0))
    # a few procedures are one step behind where their demand would put them
    level = np.where(rng.random(n) < 0.08, np.maximum(level - 1, 0), level)
    return pl.DataFrame({
        "procedure_code": [ref.procedure_code(i) for i in range(n)],
        "online_level": level.astype(np.int8),
        "published_on_time": rng.random(n) >= 0.04,
        "publicised": rng.random(n) >= 0.03,
        "info_complete": rng.random(n) >= 0.05,
    })


def _agency_index(agencies: pl.DataFrame, codes: pl.Series) -> np.ndarray:
    index = agencies.select("agency_code").with_row_index("agency_idx")
    return (pl.DataFrame({"agency_code": codes})
            .join(index, on="agency_code", how="left", maintain_order="left")
            ["agency_idx"].to_numpy().astype(np.int64))


def _busday(days: np.ndarray) -> np.ndarray:
    return np.busday_offset(days, 0, roll="forward")


def _stream(seed: int, stream: int, dossiers: pl.DataFrame,
            agency_rng: np.random.Generator) -> np.random.Generator:
    """The draws for these dossiers: their month's own stream when they are one month of receipt
    (the build passes a month at a time), else the agencies' stream continued."""
    months = dossiers["received_at"].dt.truncate("1mo").drop_nulls().unique()
    if months.len() == 1:
        return np.random.default_rng([seed, 766, stream, months[0].year, months[0].month])
    return agency_rng


def generate_pakn(agencies: pl.DataFrame, dossiers: pl.DataFrame, seed: int = 7,
                  as_of: dt.date | None = None) -> pl.DataFrame:
    """Complaints and petitions, each about one dossier of the agency, received after it."""
    as_of = as_of or dt.date.today()
    agency_rng = _rng(seed, 2)
    rng = agency_rng
    n_agencies = agencies.height
    # some agencies draw many more complaints; a few answer late
    propensity = rng.lognormal(0.0, 0.7, n_agencies)
    slow = rng.random(n_agencies) < 0.06
    on_time_p = np.where(slow, rng.uniform(0.5, 0.85, n_agencies), rng.beta(40, 1.0, n_agencies))
    rng = _stream(seed, 2, dossiers, agency_rng)

    received = dossiers.filter(pl.col("received_at").is_not_null())
    idx = _agency_index(agencies, received["agency_code"])
    picked = rng.random(received.height) < PAKN_PER_DOSSIER * propensity[idx]
    base = received.filter(pl.Series(picked))
    idx = idx[picked]
    n = base.height
    last = np.datetime64(as_of)

    dossier_day = base["received_at"].to_numpy().astype("datetime64[D]")
    received_day = _busday(dossier_day + rng.integers(1, 25, n))
    keep = received_day <= last
    due_day = np.busday_offset(received_day, PAKN_WORKDAYS, roll="forward")
    on_time = rng.random(n) < on_time_p[idx]
    resolved_day = np.where(
        on_time,
        np.busday_offset(received_day, rng.integers(1, PAKN_WORKDAYS + 1, n), roll="forward"),
        np.busday_offset(due_day, 1 + rng.geometric(0.25, n), roll="forward"),
    )
    resolved = resolved_day <= last
    rated = resolved & (rng.random(n) < 0.7)
    satisfied = rng.random(n) < np.where(on_time, 0.97, 0.6)

    minutes = rng.integers(8 * 60, 17 * 60, (3, n)).astype("timedelta64[m]")
    frame = pl.DataFrame({
        "pakn_id": "PAKN-" + base["dossier_id"],
        "agency_code": base["agency_code"],
        "received_at": (received_day.astype("datetime64[m]") + minutes[0]).astype("datetime64[us]"),
        "due_at": (due_day.astype("datetime64[m]") + np.timedelta64(17 * 60, "m")).astype("datetime64[us]"),
        "resolved_at": np.where(resolved, resolved_day.astype("datetime64[m]") + minutes[1],
                                np.datetime64("NaT")).astype("datetime64[us]"),
        "satisfied": satisfied,
        "rated": rated,
    })
    return (frame.filter(pl.Series(keep))
            .with_columns(pl.when(pl.col("rated")).then(pl.col("satisfied")).alias("satisfied"))
            .drop("rated"))


def generate_ratings(agencies: pl.DataFrame, dossiers: pl.DataFrame, seed: int = 7,
                     as_of: dt.date | None = None) -> pl.DataFrame:
    """Citizens' ratings of finished dossiers, a few days after the result."""
    as_of = as_of or dt.date.today()
    agency_rng = _rng(seed, 3)
    rng = agency_rng
    n_agencies = agencies.height
    displeasing = rng.random(n_agencies) < 0.08
    pleased_p = np.where(displeasing, rng.beta(12, 2.5, n_agencies), rng.beta(60, 1.5, n_agencies))
    rng = _stream(seed, 3, dossiers, agency_rng)

    finished = dossiers.filter(pl.col("finished_at").is_not_null())
    idx = _agency_index(agencies, finished["agency_code"])
    online = finished["channel"].to_numpy() == 2
    picked = rng.random(finished.height) < np.where(online, RATED_SHARE["online"], RATED_SHARE["other"])
    base = finished.filter(pl.Series(picked))
    idx = idx[picked]
    n = base.height

    end = base["finished_at"].to_numpy()
    late = end.astype("datetime64[D]") > base["due_at"].to_numpy().astype("datetime64[D]")
    satisfied = rng.random(n) < pleased_p[idx] * np.where(late, 0.6, 1.0)
    score = np.where(satisfied, np.where(rng.random(n) < 0.7, 5, 4),
                     rng.choice(np.array([1, 2, 3]), n, p=[0.2, 0.3, 0.5]))
    rated_at = (end.astype("datetime64[m]") + rng.integers(30, 3 * 1440, n).astype("timedelta64[m]"))
    keep = rated_at.astype("datetime64[D]") <= np.datetime64(as_of)
    frame = pl.DataFrame({
        "rating_id": "DG-" + base["dossier_id"],
        "dossier_id": base["dossier_id"],
        "agency_code": base["agency_code"],
        "rated_at": rated_at.astype("datetime64[us]"),
        "score": score.astype(np.int8),
        "satisfied": satisfied,
    })
    return frame.filter(pl.Series(keep))


def set_procedure_flags(con, seed: int = 7) -> None:
    """The procedure catalogue's online level and publication flags, into ref_procedure (loaded)."""
    flags = procedure_flags(seed)
    con.register("_flags", flags.to_arrow())
    try:
        con.execute(
            """update ref_procedure as p
               set online_level = f.online_level, published_on_time = f.published_on_time,
                   publicised = f.publicised, info_complete = f.info_complete
               from _flags as f where f.procedure_code = p.procedure_code"""
        )
    finally:
        con.unregister("_flags")


def add_month_inputs(con, agencies: pl.DataFrame, month: pl.DataFrame, seed: int = 7,
                     as_of: dt.date | None = None, load_id: str | None = None) -> None:
    """PAKN and ratings about one month of receipt's dossiers, into the raw tables."""
    pakn = generate_pakn(agencies, month, seed=seed, as_of=as_of)
    ratings = generate_ratings(agencies, month, seed=seed, as_of=as_of)
    build.insert_frame(con, "raw_pakn", pakn.with_columns(pl.lit(load_id).alias("load_id")))
    build.insert_frame(con, "raw_rating", ratings.with_columns(pl.lit(load_id).alias("load_id")))
