"""The demo's apology slips as a real province has them: a list of slips loaded beside the sync
records (raw_apology_slip), not a column of the national sync record, which carries none
(docs/late.md). The generator marks the late dossiers that got a slip (most agencies issue one for
nearly every late dossier, a few weak agencies rarely do, etl/demo.py); this moves those marks into
the list and clears the column, so the pages read the slips the way they read a real province's.
"""

from __future__ import annotations

from warehouse.build import scalar


def move_slips_to_list(con, load_id: str) -> int:
    """raw_dossier.apology_issued -> raw_apology_slip rows; the column left empty. The slip is dated a
    working day before the due day (Decree 118/2025/NĐ-CP: before the appointment falls due), never
    before receipt; its new appointment day is the day processing ended, or a week after the due day
    for a dossier still open. Returns the number of slips."""
    con.execute(
        """insert into raw_apology_slip (dossier_id, slip_date, new_due_date, load_id, source_file,
                                        source_row)
           with marked as (
               select dossier_id,
                      cast(received_at as date) as received_date,
                      cast(due_at as date) as due_date,
                      cast(coalesce(finished_at, returned_at) as date) as end_date
               from raw_dossier
               where apology_issued and due_at is not null
           ),
           dated as (
               select dossier_id,
                      greatest(received_date,
                               due_date - case dayofweek(due_date) when 1 then 3 when 0 then 2 else 1 end)
                          as slip_date,
                      coalesce(end_date, due_date + 7) as new_due_date
               from marked
           )
           select dossier_id, slip_date, greatest(new_due_date, slip_date), ?,
                  'demo: danh sách phiếu xin lỗi', row_number() over (order by dossier_id) + 1
           from dated""",
        [load_id],
    )
    con.execute("update raw_dossier set apology_issued = null where apology_issued is not null")
    return scalar(con, "select count(*) from raw_apology_slip")
