"""What a real warehouse accumulates over many loads, for the demo's dossiers (etl/demo_integrity.py):
earlier states of some dossiers (`raw_dossier_history`), processing steps of the agencies whose
software syncs them (`raw_dossier_step`), and the `quarantine` rows of vendors' faulty exports.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from etl.demo_misreport import NAT, busdays, shift

DESK = "Bộ phận một cửa"
EXPERT = "Phòng chuyên môn"
LAND_OFFICE = "Chi nhánh Văn phòng đăng ký đất đai"
LEADER = "Lãnh đạo ký duyệt"
HISTORY_FROM = np.datetime64("2025-01-01")
STEP_MONTHS = 6               # the step sync started about six months before the data's date

# dates as bad exports write them ({y}: the record's year)
_BAD_DATES = np.array(["31/02/{y}", "30/02/{y}", "31/04/{y}", "31/06/{y}", "00/00/0000", "{y}-13-05",
                       "32/01/{y}"])


def history_rows(d: dict, sloppy: np.ndarray, as_of: np.datetime64, load_id: str,
             rng: np.random.Generator, cal: np.busdaycalendar) -> pl.DataFrame:
    """Earlier loaded states of some dossiers, and their current state, as the loader keeps them."""
    n = d["status"].size
    received, end, due = d["received_day"], d["end_day"], d["due_day"]
    span = busdays(received, end, cal)
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
    due_first = np.where(moved_i, shift(end[idx], -back, cal), shift(due_now, -5 * supp, cal))
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
        state(supp >= j, 5, shift(due_first, 5 * j, cal), j, empty, empty, empty, at(j / (supp + 1.5), j))
    # closed on a working day well before the real end, synced that night, reopened the day after
    early_close = shift(received[idx], np.maximum(1, np.floor(span[idx] * 0.4)).astype(np.int64), cal)
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


def step_rows(d: dict, syncing: np.ndarray, land: np.ndarray, as_of: np.datetime64, load_id: str,
           rng: np.random.Generator, cal: np.busdaycalendar, late_only: bool = False) -> pl.DataFrame:
    """Processing steps of the dossiers of the agencies that sync them, over the last months; with
    `late_only`, those of every other late dossier (any agency, any month: a late dossier's steps are
    recorded for its apology and the late list, so the list names who held it).

    Four steps: the desk receives, the specialist office (the land registry branch for land)
    examines, a leader signs, the desk returns the result. A late dossier is made late by one of
    them; the steps after it then run late by as much, without adding delay of their own.
    """
    received, due, end = d["received_day"], d["due_day"], d["end_day"]
    window = as_of - np.timedelta64(30 * STEP_MONTHS, "D")
    timed = ~np.isin(d["status"], [1, 3]) & ~np.isnat(due)
    keep = syncing & (received >= window) & timed
    if late_only:
        # finished after the due day, or open past it and not waiting on the applicant
        open_late = np.isnat(end) & ~np.isin(d["status"], [5, 6, 8]) & (due < as_of)
        keep = ~keep & timed & ((~np.isnat(end) & (end > due)) | open_late)
    i = np.nonzero(keep)[0]
    n = i.size
    rec, due_i, end_i, land_i = received[i], due[i], end[i], land[i]
    span = busdays(rec, due_i, cal)
    plan2 = shift(rec, np.ceil(span * 0.5).astype(np.int64), cal)
    plan3 = shift(rec, np.ceil(span * 0.85).astype(np.int64), cal)
    finished = ~np.isnat(end_i)
    waiting = np.isin(d["status"][i], [5, 6, 8])
    late_by = np.where(finished, busdays(due_i, end_i, cal),
                       np.where(waiting, 0, busdays(due_i, np.full(n, as_of), cal)))
    late = late_by > 0
    # who made a late dossier late: land dossiers wait in the specialist office most
    u = rng.random(n)
    culprit = np.where(u < np.where(land_i, 0.7, 0.55), 2, np.where(u < 0.9, 3, 4))
    # on time: finished dossiers spread their steps over the time they took, open ones keep to plan
    took = busdays(rec, np.where(finished, end_i, rec), cal)
    act2 = np.where(finished, shift(rec, np.floor(took * 0.5).astype(np.int64), cal),
                    np.maximum(shift(plan2, -rng.integers(0, 3, n), cal), rec))
    act3 = np.where(finished, shift(rec, np.floor(took * 0.85).astype(np.int64), cal),
                    np.maximum(shift(plan3, -rng.integers(0, 2, n), cal), act2))
    # an overdue dossier still open: the specialist office passed it on late (half the delay so far)
    # and the leader's signature is still to come, so the late list can name who delayed it
    open_late = late & ~finished
    culprit = np.where(open_late, 2, culprit)
    act2 = np.where(late & (culprit == 2),
                    shift(plan2, np.where(open_late, np.ceil(late_by / 2).astype(np.int64), late_by), cal),
                    np.minimum(act2, plan2))
    act3 = np.where(late & (culprit <= 3), np.maximum(shift(plan3, late_by, cal), act2),
                    np.maximum(np.minimum(act3, plan3), act2))
    # unfinished dossiers: only the steps done by the data's date; the one holding it has not acted
    done2 = finished | ((act2 <= as_of) & (open_late | ~(late & (culprit == 2))))
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


def quarantine_rows(d: dict, codes: np.ndarray, sloppy: np.ndarray, load_id: str,
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
