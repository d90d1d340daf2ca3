"""Dossiers as Hive-partitioned Parquet (`etl export-parquet`) and warehouses that read such a folder
(`etl build --dossiers-parquet`): docs/parquet.md.

Expectations come from outside the code under test: partition counts from SQL over the source
warehouse (dim_agency, a different path from the export's ref_agency -> ref_unit join) checked
against the files as polars (not DuckDB) reads them; reports compared with the warehouse that keeps
its own table; partition rules on hand-made dossiers.
"""

import datetime as dt
import shutil
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from tests.conftest import DOSSIER_SCHEMA, ROOT, agencies_frame, dossier
from warehouse import build, store

DEFAULT = "__HIVE_DEFAULT_PARTITION__"


def run(*args):
    return subprocess.run([sys.executable, "-m", "etl", *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True)


def query(directory: Path, sql: str) -> pl.DataFrame:
    con = store.connect(store.current_path(directory))
    try:
        return con.sql(sql).pl()
    finally:
        con.close()


def files_per_partition(folder: Path) -> dict[tuple[str, str], int]:
    """Rows per (year, province) as polars reads the files, keyed by the folder names."""
    counts: dict[tuple[str, str], int] = {}
    for path in folder.rglob("*"):
        if path.is_file():
            province, year = path.parent.name, path.parent.parent.name
            assert path.suffix == ".parquet", path
            assert province.startswith("province=") and year.startswith("year="), path
            assert path.parent.parent.parent == folder, path
            key = (year.removeprefix("year="), province.removeprefix("province="))
            counts[key] = counts.get(key, 0) + pl.read_parquet(path).height
    return counts


def state(directory: Path) -> tuple[str, list[str]]:
    return ((directory / store.POINTER).read_text(), sorted(p.name for p in (directory / "builds").iterdir()))


@pytest.fixture(scope="module")
def exported(demo_dir, tmp_path_factory):
    """The demo warehouse exported, and a copy of it rebuilt to read its dossiers from the folder."""
    base = tmp_path_factory.mktemp("parquet")
    folder = base / "dossiers"
    out = run("export-parquet", "--warehouse", demo_dir, "--output", folder)
    assert out.returncode == 0, out.stderr
    from_parquet = store.copy_current(demo_dir, base / "from_parquet")
    built = run("build", "--warehouse", from_parquet, "--dossiers-parquet", folder)
    assert built.returncode == 0, built.stderr
    return folder, from_parquet, out.stdout


def test_partitions_hold_every_dossier_by_receiving_year_and_agency_province(demo_dir, exported):
    folder, _, stdout = exported
    expected = query(demo_dir, """
        select coalesce(year(d.received_at)::varchar, '__HIVE_DEFAULT_PARTITION__') as year,
               coalesce(a.province_code, (select value from meta where key = 'province_code'),
                        '__HIVE_DEFAULT_PARTITION__') as province,
               count(*) as n
        from raw_dossier as d left join dim_agency as a using (agency_code)
        group by all""")
    expected = {(r["year"], r["province"]): r["n"] for r in expected.iter_rows(named=True)}
    assert len(expected) >= 3 and sum(expected.values()) > 10_000  # three years of the demo province
    assert files_per_partition(folder) == expected
    printed = {tuple(line.split(",")[:2]): int(line.split(",")[2]) for line in stdout.splitlines()[1:]}
    assert stdout.splitlines()[0] == "year,province,dossiers,files,bytes"
    assert printed == expected
    # written beside the folder and renamed into place: nothing left over
    assert sorted(p.name for p in folder.parent.iterdir()) == ["dossiers", "from_parquet"]


def test_the_rebuilt_warehouse_reads_the_files_through_a_view_with_the_same_rows_and_types(demo_dir,
                                                                                          exported):
    folder, from_parquet, _ = exported
    kinds = query(from_parquet,
                  "select table_type from information_schema.tables where table_name = 'raw_dossier'")
    assert kinds["table_type"].to_list() == ["VIEW"]
    assert query(from_parquet, "select value from meta where key = 'dossiers_parquet'").item() == str(folder)
    ordered = "select * from raw_dossier order by dossier_id"
    original, rebuilt = query(demo_dir, ordered), query(from_parquet, ordered)
    assert rebuilt.schema == original.schema
    assert rebuilt.equals(original)


def test_the_report_and_summary_tables_are_the_same_from_both(demo_dir, exported):
    _, from_parquet, _ = exported
    reports = [run("report", "--warehouse", w, "--from", "2025-01-01", "--to", "2025-12-31")
               for w in (demo_dir, from_parquet)]
    assert all(r.returncode == 0 for r in reports), [r.stderr for r in reports]
    assert len(reports[0].stdout.splitlines()) > 20
    assert reports[1].stdout == reports[0].stdout
    periods = "('year', '2025'), ('quarter', '2025-Q3'), ('month', '2026-11'), ('rep_year', '2024')"
    sql = f"select * from agg_periodic_report where (period_kind, period_key) in ({periods}) order by all"
    original, rebuilt = query(demo_dir, sql), query(from_parquet, sql)
    assert original.n_unique(["period_kind", "period_key"]) == 4 and original["received_new"].sum() > 0
    assert rebuilt.equals(original)
    everything = "select * from agg_periodic_report order by all"
    assert query(from_parquet, everything).equals(query(demo_dir, everything))


def test_a_later_build_keeps_reading_the_folder_as_it_is_then(exported, tmp_path):
    folder, from_parquet, _ = exported
    own_folder = tmp_path / "dossiers"
    shutil.copytree(folder, own_folder)
    warehouse = store.copy_current(from_parquet, tmp_path / "wh")
    assert run("build", "--warehouse", warehouse, "--dossiers-parquet", own_folder).returncode == 0
    before = query(warehouse, "select count(*) as n from raw_dossier").item()
    dropped = sum(pl.read_parquet(p).height for p in (own_folder / "year=2024").rglob("*.parquet"))
    shutil.rmtree(own_folder / "year=2024")
    out = run("build", "--warehouse", warehouse)  # no option: the setting stays in the warehouse
    assert out.returncode == 0, out.stderr
    assert query(warehouse, "select count(*) from fct_dossier where year(received_date) = 2024").item() == 0
    assert query(warehouse, "select count(*) as n from raw_dossier").item() == before - dropped > 0
    assert query(warehouse, "select value from meta where key = 'dossiers_parquet'").item() == str(own_folder)


@pytest.mark.parametrize("problem", ["missing", "empty", "not parquet columns"])
def test_an_unusable_folder_is_refused_by_name_and_the_warehouse_stays(exported, tmp_path, problem):
    _, from_parquet, _ = exported
    warehouse = store.copy_current(from_parquet, tmp_path / "wh")
    folder = tmp_path / "incoming"
    if problem != "missing":
        (folder / "year=2025").mkdir(parents=True)
    if problem == "not parquet columns":
        pl.DataFrame({"MaHoSo": ["X1"]}).write_parquet(folder / "year=2025" / "other.parquet")
    before = state(warehouse)
    out = run("build", "--warehouse", warehouse, "--dossiers-parquet", folder)
    assert out.returncode == 2
    assert str(folder) in out.stderr and "Traceback" not in out.stderr
    assert state(warehouse) == before


def test_a_warehouse_whose_folder_went_away_refuses_to_build(exported, tmp_path):
    folder, from_parquet, _ = exported
    own_folder = tmp_path / "dossiers"
    shutil.copytree(folder, own_folder)
    warehouse = store.copy_current(from_parquet, tmp_path / "wh")
    assert run("build", "--warehouse", warehouse, "--dossiers-parquet", own_folder).returncode == 0
    shutil.rmtree(own_folder)
    before = state(warehouse)
    out = run("build", "--warehouse", warehouse)
    assert out.returncode == 2 and str(own_folder) in out.stderr and "Traceback" not in out.stderr
    assert state(warehouse) == before


def test_export_refuses_a_missing_warehouse(tmp_path):
    out = run("export-parquet", "--warehouse", tmp_path / "none", "--output", tmp_path / "out")
    assert out.returncode == 2 and "no warehouse" in out.stderr
    assert not (tmp_path / "out").exists()


# ---- partition rules, on hand-made dossiers ---------------------------------------------------

def hand_made(directory: Path) -> Path:
    """Agency A serves a commune of province 01 (hierarchy 2), B a district of province 22
    (hierarchy 1), C has no unit (the warehouse's province, 22).

    A1  received 31/12/2024 23:30 local time   -> year=2024, province=01 (not 2025: no UTC shift)
    A2  received 01/01/2025 00:10              -> year=2025, province=01
    B1  received 02/02/2025                    -> year=2025, province=22
    C1  received 03/03/2025                    -> year=2025, province=22 (the setting)
    A3  registered, never received (status 1)  -> year=__HIVE_DEFAULT_PARTITION__, province=01
    """
    units = pl.DataFrame(
        [(2, "01", "Thành phố Hà Nội", "province", None, "01"),
         (2, "00004", "Phường Ba Đình", "commune", "01", "01"),
         (1, "22", "Tỉnh Quảng Ninh", "province", None, "22"),
         (1, "193", "Thành phố Hạ Long", "district", "22", "22")],
        schema={"hierarchy_version": pl.Int8, "unit_code": pl.String, "unit_name": pl.String,
                "unit_level": pl.String, "parent_code": pl.String, "province_code": pl.String}, orient="row")
    agencies = agencies_frame([("A", "UBND Phường Ba Đình", "commune"),
                               ("B", "UBND TP Hạ Long", "district"),
                               ("C", "Sở Tư pháp", "department")]).with_columns(
        pl.Series("unit_version", [2, 1, None], dtype=pl.Int8),
        pl.Series("unit_code", ["00004", "193", None]))
    rows = [dossier("A1", "2024-12-31 23:30", "2025-01-10", "2025-01-05", agency="A"),
            dossier("A2", "2025-01-01 00:10", "2025-01-10", agency="A", status=4),
            dossier("B1", "2025-02-02", "2025-02-10", "2025-02-12", agency="B"),
            dossier("C1", "2025-03-03", "2025-03-10", "2025-03-05", agency="C"),
            dossier("A3", None, agency="A", status=1)]
    build.build_from_frames(directory, {"ref_unit": units, "ref_agency": agencies,
                                        "raw_dossier": pl.DataFrame(rows, schema=DOSSIER_SCHEMA)},
                            meta={"as_of": "2025-12-31", "province_code": "22"}, with_units=False)
    return directory


def test_partition_year_is_local_and_province_comes_from_the_agency_unit_else_the_setting(tmp_path):
    source = hand_made(tmp_path / "wh")
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "stale.parquet").write_bytes(b"from an earlier export")  # the folder is replaced whole
    out = run("export-parquet", "--warehouse", source, "--output", folder)
    assert out.returncode == 0, out.stderr
    assert files_per_partition(folder) == {("2024", "01"): 1, ("2025", "01"): 1, ("2025", "22"): 2,
                                           (DEFAULT, "01"): 1}
    ids = {p.parent.parent.name + "/" + p.parent.name: sorted(pl.read_parquet(p)["dossier_id"])
           for p in folder.rglob("*.parquet")}
    assert ids["year=2024/province=01"] == ["A1"] and ids["year=2025/province=22"] == ["B1", "C1"]
    # the partition values live in the folder names only
    assert "year" not in pl.read_parquet(next(folder.rglob("*.parquet"))).columns


