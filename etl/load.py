"""`python -m etl load`: export files and reference data into a new warehouse version.

One command is one build: every file is read, validated and merged into a copy of the current
warehouse, the summary tables are recomputed, and only then does the new version become current.
A crash or kill at any point leaves the current version exactly as it was. Loads into one
warehouse run one at a time (a lock file), so that two loads started together both arrive.

Per file: good records are loaded, rejected ones go to `quarantine` with file, row, field and
reason; a file that cannot be used at all (unreadable, unknown format, required columns missing)
loads nothing and is reported in one line (each file is applied in its own transaction). A
dossier whose state did not change is left as it was, so loading a file again changes nothing.
Personal data columns are never read.
"""

from __future__ import annotations

import collections
import concurrent.futures
import datetime as dt
import hashlib
import re
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from etl import mapping, sources
from etl.load_apology import apply_apology_slips
from warehouse import build, store
from warehouse.build import parquet_folder, scalar
from warehouse.metrics import METRICS

SQL_LOAD = build.SQL_DIR / "load"
KINDS = ("dossier", "step", "agency", "procedure", "target", "pakn", "rating", "role", "calendar", "apology")
KIND_LABELS = {"dossier": "hồ sơ", "step": "bước xử lý", "agency": "danh sách đơn vị",
               "procedure": "danh mục thủ tục", "target": "chỉ tiêu kế hoạch",
               "pakn": "phản ánh, kiến nghị", "rating": "đánh giá hài lòng", "role": "vai trò người dùng",
               "calendar": "lịch ngày nghỉ, ngày làm bù", "apology": "phiếu xin lỗi"}
REQUIRED = {
    "dossier": ["MaHoSo", "MaDonViXuLy", "TrangThaiHoSo", "NgayTiepNhan", "KenhThucHien"],
    "step": ["MaHoSo", "ThoiDiemXuLy"],
    "agency": ["MaDonVi", "TenDonVi", "CapDonVi"],
    "procedure": ["MaTTHC", "TenTTHC"],
    "target": ["Nam", "ChiSo", "SoSanh", "GiaTri"],
    "pakn": ["MaPAKN", "MaDonViXuLy", "NgayTiepNhan"],
    "rating": ["NgayDanhGia"],
    "role": ["TaiKhoan", "VaiTro"],
    "calendar": ["Ngay", "LoaiNgay"],
    "apology": ["MaHoSo", "NgayXinLoi"],
}
# at least one column of each set (a rating names its dossier or its agency, and says whether the
# citizen was satisfied or gives a score)
REQUIRED_ANY = {
    "rating": [("MaHoSo", "MaDonViXuLy"), ("HaiLong", "DiemDanhGia")],
}
SERVICES = {"DongBoHoSoMC": "dossier", "CapNhatTienDoHoSoMC": "step"}


@dataclass
class FileResult:
    path: Path
    kind: str | None = None
    fmt: str | None = None
    read: int = 0
    loaded: int = 0
    rejected: int = 0
    unusable: str | None = None
    reasons: collections.Counter = field(default_factory=collections.Counter)
    ignored_headers: list[str] = field(default_factory=list)
    sha256: str | None = None

    @property
    def exit_code(self) -> int:
        return 2 if self.unusable else (1 if self.rejected else 0)

    def summary(self) -> str:
        if self.unusable:
            return f"{self.path}: không nạp được: {self.unusable}"
        text = (f"{self.path}: {KIND_LABELS.get(self.kind, self.kind)} ({self.fmt}), đọc {self.read}, "
                f"nạp {self.loaded}, loại {self.rejected}")
        for reason, count in self.reasons.most_common():
            text += f"\n  - {count} × {reason}"
        if self.ignored_headers:
            text += f"\n  (bỏ qua cột không dùng: {', '.join(self.ignored_headers[:12])})"
        return text


