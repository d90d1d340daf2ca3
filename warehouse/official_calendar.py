"""The official calendar of working days (docs/calendar.md).

A working day is Monday to Friday (Labour Code 2019, art. 111-112: Saturday and Sunday are the
weekly rest of public offices) except the public holidays and the days off the government swaps in,
plus the Saturdays worked in exchange. The `holidays` package (MIT) carries Vietnam's holidays,
substitute days off and make-up Saturdays; what it lacks (a swap announced after its release, such
as New Year 2026) is loaded as an override (`python -m etl load FILE`, table ref_calendar_override).

Only the days that change the Monday-to-Friday rule are kept: a weekday off is `nghỉ`, a weekend day
worked is `làm bù` (a holiday on a Saturday or Sunday changes nothing). Every build refills
ref_calendar_package from the package; sql/marts/dim_official_day.sql lays the override over it and
sql/marts/dim_date.sql counts working days from that.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import duckdb
import polars as pl

OFF = "nghỉ"
WORKED = "làm bù"
FIRST_YEAR = 2019   # the calendar is filled from here on at least (docs/calendar.md)
YEARS_AHEAD = 3     # dim_date runs 800 days past the data's last day: the package covers them
SOURCE_PACKAGE = "package"
SOURCE_OVERRIDE = "override"

_SCHEMA = {"day": pl.Date, "kind": pl.String, "name": pl.String}


def package_version() -> str:
    import holidays

    return f"holidays {holidays.__version__}"


@lru_cache(maxsize=64)
def _package_year(year: int) -> tuple[tuple[dt.date, str, str], ...]:
    import holidays

    cal = holidays.country_holidays("VN", years=year, language="vi")
    rows = [(day, OFF, str(name)) for day, name in cal.items() if day.year == year and day.isoweekday() <= 5]
    # weekend_workdays gathers every year the object touched, swaps reaching into other years too
    rows += [(day, WORKED, f"Làm bù cho ngày nghỉ {_swapped_for(cal, day)}".rstrip())
             for day in cal.weekend_workdays if day.year == year]
    return tuple(sorted(rows))


def _swapped_for(cal, worked: dt.date) -> str:
    """The day off a make-up Saturday pays for: the package names it in the day off's own name."""
    stamp = worked.strftime("%d/%m/%Y")
    for day, name in sorted(cal.items()):
        if stamp in str(name):
            return day.strftime("%d/%m/%Y")
    return ""


def package_days(years) -> pl.DataFrame:
    """The package's days that change the Monday-to-Friday rule, for the given years, by day."""
    rows = [row for year in sorted(set(years)) for row in _package_year(int(year))]
    return pl.DataFrame(rows, schema=_SCHEMA, orient="row")


def _scalar(con, sql: str):
    rows = con.sql(sql).fetchall()
    return rows[0][0] if rows else None


def _has_table(con, name: str) -> bool:
    return bool(_scalar(con, f"select count(*) from duckdb_tables() where table_name = '{name}'")
                or _scalar(con, f"select count(*) from duckdb_views() where view_name = '{name}'"))


def years_needed(con, today: dt.date | None = None) -> range:
    """From 2019 (or two years before the first dossier) to three years after the latest of the last
    dossier, the data's date and the override: a superset of dim_date's range (400 days before,
    800 after).
    Today's year only when the warehouse has neither dossiers nor a date."""
    first = last = None
    if _has_table(con, "raw_dossier"):
        first, last = con.sql(
            "select min(received_at)::date, max(received_at)::date from raw_dossier").fetchall()[0]
    as_of = None
    if _has_table(con, "meta"):
        as_of = _scalar(con, "select try_cast(value as date) from meta where key = 'as_of'")
    overridden = None
    if _has_table(con, "ref_calendar_override"):
        overridden = _scalar(con, "select max(day) from ref_calendar_override")
    ends = [d for d in (last, as_of, overridden) if d is not None]
    end_year = max(d.year for d in ends) if ends else (today or dt.date.today()).year
    start_year = min(FIRST_YEAR, first.year - 2) if first else FIRST_YEAR
    return range(start_year, end_year + YEARS_AHEAD + 1)


def fill_package(con: duckdb.DuckDBPyConnection, years=None) -> None:
    """ref_calendar_package: the package's calendar for the warehouse's years, made again at every build."""
    frame = package_days(years if years is not None else years_needed(con)).with_columns(
        pl.lit(package_version()).alias("source"))
    con.execute("create or replace table ref_calendar_package "
                "(day date primary key, kind varchar not null, name varchar, source varchar)")
    con.register("_calendar_frame", frame.to_arrow())
    try:
        con.execute("insert into ref_calendar_package by name select * from _calendar_frame")
    finally:
        con.unregister("_calendar_frame")


def calendar_years(r) -> tuple[int, int] | None:
    """The first and last year a warehouse's calendar covers (None: a build without one)."""
    if not r.query("select count(*) as n from duckdb_tables() where table_name = 'dim_official_day'")["n"][0]:
        return None
    row = r.query("select min(year(day)) as lo, max(year(day)) as hi from ref_calendar_package").row(0)
    return (row[0], row[1]) if row[0] is not None else None


def in_force(r, year: int) -> pl.DataFrame:
    """The calendar in force in a year, from a warehouse (store.Reader): day, kind, name, source
    (package or override), by day."""
    return r.query(
        "select day, kind, name, source from dim_official_day where year(day) = $year order by day",
        {"year": year},
    )


def package_in_force(year: int) -> pl.DataFrame:
    """The calendar of a year from the package alone (no warehouse): the same columns as in_force."""
    return package_days([year]).with_columns(pl.lit(SOURCE_PACKAGE).alias("source"))


def days_off(con: duckdb.DuckDBPyConnection, years) -> list[dt.date]:
    """The weekdays off of the calendar in force (package and loaded override) in the given years,
    read in an open build before its SQL runs (the demo receives no dossier on them)."""
    from warehouse.build import SQL_DIR

    fill_package(con, years)
    con.execute((SQL_DIR / "marts" / "dim_official_day.sql").read_text(encoding="utf-8"))
    return [d for (d,) in con.sql("select day from dim_official_day where kind = 'nghỉ' and isodow(day) <= 5 "
                                   "order by day").fetchall()]
