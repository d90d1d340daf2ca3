"""An incremental publish (warehouse/incremental.py) gives every table the full build gives.

A small demo warehouse takes a few random syncs of DongBoHoSoMC records, as a one-stop system sends
them: new dossiers received after the data's date, open dossiers finished early, on time or late,
stopped, withdrawn or refused, due dates moved, supplements, a processing end before receipt, and
records the loader quarantines. After each sync, published incrementally, every table of sql/ equals
the same warehouse rebuilt whole.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import shutil
from pathlib import Path

import duckdb
import pytest

from etl import demo_sync, sync_format
from etl.build_demo import build_demo
from etl.load import load_files
from warehouse import build, incremental, sql_order, store

AS_OF = dt.date(2026, 11, 23)


def _sync(directory: Path, rng: random.Random, day: dt.date, serial: int,
          corrections: int = 15) -> list[dict]:
    con = store.connect(store.current_path(directory))
    try:
        return demo_sync.day_records(con, rng, day, f"INC-{serial}", changes=40, corrections=corrections,
                                     new=30)
    finally:
        con.close()


def _steps(directory: Path, rng: random.Random, day: dt.date, path: Path) -> Path:
    """Processing steps (CapNhatTienDoHoSoMC) of late dossiers: a department acting days after its
    step was due moves the department that held the dossier."""
    con = store.connect(store.current_path(directory))
    try:
        late = [row[0] for row in
                con.sql("select dossier_id from fct_dossier_late order by dossier_id").fetchall()]
    finally:
        con.close()
    steps = []
    for n, dossier in enumerate(rng.sample(late, min(len(late), 12))):
        acted = dt.datetime.combine(day, dt.time(9, n % 50))
        steps.append({"MaHoSo": dossier, "PhongBanXuLy": rng.choice(["Phòng Tài chính", "Lãnh đạo UBND"]),
                      "NguoiXuLy": "Cán bộ", "ThoiDiemXuLy": sync_format.stamp(acted),
                      "NoiDungXuLy": "Thẩm định", "TrangThai": "2",
                      "NgayKetThucTheoQuyDinh": sync_format.stamp(
                          acted - dt.timedelta(days=rng.randint(1, 9)))})
    path.write_text(json.dumps({"service": "CapNhatTienDoHoSoMC", "isUpdating": True, "data": steps},
                               ensure_ascii=False), encoding="utf-8")
    return path


def _built_tables() -> list[str]:
    return [f.creates[0] for f in sql_order.build_order()
            if f.layer in ("marts", "kpi", "seeds")
            and incremental.object_kind(f.path.read_text(encoding="utf-8")) == "table"]


def _differences(incremental: Path, full: Path) -> dict[str, int]:
    con = duckdb.connect()
    con.execute(f"attach '{incremental}' as inc (read_only)")
    con.execute(f"attach '{full}' as full_build (read_only)")
    found = {}
    for table in _built_tables():
        missing = con.sql(f"select count(*) from (select * from full_build.{table} "
                          f"except all select * from inc.{table})").fetchall()[0][0]
        extra = con.sql(f"select count(*) from (select * from inc.{table} "
                        f"except all select * from full_build.{table})").fetchall()[0][0]
        if missing or extra:
            found[table] = (missing, extra)
    con.close()
    return found


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("incremental") / "wh"
    build_demo(directory, seed=3, scale=0.01, as_of=AS_OF, progress=lambda m: None)
    return directory


def test_random_syncs_equal_a_full_rebuild(warehouse, tmp_path):
    rng = random.Random(20261204)
    # the third sync crosses into December: new periods, and the current ones' dates move; the last
    # corrects no finished dossier, so no month already over changes (fct_bulk_closure_period is kept)
    for serial, (days, corrections) in enumerate(((2, 15), (7, 15), (9, 15), (10, 0)), start=1):
        day = AS_OF + dt.timedelta(days=days)
        messages: list[str] = []
        sync = sync_format.write(_sync(warehouse, rng, day, serial, corrections),
                                 tmp_path / f"sync{serial}.json")
        steps = _steps(warehouse, rng, day, tmp_path / f"steps{serial}.json")
        results = load_files(warehouse, [sync, steps], progress=messages.append,
                             now=dt.datetime.combine(day, dt.time(23, 0)))
        assert results[1].kind == "step" and results[1].loaded > 0
        assert results[0].loaded > 60 and results[0].rejected >= 1, results[0].summary()
        assert any(m.startswith("Cập nhật phần dữ liệu mới") for m in messages), messages

        full = tmp_path / f"full{serial}.duckdb"
        shutil.copyfile(store.current_path(warehouse), full)
        con = store.connect(full, read_only=False)
        build.apply_sql(con)
        con.execute("checkpoint")
        con.close()
        assert _differences(store.current_path(warehouse), full) == {}, f"sync {serial}"


def test_a_load_of_other_records_rebuilds_whole(warehouse, tmp_path):
    agencies = tmp_path / "agencies.csv"
    agencies.write_text("MaDonVi;TenDonVi;CapDonVi\nTEST-INC;Sở Thử nghiệm;Sở\n", encoding="utf-8")
    messages: list[str] = []
    load_files(warehouse, [agencies], kind="agency", progress=messages.append,
               now=dt.datetime.combine(AS_OF, dt.time(23, 0)))
    assert any("Tính lại toàn bộ các bảng tổng hợp (the load brought other records" in m
               for m in messages), messages


def test_a_load_of_the_same_file_twice_changes_nothing(warehouse, tmp_path):
    rng = random.Random(5)
    day = AS_OF + dt.timedelta(days=10)
    sync = sync_format.write(_sync(warehouse, rng, day, 9), tmp_path / "again.json")
    now = dt.datetime.combine(day, dt.time(23, 0))
    load_files(warehouse, [sync], progress=lambda m: None, now=now)
    first = store.current_path(warehouse)
    kept = tmp_path / "first.duckdb"
    shutil.copyfile(first, kept)
    load_files(warehouse, [sync], progress=lambda m: None, now=now)
    # only the load log and the quarantine (the bad record, logged per load) may differ
    differences = _differences(store.current_path(warehouse), kept)
    assert set(differences) <= {"fct_integrity_issue", "agg_integrity"}, differences


def test_an_update_that_fails_publishes_a_full_build(warehouse, tmp_path, monkeypatch):
    # a rule whose SQL no longer binds (a column renamed in sql/ and not in the rule): the sync still
    # publishes, rebuilt whole, and says why
    from warehouse import incremental_rules

    broken = incremental_rules.Rule("fct_dossier_late", "select no_such_column from inc_changed",
                                    "dossier_id in (select dossier_id from inc_scope_fct_dossier_late)")
    monkeypatch.setitem(incremental_rules.RULES, "fct_dossier_late", broken)
    day = AS_OF + dt.timedelta(days=12)
    sync = sync_format.write(_sync(warehouse, random.Random(8), day, 12), tmp_path / "broken.json")
    before = store.current_path(warehouse)
    messages: list[str] = []
    results = load_files(warehouse, [sync], progress=messages.append,
                         now=dt.datetime.combine(day, dt.time(23, 0)))
    assert results[0].loaded > 60
    assert store.current_path(warehouse) != before
    assert any("the incremental update failed (BinderException)" in m for m in messages), messages
