"""The 2025 reorganisation's handover in the demo: on 01/07/2025 the dossiers still in progress at the
old districts' and communes' UBNDs (which ended on 30/06/2025) passed to the new communes that took
over their work (Decree 118/2025/NĐ-CP, in force 01/07/2025). A one-stop system then syncs them under
the successor's code (MaDonViXuLy), their MaHoSo and dates unchanged, so the demo does the same: no
dossier stays open under an agency that no longer exists. One old district migrated sloppily: the
dossiers it had open on 30/06/2025 that were finished by the data's date stay under its own code
(finished after it ceased), so the integrity check `ceased_agency_open` has something to show; its
dossiers still open move like every other.

The successor is sql/macros/successor_rules.sql's, the rule the pages name it by (docs/integrity.md).
"""

from __future__ import annotations

from warehouse import build

# the dossiers of an agency that ended, received while it existed and not finished by its last day
_OPEN_AT_END = """
    from raw_dossier as d
    join agency_successor() as s on s.agency_code = d.agency_code
    join ref_agency as a on a.agency_code = d.agency_code
    where cast(d.received_at as date) <= a.valid_to
      and coalesce(dossier_end_date(d.finished_at, d.returned_at, d.refused_at, status := d.status,
                                    received_at := d.received_at), date '9999-12-31') > a.valid_to
"""


def hand_over_open_dossiers(con) -> int:
    """Move every dossier open at an ended agency on its last day to its successor, with the ratings
    of those dossiers; returns how many moved. Needs ref_agency, ref_unit and ref_unit_crosswalk."""
    for name in ("dossier_rules.sql", "successor_rules.sql"):
        con.execute((build.SQL_DIR / "macros" / name).read_text(encoding="utf-8"))
    con.execute(f"""create or replace temp table handover as
                    select d.dossier_id, d.agency_code, a.agency_level, s.successor_agency_code,
                           d.finished_at is not null or d.returned_at is not null or d.refused_at is not null
                               as is_finished
                    {_OPEN_AT_END}""")
    # the sloppy district: the one with the most dossiers finished after it ceased keeps those
    con.execute("""delete from handover where is_finished and agency_code = (
                       select agency_code from handover where agency_level = 'district' and is_finished
                       group by agency_code order by count(*) desc, agency_code limit 1)""")
    con.execute("""update raw_dossier as d set agency_code = h.successor_agency_code
                   from handover as h where d.dossier_id = h.dossier_id""")
    con.execute("""update raw_rating as r set agency_code = h.successor_agency_code
                   from handover as h where r.dossier_id = h.dossier_id""")
    moved = build.scalar(con, "select count(*) from handover")
    con.execute("drop table handover")
    return moved
