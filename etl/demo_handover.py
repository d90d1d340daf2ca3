"""The 2025 reorganisation's handover in the demo. The old districts' and communes' UBNDs ended on
30/06/2025; on 01/07/2025 the dossiers they still had in progress passed to the new communes that took
over their work (Decree 118/2025/NĐ-CP, in force 01/07/2025), and a one-stop system syncs them from
then on under the successor's code (MaDonViXuLy), their MaHoSo and dates unchanged. The demo does the
same, so no dossier stays open under an agency that no longer exists:

- the stuck backlog (never finished, and due before the agency's last day) is closed by the old
  agency on that day, result returned late: a clean-up before it ceased, so a successor that did
  not exist in 2024 does not inherit dossiers received then;
- every other dossier open on that day (not yet due, or finished later) passes to the successor,
  with its ratings;
- one old district migrated sloppily: the dossiers it had open that were finished later keep its own
  code (finished after it ceased), so the integrity check `ceased_agency_open` has something to show.

The successor is sql/macros/agency_successor.sql's, the rule the pages name it by (docs/integrity.md).
"""

from __future__ import annotations

from warehouse import build

# the dossiers of an agency that ended, received while it existed and not finished by its last day
_OPEN_AT_END = """
    select d.dossier_id, d.agency_code, a.agency_level, a.valid_to, s.successor_agency_code,
           d.finished_at is not null or d.returned_at is not null or d.refused_at is not null as is_finished,
           cast(d.due_at as date) < a.valid_to as is_due_before_end
    from raw_dossier as d
    join agency_successor() as s on s.agency_code = d.agency_code
    join ref_agency as a on a.agency_code = d.agency_code
    where cast(d.received_at as date) <= a.valid_to
      and coalesce(dossier_end_date(d.finished_at, d.returned_at, d.refused_at, status := d.status,
                                    received_at := d.received_at), date '9999-12-31') > a.valid_to
"""


def hand_over_open_dossiers(con) -> dict[str, int]:
    """Close or hand over every dossier open at an ended agency on its last day (see above); returns
    how many were closed and moved. Needs ref_agency, ref_unit and ref_unit_crosswalk."""
    con.execute(build.objects_sql("dossier_end_date", "agency_successor"))
    con.execute(f"create or replace temp table handover as {_OPEN_AT_END}")
    # the backlog the old agency closed on its last day, at 16:00
    con.execute("""update raw_dossier as d
                   set status = 10, finished_at = h.valid_to + interval 16 hour,
                       returned_at = h.valid_to + interval 16 hour
                   from handover as h
                   where d.dossier_id = h.dossier_id and not h.is_finished and h.is_due_before_end""")
    closed = build.scalar(con, "select count(*) from handover where not is_finished and is_due_before_end")
    con.execute("delete from handover where not is_finished and is_due_before_end")
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
    return {"closed": closed, "moved": moved}