def detect_kind(src: sources.Source) -> str | None:
    if src.service in SERVICES:
        return SERVICES[src.service]
    found = {k: mapping.resolve(src.headers, k) for k in KINDS}
    if "MaHoSo" in found["step"] and "PhongBanXuLy" in found["step"]:
        return "step"
    if "MaPAKN" in found["pakn"]:
        return "pakn"
    if "NgayDanhGia" in found["rating"] and {"HaiLong", "DiemDanhGia"} & set(found["rating"]):
        return "rating"
    # a list of slips names dossiers too: its slip date tells it from a dossier export
    if {"MaHoSo", "NgayXinLoi"} <= set(found["apology"]) and "TrangThaiHoSo" not in found["dossier"]:
        return "apology"
    if "MaHoSo" in found["dossier"]:
        return "dossier"
    if {"TaiKhoan", "VaiTro"} <= set(found["role"]):
        return "role"
    if {"Ngay", "LoaiNgay"} <= set(found["calendar"]):
        return "calendar"
    if {"ChiSo", "GiaTri"} <= set(found["target"]):
        return "target"
    if {"MaTTHC", "TenTTHC"} <= set(found["procedure"]):
        return "procedure"
    if {"MaDonVi", "TenDonVi"} <= set(found["agency"]):
        return "agency"
    return None


def load_files(directory: Path, paths: list[Path], kind: str | None = None, progress=print,
               now: dt.datetime | None = None) -> list[FileResult]:
    """Every file into one new warehouse version. store.new_build lets one writer in at a time
    (each copies the current version and publishes its copy, so two at once would lose data)."""
    now = now or dt.datetime.now()
    results: list[FileResult] = []
    directory.mkdir(parents=True, exist_ok=True)
    with store.new_build(directory, from_current=True) as con:
        # decided under the writer's lock: a new warehouse gets the official unit lists first
        is_new = scalar(con, "select count(*) from duckdb_tables() where table_name = 'ref_unit'") == 0
        build.create_schema(con)
        con.execute((build.SQL_DIR / "macros" / "parse_values.sql").read_text(encoding="utf-8"))
        if is_new or scalar(con, "select count(*) from ref_unit") == 0:
            progress("Kho mới: nạp danh mục đơn vị hành chính chính thức…")
            build.load_units(con)
        for path in paths:
            started = time.perf_counter()
            result = _load_file(con, Path(path), kind, now)
            results.append(result)
            progress(result.summary() + f"  [{time.perf_counter() - started:.1f} s]")
        _update_as_of(con, now)  # before the SQL: periods run up to the data's date
        # loaded files make it real data: a demo warehouse that received them no longer runs open
        build.set_meta(con, is_demo="false")
        progress("Tính lại các bảng tổng hợp…")
        build.apply_sql(con)
    return results


def load_into(con, path: Path, kind: str | None = None, now: dt.datetime | None = None) -> FileResult:
    """One file into an open build, without recomputing anything (the demo loads the calendar
    override this way, as `etl load` would)."""
    con.execute((build.SQL_DIR / "macros" / "parse_values.sql").read_text(encoding="utf-8"))
    return _load_file(con, Path(path), kind, now or dt.datetime.now())


def _update_as_of(con, now: dt.datetime) -> None:
    """The data's date (warehouse.build.advance_as_of: newest event, never after today, never back)."""
    build.advance_as_of(con, now.date())
    build.set_meta(con, built_at=now.isoformat(timespec="seconds"))


def _sha256(path: Path) -> str | None:
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
    except OSError:
        return None
    return digest.hexdigest()


def _load_file(con, path: Path, kind: str | None, now: dt.datetime) -> FileResult:
    """One file in one transaction: all its good records, or (unusable file) nothing from it."""
    # the file's fingerprint is read beside the parse (hashing and DuckDB both release the GIL)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        fingerprint = pool.submit(_sha256, path)
        try:
            return _load_file_body(con, path, kind, now, fingerprint)
        finally:
            fingerprint.result()


def _load_file_body(con, path: Path, kind: str | None, now: dt.datetime,
                    fingerprint: concurrent.futures.Future) -> FileResult:
    result = FileResult(path)
    load_id = f"load-{uuid.uuid4().hex[:12]}"
    started = dt.datetime.now()
    in_transaction = False
    try:
        # reading and parsing only make temp tables (and readers recover from their own errors,
        # which an open transaction would not survive); what changes the warehouse is one transaction
        row_errors = _read_and_parse(con, path, kind, now, result)
        result.sha256 = fingerprint.result()
        con.begin()
        in_transaction = True
        _quarantine(con, load_id, result, path, row_errors)
        result.loaded = APPLY[result.kind](con, load_id, path, now)
        con.commit()
    except sources.UnusableFile as exc:
        if in_transaction:
            con.rollback()
        result.unusable = str(exc)
    except Exception as exc:  # noqa: BLE001 - a file that breaks the loader must not load halfway
        if in_transaction:
            con.rollback()
        result.unusable = f"lỗi khi nạp tệp ({type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''})"
    if result.unusable:
        result.loaded = result.rejected = 0
        result.reasons.clear()
    clean_temp(con)
    result.sha256 = fingerprint.result()
    _log(con, load_id, result, path, started)
    return result


