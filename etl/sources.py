"""Read an export file, whatever its format, into a DuckDB temp table of text values.

Formats are recognised from content, not from the file name: the portal's sync envelope
`{"service": ..., "data": [...]}`, a JSON array or JSON lines of records, CSV (UTF-8 with or
without BOM, or Windows-1258; `,` `;` or tab) and Excel .xlsx. Every record keeps its position:
`_row` is the spreadsheet row for CSV and Excel (the header is row 1) and the record's number
(from 1) for JSON. Reading is vectorised (DuckDB, fastexcel); no Python loop runs per record.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import json
import os
import tempfile
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import polars as pl

from warehouse.build import scalar

_counter = itertools.count(1)


class UnusableFile(Exception):
    """The file as a whole cannot be loaded; nothing from it is."""


@dataclass
class Source:
    path: Path
    fmt: str                      # envelope | json | ndjson | csv | xlsx
    table: str                    # temp table with `_row` and the values
    headers: list[str]
    service: str | None = None    # the envelope's service name
    json_records: bool = False    # values are in a JSON column `j`, one object per record
    row_errors: list[dict] = field(default_factory=list)   # records that could not even be parsed
    _columns: dict[str, str] = field(default_factory=dict)  # header -> column name in `table`

    def value(self, header: str) -> str:
        """SQL expression for the header's value as trimmed NFC text (null when empty)."""
        if self.json_records:
            path = json.dumps("$." + json.dumps(header)[1:-1].replace('"', '\\"'))[1:-1]
            raw = f"json_extract_string(j, '{_sql_str(path)}')"
        else:
            raw = f'"{self._columns[header]}"'
        return f"nullif(trim(nfc_normalize({raw}::varchar)), '')"

    def raw_json(self, header: str) -> str:
        """The header's value as JSON (nested lists in sync records)."""
        if not self.json_records:
            return "null::json"
        return f"json_extract(j, '{_sql_str('$.' + json.dumps(header)[1:-1])}')"


def _sql_str(text: str) -> str:
    return text.replace("'", "''")


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text).strip().lstrip("\ufeff")


def read(con: duckdb.DuckDBPyConnection, path: Path) -> Source:
    path = Path(path)
    try:
        with open(path, "rb") as fh:
            head = fh.read(4096)
    except OSError as exc:
        raise UnusableFile(f"không mở được tệp: {exc.strerror or exc}") from exc
    if not head.strip():
        raise UnusableFile("tệp rỗng")
    if head.startswith(b"PK\x03\x04"):
        return _read_xlsx(con, path)
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped[:1] in (b"{", b"["):
        return _read_json(con, path, stripped[:1])
    return _read_csv(con, path)


def _new_table() -> str:
    return f"src_{next(_counter)}"


def _unique_headers(headers: list[str]) -> list[str]:
    out, seen = [], {}
    for i, h in enumerate(headers, start=1):
        h = _nfc(h) or f"cot_{i}"
        if h in seen:
            seen[h] += 1
            h = f"{h} ({seen[h]})"
        else:
            seen[h] = 1
        out.append(h)
    return out


# ---- JSON -----------------------------------------------------------------------------------

