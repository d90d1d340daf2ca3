"""Read an export file, whatever its format, into a DuckDB temp table of text values.

Formats are recognised from content, not from the file name: the portal's sync envelope
`{"service": ..., "data": [...]}`, a JSON array or JSON lines of records, CSV (UTF-8 with or
without BOM, or Windows-1258; `,` `;` or tab) and Excel .xlsx. Every record keeps its position:
`_row` is the spreadsheet row for CSV and Excel (the header is row 1) and the record's number
(from 1) for JSON; a blank line or an empty sheet row counts as a row but is not a record.
Reading is vectorised (DuckDB, fastexcel) for well-formed files; only a damaged file (a CSV with
rejected or blank lines, JSON lines with broken lines) is read again record by record in Python,
so that every record, good or rejected, keeps its true row.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import json
import os
import re
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
    row_expr: str = "_row"        # SQL giving a record's row in the file
    row_errors: list[dict] = field(default_factory=list)   # records that could not even be parsed
    _columns: dict[str, str] = field(default_factory=dict)  # header -> column name in `table`

    def value(self, header: str) -> str:
        """SQL expression for the header's value as trimmed NFC text (null when empty)."""
        if self.json_records:
            # the key as it is in the file (NFD keys too), quoted: json.dumps-style \u escapes
            # made every Vietnamese key miss
            raw = f"json_extract_string(j, '{_sql_str(_json_path(self._columns[header]))}')"
        else:
            raw = f'"{self._columns[header]}"'
        # trimming copies every string; the LIKE guard (7 times cheaper) leaves clean values alone
        v = f"nfc_normalize({raw}::varchar)"
        return (f"(case when {v} = '' or {v} like ' %' or {v} like '% ' then nullif(trim({v}), '') "
                f"else {v} end)")

    def raw_json(self, header: str) -> str:
        """The header's value as JSON (nested lists in sync records)."""
        if not self.json_records:
            return "null::json"
        return f"json_extract(j, '{_sql_str(_json_path(self._columns[header]))}')"


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

def _json_path(key: str) -> str:
    """A DuckDB JSON path naming one key exactly (spaces, quotes, Vietnamese letters)."""
    return '$."' + key.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _read_json(con, path: Path, first: bytes) -> Source:
    table = _new_table()
    p = _sql_str(str(path))
    service = None
    if first == b"[":
        fmt, select = "json", f"select json as j from read_json_objects('{p}', format='array')"
    else:
        # the envelope is one object as large as the file; DuckDB allocates buffers from this
        # limit (per thread), so it must follow the file's size: at the 2 GB maximum the probe
        # ran out of memory and every envelope was misread as JSON lines
        size = min(max(path.stat().st_size + 1024, 16 << 20), 2147483647)
        big = f"maximum_object_size={size}"
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
            fmt = "ndjson"
            select = f"select json as j from read_json_objects('{p}', format='newline_delimited')"
    row_errors: list[dict] = []
    try:
        con.execute(f"create temp table {table} as select row_number() over () as _row, j from ({select})")
    except duckdb.Error as exc:
        if fmt != "ndjson":
            raise UnusableFile(f"JSON không hợp lệ: {str(exc).splitlines()[0]}") from exc
        row_errors = _ndjson_fallback(con, path, table)
    if scalar(con, f"select count(*) from {table}") == 0 and not row_errors:
        raise UnusableFile("tệp không có bản ghi nào")
    not_objects = con.sql(f"select _row from {table} where json_type(j) <> 'OBJECT' order by _row").fetchall()
    for (row,) in not_objects:
        row_errors.append({"row": row, "field": None, "value": None,
                           "reason": "bản ghi không phải đối tượng JSON"})
    con.execute(f"delete from {table} where json_type(j) <> 'OBJECT'")
    # keys in order of first appearance, so that "first matching header wins" is deterministic
    keys = [k for (k,) in con.sql(
        f"""select k from (select _row, unnest(json_keys(j)) as k, unnest(range(len(json_keys(j)))) as pos
                           from {table})
            group by k order by min(_row), min(pos)"""
    ).fetchall()]
    columns: dict[str, str] = {}
    for k in keys:
        columns.setdefault(_nfc(k), k)
    return Source(path, fmt, table, list(columns), service=service, json_records=True,
                  row_errors=row_errors, _columns=columns)


