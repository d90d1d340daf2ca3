"""What the weekly digest tells one agency head (`python -m etl digest`, docs/digest.md): who gets it,
and his agency's figures, read through the data-access functions the pages use, so the e-mail and
the page "Cơ quan của tôi" never differ: the week's periodic report row (queries.report_for_range),
the year to date against his plan targets (queries_targets.attainment: the SQL's verdict), his place
in his peer group (queries_targets.agency_rankings), the dossiers late in the week
(queries_late.late_in_window) and those open and due by the end of next week (queries_late.due_soon).

Heads are the `truong_co_quan` rows of ref_user_role whose account is an e-mail address (the account
is the OIDC e-mail for a head signing in through the identity provider, docs/security.md); a head
with a local user name has no address and gets no digest (the command names him).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from urllib.parse import urlencode

import polars as pl

from warehouse import access, queries, queries_agency, queries_late, queries_targets
from warehouse.metrics import METRICS

WEEK_PATTERN = re.compile(r"(\d{4})-W(\d{2})")
ADDRESS = re.compile(r"[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;]+")
ON_TIME = METRICS["on_time_rate"]
# the ranks a head is told: the on-time rate (the KPI the weakest-agencies list ranks on) and the 766 total
RANKED_KPIS = (queries_targets.WEAKEST_KPI, queries_targets.SCORE_766)
# the ranking, the targets and the page link are the year to date: the page shows the same rank
PAGE_KIND = "year"


class DigestError(Exception):
    """A request the command cannot answer (exit code 2)."""


def week_bounds(week: str) -> tuple[dt.date, dt.date]:
    """Monday and Sunday of an ISO week '2025-W47'."""
    found = WEEK_PATTERN.fullmatch(week.strip())
    try:
        if found is None:
            raise ValueError
        year, number = int(found[1]), int(found[2])
        return dt.date.fromisocalendar(year, number, 1), dt.date.fromisocalendar(year, number, 7)
    except ValueError:
        raise DigestError(f"--week {week}: cần một tuần ISO như 2025-W47") from None


@dataclass(frozen=True)
class Head:
    account: str          # as ref_user_role holds it (lower case)
    agency_code: str

    @property
    def address(self) -> str | None:
        return self.account if ADDRESS.fullmatch(self.account) else None


def heads(r) -> tuple[list[Head], list[Head]]:
    """The agency heads of the role list: (with an e-mail address, without one), by agency then account."""
    rows = sorted((agency, account) for account, (role, agency) in access.role_rows(r).items()
                  if role == access.HEAD and agency)
    found = [Head(account, agency) for agency, account in rows]
    return [h for h in found if h.address], [h for h in found if not h.address]


@dataclass
class AgencyDigest:
    agency_code: str
    agency_name: str
    peer_group_label: str
    week: str
    monday: dt.date
    sunday: dt.date
    as_of: dt.date
    year: int
    week_row: dict | None            # the week's periodic report row (None: no dossier in the week)
    year_row: dict | None            # the year to date's periodic report row
    targets: list[dict]              # agg_target_attainment rows, in the registry's order
    ranks: list[dict]                # agg_ranking rows of RANKED_KPIS
    late: pl.DataFrame               # late_in_window of the week, most late first
    due: pl.DataFrame                # due_soon, due by `due_until`, soonest first
    due_until: dt.date
    link: str
    notes: list[str] = field(default_factory=list)


def page_link(base_url: str, agency_code: str, year: int) -> str:
    """The agency's page for the year to date, as the ranking page links it (pages/xep_hang.py)."""
    params = {"don_vi": agency_code, "ky": PAGE_KIND, "ma_ky": str(year)}
    return base_url.rstrip("/") + "/co_quan?" + urlencode(params)


def as_of(r) -> dt.date:
    """The data's date (meta as_of): the day the late and due lists are judged on."""
    value = queries.meta(r).get("as_of")
    if not value:
        raise DigestError("kho không ghi ngày số liệu (meta as_of): chưa nạp dữ liệu")
    return dt.date.fromisoformat(value[:10])


def check_week(r, week: str) -> tuple[dt.date, dt.date, dt.date]:
    """(Monday, Sunday, the data's date); DigestError for a week that starts after the data's date."""
    monday, sunday = week_bounds(week)
    data_date = as_of(r)
    if monday > data_date:
        raise DigestError(f"--week {week}: tuần bắt đầu {monday:%d/%m/%Y}, sau ngày số liệu "
                          f"{data_date:%d/%m/%Y}")
    return monday, sunday, data_date


def _agency(r, agency_code: str) -> dict | None:
    rows = r.query(
        """select a.agency_code, a.agency_name, g.peer_group_label
           from dim_agency as a join dim_peer_group as g using (peer_group)
           where a.agency_code = $agency""",
        {"agency": agency_code},
    )
    return rows.row(0, named=True) if rows.height else None


def _row(frame: pl.DataFrame) -> dict | None:
    return frame.row(0, named=True) if frame.height else None


def week_report(r, week: str) -> pl.DataFrame:
    """The periodic report of the ISO week, every agency (read once for all the heads of a run)."""
    monday, sunday, _ = check_week(r, week)
    return queries.report_for_range(r, monday, sunday)


def agency_digest(r, agency_code: str, week: str, base_url: str,
                  report: pl.DataFrame | None = None) -> AgencyDigest | None:
    """The digest of one agency for an ISO week; None for an agency the warehouse does not know.
    `report`: week_report(r, week), when the caller makes the digests of several agencies."""
    agency = _agency(r, agency_code)
    if agency is None:
        return None
    monday, sunday, data_date = check_week(r, week)
    year = sunday.year if sunday <= data_date else data_date.year
    report = week_report(r, week) if report is None else report
    week_row = _row(report.filter(pl.col("agency_code") == agency_code))
    year_row = _row(queries_agency.agency_report(r, PAGE_KIND, str(year), agency_code))
    targets = queries_targets.attainment(r, year, agency_code).to_dicts()
    ranks = [row for row in queries_targets.agency_rankings(r, PAGE_KIND, str(year), agency_code).to_dicts()
             if row["kpi"] in RANKED_KPIS]
    late = queries_late.late_in_window(r, monday, sunday, agency_code)
    due_until = sunday + dt.timedelta(days=7)
    # due_soon counts working days from the data's date: ask for at least the calendar days to the
    # end of next week, then keep the due dates up to its Sunday (the rule itself stays in due_soon)
    horizon = max((due_until - data_date).days, 0)
    due = queries_late.due_soon(r, horizon, agency=agency_code).filter(pl.col("due_date") <= due_until)
    notes = []
    if sunday > data_date:
        notes.append(f"Tuần chưa kết thúc: số liệu đến ngày {data_date:%d/%m/%Y}.")
    return AgencyDigest(
        agency_code, agency["agency_name"], agency["peer_group_label"], week.strip(), monday, sunday,
        data_date, year, week_row, year_row, targets, ranks, late, due, due_until,
        page_link(base_url, agency_code, year), notes,
    )

