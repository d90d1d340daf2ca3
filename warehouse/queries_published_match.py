"""Named queries of how the portal's published 766 agencies were matched to ours (docs/published_766.md).

They read `fct_published_766` (one row per published agency, scope and period, matched by the
mapping file or by normalised name) and take a `store.Reader` (or anything with `.query(sql, params)`),
returning a polars DataFrame. Only the own province's departments and communes are matched
(`is_own_agency`); the 34 provinces are not agencies of ours and are left out here.

`unmatched(r, scope=None, period_key=None)`: the own province's published agencies with no agency of
ours, never dropped; scope 'month' | 'year_to_date' and period_key 'YYYY-MM' narrow it (None: all).
Columns, stable for the data page:
    scope, period_key, agency_kind ('department' | 'commune'), portal_code, portal_name,
    total_points (as published), simulated (made up by the demo), deliberate (true: the mapping
    file says "no counterpart here", false: no name matched and no mapping row), reason (Vietnamese,
    for the page), source_file, source_sheet, source_row.
Order: scope, period_key (newest first), agency_kind, portal_name.

`match_summary(r)`: one row per scope, period and kind of the own province's published agencies.
Columns, stable for the data page:
    scope, period_key, agency_kind, published (agencies), by_mapping, by_name (matched each way),
    deliberate (mapped to nothing), unmatched (neither), simulated (rows the demo made up).
Order: period_key newest first, scope, agency_kind.

`published_scores(r, scope, period_key)`: the published scores of our matched agencies (one row per
agency_code: the first portal agency by code when two match one): agency_code, agency_name (ours),
portal_code, portal_name, the six groups under the portal's codes (ref_766_group, in its order;
null = no data published), TONG_SCORE, portal_rank (`python -m etl score766 --source`).

`latest_year_to_date(r, year)`: the newest period_key 'YYYY-MM' of the year's loaded year to date, or None.
"""

from __future__ import annotations

import polars as pl

REASON_DELIBERATE = "Bảng đối chiếu ghi: không có đơn vị tương ứng trong kho"
REASON_NO_MATCH = "Không tìm thấy đơn vị cùng tên trong kho; thêm một dòng vào bảng đối chiếu"


def unmatched(r, scope: str | None = None, period_key: str | None = None) -> pl.DataFrame:
    return r.query(
        """select scope, period_key, agency_kind, portal_code, portal_name, total_points, simulated,
                  coalesce(match_method = 'mapping', false) as deliberate,
                  case when match_method = 'mapping' then $deliberate else $no_match end as reason,
                  source_file, source_sheet, source_row
           from fct_published_766
           where is_own_agency and agency_code is null
             and ($scope is null or scope = $scope) and ($period is null or period_key = $period)
           order by scope, period_key desc, agency_kind, portal_name""",
        {"scope": scope, "period": period_key, "deliberate": REASON_DELIBERATE, "no_match": REASON_NO_MATCH},
    )


def match_summary(r) -> pl.DataFrame:
    return r.query(
        """select scope, period_key, agency_kind,
                  count(*) as published,
                  count(*) filter (where agency_code is not null and match_method = 'mapping') as by_mapping,
                  count(*) filter (where agency_code is not null and match_method = 'name') as by_name,
                  count(*) filter (where agency_code is null and match_method = 'mapping') as deliberate,
                  count(*) filter (where agency_code is null and match_method is null) as unmatched,
                  count(*) filter (where simulated) as simulated
           from fct_published_766
           where is_own_agency
           group by all
           order by period_key desc, scope, agency_kind"""
    )


def published_scores(r, scope: str, period_key: str) -> pl.DataFrame:
    codes = r.query("select group_key, portal_code from ref_766_group order by sort_order")
    groups_sql = ", ".join(f'p.points_{g} as "{c}"' for g, c in zip(codes["group_key"], codes["portal_code"]))
    return r.query(
        f"""select p.agency_code, a.agency_name, p.portal_code, p.portal_name, {groups_sql},
                   p.total_points as "TONG_SCORE", p.portal_rank
            from fct_published_766 as p
            left join dim_agency as a using (agency_code)
            where p.is_own_agency and p.agency_code is not null
              and p.scope = $scope and p.period_key = $period
            qualify row_number() over (partition by p.agency_code order by p.portal_code) = 1
            order by p.agency_code""",
        {"scope": scope, "period": period_key},
    )


def latest_year_to_date(r, year: str) -> str | None:
    keys = r.query(
        """select max(period_key) as period_key from fct_published_766
           where scope = 'year_to_date' and left(period_key, 4) = $year""",
        {"year": year},
    )["period_key"]
    return keys[0] if keys.len() else None
