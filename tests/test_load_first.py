"""A first load (no dossier history yet) skips looking up earlier states: it must record exactly what
the general path records. The same file is loaded into an empty warehouse (the first-load path) and
into one whose history already holds an unrelated dossier (the general path); the file's dossiers
must come out the same in raw_dossier and raw_dossier_history, but for the load they came from.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from etl.load import load_files
from tests.conftest import NOW
from warehouse import store

S = "000.00.01.H22"   # Sở Tư pháp

# D1 goes through three states (2, 4, 10; the 4 twice: one history row), D2 through one; row 7 is
# rejected (status 42) and row 8 is D3 with no finish date
TEXT = (
    "MaHoSo,NgayTiepNhan,NgayHenTra,NgayKetThucXuLy,TrangThaiHoSo,KenhThucHien,MaDonViXuLy\n"
    f"D1,03/03/2025,10/03/2025,,2,1,{S}\n"
    f"D2,03/03/2025,10/03/2025,,4,1,{S}\n"
    f"D1,03/03/2025,10/03/2025,,4,1,{S}\n"
    f"D1,03/03/2025,10/03/2025,,4,1,{S}\n"
    f"D1,03/03/2025,10/03/2025,12/03/2025,10,1,{S}\n"
    f"D9,03/03/2025,10/03/2025,,42,1,{S}\n"
    f"D3,04/03/2025,11/03/2025,,4,2,{S}\n"
)
OTHER = ("MaHoSo,NgayTiepNhan,NgayHenTra,NgayKetThucXuLy,TrangThaiHoSo,KenhThucHien,MaDonViXuLy\n"
         f"Z1,01/03/2025,05/03/2025,,4,1,{S}\n")


def _load(directory: Path, path: Path) -> None:
    load_files(directory, [path], progress=lambda m: None, now=NOW)


def _rows(directory: Path, sql: str) -> list[tuple]:
    con = store.connect(store.current_path(directory))
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def _tables(directory: Path) -> dict[str, list[tuple]]:
    return {
        "raw_dossier": _rows(directory, "select * exclude (load_id) from raw_dossier "
                                        "where dossier_id <> 'Z1' order by all"),
        "history": _rows(directory, "select * exclude (load_id) from raw_dossier_history "
                                    "where dossier_id <> 'Z1' order by all"),
    }


def test_a_first_load_records_what_a_later_load_of_new_dossiers_records(empty_warehouse, tmp_path):
    path = tmp_path / "d.csv"
    path.write_text(TEXT, encoding="utf-8")
    (tmp_path / "z.csv").write_text(OTHER, encoding="utf-8")
    first = Path(shutil.copytree(empty_warehouse, tmp_path / "first"))
    later = Path(shutil.copytree(empty_warehouse, tmp_path / "later"))
    _load(first, path)
    _load(later, tmp_path / "z.csv")
    _load(later, path)
    got_first, got_later = _tables(first), _tables(later)
    assert got_first == got_later
    # by hand: D1 states 2, 4, 10 from rows 2, 4, 6; D2 row 3; D3 row 8; D9 rejected
    assert [(r[0]) for r in got_first["raw_dossier"]] == ["D1", "D2", "D3"]
    assert len(got_first["history"]) == 5
    # and loading it again changes neither (the general path finds every state recorded)
    _load(first, path)
    assert _tables(first) == got_first