def _read_and_parse(con, path: Path, kind: str | None, now: dt.datetime, result: FileResult) -> list[dict]:
    """The file into temp table load_parsed; returns the records that could not even be parsed."""
    src = sources.read(con, path)
    result.fmt = src.fmt
    result.kind = kind or detect_kind(src)
    if result.kind is None:
        raise sources.UnusableFile(
            "không nhận ra loại dữ liệu (hồ sơ, bước xử lý, đơn vị, thủ tục, chỉ tiêu, phản ánh kiến nghị, "
            "đánh giá hài lòng, lịch ngày nghỉ hay phiếu xin lỗi) từ tiêu đề cột"
        )
    if result.kind == "dossier" and parquet_folder(con):
        raise sources.UnusableFile(
            f"kho này đọc hồ sơ từ thư mục Parquet {parquet_folder(con)}, nên không nạp tệp hồ sơ: hãy nạp vào "
            "kho ghi thư mục đó, chạy lại `python -m etl export-parquet`, rồi `python -m etl build` ở đây "
            "(danh mục và chỉ tiêu vẫn nạp được)"
        )
    found = mapping.resolve(src.headers, result.kind)
    missing = [f for f in REQUIRED[result.kind] if f not in found]
    missing += [" hoặc ".join(group) for group in REQUIRED_ANY.get(result.kind, [])
                if not any(f in found for f in group)]
    if missing:
        raise sources.UnusableFile(f"thiếu cột bắt buộc: {', '.join(missing)}")
    result.ignored_headers = [h for h in src.headers if h not in found.values() and not mapping.is_pii(h)]
    _canonical(con, src, result.kind, found)
    sql = (SQL_LOAD / f"parse_{result.kind}.sql").read_text(encoding="utf-8")
    if result.kind == "target":
        _kpi_names(con)
    if "$now" in sql:
        con.execute(sql, {"now": now})
    else:
        con.execute(sql)
    result.read = scalar(con, "select count(*) from load_parsed") + len(src.row_errors)
    return src.row_errors


def _canonical(con, src: sources.Source, kind: str, found: dict[str, str]) -> None:
    cols = [f"{src.value(found[f])} as {f}" if f in found else f"null::varchar as {f}"
            for f in mapping.fields(kind)]
    if kind == "dossier":
        for name, key in (("supplement_list_count", "DanhSachHoSoBoSung"),
                          ("result_file_count", "DanhSachGiayToKetQua")):
            if src.json_records and key in found:
                raw = src.raw_json(found[key])
                if name == "supplement_list_count":
                    cols.append(f"case when json_type({raw}) = 'ARRAY' then json_array_length({raw})::integer end as {name}")
                else:
                    # an electronic result is a result document with a file attached
                    cols.append(
                        f"case when json_type({raw}) = 'ARRAY' then len(list_filter("
                        f"json_extract_string({raw}, '$[*].*'), lambda x: x ilike 'http%' or x ilike '%.pdf' "
                        f"or x ilike '%/%')) end::integer as {name}"
                    )
            else:
                cols.append(f"null::integer as {name}")
        cols += _nested_dossier_lists(src, found)
    # a view: the parse reads the source once, nothing is materialised twice
    con.execute("drop table if exists temp.load_canonical")
    con.execute(f"create or replace temp view load_canonical as select {src.row_expr} as _row, {', '.join(cols)} from {src.table}")


