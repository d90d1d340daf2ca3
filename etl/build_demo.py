"""Build the demo warehouse: official units, demo agencies and procedures, targets, dossiers."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path

import polars as pl

from etl import demo
from etl import demo_reference as ref
from warehouse import build, store


def build_demo(directory: Path, seed: int = 7, scale: float = 1.0, as_of: dt.date | None = None,
               progress=print) -> Path:
    as_of = as_of or dt.date.today()
    started = dt.datetime.now()
    with store.new_build(directory) as con:
        build.create_schema(con)
        progress("Nạp danh mục đơn vị hành chính chính thức (hai cấp, trước và sau 01/07/2025)…")
        build.load_units(con)
        agencies = ref.agencies()
        build.insert_frame(con, "ref_agency", agencies.drop("demo_key"))
        build.insert_frame(con, "ref_field", ref.fields())
        build.insert_frame(con, "ref_procedure", ref.procedures())
        years = list(range(demo.START.year, as_of.year + 1))
        build.insert_frame(con, "ref_plan_target", ref.plan_targets(years))
        progress(f"Sinh hồ sơ mẫu (seed {seed}, quy mô {scale})…")
        load_id = f"demo-{uuid.uuid4().hex[:12]}"
        from etl import demo_inputs  # PAKN, ratings, procedure flags (766 index)
        from etl.demo_integrity import add_integrity_issues  # misreporting, history, steps, quarantine

        demo_inputs.set_procedure_flags(con, seed)
        # the official calendar with the repo's override (docs/calendar.md): no dossier on a day off
        from etl.calendar_load import OVERRIDE_FILE
        from etl.load import load_into
        from warehouse import official_calendar

        load_into(con, OVERRIDE_FILE, kind="calendar")
        # the portal's real October 2025 scores (public data, etl/reference/README.md), once published
        from etl.load_published import REFERENCE_FILE, REFERENCE_PUBLISHED_ON

        if as_of >= REFERENCE_PUBLISHED_ON:
            load_into(con, REFERENCE_FILE, kind="published_766")
        days_off = official_calendar.days_off(con, range(demo.START.year, as_of.year + 2))
        # one month of receipt at a time: memory holds a month's dossiers whatever the scale
        n_dossiers = 0
        for month in demo.dossier_chunks(agencies, seed=seed, scale=scale, as_of=as_of, days_off=days_off):
            build.insert_frame(con, "raw_dossier", month.with_columns(pl.lit(load_id).alias("load_id")))
            demo_inputs.add_month_inputs(con, agencies, month, seed=seed, as_of=as_of, load_id=load_id)
            n_dossiers += month.height
        add_integrity_issues(con, None, agencies, seed=seed, as_of=as_of, load_id=load_id,
                             days_off=days_off)
        # 01/07/2025: the open dossiers of the old districts and communes pass to the new communes
        from etl.demo_handover import hand_over_open_dossiers

        hand_over_open_dossiers(con)
        from etl.demo_apology import move_slips_to_list  # slips as a loaded list, not a sync column

        move_slips_to_list(con, load_id)
        # meta first: the period tables are built up to the data's date
        build.set_meta(
            con, is_demo="true", as_of=as_of.isoformat(), province_code=ref.DEMO_PROVINCE,
            built_at=dt.datetime.now().isoformat(timespec="seconds"), seed=str(seed), scale=str(scale),
        )
        progress(f"Tính các bảng tổng hợp cho {n_dossiers:,} hồ sơ…".replace(",", "."))
        build.apply_sql(con)
        from etl.demo_published import add_published  # simulated published 766 scores (docs/chi_so_766.md)

        add_published(con)
        con.execute(
            """insert into load_log (load_id, kind, source, started_at, finished_at, rows_read, rows_loaded,
                                      rows_rejected, status, message)
               values (?, 'demo', ?, ?, ?, ?, ?, 0, 'ok', ?)""",
            [load_id, f"demo seed={seed} scale={scale}", started, dt.datetime.now(),
             n_dossiers, n_dossiers, None],
        )
    path = store.current_path(directory)
    progress(f"Xong: {path}")
    return path