def _ndjson_fallback(con, path: Path, table: str) -> list[dict]:
    """Some lines are not JSON: keep the good ones, report the bad ones by record number (the
    n-th non-blank line, as DuckDB numbers the records of a clean file)."""
    good, errors = [], []
    number = 0
    with open(path, encoding="utf-8-sig", errors="replace") as fh:
        for line in fh:
            if not line.strip():
                continue
            number += 1
            try:
                json.loads(line)
            except json.JSONDecodeError as exc:
                if number == 1:
                    # not JSON lines at all: a JSON document spread over lines, and broken
                    raise UnusableFile(f"JSON không hợp lệ (dòng đầu: {exc.msg})") from exc
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
        body = data[len(codecs.BOM_UTF8):]
        try:
            return body.decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError:
            # the mark says UTF-8: a damaged byte is one wrong character, as without the mark (this
            # raised out of the reader, and the file was reported as a loader failure)
            return body.decode("utf-8", errors="replace"), "utf-8 (hỏng)"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    # a UTF-8 export with a damaged byte or two is still UTF-8: read as Windows-1258 every letter
    # with a diacritic would turn into two wrong ones. Windows-1258 text hardly ever forms a valid
    # UTF-8 multi-byte sequence, UTF-8 text is full of them.
    lenient = data.decode("utf-8", errors="replace")
    damaged = lenient.count("\ufffd")
    if sum(1 for ch in lenient if ord(ch) > 0x7F) - damaged > 5 * damaged:
        return lenient, "utf-8 (hỏng)"
    try:
        return data.decode("cp1258"), "windows-1258"
    except UnicodeDecodeError as exc:
        raise UnusableFile("không nhận ra mã hóa ký tự (cần UTF-8 hoặc Windows-1258)") from exc


def _delimiter(header_line: str) -> str:
    counts = {d: header_line.count(d) for d in (";", ",", "\t", "|")}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def _read_csv(con, path: Path) -> Source:
    """CSV records numbered by spreadsheet row (header = row 1; a blank line is an empty row).

    DuckDB reads a clean file (every line after the header is a record or part of a quoted value,
    nothing rejected). Anything else (rejected lines, blank lines, a stray or unclosed quote) is
    read again by Python's csv module, which knows where each record starts, so that quarantined
    rows and loaded rows carry the row a spreadsheet shows, and an unclosed quote that would
    swallow the records after it makes the file unusable instead of losing them.
    """
    data = path.read_bytes()
    if b"\x00" in data[:4096]:
        raise UnusableFile("không phải tệp văn bản CSV (có ký tự nhị phân)")
    # the header is decoded on its own; the whole text only when DuckDB cannot read the file as is
    head_bytes = data[:65536]
    head, _ = _decode(head_bytes.rsplit(b"\n", 1)[0] if b"\n" in head_bytes else head_bytes)
    # a line ends at CR LF, LF or a lone CR (old Mac exports): a CR left inside the header line made
    # the csv module raise out of the reader
    lines = re.split(r"\r\n|\r|\n", head, maxsplit=50)
    first = next((i for i, ln in enumerate(lines) if ln.strip()), None)
    if first is None:
        raise UnusableFile("tệp rỗng")
    header_line = lines[first]
    sep = _delimiter(header_line)
    try:
        headers = _unique_headers(next(csv.reader([header_line], delimiter=sep)))
    except csv.Error as exc:
        raise UnusableFile(f"không đọc được dòng tiêu đề CSV ({exc})") from exc
    if len(headers) < 2:
        raise UnusableFile("không nhận ra định dạng: không phải JSON, Excel hay CSV có tiêu đề cột")
    names = {h: f"c{i}" for i, h in enumerate(headers)}
    table = _new_table()
    clean = first == 0 and _csv_fast(con, path, data, sep, table, list(names.values()))
    row_errors: list[dict] = []
    if not clean:
        con.execute(f"drop table if exists temp.{table}")
        text, encoding = _decode(data)
        if encoding == "windows-1258" and first == 0 and _csv_fast(
            con, path, text.encode("utf-8"), sep, table, list(names.values()), transcoded=True
        ):
            clean = True
        else:
            con.execute(f"drop table if exists temp.{table}")
            row_errors = _csv_slow(con, text, sep, table, len(headers))
    if scalar(con, f"select count(*) from {table}") == 0 and not row_errors:
        raise UnusableFile("tệp không có bản ghi nào (chỉ có dòng tiêu đề)")
    # a clean file's records are its lines after the header, in the temp table's insertion order
    row_expr = "rowid + 2" if clean else "_row"
    return Source(path, "csv", table, headers, row_errors=row_errors, _columns=names, row_expr=row_expr)