def _nested_dossier_lists(src: sources.Source, found: dict[str, str]) -> list[str]:
    """What the sync record's nested lists say (docs/inputs.md), as columns of load_canonical:
    fee_list_has_fee from DanhSachLePhi (true: an item with Gia > 0; false: every Gia 0, or no
    item; null: no list, or an item without a readable amount and none above 0), and the
    supplement requests' appointment dates (DanhSachHoSoBoSung: NgayHenTraTruoc, NgayHenTraMoi)
    as text lists, parsed by parse_dossier.sql."""
    cols = []
    if src.json_records and "DanhSachLePhi" in found:
        raw = src.raw_json(found["DanhSachLePhi"])
        # amounts as vendors write them: 50000, "50000", "50.000" (only whether one is > 0 matters)
        gia = (f"list_transform(json_extract_string({raw}, '$[*].Gia'), "
               f"lambda x: try_cast(nullif(regexp_replace(x, '[^0-9]', '', 'g'), '') as double))")
        cols.append(
            f"case when json_type({raw}) <> 'ARRAY' then null "
            f"when list_bool_or(list_transform({gia}, lambda g: coalesce(g > 0, false))) then true "
            f"when list_count({gia}) = len({gia}) then false end as fee_list_has_fee"
        )
    else:
        cols.append("null::boolean as fee_list_has_fee")
    for name, key in (("supplement_due_before_list", "NgayHenTraTruoc"), ("supplement_due_new_list", "NgayHenTraMoi")):
        if src.json_records and "DanhSachHoSoBoSung" in found:
            raw = src.raw_json(found["DanhSachHoSoBoSung"])
            cols.append(f"case when json_type({raw}) = 'ARRAY' then json_extract_string({raw}, '$[*].{key}') "
                        f"end as {name}")
        else:
            cols.append(f"null::varchar[] as {name}")
    return cols


def _kpi_names(con) -> None:
    rows = []
    for m in METRICS.values():   # every KPI of the registry, PAKN and satisfaction included
        rows.append((mapping.header_key(m.key), m.key, m.unit))
        rows.append((mapping.header_key(m.label), m.key, m.unit))
    # the unit tells a rate target (96%) from a count one (at most 10 dossiers)
    con.execute("create or replace temp table load_kpi_names (name_key varchar, kpi varchar, unit varchar)")
    con.executemany("insert into load_kpi_names values (?, ?, ?)", rows)


def _quarantine(con, load_id: str, result: FileResult, path: Path, row_errors: list[dict]) -> None:
    key_col = "dossier_id" if result.kind in ("dossier", "step") else "record_key"
    # the same file loaded again rejects the same records: keep them once, under the latest load
    con.execute(
        """delete from quarantine where load_id in
           (select load_id from load_log where file_sha256 = ? and kind = ?)""",
        [result.sha256, result.kind],
    )
    con.execute(
        f"""insert into quarantine
            select ?, ?, ?, _row, {key_col}, e.field, left(e.value, 200), e.reason
            from (select _row, {key_col}, unnest(errors) as e from load_parsed where len(errors) > 0)""",
        [load_id, result.kind, str(path)],
    )
    for err in row_errors:
        con.execute("insert into quarantine values (?, ?, ?, ?, null, ?, ?, ?)",
                    [load_id, result.kind, str(path), err["row"], err["field"], err["value"], err["reason"]])
    counts = con.sql(
        """select e.reason, count(distinct _row) from
           (select _row, unnest(errors) e from load_parsed where len(errors) > 0) group by 1"""
    ).fetchall()
    result.reasons.update({reason: n for reason, n in counts})
    result.reasons.update(collections.Counter(err["reason"] for err in row_errors))
    result.rejected = scalar(con, "select count(*) from load_parsed where len(errors) > 0") + len(row_errors)


# what a dossier's state is made of: every stored column but where it came from. JSON keeps a null
# apart from an empty or 'NULL' text (concat_ws skipped nulls, so "due 10/03, not finished" and
# "no due date, finished 10/03" were one state)
STATE_COLUMNS = ("procedure_code", "field_code", "agency_code", "channel", "applicant_type", "submitted_at",
                 "received_at", "due_at", "finished_at", "returned_at", "refused_at", "status",
                 "supplement_count", "has_fee", "paid_online", "digitised", "electronic_result",
                 "apology_issued", "result_method", "original_due_at", "rescheduled_due_at")


def _state_hash(alias: str = "") -> str:
    prefix = f"{alias}." if alias else ""
    fields = ", ".join(f"'{c}': {prefix}{c}" for c in STATE_COLUMNS)
    # xxhash of the row: fast; only ever compared between states of the same dossier
    return f"hash({{{fields}}})::varchar"


