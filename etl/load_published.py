"""Kinds `published_766` and `published_766_match` of `python -m etl load` (docs/published_766.md).

`published_766`: the Decision 766 scores the national portal publishes, as its index service
(`report_tinh_766_service`) returns them: columns MA_COQUAN, TEN_COQUAN, LOAI_COQUAN (1 province,
2 department, 3 commune), the six group codes, TONG_SCORE, ROW_STT. An xlsx is read sheet by sheet:
every sheet with those columns is loaded (the An Giang export's 'Điểm tháng', 'Điểm năm', 'Sở Ban',
'Xã Phường'), the others (its trend sheets) are named in the summary as skipped. JSON is an array of
records or the service's envelope {"data": [...]} (etl/sources.py reads both), CSV works as well.

Scope of a sheet: a name saying 'tháng' is the month, 'năm' the year to date; 'Sở Ban' is the month and
'Xã Phường' the year to date (how the An Giang export fetches them, evidence in the docs), both
overridable with --scope; JSON, CSV and other sheets: --scope, or the month. Period ('YYYY-MM', the
month a year to date runs through): --period, else the record's KY column, else the file's name
(2025-10, T10_2025, thang_10_2025); a file with none is refused. Parsed by
sql/load/parse_published_766.sql.

A load replaces, per scope and period, each set of rows a file holds: the provinces, or one
province's departments, or its communes (the portal's service returns each set on its own, so a
file of one set must not delete another); other periods stay (the history). A set identical to the
stored one is left as it was: loading a file again changes nothing.

`published_766_match`: the mapping file (portal_code or portal_name, agency_code, note) that corrects
the matching of the portal's agencies to ours; each load replaces the whole table.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from pathlib import Path

import polars as pl

from etl import mapping, sources
from warehouse import build
from warehouse.build import scalar

# the real October 2025 table the demo ships (etl/reference/README.md); the demo loads it from the
# month after, when the month's scores are final
REFERENCE_FILE = Path(__file__).resolve().parent / "reference" / "published_766_2025-10.xlsx"
REFERENCE_PUBLISHED_ON = dt.date(2025, 11, 1)
KIND = "published_766"
MATCH_KIND = "published_766_match"
REQUIRED = ["MA_COQUAN", "TEN_COQUAN", "LOAI_COQUAN", "TDGQ", "MDHL", "MDSH", "TTTT", "CLGQ", "CKMB",
            "TONG_SCORE"]
DETECT = {"MA_COQUAN", "TONG_SCORE", "LOAI_COQUAN"}   # what tells a file of published scores
SCOPE_LABELS = {"month": "tháng", "year_to_date": "lũy kế từ đầu năm"}
KIND_WORDS = {"province": "tỉnh", "department": "sở ngành", "commune": "xã phường"}
# sheets whose name does not say their scope: how the An Giang export tool fetches them
# (docs/published_766.md: 'Sở Ban' with the month, 'Xã Phường' with p_thang=0, the year to date)
KNOWN_SHEETS = {"soban": "month", "xaphuong": "year_to_date"}
_NAME_PERIODS = (
    re.compile(r"(?<!\d)(20\d\d)[-_.](0[1-9]|1[0-2])(?!\d)"),  # 2025-10
    # T10_2025, thang_10_2025
    re.compile(r"(?:^|[^a-z])(?:t|thang)[-_ ]?(0?[1-9]|1[0-2])[-_ ](20\d\d)(?!\d)"),
)
_SET_PREFIX = "case when {a}agency_kind = 'province' then '' else split_part({a}portal_code, '.', 1) end"
_COMPARED = ("scope, period_key, agency_kind, portal_code, portal_id, portal_name, points_timeliness, "
             "points_satisfaction, points_digitisation, points_payment, points_online, "
             "points_transparency, total_points, portal_rank")


def detect(found: dict[str, dict[str, str]]) -> str | None:
    """The kind from the headers mapping.resolve found for each kind, or None."""
    if DETECT <= set(found.get(KIND, {})):
        return KIND
    match = set(found.get(MATCH_KIND, {}))
    if "agency_code" in match and match & {"portal_code", "portal_name"}:
        return MATCH_KIND
    return None


def _ascii(text: str) -> str:
    text = unicodedata.normalize("NFD", text).replace("đ", "d").replace("Đ", "D")
    return "".join(ch for ch in text if not unicodedata.combining(ch)).lower()


def period_from_name(path: Path) -> str | None:
    """'2025-10' from 766_scores_2025-10_x.xlsx, bao_cao_T10_2025.xlsx or diem_tháng_10_2025.json."""
    name = _ascii(Path(path).stem)
    first = _NAME_PERIODS[0].search(name)
    if first:
        return f"{first.group(1)}-{first.group(2)}"
    second = _NAME_PERIODS[1].search(name)
    if second:
        return f"{second.group(2)}-{int(second.group(1)):02d}"
    return None


def sheet_scope(sheet: str, scope: str | None) -> tuple[str, str]:
    """(scope, why) of a sheet: its name when it says, else --scope, else the known layout, else month."""
    words = set(re.findall(r"[a-z]+", _ascii(sheet)))
    if "thang" in words:
        return "month", "tên trang tính ghi tháng"
    if "nam" in words:
        return "year_to_date", "tên trang tính ghi năm"
    if scope:
        return scope, "theo --scope"
    known = KNOWN_SHEETS.get(mapping.header_key(sheet))
    if known:
        return known, "như công cụ xuất tệp này lấy trang đó, xem docs/published_766.md"
    return "month", "mặc định (đổi bằng --scope year_to_date)"


def score_sheets(path: Path) -> tuple[list[str], list[str]]:
    """(sheets with the score columns, the other sheets) of an xlsx."""
    frames = pl.read_excel(path, sheet_id=0, engine="calamine", infer_schema_length=0, raise_if_empty=False)
    scored, other = [], []
    for name, frame in frames.items():
        found = mapping.resolve(sources._unique_headers(frame.columns), KIND)
        (scored if DETECT <= set(found) else other).append(name)
    return scored, other


def read_and_parse(con, path: Path, src: sources.Source, result, period: str | None,
                   scope: str | None) -> list[dict]:
    """The file into temp table load_parsed (sql/load/parse_KIND.sql); returns unparsable records."""
    if result.kind == MATCH_KIND:
        return _parse_match(con, src, result)
    parts: list[tuple[sources.Source, str | None, str]] = []
    if src.fmt == "xlsx":
        scored, other = score_sheets(path)
        for sheet in scored:
            try:
                sheet_src = sources._read_xlsx(con, path, sheet)
            except sources.UnusableFile:
                result.notes.append(f"trang tính '{sheet}' không có dòng nào")
                continue
            sheet_scope_key, why = sheet_scope(sheet, scope)
            parts.append((sheet_src, sheet, sheet_scope_key))
            result.notes.append(f"trang tính '{sheet}': {SCOPE_LABELS[sheet_scope_key]} ({why})")
        if other:
            result.notes.append("bỏ qua trang tính không có cột điểm: " + ", ".join(f"'{s}'" for s in other))
    else:
        parts.append((src, None, scope or "month"))
    if not parts:
        raise sources.UnusableFile("không có trang tính nào có điểm (cột MA_COQUAN, LOAI_COQUAN, TONG_SCORE)")
    selects, has_period_column = [], False
    for part, sheet, part_scope in parts:
        found = mapping.resolve(part.headers, KIND)
        missing = [f for f in REQUIRED if f not in found]
        if missing:
            where = f"trang tính '{sheet}' " if sheet else ""
            raise sources.UnusableFile(f"{where}thiếu cột bắt buộc: {', '.join(missing)}")
        has_period_column = has_period_column or "KY" in found
        cols = [f"{part.value(found[f])} as {f}" if f in found else f"null::varchar as {f}"
                for f in mapping.fields(KIND)]
        sheet_sql = "null::varchar" if sheet is None else "'" + sheet.replace("'", "''") + "'"
        selects.append(f"select {sheet_sql} as _sheet, {part.row_expr} as _row, '{part_scope}' as _scope, "
                       f"{', '.join(cols)} from {part.table}")
    file_period = period_from_name(path)
    if period is None and file_period is None and not has_period_column:
        raise sources.UnusableFile(
            "không biết điểm thuộc kỳ nào: tên tệp không ghi tháng (như 2025-10, T10_2025, thang_10_2025) "
            "và bản ghi không có cột kỳ (KY); thêm --period YYYY-MM (tháng công bố, hoặc tháng mà điểm "
            "lũy kế năm tính đến), ví dụ: python -m etl load TỆP --period 2025-10")
    con.execute("create or replace temp view load_canonical as " + " union all by name ".join(selects))
    _group_maxima(con)
    sql = (build.SQL_DIR / "load" / f"parse_{KIND}.sql").read_text(encoding="utf-8")
    con.execute(sql, {"period": period, "file_period": file_period,
                      "row_word": "bản ghi" if src.json_records else "dòng"})
    row_errors = src.row_errors if src.fmt != "xlsx" else []
    result.read = scalar(con, "select count(*) from load_parsed") + len(row_errors)
    return row_errors


def _group_maxima(con) -> None:
    """The groups' maxima from ref_766_group (made from its seed in a new warehouse), TONG_SCORE 100."""
    if not scalar(con, "select count(*) from duckdb_tables() where table_name = 'ref_766_group'"):
        con.execute(build.objects_sql("ref_766_group"))
    con.execute("""create or replace temp table load_766_max as
                   select portal_code, max_points from ref_766_group
                   union all select 'TONG_SCORE', 100.0""")


