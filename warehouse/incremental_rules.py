"""Which rows of a summary table a sync of dossier records can change: the rules of an incremental
publish (warehouse/incremental.py, docs/incremental.md), one per table whose full rebuild costs
in proportion to the whole warehouse. Every other table of sql/ is rebuilt whole (they read the
small summary tables, not the dossiers) or kept, when nothing it reads changed.

A rule is data: the keys to recompute (`scope`, a query), the rows those keys are (`rows`, a
predicate on the table), and the inputs narrowed to what those rows are computed from while the
table's own SQL file runs unchanged (`inputs`: relation -> predicate). The SQL of the table is
never repeated here: the same file computes the full build and the few rows.

Names the queries may use (warehouse/incremental.py makes them):
- `inc_changed`: the dossier ids the load wrote to raw_dossier (new dossiers and new states);
- `inc_old_<table>` / `inc_new_<table>`: the rows of an incremental table before and after;
- `inc_prev_<table>`: the whole previous version of a table of PREVIOUS (small tables);
- `inc_scope_<table>`: the table's own scope; an input given as a whole query (`select ...`) instead of
  a predicate is read as it is; `{main}`: the warehouse's own tables (a name without it
  may be a narrowed input while the file runs); `{old_as_of}`, `{new_as_of}`: the data's date of
  the previous version and of the new one, as date literals.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class DeltaRule:
    """A table of sums over (dossier, period) pairs: updated by adding what the dossiers' new rows
    give and subtracting what their old rows gave, computed by the table's own file over those rows
    only. Where the periods themselves moved (the current ones follow the data's date), the dossiers
    that were open at the previous date are taken out with the previous period and put back with the
    new one; a new period is computed from every dossier. A row whose `present` is false after the
    update has no dossier left and is deleted, as the full build would not make it."""
    table: str
    keys: tuple[str, ...]
    present: str
    # the source rows whose share of a period can change when only the period's row moved
    moved: str = "false"
    source: str = "fct_dossier"
    periods: str | None = "dim_period"     # None: a table of days, not periods
    why: str = ""


@dataclass(frozen=True)
class Rule:
    table: str
    scope: str                                   # select: the keys whose rows are recomputed
    rows: str                                    # predicate on the table: the rows of those keys
    inputs: dict[str, str] = field(default_factory=dict)  # relation -> predicate while the file runs
    why: str = ""
    # relations computed from the whole warehouse before the inputs are narrowed, and read as they
    # were while the file runs (a view that reads a narrowed table but must see every row)
    pinned: tuple[str, ...] = ()


# small tables whose previous version a rule compares with the new one (what changed in them)
PREVIOUS = ("dim_date", "dim_period", "fct_bulk_closure_period", "dim_agency_with_return_dates")


def _in_scope(table: str, column: str = "dossier_id") -> str:
    return f"{column} in (select dossier_id from inc_scope_{table})"


def _by_dossier(table: str, scope: str, inputs: tuple[str, ...], why: str) -> Rule:
    return Rule(table, scope, _in_scope(table), {name: _in_scope(table) for name in inputs}, why)


CHANGED = "select dossier_id from inc_changed"
# the open dossiers whose rows follow the data's date: late (or soon: due by the new date), stopped
# (status 8: "not overdue although its due date passed"), of an agency that ended, or with a history
# of states (a due date moved in the current state is dated by the data's date)
OPEN = """select dossier_id from {main}.fct_dossier
          where end_date is null
            and (due_date <= {new_as_of} or status = 8
                 or agency_code in (select agency_code from {main}.dim_agency_successor)
                 or dossier_id in (select dossier_id from {main}.raw_dossier_history))"""

# the periods whose row of dim_period is new or moved (the current ones follow the data's date)
MOVED_PERIODS = """select period_kind, period_key
                   from (select * from {main}.dim_period except select * from inc_prev_dim_period)"""

RULES: dict[str, Rule] = {}


def _add(rule: Rule) -> None:
    RULES[rule.table] = rule


_add(Rule("fct_dossier", CHANGED, _in_scope("fct_dossier"), {"raw_dossier": _in_scope("fct_dossier")},
          "a dossier's row is its own record's, and its agency's coverage by apology-slip lists",
          pinned=("stg_apology_coverage",)))
# slices of fct_dossier: the changed dossiers' new rows are already at hand
for _slice in ("fct_dossier_irregular", "fct_dossier_late"):
    _add(Rule(_slice, CHANGED, _in_scope(_slice), {"fct_dossier": "select * from inc_new_fct_dossier"},
              "a slice of fct_dossier"))
_add(_by_dossier(
    "fct_late_holdup", f"{CHANGED} union {OPEN}", ("fct_dossier", "raw_dossier_step"),
    "an open dossier's lateness counts to the data's date, which a load moves"))
# quarantined records' rows are keyed by the record, which may have no id: all of them are redone
_add(Rule(
    "fct_integrity_issue",
    f"""{CHANGED}
        union {OPEN}
        -- a state seen after the data's date is dated by it (due dates moved)
        union select dossier_id from {{main}}.raw_dossier_history
              where loaded_at is null or cast(loaded_at as date) >= {{old_as_of}}
        -- quarantined records are dated up to the data's date; their rows are all recomputed
        union select record_key from {{main}}.quarantine where record_key is not null
        -- the dossiers of a month whose bulk-closure verdict or counts changed
        union select d.dossier_id
              from {{main}}.fct_dossier as d
              join (select * from inc_prev_fct_bulk_closure_period
                    except select * from {{main}}.fct_bulk_closure_period
                    union all
                    select * from {{main}}.fct_bulk_closure_period
                    except select * from inc_prev_fct_bulk_closure_period) as f
                on d.agency_code = f.agency_code and d.end_date between f.window_start and f.end_date""",
    _in_scope("fct_integrity_issue") + " or check_key = 'quarantined'",
    {name: _in_scope("fct_integrity_issue")
     for name in ("raw_dossier", "raw_dossier_history", "fct_dossier", "fct_late_holdup")},
    "per-dossier checks; open dossiers are judged on the data's date"))

# citizens' petitions and ratings: a dossier load brings none; only the periods that moved change
_add(Rule(
    "agg_pakn_rating", scope=MOVED_PERIODS,
    rows="(period_kind, period_key) in (select period_kind, period_key from inc_scope_agg_pakn_rating)",
    inputs={"dim_period": "(period_kind, period_key) in (select period_kind, period_key "
                          "from inc_scope_agg_pakn_rating)"},
    why="petitions are judged on the period's date, which follows the data's date"))
# tables kept as they are unless the query finds a reason (a count above 0) to rebuild them whole
KEEP_UNLESS: dict[str, str] = {
    # a month's bulk-closure verdict is judged once the month is over: it changes when a month ends
    # between the two dates, when a changed dossier ends (or ended) in a month already over, or when
    # the first receipt of the data, where the judged months start, may move
    "fct_bulk_closure_period": """
        with closed as (
            select max(end_date) as last_closed from {main}.dim_period
            where period_kind in ('month', 'rep_month') and end_date <= {new_as_of}
        ),

        versions as (
            select received_date, end_date from inc_old_fct_dossier
            union all
            select received_date, end_date from inc_new_fct_dossier
        )

        select count(*) from (
            select 1 from {main}.dim_period
            where period_kind in ('month', 'rep_month') and end_date > {old_as_of} and end_date <= {new_as_of}
            union all
            select 1 from versions cross join closed where versions.end_date <= closed.last_closed
            union all
            select 1 from versions
            where received_date <= (select min(received_date) from {main}.fct_dossier)
        )""",
}

DELTA_RULES: dict[str, DeltaRule] = {
    "agg_report_detail": DeltaRule(
        "agg_report_detail", ("period_kind", "period_key", "agency_code", "field_code", "procedure_code"),
        # every dossier of a period is carried over into it or new in it
        present="carried_over + received_new > 0",
        # open at the period's judging date (eval_date, which follows the data's date)
        moved="end_date is null or end_date > {old_as_of}",
        why="a dossier counts in every period from its receipt to its end: sums, so the old state is "
            "taken out and the new one added"),
    # count(distinct dossier_id) adds up too: a dossier's issues are all recomputed or all kept
    "agg_integrity": DeltaRule(
        "agg_integrity", ("period_kind", "period_key", "agency_code", "check_key"), present="issues > 0",
        moved="false", source="fct_integrity_issue",   # periods are matched on their days only
        why="an issue counts in the periods of its date"),
    "agg_dossier_day": DeltaRule(
        "agg_dossier_day", ("agency_code", "day"), present="received_new + finished > 0", periods=None,
        why="a dossier counts on the day it was received and on the day it ended"),
}
