"""Rankings inside peer groups (agg_ranking, warehouse/queries_targets.py) against answers worked out by
hand, and hypothesis properties of the ranking rule.

Fairness rule under test (ref_ranking_rule; docs/targets_rankings.md): an agency is ranked when
its KPI denominator reaches the minimum volume; shares are ranked on the pessimistic end of their 95%
Wilson interval (z = 1.959964, z^2 = 3.841459); ties share a rank (1, 1, 3); percentile =
1 - (rank - 1) / (n - 1).

Wilson bounds used below, by hand. For k = n (a perfect record) the lower bound is n / (n + z^2):
  20/20 -> 20/23.841459 = 0.83887,  10/10 -> 0.72247,  6/6 -> 6/9.841459 = 0.60967,  4/4 -> 0.51011.
For k = 0 the upper bound is z^2 / (n + z^2): 0/20 -> 0.16113, 0/6 -> 0.39033; the lower bound is 0.
Otherwise the textbook formula (wilson() below, written independently of the SQL):
  19/20 -> 0.76387,  18/20 -> 0.69896,  5/10 -> 0.23659.
"""

import datetime as dt
import math

import duckdb
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import dossier
from tests.targets_fixtures import Z95, build_warehouse, month_batch
from warehouse import build, queries_targets


def wilson(k: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval (Wilson 1927), textbook form."""
    p = k / n
    centre = p + z * z / (2 * n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return (centre - half) / (1 + z * z / n), (centre + half) / (1 + z * z / n)


def test_hand_values_of_the_wilson_bounds():
    z2 = Z95 ** 2
    assert wilson(20, 20)[0] == pytest.approx(20 / (20 + z2)) == pytest.approx(0.83887, abs=1e-5)
    assert wilson(4, 4)[0] == pytest.approx(4 / (4 + z2)) == pytest.approx(0.51011, abs=1e-5)
    assert wilson(0, 20)[1] == pytest.approx(z2 / (20 + z2))
    assert wilson(19, 20)[0] == pytest.approx(0.76387, abs=1e-5)
    assert wilson(5, 10)[0] == pytest.approx(0.23659, abs=1e-5)
    assert wilson(990, 1000)[0] == pytest.approx(0.98169, abs=1e-5)


# --- a peer group worked by hand ------------------------------------------------------------------------

DEPARTMENTS = [(c, f"Sở {c}", "department", None, None, None) for c in "ABCDEFGH"]

# March 2025 (on time / finished): A 20/20, B 20/20, C 4/4, D 19/20, F 5/10, G 6/6, H 0/4, E none;
# February: A 10/10, B 18/20, D 20/20. X: a code no agency list knows (unverified).
RANKING_DOSSIERS = (
    month_batch("A", 2025, 3, 20, 0) + month_batch("B", 2025, 3, 20, 0) + month_batch("C", 2025, 3, 4, 0)
    + month_batch("D", 2025, 3, 19, 1) + month_batch("F", 2025, 3, 5, 5) + month_batch("G", 2025, 3, 6, 0)
    + month_batch("H", 2025, 3, 0, 4) + month_batch("X", 2025, 3, 40, 0)
    + month_batch("A", 2025, 2, 10, 0) + month_batch("B", 2025, 2, 18, 2) + month_batch("D", 2025, 2, 20, 0)
)
MIN5_WILSON = [(None, None, 5, "wilson", Z95)]


@pytest.fixture(scope="module")
def wh(tmp_path_factory):
    r = build_warehouse(tmp_path_factory.mktemp("ranking"), RANKING_DOSSIERS, DEPARTMENTS, "2025-12-31",
                        rules=MIN5_WILSON)
    yield r
    r.close()


def by_agency(frame: pl.DataFrame) -> dict[str, dict]:
    return {row["agency_code"]: row for row in frame.iter_rows(named=True)}


def test_wilson_ranking_with_ties_tiny_agencies_and_an_empty_one(wh):
    """March, on time, minimum 5: ranked on the Wilson lower bound
       A 0.83887, B 0.83887 (tie) -> 1, 1;  D 0.76387 -> 3;  G 0.60967 -> 4 (6/6 = 100% raw, but only 6);
       F 0.23659 -> 5.  C (4/4) and H (0/4) are below 5: listed, not ranked. E: no dossiers.
    Percentiles (n = 5): A, B 1 - 0/4 = 1;  D 1 - 2/4 = 0.5;  G 0.25;  F 0.
    Median of the ranked values (1, 1, 0.95, 1, 0.5) = 1. Group rate (all members): 74/84."""
    rows = by_agency(queries_targets.ranking(wh, "month", "2025-03", "department", "on_time_rate"))
    ranked = {a: (r["rank"], r["percentile"]) for a, r in rows.items() if r["is_ranked"]}
    assert ranked == {"A": (1, 1.0), "B": (1, 1.0), "D": (3, 0.5), "G": (4, 0.25), "F": (5, 0.0)}
    assert rows["A"]["score"] == pytest.approx(20 / (20 + Z95 ** 2))
    assert rows["D"]["score"] == pytest.approx(wilson(19, 20)[0])
    assert {a: rows[a]["unranked_reason"] for a in "CEH"} == {
        "C": "below_min_volume", "H": "below_min_volume", "E": "no_dossiers"}
    assert rows["C"]["value"] == 1.0 and rows["H"]["value"] == 0.0 and rows["E"]["value"] is None
    assert rows["E"]["volume"] == 0
    assert {r["ranked_count"] for r in rows.values()} == {5}
    assert rows["A"]["peer_median"] == 1.0
    assert rows["A"]["peer_value"] == pytest.approx(74 / 84)
    assert rows["D"]["finished_late"] == 1
    # the unverified code X is in its own group and never ranked
    x = queries_targets.ranking(wh, "month", "2025-03", "unverified", "on_time_rate").row(0, named=True)
    assert (x["agency_code"], x["is_ranked"], x["unranked_reason"]) == ("X", False, "unverified")


def test_change_from_the_previous_month(wh):
    """February: D 20/20 (0.83887) 1, A 10/10 (0.72247) 2, B 18/20 (0.69896) 3.
    Rank change = previous - now: A 2 -> 1 = +1, B 3 -> 1 = +2, D 1 -> 3 = -2.
    Value change: A 1 - 1 = 0, B 1 - 0.9 = +0.1, D 0.95 - 1 = -0.05. G and F had no February."""
    rows = by_agency(queries_targets.ranking(wh, "month", "2025-03", "department", "on_time_rate"))
    assert {a: (rows[a]["previous_rank"], rows[a]["rank_change"]) for a in "ABD"} == {
        "A": (2, 1), "B": (3, 2), "D": (1, -2)}
    assert rows["A"]["value_change"] == pytest.approx(0.0)
    assert rows["B"]["value_change"] == pytest.approx(0.1)
    assert rows["D"]["value_change"] == pytest.approx(-0.05)
    assert rows["G"]["previous_rank"] is None and rows["G"]["rank_change"] is None


def test_lower_is_better_ranks_on_the_upper_bound(wh):
    """Late share, March: upper bounds A, B 0/20 -> 0.16113; D 1/20 -> 1 - lower(19/20) = 0.23613;
    G 0/6 -> 0.39033; F 5/10 -> 1 - 0.23659 = 0.76341. Ascending: A 1, B 1, D 3, G 4, F 5."""
    rows = by_agency(queries_targets.ranking(wh, "month", "2025-03", "department", "late_share"))
    ranks = {a: r["rank"] for a, r in rows.items() if r["is_ranked"]}
    assert ranks == {"A": 1, "B": 1, "D": 3, "G": 4, "F": 5}
    assert rows["D"]["score"] == pytest.approx(wilson(1, 20)[1])
    assert rows["G"]["score"] == pytest.approx(Z95 ** 2 / (6 + Z95 ** 2))


def test_a_lower_minimum_lets_tiny_agencies_in_without_letting_them_top_the_table(wh):
    """Minimum 3 chosen on the page: C (4/4, 0.51011) and H (0/4, lower bound 0) are ranked too, but
    4/4 ranks 5th, below 6/6 and 19/20: A 1, B 1, D 3, G 4, C 5, F 6, H 7. February's ranks are
    recomputed under the same minimum (all had >= 10): the changes are unchanged."""
    rows = by_agency(queries_targets.ranking(wh, "month", "2025-03", "department", "on_time_rate", 3))
    assert {a: r["rank"] for a, r in rows.items() if r["is_ranked"]} == {
        "A": 1, "B": 1, "D": 3, "G": 4, "C": 5, "F": 6, "H": 7}
    assert rows["C"]["score"] == pytest.approx(4 / (4 + Z95 ** 2))
    assert rows["H"]["score"] == pytest.approx(0.0, abs=1e-12)
    assert (rows["C"]["percentile"], rows["H"]["percentile"]) == (pytest.approx(1 - 4 / 6), 0.0)
    assert (rows["D"]["rank_change"], rows["E"]["unranked_reason"]) == (-2, "no_dossiers")
    assert {r["min_volume"] for r in rows.values()} == {3}


def test_raw_method_from_the_rule_table(tmp_path):
    """The same March with the rule row changed to method 'raw': A, B, G at 100% share rank 1;
    D (95%) 4; F (50%) 5. Percentiles: 1, 1, 1, 1 - 3/4 = 0.25, 0."""
    r = build_warehouse(tmp_path, RANKING_DOSSIERS, DEPARTMENTS, "2025-12-31",
                        rules=[(None, None, 5, "raw", Z95)])
    rows = by_agency(queries_targets.ranking(r, "month", "2025-03", "department", "on_time_rate"))
    rule = queries_targets.ranking_rule(r, "department", "on_time_rate")
    r.close()
    assert {a: (x["rank"], x["percentile"]) for a, x in rows.items() if x["is_ranked"]} == {
        "A": (1, 1.0), "B": (1, 1.0), "G": (1, 1.0), "D": (4, 0.25), "F": (5, 0.0)}
    assert {x["score_method"] for x in rows.values()} == {"raw"}
    assert (rule["min_volume"], rule["method"]) == (5, "raw")


def test_most_specific_rule_wins(tmp_path):
    """Default minimum 5; on_time_rate 15; on_time_rate for departments 25 (wins for departments).
    March on time with a minimum of 25: nobody has 25 finished (most have 20): nobody is ranked.
    Late share keeps the default 5."""
    rules = MIN5_WILSON + [("on_time_rate", None, 15, "wilson", Z95),
                           ("on_time_rate", "department", 25, "wilson", Z95)]
    r = build_warehouse(tmp_path, RANKING_DOSSIERS, DEPARTMENTS, "2025-12-31", rules=rules)
    on_time = queries_targets.ranking(r, "month", "2025-03", "department", "on_time_rate")
    late = queries_targets.ranking(r, "month", "2025-03", "department", "late_share")
    unverified_rule = queries_targets.ranking_rule(r, "unverified", "on_time_rate")
    r.close()
    assert set(on_time["min_volume"]) == {25} and not on_time["is_ranked"].any()
    assert set(late["min_volume"]) == {5} and late["is_ranked"].sum() == 5
    assert unverified_rule["min_volume"] == 15


def test_default_rule_is_seeded_when_the_table_is_empty(tmp_path):
    r = build_warehouse(tmp_path, RANKING_DOSSIERS, DEPARTMENTS, "2025-12-31")
    rule = queries_targets.ranking_rule(r, "department", "on_time_rate")
    rows = queries_targets.ranking(r, "month", "2025-03", "department", "on_time_rate")
    r.close()
    assert (rule["min_volume"], rule["method"], rule["z"]) == (30, "wilson", pytest.approx(Z95))
    assert not rows["is_ranked"].any()  # nobody has 30 finished dossiers in March


# --- before and after the reorganisation ----------------------------------------------------------------

REORG_AGENCIES = [
    ("O1", "UBND xã cũ 1", "commune", 1, None, "2025-06-30"),
    ("O2", "UBND xã cũ 2", "commune", 1, None, "2025-06-30"),
    ("N1", "UBND xã mới 1", "commune", 2, "2025-07-01", None),
    ("N2", "UBND xã mới 2", "commune", 2, "2025-07-01", None),
    ("P", "Sở P", "department", None, None, None),
]
REORG_DOSSIERS = (
    month_batch("O1", 2025, 5, 10, 0) + month_batch("O2", 2025, 5, 8, 2)
    + month_batch("N1", 2025, 8, 10, 0) + month_batch("N2", 2025, 8, 9, 1)
    + month_batch("P", 2025, 3, 10, 0) + month_batch("P", 2025, 9, 10, 0)
)


def test_peer_groups_before_and_after_1_july_2025(tmp_path):
    """Raw method, minimum 5. Year 2025 (straddles 01/07): old communes O1 10/10 -> 1, O2 8/10 -> 2;
    new communes N1 10/10 -> 1, N2 9/10 -> 2, each group on its own; department P alone: rank 1,
    percentile 1. Second half 2025: old communes are gone (ended 30/06, no dossiers); N1 has no
    first half, so no change; P 1 -> 1, change 0. Reporting half H2 2025 (15/06-14/12) lists the old
    communes, which existed until 30/06, without dossiers in it."""
    r = build_warehouse(tmp_path, REORG_DOSSIERS, REORG_AGENCIES, "2025-12-31",
                        rules=[(None, None, 5, "raw", Z95)])
    year = r.query("""select peer_group, agency_code, rank, percentile from agg_ranking
                      where period_kind = 'year' and period_key = '2025' and kpi = 'on_time_rate'
                      order by peer_group, agency_code""")
    h2 = by_agency(r.query("""select * from agg_ranking where period_kind = 'half' and period_key = '2025-H2'
                              and kpi = 'on_time_rate'"""))
    rep_h2 = by_agency(r.query("""select * from agg_ranking where period_kind = 'rep_half'
                                  and period_key = '2025-H2' and kpi = 'on_time_rate'"""))
    groups = queries_targets.ranking_peer_groups(r, "half", "2025-H2")
    r.close()
    assert list(year.iter_rows()) == [
        ("commune", "N1", 1, 1.0), ("commune", "N2", 2, 0.0),
        ("commune_old", "O1", 1, 1.0), ("commune_old", "O2", 2, 0.0),
        ("department", "P", 1, 1.0),
    ]
    assert set(h2) == {"N1", "N2", "P"}
    assert (h2["N1"]["rank"], h2["N1"]["previous_rank"], h2["N1"]["rank_change"]) == (1, None, None)
    assert (h2["P"]["rank"], h2["P"]["previous_rank"], h2["P"]["rank_change"]) == (1, 1, 0)
    assert [rep_h2[a]["unranked_reason"] for a in ("O1", "O2")] == ["no_dossiers", "no_dossiers"]
    assert groups["peer_group"].to_list() == ["department", "commune"]


# --- properties -----------------------------------------------------------------------------------------

def competition_ranks(scores: list[float], higher_is_better: bool) -> list[int]:
    """Standard competition ranking: 1 + the number of strictly better scores."""
    better = (lambda a, b: a > b) if higher_is_better else (lambda a, b: a < b)
    return [1 + sum(better(o, s) for o in scores) for s in scores]


def assert_competition_ranking(ranks: list[int]) -> None:
    """Sorted ranks read 1..n with the gaps of ties: r[0] = 1, and r[i] is r[i-1] (tie) or i + 1."""
    ordered = sorted(ranks)
    for i, rank in enumerate(ordered):
        assert 1 <= rank <= len(ordered)
        assert rank == 1 if i == 0 else rank in (ordered[i - 1], i + 1)


_MACROS = build.objects_sql("ranking_score", "ranking_exclusion", "peer_ranking")

agencies_strategy = st.lists(
    st.integers(min_value=0, max_value=60).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))),
    min_size=0, max_size=12,
)


@settings(max_examples=60, deadline=None)
@given(current=agencies_strategy, previous=agencies_strategy, min_volume=st.integers(0, 40),
       method=st.sampled_from(["wilson", "raw"]), higher_is_better=st.booleans())
def test_property_ranks_are_competition_ranks_and_shares_stay_in_0_1(current, previous, min_volume, method,
                                                                     higher_is_better):
    con = duckdb.connect()
    con.execute(_MACROS)
    con.execute("""create table dim_period as select * from (values
                       ('month', '2025-02', date '2025-02-01'), ('month', '2025-03', date '2025-03-01'))
                   as t(period_kind, period_key, start_date)""")
    rows = [("2025-03", f"A{i}", k, n) for i, (k, n) in enumerate(current)]
    rows += [("2025-02", f"A{i}", k, n) for i, (k, n) in enumerate(previous)]
    con.execute("create table raw_ (period_key varchar, agency_code varchar, k integer, n integer)")
    if rows:
        con.executemany("insert into raw_ values (?, ?, ?, ?)", rows)
    con.execute(f"""
        create table candidates as
        select 'month' as period_kind, period_key, 'department' as peer_group, 'kpi' as kpi, agency_code,
               {higher_is_better} as higher_is_better, k::double as numerator, n::double as denominator,
               k::double / nullif(n, 0) as value, n::double as volume, n as dossiers,
               ranking_score('{method}', true, {higher_is_better}, k::double, n::double,
                             k::double / nullif(n, 0), 1.959964) as score,
               ranking_exclusion('department', true, n, k::double / nullif(n, 0), n, {min_volume}, null, null)
                   as unranked_reason
        from raw_""")
    out = con.sql("select * from peer_ranking('candidates') where period_key = '2025-03'").pl()
    con.close()
    assert out.height == len(current)
    ranked = out.filter(pl.col("is_ranked"))
    eligible = [(k, n) for k, n in current if n > 0 and n >= min_volume]
    assert ranked.height == len(eligible)
    ranks = ranked["rank"].to_list()
    assert_competition_ranking(ranks)
    scores = ranked["score"].to_list()
    assert ranks == competition_ranks([round(s, 9) for s in scores], higher_is_better)
    for row in out.iter_rows(named=True):
        for col in ("value", "score", "percentile", "peer_median", "peer_value", "previous_value"):
            assert row[col] is None or -1e-12 <= row[col] <= 1 + 1e-12, (col, row)
        if row["is_ranked"]:
            assert row["ranked_count"] == len(eligible)
            if method == "wilson":  # the pessimistic bound is never kinder than the raw share
                if higher_is_better:
                    assert row["score"] <= row["value"] + 1e-12
                else:
                    assert row["score"] >= row["value"] - 1e-12
        else:
            assert row["rank"] is None and row["percentile"] is None
    # the best-ranked share never sits on fewer dossiers than the minimum
    assert all(n >= min_volume for n in ranked["volume"].to_list())


def _random_dossiers(draw_spec: list[tuple[str, int, int, int]]) -> list[dict]:
    rows = []
    for agency, month, on_time, late in draw_spec:
        rows += month_batch(agency, 2025, month, on_time, late, prefix=f"{len(rows)}-")
    return rows


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(spec=st.lists(st.tuples(st.sampled_from("ABCDE"), st.integers(1, 4), st.integers(0, 12),
                               st.integers(0, 6)), min_size=1, max_size=10),
       open_ended=st.booleans())
def test_property_built_warehouse_ranks_and_rates(spec, open_ended, tmp_path_factory):
    """Random small dossier sets through the real build: in every period, peer group and KPI the ranks
    are competition ranks, and every share, percentile and projection of a share lies in 0..1."""
    agencies = [(c, f"Sở {c}", "department", None, None, None) for c in "ABCDE"]
    targets = [(2025, "department", None, "on_time_rate", ">=", 0.96),
               (2025, "province", None, "late_share", "<=", 0.05)]
    extra = [dossier("OPEN1", "2025-04-20", "2025-05-30", None, agency="A", status=4)] if open_ended else []
    r = build_warehouse(tmp_path_factory.mktemp("prop"), _random_dossiers(spec) + extra, agencies,
                        "2025-04-30" if open_ended else "2025-12-31", targets=targets,
                        rules=[(None, None, 3, "wilson", Z95)])
    ranking = r.query("select * from agg_ranking")
    attainment = r.query("select * from agg_target_attainment")
    r.close()
    ranked = ranking.filter(pl.col("is_ranked"))
    for _, group in ranked.group_by("period_kind", "period_key", "peer_group", "kpi"):
        assert_competition_ranking(group["rank"].to_list())
    shares = ranking.filter(pl.col("bounded"))
    for col in ("value", "score", "percentile", "peer_median", "peer_value"):
        values = shares[col].drop_nulls()
        assert values.is_empty() or (values.min() >= -1e-12 and values.max() <= 1 + 1e-12), col
    for col in ("value", "projected_value", "recent_value"):
        values = attainment[col].drop_nulls()
        assert values.is_empty() or (values.min() >= -1e-12 and values.max() <= 1 + 1e-12), col
    assert (attainment["gap_units"].drop_nulls() >= 0).all()
    assert attainment.filter(pl.col("scope") == "province").height == 1


def test_ranking_period_dates_are_dim_period(wh):
    """Every row's period exists in dim_period; one row per period, peer group, KPI and agency."""
    dup = wh.query("""select count(*) as n from (
                          select period_kind, period_key, peer_group, kpi, agency_code, count(*) as c
                          from agg_ranking group by all having c > 1)""")["n"][0]
    orphans = wh.query("""select count(*) as n from agg_ranking
                          anti join dim_period using (period_kind, period_key)""")["n"][0]
    assert (dup, orphans) == (0, 0)
    assert dt.date(2025, 3, 1) in wh.query("select start_date from dim_period")["start_date"].to_list()


# --- absent input is not ranked (docs/inputs.md) ----------------------------------------------------------

def _with_fee(rows: list[dict], has_fee) -> list[dict]:
    return [{**r, "has_fee": has_fee} for r in rows]


def test_an_agency_missing_an_input_is_not_ranked_on_it(tmp_path):
    """March 2025, procedure P1 (not in any catalogue), no PAKN, no ratings. A: 5 dossiers on time, fees
    known and none charged (has_fee false); C: 4 on time + 1 late, fees known likewise; B: 5 on time, but
    its records say nothing about fees (has_fee null) and no catalogue flag stands in.

    Points unscored for lack of input (ref_766: the catalogue's three publication flags 3 x 4,5 and its
    online level 6 = 19,5; PAKN and ratings 6 + 6 + 6 = 18; data reuse 6):
      A = C = 19,5 + 18 + 6 = 43,5;  B = 43,5 + 10 (online payment: no fee information) = 53,5.
    B scores full timeliness like A, and would tie A if the missing payment group counted as full marks,
    or fall below C if it counted 0: neither is right, so B is not ranked on the 766 total
    ('missing_input'); A (timeliness 20 x 5/5) ranks 1 and C (20 x 4/5 = 16) 2.
    On the KPI online_payment_share nobody has a dossier with a fee: no value, nobody ranked."""
    dossiers = (_with_fee(month_batch("A", 2025, 3, 5, 0), False)
                + _with_fee(month_batch("C", 2025, 3, 4, 1), False)
                + _with_fee(month_batch("B", 2025, 3, 5, 0), None))
    agencies = [(c, f"Sở {c}", "department", None, None, None) for c in "ABC"]
    r = build_warehouse(tmp_path / "wh", dossiers, agencies, "2025-12-31",
                        rules=[(None, None, 1, "raw", Z95)])
    try:
        march = r.query("select * from agg_score_766 where period_kind = 'month' and period_key = '2025-03'")
        scores = {row["agency_code"]: row for row in march.iter_rows(named=True)}
        assert {a: scores[a]["unscored_points"] for a in "ABC"} == {"A": 43.5, "B": 53.5, "C": 43.5}
        assert scores["B"]["points_payment"] is None and scores["A"]["points_payment"] == 10.0
        rows = by_agency(queries_targets.ranking(r, "month", "2025-03", "department",
                                                 queries_targets.SCORE_766))
        assert {a: (rows[a]["is_ranked"], rows[a]["rank"], rows[a]["unranked_reason"]) for a in "ABC"} == {
            "A": (True, 1, None), "C": (True, 2, None), "B": (False, None, "missing_input")}
        assert rows["A"]["value"] - rows["C"]["value"] == pytest.approx(20 - 16)
        assert rows["B"]["peer_min_unscored"] == 43.5
        pay = by_agency(queries_targets.ranking(r, "month", "2025-03", "department", "online_payment_share"))
        assert {a: (pay[a]["value"], pay[a]["is_ranked"]) for a in "ABC"} == {
            "A": (None, False), "B": (None, False), "C": (None, False)}
        # the same rule when a page recomputes eligibility for another minimum volume
        again = by_agency(queries_targets.ranking(r, "month", "2025-03", "department",
                                                  queries_targets.SCORE_766, min_volume=1))
        assert again["B"]["unranked_reason"] == "missing_input" and again["A"]["rank"] == 1
    finally:
        r.close()
