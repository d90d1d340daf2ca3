"""sql/ orders itself (warehouse/sql_order.py, warehouse/build.py): every file of the layer folders is
applied exactly once, creates one object named like the file, after everything it names; a cycle, an
unknown table or a file in too early a layer is refused before anything runs.

Each check is a function run on the real sql/ (no problem expected) and on a small tree written here
with the problem in it (the check must find it), so none of them passes by never looking."""

from __future__ import annotations

import datetime as dt
import shutil
from collections import Counter
from pathlib import Path

import duckdb
import pytest

from warehouse import build, sql_order
from warehouse.sql_order import LAYERS, PYTHON_OBJECTS, SQL_DIR, SqlOrderError


def _write(root: Path, rel: str, text: str) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _copy_sql(tmp_path: Path) -> Path:
    """The real layer folders, to add one file with a problem to."""
    root = tmp_path / "sql"
    for layer in LAYERS:
        shutil.copytree(SQL_DIR / layer, root / layer)
    return root


# ---- every file applied, and only once ----------------------------------------------------------

def files_not_applied_once(sql_dir: Path) -> list[str]:
    """Every .sql file under sql_dir but the loader's sql/load that the build order holds other than
    exactly once (a file in a folder that is not a layer is never applied)."""
    counts = Counter(path.relative_to(sql_dir).as_posix() for path in build.build_order(sql_dir))
    present = {path.relative_to(sql_dir).as_posix() for path in sql_dir.rglob("*.sql")
               if path.relative_to(sql_dir).parts[0] != "load"}
    return sorted(f"{rel} x{counts[rel]}" for rel in present | set(counts) if counts[rel] != 1)


def test_every_file_of_the_layers_is_in_the_order_once():
    assert files_not_applied_once(SQL_DIR) == []


def test_a_file_outside_the_layer_folders_is_found_never_applied(tmp_path):
    root = _copy_sql(tmp_path)
    _write(root, "mart/dim_typo.sql", "create or replace table dim_typo as select 1 as n;\n")
    _write(root, "kpi/extra/agg_nested.sql", "create or replace table agg_nested as select 1 as n;\n")
    assert files_not_applied_once(root) == ["kpi/extra/agg_nested.sql x0", "mart/dim_typo.sql x0"]


def test_apply_sql_runs_each_file_once_schema_included(tmp_path):
    """Measured, not read off the list: a schema file and a kpi file that each log a row when run.
    The schema layer runs in create_schema, which apply_sql calls; a second run would log twice."""
    root = _copy_sql(tmp_path)
    _write(root, "schema/zz_hits.sql",
           "create table if not exists zz_hits (layer varchar);\ninsert into zz_hits values ('schema');\n")
    _write(root, "kpi/zz_kpi_hit.sql",
           "create or replace table zz_kpi_hit as select 1 as n;\ninsert into zz_hits values ('kpi');\n")
    con = duckdb.connect()
    build.apply_sql(con, root)
    assert sorted(con.sql("select layer, count(*) from zz_hits group by layer").fetchall()) == [
        ("kpi", 1), ("schema", 1)]


# ---- one object per file, named like the file ---------------------------------------------------

def naming_problems(sql_dir: Path) -> list[str]:
    return sorted(f"{f.rel} creates {', '.join(f.creates) or 'nothing'}"
                  for f in sql_order.scan(sql_dir) if f.creates != (f.path.stem,))


def test_each_file_creates_one_object_named_like_the_file():
    assert naming_problems(SQL_DIR) == []


def test_a_file_with_two_objects_or_another_name_is_found(tmp_path):
    root = _copy_sql(tmp_path)
    _write(root, "marts/fct_two.sql", "create or replace table fct_two as select 1 as n;\n"
                                      "create or replace table agg_two as select 2 as n;\n")
    _write(root, "macros/misnamed.sql", "create or replace macro other_name(x) as x + 1;\n")
    assert naming_problems(root) == ["macros/misnamed.sql creates other_name",
                                     "marts/fct_two.sql creates fct_two, agg_two"]


def test_a_fresh_build_holds_exactly_the_files_objects_and_the_python_ones():
    """The catalogue after apply_sql on an empty database: the parse cannot miss an object a file
    makes in a way the pattern does not read."""
    con = duckdb.connect()
    build.apply_sql(con)
    made = {row[0] for row in con.sql("""
        select table_name from duckdb_tables() where schema_name = 'main'
        union all select view_name from duckdb_views() where schema_name = 'main' and not internal
        union all select function_name from duckdb_functions()
                  where schema_name = 'main' and not internal and function_type in ('macro', 'table_macro')
    """).fetchall()}
    assert made == {path.stem for path in build.build_order()} | set(PYTHON_OBJECTS)


# ---- each object after what it names ------------------------------------------------------------

def order_problems(sql_dir: Path) -> list[str]:
    """Every name a file uses that the order creates only later (or never, for a Python object named
    in the schema layer, which runs before Python makes it)."""
    ordered = sql_order.build_order(sql_dir)
    position = {name: i for i, f in enumerate(ordered) for name in f.creates}
    first_after_schema = next(i for i, f in enumerate(ordered) if f.layer != "schema")
    position.update({name: first_after_schema - 0.5 for name in PYTHON_OBJECTS})
    return sorted(f"{f.rel} names {name}" for i, f in enumerate(ordered)
                  for name in f.names & set(position) - set(f.creates) if position[name] > i)


def test_each_file_comes_after_everything_it_names():
    assert order_problems(SQL_DIR) == []