def _apply_dossiers(con, load_id: str, path: Path, now: dt.datetime) -> int:
    # a view: each statement below reads only the columns it needs
    con.execute(
        f"""create or replace temp view load_good as
            select *, {_state_hash()} as state_hash from load_parsed where len(errors) = 0"""
    )
    # a later record of the same dossier in the file is a later state of it; most exports hold each
    # dossier once, and then the (costly) de-duplication is skipped
    repeats = scalar(con, "select count(*) - count(distinct dossier_id) from load_good")
    if repeats:
        con.execute(
            """create or replace temp table load_latest as
               select * from load_good qualify row_number() over (partition by dossier_id order by _row desc) = 1"""
        )
    else:
        con.execute("create or replace temp view load_latest as select * from load_good")
    first_state = "qualify row_number() over (partition by dossier_id, state_hash order by _row) = 1" if repeats else ""
    con.execute(
        f"""insert into raw_dossier_history
            select dossier_id, state_hash, status, received_at, due_at, finished_at, returned_at, refused_at,
                   supplement_count, ?, ?, _row, ?
            from load_good as g
            where not exists (select 1 from raw_dossier_history as h
                              where h.dossier_id = g.dossier_id and h.state_hash = g.state_hash)
            {first_state}""",
        [load_id, str(path), now],
    )
    # only dossiers whose state changed are replaced: loading a file again leaves every row as it
    # was, including the load it came from
    if scalar(con, "select count(*) from (select 1 from raw_dossier limit 1)"):
        con.execute(
            f"""create or replace temp table load_changed as
                select n.* from load_latest as n
                left join raw_dossier as d using (dossier_id)
                where d.dossier_id is null or {_state_hash('d')} <> n.state_hash"""
        )
        con.execute("delete from raw_dossier where dossier_id in (select dossier_id from load_changed)")
    else:
        con.execute("create or replace temp view load_changed as select * from load_latest")
    con.execute(
        """insert into raw_dossier by name
           select dossier_id, procedure_code, field_code, agency_code, channel, applicant_type,
                  submitted_at, received_at, due_at, finished_at, returned_at, refused_at, status,
                  supplement_count, has_fee, paid_online, digitised, electronic_result, apology_issued,
                  result_method, original_due_at, rescheduled_due_at,
                  ? as load_id, ? as source_file, _row as source_row
           from load_changed""",
        [load_id, str(path)],
    )
    _register_unknown(con)
    return scalar(con, "select count(*) from load_good")


def _register_unknown(con) -> None:
    """Codes the warehouse does not know yet are registered as unverified, never a reason to drop."""
    con.execute(
        """insert into ref_agency (agency_code, agency_name, verified)
           select agency_code, coalesce(mode(agency_name), agency_code), false
           from load_latest
           where agency_code not in (select agency_code from ref_agency)
           group by agency_code"""
    )
    con.execute(
        """insert into ref_field (field_code, field_name)
           select field_code, coalesce(mode(field_name), field_code)
           from load_latest
           where field_code is not null and field_code not in (select field_code from ref_field)
           group by field_code"""
    )
    con.execute(
        """insert into ref_procedure (procedure_code, procedure_name, field_code, verified)
           select procedure_code, coalesce(mode(procedure_name), procedure_code), mode(field_code), false
           from load_latest
           where procedure_code is not null and procedure_code not in (select procedure_code from ref_procedure)
           group by procedure_code"""
    )


def _apply_steps(con, load_id: str, path: Path, now: dt.datetime) -> int:
    # a step is (dossier, when, department, what): the same step twice, in one file or in two
    # loads, is stored once
    con.execute(
        """insert into raw_dossier_step
           select g.dossier_id, g.department, g.acted_at, g.action, g.step_status, g.planned_end,
                  ?, ?, g._row
           from load_parsed g
           where len(g.errors) = 0
             and not exists (select 1 from raw_dossier_step s
                             where s.dossier_id = g.dossier_id and s.acted_at = g.acted_at
                               and s.department is not distinct from g.department
                               and s.action is not distinct from g.action)
           qualify row_number() over (partition by g.dossier_id, g.acted_at, g.department, g.action
                                      order by g._row) = 1""",
        [load_id, str(path)],
    )
    return scalar(con, "select count(*) from load_parsed where len(errors) = 0")


