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

from warehouse import build

DESK = "Bộ phận một cửa"
EXPERT = "Phòng chuyên môn"
LAND_OFFICE = "Chi nhánh Văn phòng đăng ký đất đai"
LEADER = "Lãnh đạo ký duyệt"
# the default of ref_integrity_setting 'bulk_closure_last_workdays'
LAST_WORKDAYS = 3
HISTORY_FROM = np.datetime64("2025-01-01")
STEP_MONTHS = 6               # the step sync started about six months before the data's date
NAT = np.datetime64("NaT")

# how many agencies of each kind misreport: (agency_level, unit_version or None, how many)
SLOPPY = [("department", None, 2), ("district", None, 2), ("commune", 1, 3), ("commune", 2, 2)]

# dates as bad exports write them ({y}: the record's year)
_BAD_DATES = np.array(["31/02/{y}", "30/02/{y}", "31/04/{y}", "31/06/{y}", "00/00/0000", "{y}-13-05",
                       "32/01/{y}"])


def _rng(seed: int) -> np.random.Generator:
    return np.random.default_rng([seed, 766])


def _day(values: np.ndarray) -> np.ndarray:
    return values.astype("datetime64[D]")


def _time_of_day(values: np.ndarray) -> np.ndarray:
    """The time part of timestamps, as a timedelta (zero where missing)."""
    t = values - _day(values).astype("datetime64[us]")
    return np.where(np.isnat(values), np.timedelta64(0, "us"), t)


def _busdays(a: np.ndarray, b: np.ndarray, cal: np.busdaycalendar) -> np.ndarray:
    """Working days from a to b (0 where either is missing), on the official calendar `cal`."""
    ok = ~np.isnat(a) & ~np.isnat(b)
    out = np.zeros(a.shape, dtype=np.int64)
    out[ok] = np.busday_count(a[ok], b[ok], busdaycal=cal)
    return out


def _shift(days: np.ndarray, n: np.ndarray | int, cal: np.busdaycalendar) -> np.ndarray:
    """Working days after (n < 0: before) each day; missing days stay missing."""
    n = np.broadcast_to(np.asarray(n, dtype=np.int64), days.shape)
    out = np.full(days.shape, NAT, dtype="datetime64[D]")
    ok = ~np.isnat(days)
    out[ok] = np.busday_offset(days[ok], n[ok], roll="forward", busdaycal=cal)
    return out


def _pick_sloppy(per_agency: np.ndarray, agencies: pl.DataFrame, rng: np.random.Generator) -> list[int]:
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


