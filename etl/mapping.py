"""Column headers of real exports mapped to the fields we load (etl/mappings/headers.csv)."""

from __future__ import annotations

import csv
import re
import unicodedata
from functools import lru_cache
from pathlib import Path

MAPPING_FILE = Path(__file__).resolve().parent / "mappings" / "headers.csv"
# personal data is recognised by these key prefixes too, whatever else a vendor calls it
PII_PREFIXES = ("chuhoso", "hotenchuhoso", "sogiayto", "sodienthoai", "dienthoai", "email", "diachi",
                "cmnd", "cccd", "nguoinop", "nguoixuly")


def header_key(text: str) -> str:
    """Case, spacing, punctuation and diacritics do not matter: 'Ngày tiếp nhận' -> 'ngaytiepnhan'."""
    text = unicodedata.normalize("NFD", str(text)).replace("đ", "d").replace("Đ", "D")
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return re.sub(r"[^0-9a-z]", "", text.lower())


@lru_cache(maxsize=1)
def _rows() -> tuple[tuple[str, str, str], ...]:
    lines = [ln for ln in MAPPING_FILE.read_text(encoding="utf-8").splitlines() if not ln.startswith("#")]
    return tuple((r["kind"], r["field"], r["header"]) for r in csv.DictReader(lines))


def fields(kind: str) -> list[str]:
    seen: dict[str, None] = {}
    for k, field, _ in _rows():
        if k == kind:
            seen[field] = None
    return list(seen)


def is_pii(header: str) -> bool:
    key = header_key(header)
    if key.startswith(PII_PREFIXES):
        return True
    return any(k == "pii" and key in (header_key(f), header_key(h)) for k, f, h in _rows())


def resolve(headers: list[str], kind: str) -> dict[str, str]:
    """field -> the source header that carries it (first match wins); personal data never maps."""
    accepted: dict[str, str] = {}
    for k, field, header in _rows():
        if k == kind:
            accepted.setdefault(header_key(field), field)
            accepted.setdefault(header_key(header), field)
    found: dict[str, str] = {}
    for header in headers:
        if is_pii(header):
            continue
        field = accepted.get(header_key(header))
        if field and field not in found:
            found[field] = header
    return found