def _read_json(con, path: Path, first: bytes) -> Source:
    table = _new_table()
    p = _sql_str(str(path))
    service = None
    if first == b"[":
        fmt, select = "json", f"select json as j from read_json_objects('{p}', format='array')"
    else:
        big = "maximum_object_size=2147483647"
        try:
            probe = con.sql(
                f"select json_type(json->'data'), json->>'service' "
                f"from read_json_objects('{p}', format='unstructured', {big}) limit 2"
            ).fetchall()
        except duckdb.Error:
            probe = []
        if len(probe) == 1 and probe[0][0] == "ARRAY":
            fmt, service = "envelope", probe[0][1]
            select = (f"select unnest(cast(json->'data' as json[])) as j "
                      f"from read_json_objects('{p}', format='unstructured', {big})")
        else:
            fmt, select = "ndjson", f"select json as j from read_json_objects('{p}', format='newline_delimited')"
    row_errors: list[dict] = []
    try:
        con.execute(f"create temp table {table} as select row_number() over () as _row, j from ({select})")
    except duckdb.Error as exc:
        if fmt != "ndjson":
            raise UnusableFile(f"JSON không hợp lệ: {str(exc).splitlines()[0]}") from exc
        row_errors = _ndjson_fallback(con, path, table)
    not_objects = con.sql(f"select _row from {table} where json_type(j) <> 'OBJECT'").fetchall()
    for (row,) in not_objects:
        row_errors.append({"row": row, "field": None, "value": None, "reason": "bản ghi không phải đối tượng JSON"})
    con.execute(f"delete from {table} where json_type(j) <> 'OBJECT'")
    keys = [k for (k,) in con.sql(
        f"select distinct unnest(json_keys(j)) k from {table}"
    ).fetchall()]
    return Source(path, fmt, table, [_nfc(k) for k in keys], service=service, json_records=True,
                  row_errors=row_errors, _columns={_nfc(k): k for k in keys})


def _ndjson_fallback(con, path: Path, table: str) -> list[dict]:
    """Some lines are not JSON: keep the good ones, report the bad ones by line number."""
    good, errors = [], []
    with open(path, encoding="utf-8-sig", errors="replace") as fh:
        for number, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                json.loads(line)
            except json.JSONDecodeError as exc:
                errors.append({"row": number, "field": None, "value": None,
                               "reason": f"dòng không phải JSON hợp lệ ({exc.msg})"})
                continue
            good.append((number, line))
    frame = pl.DataFrame(good, schema={"_row": pl.Int64, "j": pl.String}, orient="row")
    con.register("_ndjson_good", frame.to_arrow())
    con.execute(f"create temp table {table} as select _row, j::json as j from _ndjson_good")
    con.unregister("_ndjson_good")
    return errors


# ---- CSV ------------------------------------------------------------------------------------

def _decode(data: bytes) -> tuple[str, str]:
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8):].decode("utf-8", errors="strict"), "utf-8-sig"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1258"), "windows-1258"
    except UnicodeDecodeError as exc:
        raise UnusableFile("không nhận ra mã hóa ký tự (cần UTF-8 hoặc Windows-1258)") from exc


def _delimiter(header_line: str) -> str:
    counts = {d: header_line.count(d) for d in (";", ",", "\t", "|")}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def _read_csv(con, path: Path) -> Source:
    data = path.read_bytes()
    text, encoding = _decode(data)
    if "\x00" in text[:4096]:
        raise UnusableFile("không phải tệp văn bản CSV (có ký tự nhị phân)")
    first_line = text.split("\n", 1)[0].rstrip("\r")
    sep = _delimiter(first_line)
    headers = _unique_headers(next(csv.reader(io.StringIO(first_line), delimiter=sep)))
    if len(headers) < 2:
        raise UnusableFile("không nhận ra định dạng: không phải JSON, Excel hay CSV có tiêu đề cột")
    source_path, temp = path, None
    if encoding != "utf-8":
        fd, temp = tempfile.mkstemp(suffix=".csv")
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(unicodedata.normalize("NFC", text))
        source_path = Path(temp)
    table = _new_table()
    names = {h: f"c{i}" for i, h in enumerate(headers)}
    columns = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(len(headers))) + "}"
    p = _sql_str(str(source_path))
    try:
        con.execute("drop table if exists reject_errors; drop table if exists reject_scans")
        con.execute(
            f"""create temp table {table} as
                select row_number() over () + 1 as _row, *
                from read_csv('{p}', auto_detect=false, header=true, delim='{_sql_str(sep)}',
                              quote='"', escape='"', columns={columns}, store_rejects=true,
                              max_line_size=10000000)"""
        )
        rejects = con.sql(
            "select line, any_value(error_type)::varchar, any_value(csv_line) from reject_errors group by line order by line"
        ).fetchall()
    except duckdb.Error as exc:
        raise UnusableFile(f"CSV không đọc được: {str(exc).splitlines()[0]}") from exc
    finally:
        if temp:
            os.unlink(temp)
    row_errors = [
        {"row": int(line), "field": None, "value": None, "reason": _reject_reason(kind)}
        for line, kind, _ in rejects
    ]
    if rejects:
        # rows after a rejected line are shifted: renumber good rows by physical line
        _renumber_after_rejects(con, table, [int(line) for line, _, _ in rejects])
    _check_nothing_swallowed(con, table, text, headers, names, rejected=len(rejects))
    return Source(path, "csv", table, headers, row_errors=row_errors, _columns=names)