def _parse_match(con, src: sources.Source, result) -> list[dict]:
    found = mapping.resolve(src.headers, MATCH_KIND)
    missing = [f for f in ("agency_code",) if f not in found]
    if not {"portal_code", "portal_name"} & set(found):
        missing.append("portal_code hoặc portal_name")
    if missing:
        raise sources.UnusableFile(f"thiếu cột bắt buộc: {', '.join(missing)}")
    cols = [f"{src.value(found[f])} as {f}" if f in found else f"null::varchar as {f}"
            for f in mapping.fields(MATCH_KIND)]
    con.execute(f"create or replace temp view load_canonical as "
                f"select {src.row_expr} as _row, {', '.join(cols)} from {src.table}")
    con.execute((build.SQL_DIR / "load" / f"parse_{MATCH_KIND}.sql").read_text(encoding="utf-8"))
    result.read = scalar(con, "select count(*) from load_parsed") + len(src.row_errors)
    return src.row_errors


def apply_published(con, load_id: str, path: Path, now) -> int:
    """The good rows, set by set: a changed set replaces the stored one (delete, then insert), an
    identical one is left as it was. load_published_sets says what happened (notes())."""
    con.execute(
        f"""create or replace temp table load_latest as
            select *, {_SET_PREFIX.format(a='')} as set_prefix
            from load_parsed where len(errors) = 0
            qualify row_number() over (partition by scope, period_key, portal_code
                                       order by _sheet desc nulls first, _row desc) = 1"""
    )
    stored = f"""(select *, {_SET_PREFIX.format(a='')} as set_prefix from raw_published_766
                  where (scope, period_key, agency_kind, {_SET_PREFIX.format(a='')}) in
                        (select (scope, period_key, agency_kind, set_prefix) from load_latest))"""
    con.execute(
        f"""create or replace temp table load_published_sets as
            with new as (
                select scope, period_key, agency_kind, set_prefix, count(*) as new_rows,
                       count(distinct portal_code) as agencies
                from load_latest group by all
            ),
            old as (
                select scope, period_key, agency_kind, set_prefix, count(*) as stored_rows
                from {stored} group by all
            ),
            differing as (
                select distinct scope, period_key, agency_kind, set_prefix from (
                    (select {_COMPARED}, set_prefix, false as simulated from load_latest
                     except select {_COMPARED}, set_prefix, simulated from {stored})
                    union all
                    (select {_COMPARED}, set_prefix, simulated from {stored}
                     except select {_COMPARED}, set_prefix, false from load_latest))
            )
            select n.*, coalesce(o.stored_rows, 0) as stored_rows, d.scope is not null as changed
            from new as n
            left join old as o using (scope, period_key, agency_kind, set_prefix)
            left join differing as d using (scope, period_key, agency_kind, set_prefix)"""
    )
    con.execute(
        f"""delete from raw_published_766 as r
            where (r.scope, r.period_key, r.agency_kind, {_SET_PREFIX.format(a='r.')}) in
                  (select (scope, period_key, agency_kind, set_prefix)
                   from load_published_sets where changed)"""
    )
    con.execute(
        """insert into raw_published_766 (scope, period_key, agency_kind, portal_code, portal_id, portal_name,
                                          points_timeliness, points_satisfaction, points_digitisation,
                                          points_payment, points_online, points_transparency, total_points,
                                          portal_rank, simulated, load_id, source_file, source_sheet,
                                          source_row)
           select l.scope, l.period_key, l.agency_kind, l.portal_code, l.portal_id, l.portal_name,
                  l.points_timeliness, l.points_satisfaction, l.points_digitisation, l.points_payment,
                  l.points_online, l.points_transparency, l.total_points, l.portal_rank, false, ?, ?,
                  l._sheet, l._row
           from load_latest as l
           join load_published_sets as s using (scope, period_key, agency_kind, set_prefix)
           where s.changed""",
        [load_id, str(path)],
    )
    return scalar(con, "select count(*) from load_latest")


