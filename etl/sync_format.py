"""Dossier rows written as DongBoHoSoMC records, the national sync format (docs/inputs.md): what a
one-stop system sends. The benchmarks and tests that play a sync use it; the loader reads the
format (etl/sources.py), it does not write it."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path


def stamp(value: dt.datetime | None) -> str | None:
    """A date-time as the sync record writes it: yyyyMMddHHmmss."""
    return value.strftime("%Y%m%d%H%M%S") if value else None


def _flag(value) -> str | None:
    return None if value is None else str(int(value))


def record(d: dict) -> dict:
    """One dossier (a row of raw_dossier's columns) as a sync record. Each supplement request is an
    item of DanhSachHoSoBoSung (their count is the dossier's supplement count)."""
    return {
        "MaHoSo": d["dossier_id"], "MaTTHC": d.get("procedure_code"), "MaLinhVuc": d.get("field_code"),
        "KenhThucHien": _flag(d.get("channel")), "LoaiDoiTuong": str(d.get("applicant_type") or 1),
        "NgayNopHoSo": stamp(d.get("submitted_at")), "NgayTiepNhan": stamp(d.get("received_at")),
        "NgayHenTra": stamp(d.get("due_at")), "NgayKetThucXuLy": stamp(d.get("finished_at")),
        "NgayTra": stamp(d.get("returned_at")), "NgayTuChoi": stamp(d.get("refused_at")),
        "TrangThaiHoSo": str(d["status"]), "MaDonViXuLy": d["agency_code"],
        "HoSoCoThanhPhanSoHoa": _flag(d.get("digitised")),
        "DuocThanhToanTrucTuyen": _flag(d.get("paid_online")),
        "DanhSachHoSoBoSung": [{"NgayHenTraTruoc": stamp(d.get("due_at")),
                                "NgayHenTraMoi": stamp(d.get("due_at"))}
                               for _ in range(d.get("supplement_count") or 0)],
        "DanhSachGiayToKetQua": [],
    }


def envelope(records: list[dict], updating: bool = True) -> bytes:
    return json.dumps({"service": "DongBoHoSoMC", "isUpdating": updating, "data": records},
                      ensure_ascii=False).encode("utf-8")


def write(records: list[dict], path: Path) -> Path:
    path.write_bytes(envelope(records))
    return path