def _csv_fast(con, path: Path, data: bytes, sep: str, table: str, cols: list[str],
              transcoded: bool = False) -> bool:
    """DuckDB's reader on UTF-8 bytes (the file itself, or a transcoded copy); True when the file is
    clean, so that record n is spreadsheet row n + 1.
    Invalid UTF-8 makes DuckDB reject lines, so a Windows-1258 file never passes as clean."""
    body = data.rstrip()
    # a blank (or delimiters-only) line would shift the row numbers of everything after it
    if re.search(rb"\n[ \t\r" + re.escape(sep.encode()) + rb"]*\n", body):
        return False
    source_path, temp = path, None
    if transcoded:
        fd, temp = tempfile.mkstemp(suffix=".csv")
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        source_path = Path(temp)
    columns = "{" + ", ".join(f"'{c}': 'VARCHAR'" for c in cols) + "}"
    p = _sql_str(str(source_path))
    try:
        con.execute("drop table if exists temp.reject_errors; drop table if exists temp.reject_scans")
        # insertion order is file order, so a temp table's rowid numbers the records
        con.execute(
            f"""create temp table {table} as
                select * from read_csv('{p}', auto_detect=false, header=true, delim='{_sql_str(sep)}',
                                       quote='"', escape='"', columns={columns}, store_rejects=true,
                                       max_line_size=10000000)"""
        )
        rejected = scalar(con, "select count(*) from reject_errors")
    except duckdb.Error:
        return False
    finally:
        if temp:
            os.unlink(temp)
        con.execute("drop table if exists temp.reject_errors; drop table if exists temp.reject_scans")
    if rejected:
        return False
    records = scalar(con, f"select count(*) from {table}")
    newlines_in_values = 0
    if b'"' in body:
        newlines_in_values = scalar(con, f"""select coalesce(sum({' + '.join(
            f"coalesce(length({c}) - length(replace({c}, chr(10), '')), 0)" for c in cols)}), 0)
            from {table} where {' or '.join(f"contains({c}, chr(10))" for c in cols)}""")
    # every line after the header must be a record or inside a quoted value
    return records + newlines_in_values == body.count(b"\n")


def _csv_slow(con, text: str, sep: str, table: str, width: int) -> list[dict]:
    csv.field_size_limit(max(csv.field_size_limit(), 10_000_000))   # as DuckDB's max_line_size
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep, quotechar='"', strict=True)
    good: list[list] = []
    errors: list[dict] = []
    row = 0
    header_seen = False
    while True:
        start_line = reader.line_num + 1
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            row += 1
            if "unexpected end of data" in str(exc):
                if reader.line_num > start_line:
                    raise UnusableFile(
                        f"CSV hỏng: dấu ngoặc kép mở ở hàng {row} (dòng {start_line}) không được đóng, "
                        f"{reader.line_num - start_line} dòng sau đó sẽ bị nuốt vào một giá trị"
                    ) from exc
            errors.append({"row": row, "field": None, "value": None,
                           "reason": "giá trị có dấu ngoặc kép không đúng quy cách"})
            continue
        row += 1
        if not any(v.strip() for v in record):
            continue  # a blank line (or only delimiters): an empty row, not a record
        if not header_seen:
            header_seen = True
            continue
        if len(record) < width:
            errors.append({"row": row, "field": None, "value": None,
                           "reason": f"dòng thiếu cột (có {len(record)}, cần {width})"})
        elif len(record) > width and any(v.strip() for v in record[width:]):
            errors.append({"row": row, "field": None, "value": None,
                           "reason": f"dòng thừa cột (có {len(record)}, cần {width})"})
        else:
            good.append([row, *record[:width]])
    schema = {"_row": pl.Int64, **{f"c{i}": pl.String for i in range(width)}}
    frame = pl.DataFrame(good, schema=schema, orient="row")
    con.register("_csv_good", frame.to_arrow())
    con.execute(f"create temp table {table} as select * from _csv_good")
    con.unregister("_csv_good")
    return errors


# ---- Excel ----------------------------------------------------------------------------------

def _read_xlsx(con, path: Path, sheet: str | None = None) -> Source:
    try:
        # keep empty rows (polars drops them by default, which shifted every later row number) and
        # empty columns (an all-empty required column is not a missing one)
        frame = pl.read_excel(path, sheet_name=sheet, engine="calamine", infer_schema_length=0,
                              drop_empty_rows=False, drop_empty_cols=False, raise_if_empty=False)
    except Exception as exc:  # fastexcel raises its own error types
        raise UnusableFile(f"tệp Excel không đọc được: {str(exc).splitlines()[0]}") from exc
    headers = _unique_headers(frame.columns)
    names = {h: f"c{i}" for i, h in enumerate(headers)}
    frame = frame.rename(dict(zip(frame.columns, names.values())))
    frame = frame.with_columns(pl.all().cast(pl.String)).with_row_index("_row", offset=2)
    if names:
        # an empty row of the sheet is not a record
        frame = frame.filter(~pl.all_horizontal(
            pl.col(c).is_null() | (pl.col(c).str.strip_chars() == "") for c in names.values()))
    if frame.height == 0:
        raise UnusableFile("tệp không có bản ghi nào (chỉ có dòng tiêu đề)")
    table = _new_table()
    con.register("_xlsx", frame.to_arrow())
    con.execute(f"create temp table {table} as select _row::bigint as _row, * exclude (_row) from _xlsx")
    con.unregister("_xlsx")
    return Source(path, "xlsx", table, headers, _columns=names)