def test_an_empty_warehouse_directory_can_start_from_a_folder(tmp_path):
    folder = tmp_path / "out"
    export_run = run("export-parquet", "--warehouse", hand_made(tmp_path / "wh"), "--output", folder)
    assert export_run.returncode == 0
    fresh = tmp_path / "national"
    out = run("build", "--warehouse", fresh, "--dossiers-parquet", folder)
    assert out.returncode == 0, out.stderr
    # counted: A1, A2, B1, C1 (A3 was never received); agencies not listed yet are kept unverified
    assert query(fresh, "select count(*) from fct_dossier").item() == 4
    assert query(fresh, "select count(*) from dim_agency where not verified").item() == 3
    # the data's date: the one the export recorded in the files (the hand-made warehouse's 31/12/2025)
    assert query(fresh, "select value from meta where key = 'as_of'").item() == "2025-12-31"
    assert query(fresh, "select count(*) from ref_unit").item() > 10_000  # the official lists


def test_files_without_a_recorded_date_are_dated_by_their_newest_event(tmp_path):
    """Files written by another tool carry no `as_of`: the newest event (C1 finished 05/03/2025)."""
    folder = tmp_path / "out"
    export_run = run("export-parquet", "--warehouse", hand_made(tmp_path / "wh"), "--output", folder)
    assert export_run.returncode == 0
    for path in folder.rglob("*.parquet"):   # rewritten by polars: the key-value metadata is gone
        pl.read_parquet(path, hive_partitioning=False).write_parquet(path)
    fresh = tmp_path / "national"
    out = run("build", "--warehouse", fresh, "--dossiers-parquet", folder)
    assert out.returncode == 0, out.stderr
    assert query(fresh, "select value from meta where key = 'as_of'").item() == "2025-03-05"