def test_the_order_follows_the_names_not_the_file_names(tmp_path):
    """agg_a reads agg_b: b first although a sorts first; unrelated files keep their name order."""
    _write(tmp_path, "kpi/agg_a.sql", "create or replace table agg_a as select * from agg_b;\n")
    _write(tmp_path, "kpi/agg_b.sql", "create or replace table agg_b as select * from agg_c;\n")
    _write(tmp_path, "kpi/agg_c.sql", "create or replace table agg_c as select 1 as n;\n")
    _write(tmp_path, "kpi/agg_d.sql", "create or replace table agg_d as select 1 as n;\n")
    _write(tmp_path, "marts/dim_z.sql", "create or replace table dim_z as select 1 as n;\n")
    assert [f.rel for f in sql_order.build_order(tmp_path)] == [
        "marts/dim_z.sql", "kpi/agg_c.sql", "kpi/agg_b.sql", "kpi/agg_a.sql", "kpi/agg_d.sql"]
    assert order_problems(tmp_path) == []


def test_a_comment_or_a_text_naming_an_object_is_no_dependency(tmp_path):
    _write(tmp_path, "kpi/agg_a.sql",
           "-- unlike agg_b\ncreate or replace table agg_a as select 'agg_b x' as s;\n")
    _write(tmp_path, "kpi/agg_b.sql", "create or replace table agg_b as select * from agg_a;\n")
    assert [f.rel for f in sql_order.build_order(tmp_path)] == ["kpi/agg_a.sql", "kpi/agg_b.sql"]


def test_a_caller_of_kpi_long_comes_after_the_kpi_tables_it_reads_when_called():
    ordered = [f.path.stem for f in sql_order.build_order()]
    for table in ("agg_periodic_report", "agg_pakn_rating"):
        assert ordered.index(table) < ordered.index("agg_target_attainment")


# ---- what is refused, before anything runs ------------------------------------------------------

def _refused(sql_dir: Path) -> str:
    con = duckdb.connect()
    with pytest.raises(SqlOrderError) as caught:
        build.apply_sql(con, sql_dir)
    assert con.sql("select count(*) from duckdb_tables()").fetchall() == [(0,)]  # nothing ran
    return str(caught.value)


def test_a_cycle_is_refused_naming_its_files(tmp_path):
    root = _copy_sql(tmp_path)
    _write(root, "kpi/zz_a.sql", "create or replace table zz_a as select * from zz_b;\n")
    _write(root, "kpi/zz_b.sql", "create or replace table zz_b as select * from zz_a;\n")
    assert _refused(root) == "dependency cycle in sql/kpi: kpi/zz_a.sql, kpi/zz_b.sql"


def test_an_unknown_table_is_refused(tmp_path):
    root = _copy_sql(tmp_path)
    _write(root, "kpi/zz_c.sql", "create or replace table zz_c as\nwith final as (\n"
                                 "    select * from no_such_table\n)\n\nselect * from final;\n")
    assert _refused(root) == "kpi/zz_c.sql reads no_such_table: no file in sql/ creates it"


def test_a_file_naming_a_later_layer_is_refused(tmp_path):
    """DuckDB binds a macro when it is created: one reading a mart cannot run in the macros layer."""
    root = _copy_sql(tmp_path)
    _write(root, "macros/zz_agency_name.sql",
           "create or replace macro zz_agency_name(code) as\n"
           "    (select agency_name from dim_agency where agency_code = code);\n")
    assert _refused(root).startswith(
        "macros/zz_agency_name.sql (layer macros) names dim_agency of the later layer marts")


def test_two_files_creating_one_object_are_refused(tmp_path):
    _write(tmp_path, "marts/dim_x.sql", "create or replace table dim_x as select 1 as n;\n")
    _write(tmp_path, "kpi/dim_x.sql", "create or replace table dim_x as select 2 as n;\n")
    with pytest.raises(SqlOrderError, match="dim_x is created by both marts/dim_x.sql and kpi/dim_x.sql"):
        sql_order.build_order(tmp_path)


# ---- the active-agency window: one macro --------------------------------------------------------

def test_the_window_rule_is_written_once():
    """Every 'agency active in a window' test calls agency_active; only its own file spells it out."""
    spelled = sorted(path.relative_to(SQL_DIR).as_posix() for path in SQL_DIR.rglob("*.sql")
                     if "valid_to, date '9999-12-31')" in path.read_text(encoding="utf-8"))
    assert spelled == ["macros/agency_active.sql"]


@pytest.mark.parametrize(("valid_from", "valid_to", "start", "end", "active"), [
    # a district that ended on 30/06/2025 (worked out by hand: overlap = from <= end and to >= start)
    (None, dt.date(2025, 6, 30), dt.date(2025, 6, 1), dt.date(2025, 6, 30), True),
    (None, dt.date(2025, 6, 30), dt.date(2025, 6, 30), dt.date(2025, 6, 30), True),   # its last day
    (None, dt.date(2025, 6, 30), dt.date(2025, 7, 1), dt.date(2025, 7, 31), False),
    (None, dt.date(2025, 6, 30), dt.date(2025, 1, 1), dt.date(2025, 12, 31), True),   # part of a year
    # a new commune from 01/07/2025
    (dt.date(2025, 7, 1), None, dt.date(2025, 6, 1), dt.date(2025, 6, 30), False),
    (dt.date(2025, 7, 1), None, dt.date(2025, 7, 1), dt.date(2025, 7, 1), True),      # its first day
    (None, None, dt.date(2024, 1, 1), dt.date(2024, 1, 31), True),                    # never ended
])
def test_agency_active(valid_from, valid_to, start, end, active):
    con = duckdb.connect()
    con.execute(build.objects_sql("agency_active"))
    assert con.sql("select agency_active($1::date, $2::date, $3::date, $4::date)",
                   params=[valid_from, valid_to, start, end]).fetchall() == [(active,)]