def _apply_agencies(con, load_id: str, path: Path, now: dt.datetime) -> int:
    con.execute(
        """create or replace temp table load_latest as
           select * from load_parsed where len(errors) = 0
           qualify row_number() over (partition by agency_code order by _row desc) = 1"""
    )
    con.execute("delete from ref_agency where agency_code in (select agency_code from load_latest)")
    con.execute(
        """insert into ref_agency (agency_code, agency_name, agency_level, unit_version, unit_code,
                                   valid_from, valid_to, verified)
           select agency_code, agency_name, agency_level, case when unit_code is not null then unit_version end,
                  unit_code, valid_from, valid_to, true
           from load_latest"""
    )
    return scalar(con, "select count(*) from load_parsed where len(errors) = 0")


def _apply_procedures(con, load_id: str, path: Path, now: dt.datetime) -> int:
    con.execute(
        """create or replace temp table load_latest as
           select * from load_parsed where len(errors) = 0
           qualify row_number() over (partition by procedure_code order by _row desc) = 1"""
    )
    # the 766 columns: a catalogue without them (or an empty cell) keeps what an earlier load gave
    con.execute(
        """create or replace temp table load_previous as
           select procedure_code, online_level, published_on_time, publicised, info_complete
           from ref_procedure where procedure_code in (select procedure_code from load_latest)"""
    )
    con.execute("delete from ref_procedure where procedure_code in (select procedure_code from load_latest)")
    con.execute(
        """insert into ref_procedure (procedure_code, procedure_name, field_code, statutory_days, has_fee, verified,
                                      online_level, published_on_time, publicised, info_complete)
           select n.procedure_code, n.procedure_name, n.field_code, n.statutory_days, n.has_fee, true,
                  coalesce(n.online_level, o.online_level), coalesce(n.published_on_time, o.published_on_time),
                  coalesce(n.publicised, o.publicised), coalesce(n.info_complete, o.info_complete)
           from load_latest as n left join load_previous as o using (procedure_code)"""
    )
    con.execute(
        """insert or replace into ref_field (field_code, field_name)
           select field_code, mode(field_name) from load_latest
           where field_code is not null and field_name is not null group by field_code"""
    )
    return scalar(con, "select count(*) from load_parsed where len(errors) = 0")


def _apply_targets(con, load_id: str, path: Path, now: dt.datetime) -> int:
    con.execute(
        """create or replace temp table load_latest as
           select * from load_parsed where len(errors) = 0
           qualify row_number() over (partition by year, agency_level, agency_code, kpi order by _row desc) = 1"""
    )
    con.execute(
        """delete from ref_plan_target t using load_latest n
           where t.year = n.year and t.kpi = n.kpi
             and t.agency_level is not distinct from n.agency_level
             and t.agency_code is not distinct from n.agency_code"""
    )
    con.execute(
        """insert into ref_plan_target
           select year, agency_level, agency_code, kpi, comparator, target_value, ? from load_latest""",
        [f"nạp từ {path.name}"],
    )
    return scalar(con, "select count(*) from load_parsed where len(errors) = 0")


def _register_unknown_agencies(con) -> None:
    """Agencies named by PAKN or ratings that the warehouse does not know yet: unverified, as for dossiers."""
    con.execute(
        """insert into ref_agency (agency_code, agency_name, verified)
           select agency_code, coalesce(mode(agency_name), agency_code), false
           from load_latest
           where agency_code is not null and agency_code not in (select agency_code from ref_agency)
           group by agency_code"""
    )