def _reject_reason(kind: str) -> str:
    return {
        "MISSING COLUMNS": "dòng thiếu cột",
        "TOO MANY COLUMNS": "dòng thừa cột",
        "UNQUOTED VALUE": "giá trị có dấu ngoặc kép không đúng quy cách",
        "LINE SIZE OVER MAXIMUM": "dòng quá dài",
        "INVALID ENCODING": "ký tự không hợp lệ",
    }.get(kind, f"dòng không đọc được ({kind})")


def _renumber_after_rejects(con, table: str, rejected_lines: list[int]) -> None:
    """_row counted good records only; move it past each rejected line so it names the file's line."""
    import numpy as np

    rows = con.sql(f"select _row from {table} order by _row").fetchnumpy()["_row"]
    shifted = rows.copy()
    for line in sorted(rejected_lines):
        shifted = np.where(shifted >= line, shifted + 1, shifted)
    mapping = pl.DataFrame({"old": rows, "new": shifted})
    con.register("_renumber", mapping.to_arrow())
    con.execute(f"update {table} set _row = m.new from _renumber m where {table}._row = m.old")
    con.unregister("_renumber")


def _check_nothing_swallowed(con, table, text, headers, names, rejected: int) -> None:
    """An unclosed quote makes a CSV reader take the rest of the file as one value: refuse that file
    rather than lose its records silently."""
    records = scalar(con, f"select count(*) from {table}")
    newlines_in_values = scalar(con, "select coalesce(sum(" + " + ".join(
        f"coalesce(length(\"{c}\") - length(replace(\"{c}\", chr(10), '')), 0)" for c in names.values()
    ) + f"), 0) from {table}")
    lines = text.count("\n") + (0 if text.endswith("\n") else 1)
    blank = sum(1 for ln in text.split("\n")[1:] if not ln.strip())
    expected = lines - 1 - blank
    if records + rejected + newlines_in_values < expected:
        raise UnusableFile(
            f"CSV hỏng: {expected - records - rejected - newlines_in_values} dòng bị nuốt vào một giá trị "
            "(thiếu dấu ngoặc kép đóng?)"
        )


# ---- Excel ----------------------------------------------------------------------------------

def _read_xlsx(con, path: Path) -> Source:
    try:
        frame = pl.read_excel(path, engine="calamine", infer_schema_length=0)
    except Exception as exc:  # fastexcel raises its own error types
        raise UnusableFile(f"tệp Excel không đọc được: {str(exc).splitlines()[0]}") from exc
    headers = _unique_headers(frame.columns)
    names = {h: f"c{i}" for i, h in enumerate(headers)}
    frame = frame.rename(dict(zip(frame.columns, names.values())))
    frame = frame.with_columns(pl.all().cast(pl.String)).with_row_index("_row", offset=2)
    table = _new_table()
    con.register("_xlsx", frame.to_arrow())
    con.execute(f"create temp table {table} as select _row::bigint as _row, * exclude (_row) from _xlsx")
    con.unregister("_xlsx")
    return Source(path, "xlsx", table, headers, _columns=names)
