-- the day processing ended: processing finished, else result returned, else refused (the 766
-- formula: processed, else returned, else stopped / refused / withdrawn). A dossier the citizen
-- withdrew (7) is closed even when its record carries none of these dates: it ends on the earliest
-- day it can have been withdrawn, the day it was received, so it is never in progress or overdue
-- (docs/report.md, "Withdrawn without an end date"). Called without status and received_at, the
-- plain rule
create or replace macro dossier_end_date(finished_at, returned_at, refused_at, status := null, received_at := null) as
    cast(coalesce(finished_at, returned_at, refused_at, case when status = 7 then received_at end) as date);