def notes(con) -> list[str]:
    """What a load of published scores did: agencies by kind, then each period and what became of it."""
    if not scalar(con, "select count(*) from duckdb_tables() where table_name = 'load_published_sets'"):
        return []
    kinds = dict(con.sql(
        "select agency_kind, count(distinct portal_code) from load_latest group by 1").fetchall())
    lines = [", ".join(f"{kinds[k]} {w}" for k, w in KIND_WORDS.items() if k in kinds)]
    rows = con.sql(
        """select scope, period_key, agency_kind, sum(agencies)::integer, bool_or(changed),
                  sum(stored_rows)::integer
           from load_published_sets group by 1, 2, 3 order by 2, 1 desc, 3"""
    ).fetchall()
    periods: dict[tuple[str, str], list] = {}
    for scope, key, kind, n, changed, stored in rows:
        periods.setdefault((scope, key), []).append((kind, n, changed, stored))
    order = list(KIND_WORDS)
    for (scope, key), sets in periods.items():
        sets.sort(key=lambda s: order.index(s[0]))
        what = ", ".join(f"{n} {KIND_WORDS[kind]}" for kind, n, _, _ in sets)
        if not any(changed for _, _, changed, _ in sets):
            state = "không thay đổi (giống hệt lần nạp trước)"
        elif all(stored == 0 for *_, stored in sets):
            state = "mới"
        else:
            state = "thay thế số liệu đã nạp của kỳ này"
        year, month = key.split("-")
        period = (f"tháng {month}/{year}" if scope == "month"
                  else f"lũy kế từ đầu năm {year} đến hết tháng {month}/{year}")
        lines.append(f"{period}: {what}: {state}")
    return lines