def _apply_pakn(con, load_id: str, path: Path, now: dt.datetime) -> int:
    # one row per PAKN: a later record of it (later in the file, or in a later load) replaces it
    con.execute(
        """create or replace temp table load_latest as
           select * from load_parsed where len(errors) = 0
           qualify row_number() over (partition by pakn_id order by _row desc) = 1"""
    )
    # unchanged records stay as they were (with the load they came from): loading a file twice changes nothing
    con.execute(
        """create or replace temp table load_changed as
           select n.* from load_latest as n
           left join raw_pakn as o using (pakn_id)
           where o.pakn_id is null
              or o.agency_code is distinct from n.agency_code or o.received_at is distinct from n.received_at
              or o.due_at is distinct from n.due_at or o.resolved_at is distinct from n.resolved_at
              or o.satisfied is distinct from n.satisfied"""
    )
    con.execute("delete from raw_pakn where pakn_id in (select pakn_id from load_changed)")
    con.execute(
        """insert into raw_pakn (pakn_id, agency_code, received_at, due_at, resolved_at, satisfied,
                                 load_id, source_file, source_row)
           select pakn_id, agency_code, received_at, due_at, resolved_at, satisfied, ?, ?, _row
           from load_changed""",
        [load_id, str(path)],
    )
    _register_unknown_agencies(con)
    return scalar(con, "select count(*) from load_parsed where len(errors) = 0")


def _apply_ratings(con, load_id: str, path: Path, now: dt.datetime) -> int:
    # a rating with an id: a later record of it replaces it; without one, the same rating (dossier,
    # agency, time, score, result) is stored once
    con.execute(
        """create or replace temp table load_latest as
           select * from load_parsed where len(errors) = 0 and rating_id is not null
           qualify row_number() over (partition by rating_id order by _row desc) = 1
           union all by name
           select * from load_parsed where len(errors) = 0 and rating_id is null
           qualify row_number() over (partition by dossier_id, agency_code, rated_at, score, satisfied
                                      order by _row) = 1"""
    )
    con.execute(
        """create or replace temp table load_changed as
           select n.* from load_latest as n
           where not exists (
               select 1 from raw_rating as o
               where o.rating_id is not distinct from n.rating_id
                 and o.dossier_id is not distinct from n.dossier_id
                 and o.agency_code is not distinct from n.agency_code
                 and o.rated_at = n.rated_at and o.score is not distinct from n.score
                 and o.satisfied = n.satisfied)"""
    )
    con.execute(
        """delete from raw_rating where rating_id in (select rating_id from load_changed where rating_id is not null)"""
    )
    con.execute(
        """insert into raw_rating (rating_id, dossier_id, agency_code, rated_at, score, satisfied,
                                   load_id, source_file, source_row)
           select rating_id, dossier_id, agency_code, rated_at, score, satisfied, ?, ?, _row
           from load_changed""",
        [load_id, str(path)],
    )
    _register_unknown_agencies(con)
    return scalar(con, "select count(*) from load_parsed where len(errors) = 0")


def _apply_calendar(con, load_id: str, path: Path, now: dt.datetime) -> int:
    from etl.calendar_load import apply_calendar  # the official calendar's override: docs/calendar.md

    return apply_calendar(con, load_id, path, now)


def _apply_roles(con, load_id: str, path: Path, now: dt.datetime) -> int:
    from etl.accounts import apply_roles  # who may see what: docs/security.md

    return apply_roles(con, load_id, path, now)


APPLY = {"dossier": _apply_dossiers, "step": _apply_steps, "agency": _apply_agencies,
         "procedure": _apply_procedures, "target": _apply_targets, "pakn": _apply_pakn,
         "rating": _apply_ratings, "role": _apply_roles, "calendar": _apply_calendar,
         "apology": apply_apology_slips}


def _log(con, load_id: str, result: FileResult, path: Path, started: dt.datetime) -> None:
    con.execute(
        """insert into load_log (load_id, kind, source, started_at, finished_at, rows_read, rows_loaded,
                                 rows_rejected, status, message, file_format, file_sha256)
           values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        [load_id, result.kind or "?", str(path), started, dt.datetime.now(), result.read, result.loaded,
         result.rejected, "unusable" if result.unusable else ("partial" if result.rejected else "ok"),
         _without_values(result.unusable), result.fmt, result.sha256],
    )


def _without_values(message: str | None) -> str | None:
    """Error texts of the readers may quote a value of the file; the log keeps none (personal data)."""
    if message is None:
        return None
    return re.sub(r"'[^']*'", "'…'", message)


def clean_temp(con: duckdb.DuckDBPyConnection) -> None:
    for (name,) in con.sql("select view_name from duckdb_views() where temporary and not internal").fetchall():
        con.execute(f'drop view if exists temp."{name}"')
    for (name,) in con.sql("select table_name from duckdb_tables() where temporary").fetchall():
        con.execute(f'drop table if exists temp."{name}"')
