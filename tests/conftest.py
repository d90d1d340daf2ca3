import datetime as dt
import shutil
import sys
from pathlib import Path

import polars as pl
import pytest

ROOT = Path(__file__).resolve().parent.parent
NOW = dt.datetime(2025, 12, 31, 12, 0)   # the load's "today": dates after 01/01/2026 12:00 are impossible
sys.path.insert(0, str(ROOT))

from warehouse import build, store  # noqa: E402

DOSSIER_SCHEMA = {
    "dossier_id": pl.String, "agency_code": pl.String, "procedure_code": pl.String, "field_code": pl.String,
    "channel": pl.Int8, "status": pl.Int8, "received_at": pl.Datetime("us"), "due_at": pl.Datetime("us"),
    "finished_at": pl.Datetime("us"), "returned_at": pl.Datetime("us"), "refused_at": pl.Datetime("us"),
    "supplement_count": pl.Int32, "has_fee": pl.Boolean, "paid_online": pl.Int8, "digitised": pl.Boolean,
    "electronic_result": pl.Boolean, "apology_issued": pl.Boolean,
}


def ts(text: str | None) -> dt.datetime | None:
    """'2025-03-04 16:00' or '2025-03-04' (09:00) -> datetime."""
    if text is None:
        return None
    return dt.datetime.fromisoformat(text if " " in text else text + " 09:00")


def dossier(dossier_id, received, due=None, finished=None, *, agency="A", status=10, channel=1,
            returned=None, refused=None, supplements=0, **extra) -> dict:
    row = dict(
        dossier_id=dossier_id, agency_code=agency, procedure_code="P1", field_code="F1",
        channel=channel, status=status, received_at=ts(received), due_at=ts(due),
        finished_at=ts(finished), returned_at=ts(returned), refused_at=ts(refused),
        supplement_count=supplements, has_fee=False, paid_online=None, digitised=False,
        electronic_result=False, apology_issued=False,
    )
    row.update(extra)
    return row


def agencies_frame(rows: list[tuple]) -> pl.DataFrame:
    """(code, name, level[, valid_from, valid_to])"""
    full = [(r + (None, None))[:5] for r in rows]
    return pl.DataFrame(
        full, schema={"agency_code": pl.String, "agency_name": pl.String, "agency_level": pl.String,
                      "valid_from": pl.Date, "valid_to": pl.Date}, orient="row",
    ).with_columns(pl.lit(True).alias("verified"))


def make_warehouse(directory: Path, dossiers: list[dict], agencies: list[tuple] | None = None,
                   as_of: str = "2025-12-31", targets: pl.DataFrame | None = None,
                   procedures: list[tuple] | None = None, holidays: list[str] | None = None,
                   extra_tables: dict[str, pl.DataFrame] | None = None) -> store.Reader:
    agencies = agencies or [("A", "Đơn vị A", "department"), ("B", "Đơn vị B", "department")]
    tables = {
        "ref_agency": agencies_frame(agencies),
        "raw_dossier": pl.DataFrame(dossiers, schema=DOSSIER_SCHEMA),
    }
    if targets is not None:
        tables["ref_plan_target"] = targets
    if procedures is not None:  # (code, name, field, statutory working days)
        tables["ref_procedure"] = pl.DataFrame(
            procedures, schema={"procedure_code": pl.String, "procedure_name": pl.String,
                                "field_code": pl.String, "statutory_days": pl.Int32}, orient="row",
        ).with_columns(pl.lit(True).alias("verified"))
    if holidays is not None:  # extra days off on top of the official calendar, as an override loads them
        tables["ref_calendar_override"] = pl.DataFrame(
            {"day": [dt.date.fromisoformat(h) for h in holidays], "kind": ["nghỉ"] * len(holidays),
             "name": ["ngày nghỉ của bài kiểm thử"] * len(holidays)})
    tables.update(extra_tables or {})  # raw tables as they are, e.g. raw_dossier_step, quarantine
    build.build_from_frames(directory, tables, meta={"as_of": as_of}, with_units=False)
    return store.Reader(directory)


@pytest.fixture
def reader_for(tmp_path):
    readers = []

    def _make(dossiers, **kwargs):
        r = make_warehouse(tmp_path / f"wh{len(readers)}", dossiers, **kwargs)
        readers.append(r)
        return r

    yield _make
    for r in readers:
        r.close()


@pytest.fixture(scope="session")
def demo_dir(tmp_path_factory):
    """A small demo warehouse shared by the tests that only read it."""
    from etl.build_demo import build_demo

    directory = tmp_path_factory.mktemp("demo")
    build_demo(directory, seed=7, scale=0.05, as_of=dt.date(2026, 11, 23), progress=lambda m: None)
    return directory


# The loader tests' warehouses (tests/test_load*.py, tests/test_inputs_sync.py) start as a copy of one
# empty warehouse: here, so pytest hands it to every module without importing fixtures between tests.
@pytest.fixture(scope="session")
def empty_warehouse(tmp_path_factory) -> Path:
    """A warehouse with only the official units (the first load into an empty directory)."""
    from etl.load import load_files

    directory = tmp_path_factory.mktemp("empty_wh")
    assert load_files(directory, [], progress=lambda m: None, now=NOW) == []
    return directory


@pytest.fixture
def wh(empty_warehouse, tmp_path) -> Path:
    """A fresh copy of the empty warehouse, for a test that loads into it."""
    return Path(shutil.copytree(empty_warehouse, tmp_path / "wh"))
