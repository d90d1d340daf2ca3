"""What a file loaded by `python -m etl load` is, and its records parsed (etl/load.py runs the load).

The kind of data a file holds (from its service name or its headers), the columns each kind requires,
the file read into temp table load_parsed by sql/load/parse_KIND.sql, and the records it rejects put in
`quarantine`. Nothing here changes a stored table but the quarantine: etl/load_apply.py merges the
parsed records.
"""

from __future__ import annotations

import collections
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from etl import load_published, mapping, sources
from warehouse import build
from warehouse.build import parquet_folder, scalar
from warehouse.file_kinds import FILE_KIND_LABELS
from warehouse.metrics import METRICS

SQL_LOAD = build.SQL_DIR / "load"
KINDS = ("dossier", "step", "agency", "procedure", "target", "pakn", "rating", "role", "calendar", "apology",
         "published_766", "published_766_match")
# the words for each kind are the warehouse's (the data page names them too)
KIND_LABELS = {k: v for k, v in FILE_KIND_LABELS.items() if k != "demo"}
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
    notes: list[str] = field(default_factory=list)   # what the load did, for the summary (published 766)

    @property
    def exit_code(self) -> int:
        return 2 if self.unusable else (1 if self.rejected else 0)

    def summary(self) -> str:
        if self.unusable:
            return f"{self.path}: không nạp được: {self.unusable}"
        text = (f"{self.path}: {KIND_LABELS.get(self.kind, self.kind)} ({self.fmt}), đọc {self.read}, "
                f"nạp {self.loaded}, loại {self.rejected}")
        for note in self.notes:
            text += f"\n  {note}"
        for reason, count in self.reasons.most_common():
            text += f"\n  - {count} × {reason}"
        if self.ignored_headers:
            text += f"\n  (bỏ qua cột không dùng: {', '.join(self.ignored_headers[:12])})"
        return text


def detect_kind(src: sources.Source) -> str | None:
    if src.service in SERVICES:
        return SERVICES[src.service]
    found = {k: mapping.resolve(src.headers, k) for k in KINDS}
    published = load_published.detect(found)
    if published:
        return published
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

def read_and_parse(con, path: Path, kind: str | None, now: dt.datetime, result: FileResult,
                   period: str | None = None, scope: str | None = None) -> list[dict]:
    """The file into temp table load_parsed; returns the records that could not even be parsed.
    period and scope (--period, --scope) are for published 766 scores only (etl/load_published.py)."""
    src = sources.read(con, path)
    result.fmt = src.fmt
    result.kind = kind or detect_kind(src)
    if result.kind is None and src.fmt == "xlsx" and load_published.score_sheets(path)[0]:
        result.kind = load_published.KIND   # the scores are on a later sheet than the first
    if result.kind in (load_published.KIND, load_published.MATCH_KIND):
        return load_published.read_and_parse(con, path, src, result, period, scope)
    if period or scope:
        result.notes.append("bỏ qua --period/--scope: chỉ dùng cho điểm 766 Cổng công bố")
    if result.kind is None:
        raise sources.UnusableFile(
            "không nhận ra loại dữ liệu (hồ sơ, bước xử lý, đơn vị, thủ tục, chỉ tiêu, phản ánh kiến nghị, "
            "đánh giá hài lòng, lịch ngày nghỉ, phiếu xin lỗi hay điểm 766 công bố) từ tiêu đề cột"
        )
    if result.kind == "dossier" and parquet_folder(con):
        raise sources.UnusableFile(
            f"kho này đọc hồ sơ từ thư mục Parquet {parquet_folder(con)}, nên không nạp tệp hồ sơ: "
            "hãy nạp vào kho ghi thư mục đó, chạy lại `python -m etl export-parquet`, "
            "rồi `python -m etl build` ở đây (danh mục và chỉ tiêu vẫn nạp được)"
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
                    cols.append(f"case when json_type({raw}) = 'ARRAY' "
                                f"then json_array_length({raw})::integer end as {name}")
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
    con.execute(f"create or replace temp view load_canonical as "
                f"select {src.row_expr} as _row, {', '.join(cols)} from {src.table}")


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
    for name, key in (("supplement_due_before_list", "NgayHenTraTruoc"),
                      ("supplement_due_new_list", "NgayHenTraMoi")):
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


def quarantine(con, load_id: str, result: FileResult, path: Path, row_errors: list[dict]) -> None:
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
