"""The demo's published 766 scores of its own departments and communes: SIMULATED (simulated = true),
derived from the score the demo computes from its dossiers (agg_score_766) so that the page
/chi_so_766 has something to compare. The 34 provinces' scores are the real ones (`etl load` of the
public file); no agency of Quảng Ninh has published scores in this repository, hence the simulation.

What the simulation does, agency by agency (by agency code, so every build makes the same rows):
- most are published as we compute them, rounded to the portal's two decimals (difference 0);
- every PERTURB_EVERY-th department and commune has a lower published timeliness: the portal counts
  late dossiers our warehouse does not have;
- a group we have no input for (our points null) is published with points, as the portal scores it;
- one department the portal lists, the provincial People's Committee's office, has no agency of ours
  and is listed as unmatched.
"""

from __future__ import annotations

import duckdb

from warehouse import build

PERIOD = "2025-10"
PORTAL_PREFIX = "H49"               # Quảng Ninh on the portal
PROVINCE_SUFFIX = " - tỉnh Quảng Ninh"
PERTURB_EVERY = 8                   # one agency in eight publishes a lower timeliness
TIMELINESS_SHARE = 0.85             # ... at this share of ours
NO_INPUT_SHARE = 0.8                # a group we lack input for is published at this share of its maximum
UNMATCHED_NAME = "Văn phòng Ủy ban nhân dân tỉnh" + PROVINCE_SUFFIX

_GROUPS = ["transparency", "timeliness", "online", "payment", "digitisation", "satisfaction"]


def _published_points(group: str) -> str:
    """The SQL of one group's simulated published points (columns of the `ours` CTE below)."""
    col = f"points_{group}"
    maximum = f"(select max_points from ref_766_group where group_key = '{group}')"
    no_input = f"round({NO_INPUT_SHARE} * {maximum}, 2)"
    if group == "timeliness":
        return (f"case when {col} is null then {no_input} "
                f"when perturbed then round({TIMELINESS_SHARE} * {col}, 2) else round({col}, 2) end")
    return f"coalesce(round({col}, 2), {no_input})"


def add_published(con: duckdb.DuckDBPyConnection, period_key: str = PERIOD) -> int:
    """Insert the simulated month rows of `period_key` into raw_published_766 (replacing earlier
    simulated rows of that month) and rebuild fct_published_766; returns the rows inserted."""
    points = ",\n".join(f"{_published_points(g)} as points_{g}" for g in _GROUPS)
    total = " + ".join(f"points_{g}" for g in _GROUPS)
    con.execute("delete from raw_published_766 where simulated and scope = 'month' and period_key = ?",
                [period_key])
    con.execute(
        f"""
        insert into raw_published_766 by name
        with ours as (
            select s.*, a.agency_level,
                   row_number() over (partition by a.agency_level order by s.agency_code) as seq,
                   -- the portal's own spelling when the matching rule reads it as our name, else ours
                   case when portal_name_key(regexp_replace(a.agency_name, '\\s+tỉnh Quảng Ninh$', '')
                                             || '{PROVINCE_SUFFIX}') = portal_name_key(a.agency_name)
                        then regexp_replace(a.agency_name, '\\s+tỉnh Quảng Ninh$', '') || '{PROVINCE_SUFFIX}'
                        else a.agency_name end as portal_name
            from agg_score_766 as s
            join dim_agency as a using (agency_code)
            where s.period_kind = 'month' and s.period_key = $period
              and a.agency_level in ('department', 'commune')
        ),
        flagged as (select *, seq % {PERTURB_EVERY} = 3 as perturbed from ours),
        scored as (
            select agency_level as agency_kind,
                   '{PORTAL_PREFIX}.' || case agency_level when 'department' then lpad(seq::varchar, 2, '0')
                                               else (100 + seq)::varchar end as portal_code,
                   portal_name,
                   {points}
            from flagged
        ),
        office as (
            -- a department of the portal with no agency here: the median department's points
            select 'department' as agency_kind, '{PORTAL_PREFIX}.90' as portal_code,
                   '{UNMATCHED_NAME}' as portal_name,
                   {", ".join(f"round(median(points_{g}), 2) as points_{g}" for g in _GROUPS)}
            from scored where agency_kind = 'department'
            having count(*) > 0
        ),
        final as (
            select *, round({total}, 2) as total_points
            from (select * from scored union all select * from office)
        )
        select 'month' as scope, $period as period_key, *,
               rank() over (partition by agency_kind order by total_points desc)::integer as portal_rank,
               true as simulated, 'demo-published' as load_id
        from final
        """,
        {"period": period_key},
    )
    inserted = con.execute("select count(*) from raw_published_766 where simulated and period_key = ?",
                           [period_key]).fetchone()[0]
    con.execute(build.objects_sql("fct_published_766"))
    return inserted