def test_a_rebuild_from_the_same_files_keeps_the_data_date_whatever_day_it_runs(demo_dir, tmp_path):
    """The demo's date is 23/11/2026; its folder rebuilt on a day a year later keeps it."""
    folder = tmp_path / "dossiers"
    assert run("export-parquet", "--warehouse", demo_dir, "--output", folder).returncode == 0
    from etl import parquet
    later = dt.date(2027, 12, 4)
    parquet.build_from_folder(tmp_path / "fresh", folder, today=later)
    assert query(tmp_path / "fresh", "select value from meta where key = 'as_of'").item() == "2026-11-23"
    copy = store.copy_current(demo_dir, tmp_path / "copy")
    parquet.build_from_folder(copy, folder, today=later)
    assert query(copy, "select value from meta where key = 'as_of'").item() == "2026-11-23"


def test_load_refuses_dossier_files_in_parquet_mode_but_takes_reference_data(tmp_path):
    folder = tmp_path / "out"
    export_run = run("export-parquet", "--warehouse", hand_made(tmp_path / "wh"), "--output", folder)
    assert export_run.returncode == 0
    warehouse = store.copy_current(tmp_path / "wh", tmp_path / "reads_parquet")
    assert run("build", "--warehouse", warehouse, "--dossiers-parquet", folder).returncode == 0
    dossiers = tmp_path / "dossiers.csv"
    dossiers.write_text("MaHoSo,NgayTiepNhan,NgayHenTra,TrangThaiHoSo,KenhThucHien,MaDonViXuLy\n"
                        "N1,03/03/2025,10/03/2025,4,1,C\n", encoding="utf-8")
    agencies = tmp_path / "agencies.csv"
    agencies.write_text("MaDonVi,TenDonVi,CapDonVi\nD,Sở Tài chính,Sở\n", encoding="utf-8")
    out = run("load", "--warehouse", warehouse, dossiers, agencies)
    assert out.returncode == 2
    assert "Parquet" in out.stderr and str(folder) in out.stderr
    assert query(warehouse, "select count(*) from raw_dossier where dossier_id = 'N1'").item() == 0
    added = query(warehouse, "select agency_name from ref_agency where agency_code = 'D'")
    assert added.item() == "Sở Tài chính"
    assert query(warehouse, "select count(*) from raw_dossier").item() == 5  # still the folder's