def _bulk_close(d: dict, aidx: np.ndarray, agency: int, basis: str, quarter_ends: bool,
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
    d["finished_at"][i] = new_end.astype("datetime64[us]") + _time_of_day(d["finished_at"][i])
    d["end_day"][i] = new_end
    # half of them had no result yet: nothing returned, no electronic result
    no_result = i[rng.random(i.size) < 0.5]
    d["returned_at"][no_result] = NAT
    d["electronic_result"][no_result] = False
    d["status"][no_result] = 10
    moved = np.zeros(aidx.size, dtype=bool)
    moved[i] = True
    return moved


def _misreport(d: dict, sloppy: np.ndarray, rng: np.random.Generator) -> np.ndarray:
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


def _history(d: dict, sloppy: np.ndarray, as_of: np.datetime64, load_id: str,
             rng: np.random.Generator, cal: np.busdaycalendar) -> pl.DataFrame:
    """Earlier loaded states of some dossiers, and their current state, as the loader keeps them."""
    n = d["status"].size
    received, end, due = d["received_day"], d["end_day"], d["due_day"]
    span = _busdays(received, end, cal)
    finished = np.isin(d["status"], [9, 10]) & ~np.isnat(end)
    recent = (received >= HISTORY_FROM) & (d["status"] != 1)
    # due dates moved later with no supplement request, to turn late dossiers into on-time ones
    moved = (sloppy & recent & finished & (d["supplement_count"] == 0) & (span >= 2) & (end <= due)
             & (rng.random(n) < 0.12))
    # closed before there was a result, then reopened
    reopened = (sloppy & recent & finished & (span >= 4) & (d["supplement_count"] == 0) & ~moved
                & (rng.random(n) < 0.04))
    sampled = recent & (rng.random(n) < 0.10)
    has_history = sampled | moved | reopened

    idx = np.nonzero(has_history)[0]
    supp = np.minimum(d["supplement_count"][idx], 3)
    moved_i, reopened_i = moved[idx], reopened[idx]
    first_day = np.minimum(received[idx] + 1, as_of)
    last_seen = np.where(np.isnat(end[idx]), as_of, np.minimum(end[idx] + 1, as_of))
    refused = d["refused_day"][idx]
    last_seen = np.where(np.isnat(refused), last_seen, np.minimum(refused + 1, as_of))
    last_seen = np.maximum(last_seen, first_day)

    def at(fraction, minute: int) -> np.ndarray:
        days = first_day + np.floor((last_seen - first_day).astype(np.int64) * fraction).astype(np.int64)
        return days.astype("datetime64[us]") + np.timedelta64(6 * 60 + minute, "m")

    due_now = due[idx]
    # moved: the first due date was 1 to 5 working days before the end (late), never before receipt
    back = rng.integers(1, np.maximum(np.minimum(span[idx], 5), 1) + 1)
    due_first = np.where(moved_i, _shift(end[idx], -back, cal), _shift(due_now, -5 * supp, cal))
    due_first = np.where(np.isnat(due_now), NAT, np.maximum(due_first, received[idx]))
    empty = np.full(idx.size, NAT, dtype="datetime64[us]")
    frames = []

    def state(mask, status, due_day, supplements, finished_at, returned_at, refused_at, loaded_at):
        m = np.nonzero(mask)[0]
        frames.append(pl.DataFrame({
            "dossier_id": d["ids"].gather(idx[m]),
            "status": np.asarray(status)[m] if np.ndim(status) else np.full(m.size, status),
            "received_at": d["received_at"][idx[m]],
            "due_at": np.where(np.isnat(due_day[m]), NAT,
                               due_day[m].astype("datetime64[us]") + np.timedelta64(17, "h")),
            "finished_at": finished_at[m], "returned_at": returned_at[m], "refused_at": refused_at[m],
            "supplement_count": (np.asarray(supplements)[m] if np.ndim(supplements)
                                 else np.full(m.size, supplements)),
            "loaded_at": loaded_at[m],
        }, schema_overrides={"status": pl.Int8, "supplement_count": pl.Int32}))

    everyone = np.ones(idx.size, dtype=bool)
    first_status = np.where(rng.random(idx.size) < 0.3, 2, 4)
    state(everyone, first_status, due_first, 0, empty, empty, empty, at(0.0, 0))
    for j in (1, 2, 3):
        state(supp >= j, 5, _shift(due_first, 5 * j, cal), j, empty, empty, empty, at(j / (supp + 1.5), j))
    # closed on a working day well before the real end, synced that night, reopened the day after
    early_close = _shift(received[idx], np.maximum(1, np.floor(span[idx] * 0.4)).astype(np.int64), cal)
    closed_at = early_close.astype("datetime64[us]") + np.timedelta64(16 * 60, "m")
    state(reopened_i, 9, due_first, 0, closed_at, empty, empty,
          (early_close + 1).astype("datetime64[us]") + np.timedelta64(6 * 60 + 5, "m"))
    state(reopened_i, 4, due_first, 0, empty, empty, empty,
          (early_close + 2).astype("datetime64[us]") + np.timedelta64(6 * 60 + 6, "m"))
    state(everyone, d["status"][idx], due_now, d["supplement_count"][idx], d["finished_at"][idx],
          d["returned_at"][idx], d["refused_at"][idx], at(1.0, 9))

    states = pl.concat(frames).with_columns(
        pl.struct("status", "due_at", "finished_at", "returned_at", "refused_at", "supplement_count")
        .hash(seed=0).cast(pl.String).alias("state_hash")
    ).sort("loaded_at", "dossier_id")
    # the loader keeps a state once per dossier; one sync file per night (rows numbered in SQL,
    # as a night's file holds dossiers of every month)
    states = states.unique(["dossier_id", "state_hash"], keep="first", maintain_order=True)
    return states.with_columns(
        pl.lit(load_id).alias("load_id"),
        pl.concat_str(pl.lit("dong_bo/ho_so_"), pl.col("loaded_at").dt.strftime("%Y-%m-%d"), pl.lit(".json"))
        .alias("source_file"),
    )


def _steps(d: dict, syncing: np.ndarray, land: np.ndarray, as_of: np.datetime64, load_id: str,
           rng: np.random.Generator, cal: np.busdaycalendar) -> pl.DataFrame:
    """Processing steps of the dossiers of the agencies that sync them, over the last months.

    Four steps: the desk receives, the specialist office (the land registry branch for land)
    examines, a leader signs, the desk returns the result. A late dossier is made late by one of
    them; the steps after it then run late by as much, without adding delay of their own.
    """
    received, due, end = d["received_day"], d["due_day"], d["end_day"]
    window = as_of - np.timedelta64(30 * STEP_MONTHS, "D")
    keep = syncing & (received >= window) & ~np.isin(d["status"], [1, 3]) & ~np.isnat(due)
    i = np.nonzero(keep)[0]
    n = i.size
    rec, due_i, end_i, land_i = received[i], due[i], end[i], land[i]
    span = _busdays(rec, due_i, cal)
    plan2 = _shift(rec, np.ceil(span * 0.5).astype(np.int64), cal)
    plan3 = _shift(rec, np.ceil(span * 0.85).astype(np.int64), cal)
    finished = ~np.isnat(end_i)
    waiting = np.isin(d["status"][i], [5, 6, 8])
    late_by = np.where(finished, _busdays(due_i, end_i, cal),
                       np.where(waiting, 0, _busdays(due_i, np.full(n, as_of), cal)))
    late = late_by > 0
    # who made a late dossier late: land dossiers wait in the specialist office most
    u = rng.random(n)
    culprit = np.where(u < np.where(land_i, 0.7, 0.55), 2, np.where(u < 0.9, 3, 4))
    # on time: finished dossiers spread their steps over the time they took, open ones keep to plan
    took = _busdays(rec, np.where(finished, end_i, rec), cal)
    act2 = np.where(finished, _shift(rec, np.floor(took * 0.5).astype(np.int64), cal),
                    np.maximum(_shift(plan2, -rng.integers(0, 3, n), cal), rec))
    act3 = np.where(finished, _shift(rec, np.floor(took * 0.85).astype(np.int64), cal),
                    np.maximum(_shift(plan3, -rng.integers(0, 2, n), cal), act2))
    act2 = np.where(late & (culprit == 2), _shift(plan2, late_by, cal), np.minimum(act2, plan2))
    act3 = np.where(late & (culprit <= 3), np.maximum(_shift(plan3, late_by, cal), act2),
                    np.maximum(np.minimum(act3, plan3), act2))
    # unfinished dossiers: only the steps done by the data's date; the one holding it has not acted
    done2 = finished | ((act2 <= as_of) & ~(late & (culprit == 2)))
    done3 = finished | ((act3 <= as_of) & done2 & ~(late & (culprit <= 3)))

    def office_hours() -> np.ndarray:
        return rng.integers(8 * 60, 17 * 60, n).astype("timedelta64[m]")

    five_pm = np.timedelta64(17, "h")
    specialist = np.where(land_i, LAND_OFFICE, EXPERT)
    rows = [
        (np.ones(n, bool), np.full(n, DESK), "Tiếp nhận hồ sơ", d["received_at"][i], rec),
        (done2, specialist, "Thẩm định, xử lý hồ sơ", act2.astype("datetime64[us]") + office_hours(), plan2),
        (done3, np.full(n, LEADER), "Ký duyệt kết quả",
         act3.astype("datetime64[us]") + office_hours(), plan3),
        (finished, np.full(n, DESK), "Trả kết quả", d["finished_at"][i], due_i),
    ]
    frames = []
    for step, (mask, department, action, acted_at, planned) in enumerate(rows):
        m = np.nonzero(mask & ~np.isnat(acted_at))[0]
        frames.append(pl.DataFrame({
            "dossier_id": d["ids"].gather(i[m]),
            "department": department[m],
            "acted_at": acted_at[m].astype("datetime64[us]"),
            "action": np.full(m.size, action),
            "step_status": np.full(m.size, "Đã xử lý"),
            "planned_end": planned[m].astype("datetime64[us]") + five_pm,
            "step": np.full(m.size, step, dtype=np.int8),
        }))
    # rows numbered in SQL: a day's sync file holds the steps of dossiers of every month
    return pl.concat(frames).with_columns(
        pl.lit(load_id).alias("load_id"),
        pl.concat_str(pl.lit("dong_bo/tien_do_"), pl.col("acted_at").dt.strftime("%Y-%m-%d"), pl.lit(".json"))
        .alias("source_file"),
    )


def _text_dates(days: np.ndarray, fmt: str) -> np.ndarray:
    return pl.Series(days.astype("datetime64[us]")).dt.strftime(fmt).to_numpy().astype(str)


def _quarantine(d: dict, codes: np.ndarray, sloppy: np.ndarray, load_id: str,
                rng: np.random.Generator) -> pl.DataFrame:
    """Records of vendors' exports the loader rejected: one row per reason, as it writes them."""
    n_all = d["status"].size
    n = max(1, round(n_all * 0.002))        # per month of receipt
    # most come from the sloppy agencies; the rest from anywhere, as often as agencies have dossiers
    sloppy_rows = np.nonzero(sloppy)[0]
    anywhere = rng.integers(0, n_all, n)
    if sloppy_rows.size:
        pick = np.where(rng.random(n) < 0.7, sloppy_rows[rng.integers(0, sloppy_rows.size, n)], anywhere)
    else:
        pick = anywhere
    code = codes[d["aidx"][pick]]
    received = d["received_day"][pick]
    received = np.where(np.isnat(received), np.datetime64("2025-01-02"), received)
    # 40% are a bad record of a dossier another export delivered right; the others never made it
    known = rng.random(n) < 0.4
    sequence = np.char.add("9", np.char.zfill((np.arange(n) % 1000).astype(str), 3))
    new_key = np.char.add(np.char.add(np.char.add(code, "-"), _text_dates(received, "%y%m%d")),
                          np.char.add("-", sequence))
    key = np.where(known, d["ids"].gather(pick).to_numpy().astype(str), new_key)
    year = _text_dates(received, "%Y")
    bad_date = np.char.replace(_BAD_DATES[rng.integers(0, _BAD_DATES.size, n)], "{y}", year)
    far_date = np.char.add(_text_dates(received, "%d/%m/"), "2205")
    kinds = rng.choice(8, size=n, p=[0.25, 0.12, 0.10, 0.08, 0.15, 0.10, 0.10, 0.10])
    field = np.array(["NgayTiepNhan", "NgayKetThucXuLy", "NgayHenTra", "NgayTiepNhan", "TrangThaiHoSo",
                      "KenhThucHien", "NgayKetThucXuLy", "NgayKetThucXuLy"])[kinds]
    reason = np.array([
        "ngày không hợp lệ", "ngày không hợp lệ", "ngày không thể có",
        "ngày không thể có (trước năm 2000 hoặc sau hôm nay)", "mã trạng thái không hợp lệ (cần từ 1 đến 10)",
        "mã kênh không hợp lệ (1 trực tiếp, 2 trực tuyến, 3 bưu chính)",
        "kết thúc xử lý trước ngày tiếp nhận",
        "hồ sơ đã giải quyết nhưng thiếu ngày kết thúc xử lý",
    ])[kinds]
    value = np.select(
        [kinds <= 1, kinds == 2, kinds == 3, kinds == 4, kinds == 5, kinds == 6],
        [bad_date, far_date, np.full(n, "01/01/1900"), rng.choice(np.array(["0", "11", "99"]), n),
         rng.choice(np.array(["0", "4"]), n), _text_dates(received - 1, "%d/%m/%Y")],
        "",
    )
    month = _text_dates(received, "%Y-%m")
    source_file = np.char.add(np.char.add("xuat_khau/", month),
                              np.char.add("/ho_so_", np.char.add(code, ".csv")))
    dossiers = pl.DataFrame({
        "load_id": np.full(n, load_id), "kind": np.full(n, "dossier"), "source_file": source_file,
        "record_key": key.astype(str), "field": field, "value": value, "reason": reason, "year": year,
    }).with_columns(
        pl.when(pl.col("value") != "").then(pl.col("value")).alias("value"),
        # the spreadsheet row (header = row 1), distinct within a file
        (pl.int_range(0, pl.len()).over("source_file") * 37 + 2
         + pl.Series(rng.integers(0, 30, n))).cast(pl.Int64).alias("source_row")
    )
    # some records have a second fault: a status code the system does not have
    twice = pl.Series(rng.random(n) < 0.15)
    second = dossiers.filter(twice & (pl.col("field") != "TrangThaiHoSo")).with_columns(
        pl.lit("TrangThaiHoSo").alias("field"), pl.lit("12").alias("value"),
        pl.lit("mã trạng thái không hợp lệ (cần từ 1 đến 10)").alias("reason"),
    )
    # processing steps of known dossiers with an impossible planned end
    steps = dossiers.filter(pl.Series(known & (rng.random(n) < 0.25))).with_columns(
        pl.lit("step").alias("kind"),
        pl.col("source_file").str.replace("/ho_so_", "/tien_do_", literal=True),
        pl.lit("NgayKetThucTheoQuyDinh").alias("field"),
        pl.concat_str(pl.lit("31/02/"), pl.col("year")).alias("value"),
        pl.lit("ngày không hợp lệ").alias("reason"),
    )
    return pl.concat([dossiers, second, steps]).drop("year")


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
    d["received_day"] = _day(d["received_at"])
    d["due_day"] = _day(d["due_at"])
    d["end_day"] = _day(np.where(np.isnat(d["finished_at"]), d["returned_at"], d["finished_at"]))
    d["refused_day"] = _day(d["refused_at"])
    return d


def _volumes(chunks: Iterator[pl.DataFrame], codes: list[str],
             cal: np.busdaycalendar) -> tuple[np.ndarray, np.ndarray]:
    """Dossiers per agency, and those that took two weeks or more (working days)."""
    total = np.zeros(len(codes), dtype=np.int64)
    slow = np.zeros(len(codes), dtype=np.int64)
    for chunk in chunks:
        aidx = chunk["agency_code"].cast(pl.Enum(codes)).to_physical().to_numpy().astype(np.int64)
        finished = chunk["finished_at"].to_numpy()
        end = _day(np.where(np.isnat(finished), chunk["returned_at"].to_numpy(), finished))
        total += np.bincount(aidx, minlength=len(codes))
        slow += np.bincount(aidx[_busdays(_day(chunk["received_at"].to_numpy()), end, cal) >= 10],
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
    is_sloppy[_pick_sloppy(volume, agencies, rng)] = True
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
            changed |= _bulk_close(d, aidx, agency, basis, quarter_ends, month_rng, cal)
        changed |= _misreport(d, sloppy, month_rng)
        rows = np.nonzero(changed)[0]
        stage("_demo_changes", pl.DataFrame({"dossier_id": d["ids"].gather(rows),
                                             **{c: d[c][rows] for c in _UPDATED}}))
        stage("_demo_history", _history(d, sloppy, as_of_day, load_id, month_rng, cal))
        land = (chunk["field_code"] == "DD").fill_null(False).to_numpy()
        stage("_demo_steps", _steps(d, syncs[aidx], land, as_of_day, load_id, month_rng, cal))
        build.insert_frame(con, "quarantine", _quarantine(d, np.array(codes), sloppy, load_id, month_rng))

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
