"""`etl load` of a list of apology slips (phiếu xin lỗi và hẹn lại ngày trả kết quả): dossier code, slip
date, new appointment date; recognised by its headers (etl/mappings/headers.csv, kind "apology"),
parsed by sql/load/parse_apology.sql (bad rows quarantined with file, row and reason). The national
sync record carries no apology field, so such a list is where slips come from (docs/late.md).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from warehouse.build import scalar


def apply_apology_slips(con, load_id: str, path: Path, now: dt.datetime) -> int:
    """One row per dossier and slip date: a later record of the same slip (in the file or a later load)
    replaces it; unchanged slips stay as they were, so loading a file twice changes nothing."""
    con.execute(
        """create or replace temp table load_latest as
           select * from load_parsed where len(errors) = 0
           qualify row_number() over (partition by dossier_id, slip_date order by _row desc) = 1"""
    )
    con.execute(
        """create or replace temp table load_changed as
           select n.* from load_latest as n
           left join raw_apology_slip as o using (dossier_id, slip_date)
           where o.dossier_id is null or o.new_due_date is distinct from n.new_due_date"""
    )
    con.execute(
        """delete from raw_apology_slip as o
           where exists (select 1 from load_changed as n
                         where n.dossier_id = o.dossier_id and n.slip_date = o.slip_date)"""
    )
    con.execute(
        """insert into raw_apology_slip (dossier_id, slip_date, new_due_date, load_id, source_file,
                                        source_row)
           select dossier_id, slip_date, new_due_date, ?, ?, _row from load_changed""",
        [load_id, str(path)],
    )
    return scalar(con, "select count(*) from load_parsed where len(errors) = 0")