def apply_match(con, load_id: str, path: Path, now) -> int:
    """The mapping file replaces the whole table (a file whose every row was rejected replaces nothing)."""
    good, total = con.sql("select count(*) filter (len(errors) = 0), count(*) from load_parsed").fetchall()[0]
    if total and not good:
        return 0
    con.execute("delete from ref_published_766_match")
    con.execute(
        """insert into ref_published_766_match (portal_code, portal_name, agency_code, note, load_id,
                                                source_file, source_row)
           select portal_code, portal_name, agency_code, note, ?, ?, _row
           from load_parsed where len(errors) = 0""",
        [load_id, str(path)],
    )
    return good


def match_notes(con) -> list[str]:
    """Agency codes the mapping names that the warehouse does not know (a typo shows here, not later)."""
    unknown = [code for (code,) in con.sql(
        """select distinct agency_code from load_parsed
           where len(errors) = 0 and agency_code is not null
             and agency_code not in (select agency_code from ref_agency) order by 1"""
    ).fetchall()]
    if not unknown:
        return []
    return [f"mã đơn vị không có trong kho (kiểm tra lại): {', '.join(unknown[:10])}"]


# what load.py adds to a file's summary after its records are merged, by kind
NOTES = {KIND: notes, MATCH_KIND: match_notes}
